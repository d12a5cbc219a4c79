"""The staff console's second pass (issue 12): the log viewer and its download, cancel and retry
behind confirmation pages, the steps' output and error, the history, the page that reloads itself
while its execution runs, unresolved failures, a rule's runs, and names that tell apart."""

import json
import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from executions import services
from executions.admin.rule_runs import percentile
from executions.models import Execution, ExecutionEvent
from tests.admin.conftest import client_of, make_staff
from tests.admin.test_query_counts import queries_of
from tests.factories import add_logs, make_execution, make_rule

LIST = "/admin/executions/execution/"
VIEWER_PERMISSIONS = ["executions.view_execution", "executions.view_automationrule"]


def page_of(execution) -> str:
    return f"{LIST}{execution.pk}/change/"


def logs_of(execution) -> str:
    return f"{LIST}{execution.pk}/logs/"


def sequences(response) -> list[int]:
    return [line.sequence for line in response.context["page"].lines]


def notes(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def viewer_client(tenant):
    """Vera: staff who may view executions (Django's view permissions, the viewer role), not act."""
    return client_of(make_staff("vera", tenant=tenant, role="viewer", permissions=VIEWER_PERMISSIONS))


@pytest.fixture
def logged(tenant):
    """A running execution with 250 lines: every tenth an error of step crm, the rest info of email."""
    execution = make_execution(tenant=tenant, status="running")
    for key in ("email", "crm"):
        services.step_create(tenant_id=tenant.pk, execution_id=execution.pk, key=key, status="running")
    services.logs_append(tenant_id=tenant.pk, execution_id=execution.pk, entries=[
        {"message": f"CRM answered 502 (line {n})", "level": "error", "step_key": "crm", "metadata": {"n": n}}
        if n % 10 == 0 else {"message": f"email progress {n}", "level": "info", "step_key": "email"}
        for n in range(1, 251)
    ])
    execution.refresh_from_db()
    return execution


# The log viewer


def test_the_log_viewer_pages_every_line_by_sequence(acme_client, logged):
    first = acme_client.get(logs_of(logged))
    assert first.status_code == 200 and sequences(first) == list(range(1, 101))
    page = first.context["page"]
    assert page.earlier is None and page.later == "after=100"

    second = acme_client.get(f"{logs_of(logged)}?{page.later}")
    assert sequences(second) == list(range(101, 201))
    assert second.context["page"].earlier == "before=101"

    third = acme_client.get(f"{logs_of(logged)}?after=200")
    assert sequences(third) == list(range(201, 251)) and third.context["page"].later is None

    back = acme_client.get(f"{logs_of(logged)}?before=101")
    assert sequences(back) == list(range(1, 101)) and back.context["page"].earlier is None

    newest = acme_client.get(f"{logs_of(logged)}?before=end")
    assert sequences(newest) == list(range(151, 251)) and newest.context["page"].later is None


def test_the_log_viewer_takes_a_malformed_position_for_the_first_page(acme_client, logged):
    for query in ("after=-5", "after=ten", "before=1e3"):
        assert sequences(acme_client.get(f"{logs_of(logged)}?{query}")) == list(range(1, 101))


def test_the_log_viewer_filters_by_level_and_step_and_searches_messages(acme_client, logged):
    errors = acme_client.get(f"{logs_of(logged)}?level=error")
    assert sequences(errors) == list(range(10, 251, 10))

    crm = acme_client.get(f"{logs_of(logged)}?step=crm&level=error&level=warn")
    assert sequences(crm) == list(range(10, 251, 10))

    found = acme_client.get(f"{logs_of(logged)}?q=crm ANSWERED 502 (line 12")
    assert sequences(found) == [120]
    assert "No line here matches" in acme_client.get(f"{logs_of(logged)}?q=nothing-like-this").content.decode()


def test_filtered_pages_keep_their_filters_in_the_paging_links(acme_client, tenant):
    execution = make_execution(tenant=tenant, status="running")
    add_logs(execution, 300)
    services.logs_append(tenant_id=tenant.pk, execution_id=execution.pk,
                         entries=[{"message": f"warned {n}", "level": "warn"} for n in range(120)])

    page = acme_client.get(f"{logs_of(execution)}?level=warn").context["page"]

    assert page.later == "level=warn&after=400"
    assert sequences(acme_client.get(f"{logs_of(execution)}?{page.later}")) == list(range(401, 421))


def test_the_log_viewer_takes_a_fixed_number_of_queries(acme_client, tenant):
    small, big = (make_execution(tenant=tenant, status="running") for _ in range(2))
    add_logs(small, 3)
    add_logs(big, 500)

    # session, user, user and group permissions, the staff scope, the execution (with rule, tenant
    # and attempts), the page of lines, the step keys
    assert queries_of(acme_client, logs_of(small)) == queries_of(acme_client, f"{logs_of(big)}?after=200") == 8


def test_the_download_streams_every_line_the_filters_keep_as_json_lines(acme_client, logged):
    response = acme_client.get(f"{logs_of(logged)}download/")

    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("application/x-ndjson")
    assert response["Content-Disposition"] == f'attachment; filename="execution-{logged.pk}-logs.jsonl"'
    lines = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
    assert [line["sequence"] for line in lines] == list(range(1, 251))
    assert lines[9] == {"sequence": 10, "timestamp": lines[9]["timestamp"], "level": "error",
                        "message": "CRM answered 502 (line 10)", "step_key": "crm", "action_index": None,
                        "event_type": None, "metadata": {"n": 10}}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", lines[0]["timestamp"])

    errors = acme_client.get(f"{logs_of(logged)}download/?level=error")
    kept = [json.loads(line) for line in b"".join(errors.streaming_content).decode().splitlines()]
    assert [line["sequence"] for line in kept] == list(range(10, 251, 10))


def test_the_download_reads_in_chunks_past_the_first(acme_client, tenant, monkeypatch):
    monkeypatch.setattr("executions.admin.logs.DOWNLOAD_CHUNK", 7)
    execution = make_execution(tenant=tenant, status="running")
    add_logs(execution, 30)

    body = b"".join(acme_client.get(f"{logs_of(execution)}download/").streaming_content).decode()

    assert [json.loads(line)["sequence"] for line in body.splitlines()] == list(range(1, 31))


def test_a_viewer_reads_every_line_without_an_api_key(viewer_client, logged):
    assert viewer_client.get(logs_of(logged)).status_code == 200
    assert viewer_client.get(f"{logs_of(logged)}download/").status_code == 200


def test_another_tenants_log_lines_are_missing_in_the_viewer_and_the_download(globex_client, logged):
    assert globex_client.get(logs_of(logged)).status_code == 404
    assert globex_client.get(f"{logs_of(logged)}download/").status_code == 404
    assert globex_client.get(f"{LIST}01890a5d-ac96-774b-bcce-b302099a8057/logs/").status_code == 404


def test_staff_without_the_view_permission_cannot_read_log_lines(tenant, logged):
    client = client_of(make_staff("nobody", tenant=tenant, permissions=()))
    assert client.get(logs_of(logged)).status_code == 403
    assert client.get(f"{logs_of(logged)}download/").status_code == 403


def test_the_page_links_to_the_log_viewer_and_each_step_to_its_lines(acme_client, logged):
    page = acme_client.get(page_of(logged)).content.decode()
    assert f'href="{logs_of(logged)}" id="execution-log-viewer"' in page
    assert f'href="{logs_of(logged)}?step=crm"' in page


# Cancel asks for a reason; retry says what it will do


def test_cancel_asks_for_confirmation_and_a_reason_first(acme_client, logged):
    response = acme_client.get(f"{LIST}{logged.pk}/cancel/")

    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="reason"' in page and 'id="confirm-cancel"' in page
    assert Execution.objects.get(pk=logged.pk).status == "running"


def test_cancel_without_a_reason_is_refused_on_the_form(acme_client, logged):
    response = acme_client.post(f"{LIST}{logged.pk}/cancel/", {"reason": "  "})

    assert response.status_code == 200 and "This field is required." in response.content.decode()
    assert Execution.objects.get(pk=logged.pk).status == "running"


def test_cancel_with_a_reason_records_it_on_the_execution_and_its_event(acme_client, logged):
    response = acme_client.post(f"{LIST}{logged.pk}/cancel/", {"reason": "duplicate order, see #4411"})

    assert response["Location"] == page_of(logged)
    assert notes(response) == ["Cancelled: duplicate order, see #4411"]
    logged.refresh_from_db()
    assert (logged.status, logged.status_reason) == ("cancelled", "duplicate order, see #4411")
    event = ExecutionEvent.objects.get(execution=logged, type="execution.cancelled")
    assert (event.actor, event.data) == ("staff:ada", {"reason": "duplicate order, see #4411"})


def test_retry_says_what_it_will_make_before_making_it(acme_client, tenant):
    rule = make_rule(tenant=tenant, name="Sync invoices")
    failed = make_execution(tenant=tenant, rule=rule, status="failed", trigger_data={"invoice": 77})

    page = acme_client.get(f"{LIST}{failed.pk}/retry/").content.decode()

    plan = page[page.index('id="retry-plan"'):page.index("</p>", page.index("retry-plan"))]
    plan = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", plan))
    assert "makes attempt 2 of the rule Sync invoices (version 1)" in plan
    assert "with the same trigger data" in plan
    assert "&quot;invoice&quot;: 77" in page and 'id="confirm-retry"' in page
    assert not Execution.objects.filter(retry_of=failed).exists()


def test_retry_of_an_execution_retried_already_says_so_and_offers_no_button(acme_client, tenant):
    failed = make_execution(tenant=tenant, status="failed")
    attempt, _ = services.execution_retry(tenant_id=tenant.pk, execution_id=failed.pk, actor="system")

    page = acme_client.get(f"{LIST}{failed.pk}/retry/").content.decode()

    assert 'id="confirm-retry"' not in page and "it was retried already" in page
    assert page_of(attempt) in page


@pytest.mark.parametrize("verb, status", [("cancel", "running"), ("retry", "failed")])
def test_a_viewer_can_neither_cancel_nor_retry(viewer_client, tenant, verb, status):
    execution = make_execution(tenant=tenant, status=status)

    assert viewer_client.get(f"{LIST}{execution.pk}/{verb}/").status_code == 403
    assert viewer_client.post(f"{LIST}{execution.pk}/{verb}/", {"reason": "no"}).status_code == 403
    assert f'{verb}/"' not in viewer_client.get(page_of(execution)).content.decode()
    assert Execution.objects.get(pk=execution.pk).status == status
    assert not Execution.objects.filter(retry_of=execution).exists()


# One execution's page


def test_each_step_expands_to_its_output_and_its_error(acme_client, tenant):
    execution = make_execution(tenant=tenant, status="running")
    services.step_create(tenant_id=tenant.pk, execution_id=execution.pk, key="reserve", status="completed",
                         output={"reserved": 3, "warehouse": "FRA-1"})
    services.step_create(tenant_id=tenant.pk, execution_id=execution.pk, key="crm", status="failed",
                         error="CRM answered <502>")

    page = acme_client.get(page_of(execution)).content.decode()

    reserve = page[page.index('id="step-reserve"'):page.index('id="step-crm"')]
    assert '<details class="step-row step-completed" id="step-reserve">' in page
    assert '<pre class="pretty-json step-output">{\n  &quot;reserved&quot;: 3,\n  &quot;warehouse&quot;' in reserve
    assert '<details class="step-row step-failed" id="step-crm" open>' in page  # a failure is open
    assert '<pre class="error-stack step-error">CRM answered &lt;502&gt;</pre>' in page


def test_the_history_shows_data_as_json_and_the_retry_with_a_link_to_the_next_attempt(acme_client, tenant):
    execution = make_execution(tenant=tenant, status="failed")
    attempt, _ = services.execution_retry(tenant_id=tenant.pk, execution_id=execution.pk, actor="staff:ada")
    cancelled = make_execution(tenant=tenant, status="running")
    services.execution_cancel(tenant_id=tenant.pk, execution_id=cancelled.pk, actor="staff:ada", reason="dup")

    page = acme_client.get(page_of(execution)).content.decode()
    retried = page[page.index('class="event event-executionretried"'):]
    retried = retried[:retried.index("</tr>")]
    assert "failed (stays; retried)" in retried and "failed → failed" not in retried
    assert f'Made <a href="{page_of(attempt)}">attempt 2' in retried
    moves = re.findall(r'<td class="move"[^>]*>(.*?)</td>', page)
    assert moves == ["→ pending", "pending → running", "running → failed", "failed (stays; retried)"]  # oldest first

    other = acme_client.get(page_of(cancelled)).content.decode()
    assert '<pre class="pretty-json">{\n  &quot;reason&quot;: &quot;dup&quot;\n}</pre>' in other


def test_the_page_of_an_unfinished_execution_reloads_itself_until_it_ends(acme_client, tenant):
    running = make_execution(tenant=tenant, status="running")
    waiting = make_execution(tenant=tenant, status="waiting")
    done = make_execution(tenant=tenant, status="completed")

    for execution in (running, waiting):
        page = acme_client.get(page_of(execution)).content.decode()
        assert '<meta http-equiv="refresh" content="10">' in page and 'id="refresh-note"' in page
    page = acme_client.get(page_of(done)).content.decode()
    assert 'http-equiv="refresh"' not in page and 'id="refresh-note"' not in page


# Unresolved failures


@pytest.fixture
def chains(tenant):
    """A failure a retry fixed, a failure retried that failed again, a timeout, a lone failure and
    a cancelled run."""
    rule = make_rule(tenant=tenant)

    def retried(execution, status):
        attempt, _ = services.execution_retry(tenant_id=tenant.pk, execution_id=execution.pk, actor="system")
        for step in {"completed": ["running", "completed"], "failed": ["running", "failed"]}[status]:
            attempt = services.execution_report(tenant_id=tenant.pk, execution_id=attempt.pk, actor="system",
                                                changes={"status": step})
        return attempt

    fixed = make_execution(tenant=tenant, rule=rule, status="failed")
    retried(fixed, "completed")
    again = make_execution(tenant=tenant, rule=rule, status="failed")
    failed_again = retried(again, "failed")
    timed_out = make_execution(tenant=tenant, rule=rule, status="timeout")
    lone = make_execution(tenant=tenant, rule=rule, status="failed")
    make_execution(tenant=tenant, rule=rule, status="cancelled")
    return {"unresolved": [lone, timed_out, failed_again]}


def test_the_unresolved_filter_shows_only_the_latest_attempt_of_chains_that_failed(acme_client, chains):
    response = acme_client.get(f"{LIST}?failures=unresolved")

    assert list(response.context["cl"].result_list) == chains["unresolved"]
    assert '?failures=unresolved"' in response.content.decode()  # offered in the sidebar


def test_the_dashboard_counts_and_lists_unresolved_failures_with_a_link(acme_client, chains):
    response = acme_client.get("/admin/")
    dashboard = response.context["dashboard"]
    page = response.content.decode()

    assert dashboard.unresolved == 3 and not dashboard.unresolved_capped
    assert dashboard.failures == chains["unresolved"]
    assert 'href="/admin/executions/execution/?failures=unresolved"><strong>3</strong> executions</a>' in page


# A rule's runs


def test_percentiles_are_nearest_rank():
    assert percentile([], 0.5) is None
    assert percentile([10], 0.95) == 10
    values = list(range(1, 101))
    assert (percentile(values, 0.5), percentile(values, 0.95)) == (50, 95)


def test_a_rules_page_shows_its_newest_runs_as_a_strip_linked_to_each(root_client, tenant, rule):
    runs = [make_execution(tenant=tenant, rule=rule, status=status)
            for status in ["completed"] * 52 + ["failed", "running"]]

    response = root_client.get(f"/admin/executions/automationrule/{rule.pk}/change/")
    page = response.content.decode()

    strip = response.context["rule_runs"].strip
    assert [square.execution for square in strip] == runs[-50:]  # the newest 50, oldest first
    assert f'href="{page_of(runs[-1])}"' in page and f'href="{page_of(runs[0])}"' not in page
    assert 'class="run status-failed"' in page and "background:#c62828" in page


def test_a_rules_page_shows_success_rate_and_duration_percentiles_over_24_hours_and_7_days(root_client, tenant, rule):
    now = timezone.now()
    # (age, status, duration in ms)
    for age, status, duration in [(timedelta(hours=1), "completed", 1000), (timedelta(hours=2), "completed", 3000),
                                  (timedelta(hours=3), "failed", 500), (timedelta(days=3), "completed", 9000),
                                  (timedelta(days=4), "timeout", 100), (timedelta(days=5), "cancelled", None),
                                  (timedelta(days=9), "failed", 1)]:
        execution = make_execution(tenant=tenant, rule=rule, status=status)
        Execution.objects.filter(pk=execution.pk).update(created_at=now - age, duration_ms=duration)

    day, week = root_client.get(f"/admin/executions/automationrule/{rule.pk}/change/").context["rule_runs"].windows

    assert (day.label, day.runs, day.completed, day.failed, day.success_rate) == ("24 hours", 3, 2, 1, "66.7 %")
    assert (day.p50, day.p95) == ("1.0 s", "3.0 s")
    assert (week.runs, week.completed, week.failed, week.success_rate) == (6, 3, 2, "60.0 %")
    assert (week.p50, week.p95) == ("3.0 s", "9.0 s")


def test_a_rules_page_takes_the_same_queries_for_few_and_many_runs(root_client, tenant, rule):
    make_execution(tenant=tenant, rule=rule, status="completed")
    url = f"/admin/executions/automationrule/{rule.pk}/change/"
    few = queries_of(root_client, url)
    for _ in range(60):
        make_execution(tenant=tenant, rule=rule, status="completed")

    # session, user, the rule (with its tenant and last 24 hours' counts), the strip, the runs of
    # 7 days, the tenant choices
    assert few == queries_of(root_client, url) == 6


# Names


def test_the_console_is_named_after_the_service_and_lists_by_their_names(root_client, tenant, member):
    index = root_client.get("/admin/").content.decode()
    assert '<a href="/admin/">Execution tracking</a>' in index and "<title>" in index
    for url, title in [(LIST, "Executions"), ("/admin/executions/automationrule/", "Rules"),
                       ("/admin/rbac/apikey/", "API keys"), ("/admin/tenants/tenant/", "Tenants")]:
        page = root_client.get(url).content.decode()
        assert f"<h1>{title}</h1>" in page and "Select" not in page[page.index("<h1>"):page.index("</h1>")], url
        assert f"<title>{title} | Execution tracking</title>" in page


def test_tenants_are_shown_with_their_slug_where_two_could_share_a_name(root_client, tenant, db):
    from tests.factories import make_tenant

    twin = make_tenant(name="Acme", slug="acme-eu")
    make_execution(tenant=tenant)
    make_execution(tenant=twin)

    page = root_client.get(LIST).content.decode()
    sidebar = page[page.index('id="changelist-filter"'):]

    assert "Acme (acme)" in page and "Acme (acme-eu)" in page
    assert ">Acme (acme)</a>" in sidebar and ">Acme (acme-eu)</a>" in sidebar
    dashboard = root_client.get("/admin/").context["dashboard"]
    assert sorted(t.label for t in dashboard.tenants) == ["Acme (acme)", "Acme (acme-eu)"]
