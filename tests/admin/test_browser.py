"""The admin in a real browser (Debian's chromium driven by Playwright, on a 1366x768 screen): a
staff user finds a failed execution, reads it, and retries it after seeing what the retry makes;
staff made by grant_staff see their tenant's runs only, a step's error, every log line page by
page, and cancel a run with a reason; a rule's page shows its runs; the lists fit the screen; a
key's secret is shown once. Each changed page is kept as a screenshot in test-artifacts/admin/."""

import io
import re
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from executions import services
from executions.models import Execution, ExecutionEvent
from rbac.models import ApiKey, Role
from rbac.services import role_get
from tests.admin.conftest import PASSWORD, VIEWPORT, make_staff
from tests.factories import add_logs, make_execution, make_rule, make_tenant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#site-name")).to_be_visible()


@pytest.fixture
def scene():
    """Acme with a failed run (steps and logs) among others, Globex with its own, and Ada, staff
    with the admin role in Acme."""
    for name in Role.BUILTIN:  # flushed by the transactional test before, made again
        role_get(name=name)
    acme, globex = make_tenant(name="Acme", slug="acme"), make_tenant(name="Globex", slug="globex")
    rule = make_rule(tenant=acme, name="Notify on order")
    make_execution(tenant=acme, rule=rule, status="completed")
    make_execution(tenant=acme, rule=rule, status="running")
    make_execution(tenant=globex, rule=make_rule(tenant=globex, name="Globex payroll"), status="failed")
    failed = make_execution(tenant=acme, rule=rule, status="running", external_ref="order-42")
    for key, name, status in (("email", "Send email", "completed"), ("crm", "Call CRM", "failed"),
                              ("archive", "Archive", "pending")):
        services.step_create(tenant_id=acme.pk, execution_id=failed.pk, key=key, name=name, status=status,
                             error="CRM answered 502 Bad Gateway" if status == "failed" else None,
                             output={"message_id": "msg-8f2c41"} if status == "completed" else None)
    services.logs_append(tenant_id=acme.pk, execution_id=failed.pk, entries=[
        {"message": "email sent", "level": "info", "step_key": "email"},
        {"message": "CRM answered 502 Bad Gateway", "level": "error", "step_key": "crm"},
    ])
    add_logs(failed, 148)  # 150 lines: two pages in the log viewer
    failed = services.execution_report(
        tenant_id=acme.pk, execution_id=failed.pk, actor="system",
        changes={"status": "failed", "actions_successful": 1, "actions_failed": 1,
                 "error_message": "CRM answered 502 Bad Gateway", "error_stack": "CrmError: 502"},
    )
    waiting = make_execution(tenant=acme, rule=rule, status="running", external_ref="order-43")
    services.step_create(tenant_id=acme.pk, execution_id=waiting.pk, key="email", name="Send email",
                         status="completed")
    services.step_create(tenant_id=acme.pk, execution_id=waiting.pk, key="approve", name="Approval")
    services.logs_append(tenant_id=acme.pk, execution_id=waiting.pk, entries=[
        {"message": "asked finance for approval", "level": "info", "step_key": "approve"},
    ])
    waiting = services.execution_report(
        tenant_id=acme.pk, execution_id=waiting.pk, actor="system",
        changes={"status": "waiting", "status_reason": "awaiting approval from finance",
                 "waiting_until": datetime(2030, 6, 1, 12, tzinfo=UTC),
                 # Keys in the order PostgreSQL's jsonb keeps them (shorter first), as SQLite keeps them.
                 "output": {"amount": "12400.00", "approval_request": "apr-43"}},
    )
    make_staff("ada", tenant=acme)
    return {"acme": acme, "failed": failed, "waiting": waiting}


