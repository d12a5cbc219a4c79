"""The admin in a real browser (Debian's chromium driven by Playwright): a staff user finds a
failed execution, reads it, and retries it; finds a waiting one, reads why and until when it
waits and what it reported, and cancels it; makes an API key and sees its secret once."""

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from executions import services
from executions.models import Execution, ExecutionEvent
from rbac.models import ApiKey, Role
from rbac.services import role_get
from tests.admin.conftest import PASSWORD, make_staff
from tests.factories import make_execution, make_rule, make_tenant

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
        services.step_create(tenant_id=acme.pk, execution_id=failed.pk, key=key, name=name, status=status)
    services.logs_append(tenant_id=acme.pk, execution_id=failed.pk, entries=[
        {"message": "email sent", "level": "info", "step_key": "email"},
        {"message": "CRM answered 502 Bad Gateway", "level": "error", "step_key": "crm"},
    ])
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


def test_staff_find_a_failed_execution_read_it_and_retry_it(live_server, browser_page, scene, artifacts):
    page, failed = browser_page, scene["failed"]
    log_in(page, live_server, "ada")
    expect(page.locator("#executions-dashboard")).to_contain_text("Acme")

    page.locator('#content-main tr.model-execution a[href="/admin/executions/execution/"]').first.click()
    filters = page.locator("#changelist-filter")
    expect(filters).not_to_contain_text("Globex")
    filters.get_by_role("link", name="Failed").click()
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
    expect(lines).to_have_count(2)
    expect(lines.first).to_contain_text("CRM answered 502 Bad Gateway")  # newest first
    expect(page.locator(".field-error_stack_text pre")).to_have_text("CrmError: 502")
    page.screenshot(path=str(artifacts / "execution-page.png"), full_page=True)

    page.locator("#retry-execution").click()

    expect(page.locator(".messagelist")).to_contain_text("Retried: this is attempt 2")
    attempt = Execution.objects.get(retry_of=failed)
    expect(page).to_have_url(re.compile(rf"/admin/executions/execution/{attempt.pk}/change/$"))
    expect(page.locator(".field-status_badge")).to_contain_text("pending")
    expect(page.locator(".field-previous_attempt a")).to_contain_text("attempt 1")
    assert ExecutionEvent.objects.get(execution=failed, type="execution.retried").actor == "staff:ada"
    page.screenshot(path=str(artifacts / "execution-retried.png"), full_page=True)

    page.locator(".field-previous_attempt a").click()
    expect(page.locator(".field-next_attempt_link a")).to_contain_text("attempt 2")
    expect(page.locator("#retry-execution")).to_have_count(0)


def test_staff_find_a_waiting_execution_read_why_and_until_when_it_waits_and_cancel_it(live_server, browser_page,
                                                                                        scene, artifacts):
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
    page.screenshot(path=str(artifacts / "execution-waiting.png"), full_page=True)

    page.locator("#cancel-execution").click()

    expect(page.locator(".messagelist")).to_contain_text("Cancelled.")
    expect(page).to_have_url(re.compile(rf"/admin/executions/execution/{waiting.pk}/change/$"))
    expect(page.locator(".field-status_badge")).to_contain_text("cancelled")
    expect(page.locator(".field-status_reason .readonly")).to_have_text("cancelled in the admin")
    expect(page.locator(".field-waiting_until_detail .readonly")).to_have_text("—")
    expect(page.locator("#cancel-execution")).to_have_count(0)
    expect(page.locator("#retry-execution")).to_have_count(1)
    event = ExecutionEvent.objects.get(execution=waiting, type="execution.cancelled")
    assert (event.previous_status, event.actor) == ("waiting", "staff:ada")
    assert Execution.objects.get(pk=waiting.pk).status == "cancelled"


def test_staff_make_an_api_key_and_see_its_secret_once(live_server, browser_page, scene, artifacts):
    page = browser_page
    log_in(page, live_server, "ada")

    page.goto(f"{live_server.url}/admin/rbac/apikey/add/")
    expect(page.locator("#id_tenant option")).to_have_count(2)  # the blank choice and Acme
    page.fill("#id_username", "engine")
    page.select_option("#id_tenant", label="Acme")
    page.select_option("#id_role", label="writer")
    page.fill("#id_name", "engine key")
    page.click("input[name=_save]")

    secret = page.locator("#api-key-secret")
    expect(secret).to_have_value(re.compile(r"^ak_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{32,}$"))
    key = secret.input_value()
    page.screenshot(path=str(artifacts / "api-key-created.png"), full_page=True)

    page.goto(f"{live_server.url}/admin/rbac/apikey/")
    expect(page.locator("#result_list")).to_contain_text("engine key")
    assert key not in page.content()
    page.locator("#result_list tbody tr th a").first.click()
    expect(page.locator(".field-name")).to_contain_text("engine key")
    assert key.split("_", 2)[2] not in page.content()
    assert ApiKey.objects.get(name="engine key").prefix == key.split("_")[1]