def shot(page, artifacts, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def right_edge(locator) -> float:
    box = locator.bounding_box()
    return box["x"] + box["width"]


def test_staff_find_a_failed_execution_read_it_and_retry_it(live_server, browser_page, scene, artifacts):
    page, failed = browser_page, scene["failed"]
    log_in(page, live_server, "ada")
    expect(page.locator("#site-name")).to_have_text("Execution tracking")
    expect(page.locator("#executions-dashboard")).to_contain_text("Acme (acme)")
    expect(page.locator("#unresolved-failures")).to_contain_text("1 execution")
    shot(page, artifacts, "dashboard")

    page.locator('#content-main tr.model-execution a[href="/admin/executions/execution/"]').first.click()
    expect(page.locator("h1")).to_have_text("Executions")
    filters = page.locator("#changelist-filter")
    expect(filters).not_to_contain_text("Globex")
    filters.get_by_role("link", name="Failed", exact=True).click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("failed")

    rows.first.locator("th a").click()
    expect(page.locator("h2").first).to_contain_text(str(failed.pk))
    timeline = page.locator("svg.step-timeline")
    expect(timeline).to_be_visible()
    expect(timeline.locator("g.step-bar")).to_have_count(3)
    expect(timeline.locator("rect")).to_have_count(2)
    lines = page.locator("#execution-logs tr.log-line")
    expect(lines).to_have_count(100)
    expect(page.locator(".field-error_stack_text pre")).to_have_text("CrmError: 502")
    # A failed step is open on its error; another opens on its output with a click (no script).
    expect(page.locator("#step-crm .step-error")).to_have_text("CRM answered 502 Bad Gateway")
    expect(page.locator("#step-email .step-output")).to_be_hidden()
    page.locator("#step-email summary").click()
    expect(page.locator("#step-email .step-output")).to_contain_text('"message_id": "msg-8f2c41"')
    expect(page.locator('meta[http-equiv="refresh"]')).to_have_count(0)  # final: no reloading
    shot(page, artifacts, "execution-failed")

    page.locator("#retry-execution").click()
    expect(page.locator("#retry-plan")).to_contain_text("makes attempt 2 of the rule Notify on order")
    expect(page.locator("#retry-plan")).to_contain_text("same trigger data")
    assert not Execution.objects.filter(retry_of=failed).exists()
    shot(page, artifacts, "retry-confirmation")
    page.locator("#confirm-retry").click()

    expect(page.locator(".messagelist")).to_contain_text("Retried: this is attempt 2")
    attempt = Execution.objects.get(retry_of=failed)
    expect(page).to_have_url(re.compile(rf"/admin/executions/execution/{attempt.pk}/change/$"))
    expect(page.locator(".field-status_badge")).to_contain_text("pending")
    expect(page.locator(".field-previous_attempt a")).to_contain_text("attempt 1")
    expect(page.locator("#refresh-note")).to_be_visible()  # unfinished: the page reloads itself
    assert ExecutionEvent.objects.get(execution=failed, type="execution.retried").actor == "staff:ada"

    page.locator(".field-previous_attempt a").click()
    expect(page.locator(".field-next_attempt_link a")).to_contain_text("attempt 2")
    retried = page.locator("tr.event-executionretried")
    expect(retried.locator("td.move")).to_have_text("failed (stays; retried)")
    expect(retried.locator("td.data a")).to_contain_text("attempt 2")
    expect(page.locator("#retry-execution")).to_have_count(0)
    shot(page, artifacts, "execution-retried")


def test_staff_made_by_grant_staff_see_their_runs_a_steps_error_every_log_line_and_cancel_with_a_reason(
        live_server, browser_page, scene, artifacts):
    page, failed, waiting = browser_page, scene["failed"], scene["waiting"]
    call_command("grant_staff", "olga", "--tenant", "acme", "--role", "operator", stdout=io.StringIO())
    olga = get_user_model().objects.get(username="olga")
    olga.set_password(PASSWORD)
    olga.save()
    log_in(page, live_server, "olga")

    page.goto(f"{live_server.url}/admin/executions/execution/")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(4)  # Acme's four, none of Globex's
    expect(page.locator("#result_list")).not_to_contain_text("Globex")
    expect(page.locator("#result_list")).to_contain_text("Acme (acme)")
    # Every column, the counters last, fits a 1366-pixel screen: the list does not scroll sideways.
    expect(page.locator("#result_list td.field-counters").first).to_be_visible()
    assert page.locator("#changelist .results").evaluate("box => box.scrollWidth <= box.clientWidth")
    assert right_edge(page.locator("#result_list td.field-counters").first) <= right_edge(
        page.locator("#changelist .results"))
    shot(page, artifacts, "executions-list")
    page.goto(f"{live_server.url}/admin/executions/execution/?failures=unresolved")
    expect(rows).to_have_count(1)

    page.goto(f"{live_server.url}/admin/executions/execution/{failed.pk}/change/")
    expect(page.locator("#step-crm .step-error")).to_have_text("CRM answered 502 Bad Gateway")
    page.locator("#execution-log-viewer").click()
    expect(page.locator("h1")).to_have_text("Log lines")
    log_rows = page.locator("tr.log-line")
    expect(log_rows).to_have_count(100)
    expect(log_rows.first.locator("td.sequence")).to_have_text("1")
    shot(page, artifacts, "log-viewer")
    page.locator("#log-later").click()
    expect(log_rows).to_have_count(50)
    expect(log_rows.first.locator("td.sequence")).to_have_text("101")
    expect(log_rows.last.locator("td.sequence")).to_have_text("150")
    expect(page.locator("#log-later")).to_have_count(0)
    shot(page, artifacts, "log-viewer-page-2")
    page.locator("#log-filters input[value=error]").check()
    page.locator("#log-filters input[type=submit]").click()
    expect(log_rows).to_have_count(1)
    expect(log_rows.first).to_contain_text("CRM answered 502 Bad Gateway")

    page.goto(f"{live_server.url}/admin/executions/execution/{waiting.pk}/change/")
    expect(page.locator('meta[http-equiv="refresh"]')).to_have_count(1)  # waiting: it reloads itself
    page.locator("#cancel-execution").click()
    expect(page.locator("#cancel-plan")).to_be_visible()
    expect(page.locator("#id_reason")).to_have_attribute("required", "")  # no reason, no cancel
    page.fill("#id_reason", "finance declined the order")
    shot(page, artifacts, "cancel-confirmation")
    page.locator("#confirm-cancel").click()

    expect(page.locator(".messagelist")).to_contain_text("Cancelled: finance declined the order")
    expect(page.locator(".field-status_badge")).to_contain_text("cancelled")
    expect(page.locator(".field-status_reason .readonly")).to_have_text("finance declined the order")
    expect(page.locator(".field-waiting_until_detail .readonly")).to_have_text("—")
    expect(page.locator("tr.event-executioncancelled td.data")).to_contain_text(
        '"reason": "finance declined the order"')
    expect(page.locator("#cancel-execution")).to_have_count(0)
    expect(page.locator('meta[http-equiv="refresh"]')).to_have_count(0)
    event = ExecutionEvent.objects.get(execution=waiting, type="execution.cancelled")
    assert (event.previous_status, event.actor, event.data) == (
        "waiting", "staff:olga", {"reason": "finance declined the order"})
    shot(page, artifacts, "execution-cancelled")


def test_staff_read_a_waiting_execution_why_and_until_when_it_waits(live_server, browser_page, scene, artifacts):
    page, waiting = browser_page, scene["waiting"]
    log_in(page, live_server, "ada")
    expect(page.locator("#executions-dashboard thead").first).to_contain_text("waiting")

    page.goto(f"{live_server.url}/admin/executions/execution/")
    page.locator("#changelist-filter").get_by_role("link", name="Waiting").click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    badge = rows.first.locator(".status-badge")
    expect(badge).to_have_text("waiting")
    expect(badge).to_have_css("background-color", "rgb(106, 27, 154)")
    expect(rows.first.locator('[title="awaiting approval from finance"]')).to_have_count(1)

    rows.first.locator("th a").click()
    expect(page.locator("h2").first).to_contain_text(str(waiting.pk))
    expect(page.locator(".field-status_badge")).to_contain_text("waiting")
    expect(page.locator(".field-status_reason .readonly")).to_have_text("awaiting approval from finance")
    expect(page.locator(".field-waiting_until_detail .readonly")).to_have_text("2030-06-01 12:00:00.000 UTC")
    expect(page.locator(".field-output_json pre.pretty-json")).to_have_text(
        '{\n  "amount": "12400.00",\n  "approval_request": "apr-43"\n}')
    expect(page.locator("svg.step-timeline g.step-bar")).to_have_count(2)
    expect(page.locator("#execution-logs tr.log-line")).to_have_count(1)
    expect(page.locator("#retry-execution")).to_have_count(0)
    expect(page.locator("#refresh-note")).to_contain_text("reloads itself every 10 s")
    shot(page, artifacts, "execution-waiting")


def test_a_rules_page_shows_its_runs_as_a_strip_and_its_figures(live_server, browser_page, scene, artifacts):
    page = browser_page
    rule = scene["failed"].rule
    log_in(page, live_server, "ada")

    page.goto(f"{live_server.url}/admin/executions/automationrule/")
    expect(page.locator("h1")).to_have_text("Rules")
    page.locator("#result_list tbody tr th a").first.click()
    strip = page.locator("#rule-runs .run-strip a.run")
    expect(strip).to_have_count(Execution.objects.filter(rule=rule).count())
    expect(page.locator("#rule-runs tr.window").first).to_contain_text("Last 24 hours")
    shot(page, artifacts, "rule-page")
    strip.last.click()
    expect(page).to_have_url(re.compile(r"/admin/executions/execution/[0-9a-f-]+/change/$"))


def test_staff_make_an_api_key_and_see_its_secret_once(live_server, browser_page, scene, artifacts):
    page = browser_page
    log_in(page, live_server, "ada")

    page.goto(f"{live_server.url}/admin/rbac/apikey/add/")
    expect(page.locator("#id_tenant option")).to_have_count(2)  # the blank choice and Acme
    page.fill("#id_username", "engine")
    page.select_option("#id_tenant", label="Acme (acme)")
    page.select_option("#id_role", label="writer")
    page.fill("#id_name", "engine key")
    page.click("input[name=_save]")

    secret = page.locator("#api-key-secret")
    expect(secret).to_have_value(re.compile(r"^ak_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{32,}$"))
    key = secret.input_value()
    shot(page, artifacts, "api-key-created")

    page.goto(f"{live_server.url}/admin/rbac/apikey/")
    expect(page.locator("h1")).to_have_text("API keys")
    expect(page.locator("#result_list")).to_contain_text("engine key")
    # The state column is inside a 1366-pixel screen.
    state = page.locator("#result_list td.field-state").first
    expect(state).to_have_text("active")
    assert right_edge(state) <= VIEWPORT["width"]
    assert page.locator("#changelist .results").evaluate("box => box.scrollWidth <= box.clientWidth")
    shot(page, artifacts, "api-keys-list")
    assert key not in page.content()
    page.locator("#result_list tbody tr th a").first.click()
    expect(page.locator(".field-name")).to_contain_text("engine key")
    assert key.split("_", 2)[2] not in page.content()
    assert ApiKey.objects.get(name="engine key").prefix == key.split("_")[1]
