"""The executions in the admin: the list (filters, search, order, counts), one execution's
read-only page, and retry and cancel through the services."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from executions import services
from executions.admin.display import STATUS_COLOURS, status_badge
from executions.admin.listing import EstimatedCountPaginator
from executions.models import Execution, ExecutionEvent
from rbac.services import role_assign, role_get
from tests.admin.conftest import client_of, make_staff
from tests.factories import add_logs, add_steps, make_execution, make_rule

LIST = "/admin/executions/execution/"


def page_of(execution) -> str:
    return f"{LIST}{execution.pk}/change/"


def shown(response) -> list:
    return list(response.context["cl"].result_list)


def notes(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def readonly(page: str, field: str) -> str:
    """What the page shows for a read-only field (its own box, the first after its row starts)."""
    return re.search(rf'field-{field}\b.*?<div class="readonly">(.*?)</div>', page, re.S).group(1)


@pytest.fixture
def failed_run(tenant):
    rule = make_rule(tenant=tenant, name="Notify on order")
    execution = make_execution(tenant=tenant, rule=rule, status="running",
                               trigger_data={"order": {"id": 42, "lines": [1, 2]}}, external_ref="order-42",
                               idempotency_key="idem-42")
    services.step_create(tenant_id=tenant.pk, execution_id=execution.pk, key="email", name="Send email",
                         status="completed")
    services.step_create(tenant_id=tenant.pk, execution_id=execution.pk, key="crm", name="Call CRM",
                         status="failed", error="502")
    services.step_create(tenant_id=tenant.pk, execution_id=execution.pk, key="archive", name="Archive")
    services.logs_append(tenant_id=tenant.pk, execution_id=execution.pk, entries=[
        {"message": "sending the email", "level": "info"},
        {"message": "the CRM answered 502", "level": "error", "step_key": "crm"},
    ])
    return services.execution_report(
        tenant_id=tenant.pk, execution_id=execution.pk, actor="system",
        changes={"status": "failed", "actions_successful": 1, "actions_failed": 1,
                 "error_message": "CRM answered 502 Bad Gateway",
                 "error_stack": "Traceback (most recent call last):\n  File \"engine.py\"\nCrmError: 502"},
    )


# The list


def test_the_list_shows_newest_first_with_status_rule_tenant_timing_and_counters(root_client, tenant, failed_run):
    older = make_execution(tenant=tenant, rule=failed_run.rule, status="completed")
    Execution.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(hours=1))

    response = root_client.get(LIST)
    page = response.content.decode()

    assert shown(response) == [failed_run, older]
    assert 'class="status-badge status-failed"' in page
    assert "Notify on order" in page and "Acme" in page
    assert "1/1/3" in page
    assert str(failed_run.pk)[-12:] in page


@pytest.mark.parametrize("query, expected", [
    ("status__exact=failed", {"failed"}),
    ("status__exact=running", {"running"}),
    ("status__exact=waiting", {"waiting"}),
])
def test_the_list_filters_by_status(root_client, tenant, failed_run, query, expected):
    make_execution(tenant=tenant, rule=failed_run.rule, status="running")
    make_execution(tenant=tenant, rule=failed_run.rule, status="waiting")

    assert {e.status for e in shown(root_client.get(f"{LIST}?{query}"))} == expected


def test_the_status_filter_offers_waiting(root_client, failed_run):
    page = root_client.get(LIST).content.decode()
    sidebar = page[page.index('id="changelist-filter"'):]
    assert '?status__exact=waiting"' in sidebar and ">Waiting</a>" in sidebar


def test_every_status_has_a_badge_of_its_own_colour():
    assert set(STATUS_COLOURS) == set(Execution.Status.values)
    assert len({background for background, _ in STATUS_COLOURS.values()}) == len(STATUS_COLOURS)
    badge = status_badge("waiting")
    assert 'class="status-badge status-waiting"' in badge and "background:#6a1b9a" in badge


def test_a_waiting_runs_badge_in_the_list_shows_its_reason_on_hover(root_client, tenant, failed_run):
    waiting = make_execution(tenant=tenant, rule=failed_run.rule, status="waiting")
    services.execution_report(tenant_id=tenant.pk, execution_id=waiting.pk, actor="system",
                              changes={"status_reason": "awaiting approval from finance"})

    page = root_client.get(f"{LIST}?status__exact=waiting").content.decode()

    assert '<span title="awaiting approval from finance"><span class="status-badge status-waiting"' in page


def test_the_list_filters_by_tenant_rule_and_trigger(root_client, tenant, other_tenant, failed_run):
    other_rule = make_rule(tenant=tenant, name="Sync CRM", trigger="contact.updated")
    synced = make_execution(tenant=tenant, rule=other_rule)
    theirs = make_execution(tenant=other_tenant)

    assert shown(root_client.get(f"{LIST}?tenant={other_tenant.pk}")) == [theirs]
    assert shown(root_client.get(f"{LIST}?rule={other_rule.pk}")) == [synced]
    assert shown(root_client.get(f"{LIST}?trigger=contact.updated")) == [synced]


def test_the_date_hierarchy_filters_on_the_start(root_client, tenant, failed_run):
    never_started = make_execution(tenant=tenant, rule=failed_run.rule)
    started = failed_run.started_at

    response = root_client.get(f"{LIST}?started_at__year={started.year}&started_at__month={started.month}")

    assert shown(response) == [failed_run]
    assert never_started not in shown(response)
    assert f"started_at__day={started.day}" in response.content.decode()


@pytest.mark.parametrize("term", ["exact id", "idem-42", "order-42", "notify on", "bad gateway"])
def test_search_finds_by_exact_id_key_or_ref_and_by_text_in_rule_name_or_error(root_client, tenant, failed_run, term):
    other = make_execution(tenant=tenant, rule=make_rule(tenant=tenant, name="Other"), external_ref="order-4")
    term = str(failed_run.pk) if term == "exact id" else term

    assert shown(root_client.get(LIST, {"q": term})) == [failed_run]
    assert other not in shown(root_client.get(LIST, {"q": term}))


def test_search_matches_keys_and_refs_exactly_only(root_client, failed_run):
    assert shown(root_client.get(LIST, {"q": "order-4"})) == []
    assert shown(root_client.get(LIST, {"q": str(failed_run.pk)[:-1]})) == []


def test_a_list_longer_than_the_cap_says_more_than_without_counting_everything(root_client, tenant, monkeypatch):
    monkeypatch.setattr(EstimatedCountPaginator, "cap", 3)
    rule = make_rule(tenant=tenant)
    for _ in range(5):
        make_execution(tenant=tenant, rule=rule)

    response = root_client.get(f"{LIST}?tenant={tenant.pk}")

    assert "More than 3 executions" in response.content.decode()
    assert response.context["cl"].full_result_count is None


# One execution


def test_the_page_of_an_execution_is_read_only(root_client, failed_run):
    response = root_client.get(page_of(failed_run))
    page = response.content.decode()

    assert response.status_code == 200
    assert "View execution" in page
    assert not re.search(r'<(input|textarea|select)[^>]+name="(status|error_message|trigger_data|tenant|rule)"', page)
    assert 'name="_save"' not in page
    assert root_client.post(page_of(failed_run), {"status": "completed"}).status_code == 403
    assert Execution.objects.get(pk=failed_run.pk).status == "failed"


def test_executions_are_never_added_or_deleted_in_the_admin(root_client, failed_run):
    assert root_client.get(f"{LIST}add/").status_code == 403
    assert root_client.get(f"{LIST}{failed_run.pk}/delete/").status_code == 403
    assert root_client.post(f"{LIST}{failed_run.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Execution.objects.filter(pk=failed_run.pk).exists()


def test_the_page_shows_json_pretty_printed_and_the_error_with_its_stack(root_client, failed_run):
    page = root_client.get(page_of(failed_run)).content.decode()

    pretty = json.dumps(failed_run.trigger_data, indent=2).replace('"', "&quot;")
    assert pretty in page
    assert "CRM answered 502 Bad Gateway" in page
    assert '<pre class="error-stack">Traceback (most recent call last):\n  File &quot;engine.py&quot;' in page


def test_the_page_of_a_waiting_run_shows_its_reason_the_time_it_waits_until_and_its_output(root_client, tenant,
                                                                                          failed_run):
    waiting = make_execution(tenant=tenant, rule=failed_run.rule, status="waiting")
    services.execution_report(tenant_id=tenant.pk, execution_id=waiting.pk, actor="system", changes={
        "status_reason": "awaiting approval from <finance>", "waiting_until": datetime(2030, 6, 1, 12, tzinfo=UTC),
        # Keys in the order PostgreSQL's jsonb keeps them (shorter first), which SQLite keeps as given.
        "output": {"amounts": [1, 2], "approval_request": "apr-77"}})

    page = root_client.get(page_of(waiting)).content.decode()

    assert 'class="status-badge status-waiting"' in page
    assert readonly(page, "status_reason") == "awaiting approval from &lt;finance&gt;"
    assert readonly(page, "waiting_until_detail") == "2030-06-01 12:00:00.000 UTC"
    pretty = json.dumps({"amounts": [1, 2], "approval_request": "apr-77"}, indent=2).replace('"', "&quot;")
    assert readonly(page, "output_json") == f'<pre class="pretty-json">{pretty}</pre>'


def test_the_page_of_a_run_without_a_reason_wait_or_output_shows_dashes(root_client, tenant, failed_run):
    running = make_execution(tenant=tenant, rule=failed_run.rule, status="running")

    page = root_client.get(page_of(running)).content.decode()

    for field in ("status_reason", "waiting_until_detail", "output_json"):
        assert readonly(page, field) == "—", field


def test_the_page_draws_the_steps_as_a_timeline_of_bars(root_client, failed_run):
    page = root_client.get(page_of(failed_run)).content.decode()
    start = page.index('<svg class="step-timeline"')
    timeline = page[start:page.index("</svg>", start)]

    assert timeline.count('<g class="step-bar') == 3
    assert timeline.count("<rect ") == 2  # archive has not started: no bar
    assert 'class="step-bar step-failed"' in timeline and 'fill="#c62828"' in timeline
    assert "not started" in timeline
    assert "<script" not in page[page.index('id="execution-steps"'):page.index('id="execution-logs"')]


def test_the_page_shows_log_lines_newest_first_capped_with_a_link_to_every_line(root_client, failed_run):
    add_logs(failed_run, 150)

    page = root_client.get(page_of(failed_run)).content.decode()
    sequences = [int(s) for s in re.findall(r'<td class="sequence">(\d+)</td>', page)]

    assert sequences == list(range(152, 52, -1))
    assert "The newest 100 of 152 lines" in page
    assert f'href="{LIST}{failed_run.pk}/logs/" id="all-log-lines"' in page
    assert 'class="status-badge status-info"' in page


def test_the_page_links_the_rule_and_both_neighbouring_attempts(root_client, acme_staff, failed_run):
    attempt, _ = services.execution_retry(tenant_id=failed_run.tenant_id, execution_id=failed_run.pk,
                                          actor="system")

    first = root_client.get(page_of(failed_run)).content.decode()
    second = root_client.get(page_of(attempt)).content.decode()

    assert f'href="/admin/executions/automationrule/{failed_run.rule_id}/change/"' in first
    assert f'href="{page_of(attempt)}">attempt 2' in first
    assert f'href="{page_of(failed_run)}">attempt 1' in second


# Retry and cancel


def test_retry_from_the_page_makes_the_next_attempt_through_the_service(acme_client, failed_run):
    page = acme_client.get(page_of(failed_run)).content.decode()
    assert 'id="retry-execution"' in page and 'id="cancel-execution"' not in page

    response = acme_client.post(f"{LIST}{failed_run.pk}/retry/")

    attempt = Execution.objects.get(retry_of=failed_run)
    assert response.status_code == 302 and response["Location"] == page_of(attempt)
    assert attempt.attempt == 2 and attempt.status == "pending"
    assert ExecutionEvent.objects.get(execution=failed_run, type="execution.retried").actor == "staff:ada"
    assert ExecutionEvent.objects.get(execution=attempt, type="execution.created").actor == "staff:ada"
    assert notes(response) == [f"Retried: this is attempt 2, {attempt.pk}."]


def test_a_second_retry_from_the_page_is_refused_with_the_services_reason(acme_client, failed_run):
    acme_client.post(f"{LIST}{failed_run.pk}/retry/")
    acme_client.get(page_of(failed_run))  # shows the first message

    response = acme_client.post(f"{LIST}{failed_run.pk}/retry/")

    assert response["Location"] == page_of(failed_run)
    assert "already retried" in notes(response)[0]
    assert Execution.objects.filter(rule=failed_run.rule).count() == 2


def test_cancel_from_the_page_cancels_through_the_service(acme_client, tenant, failed_run):
    running = make_execution(tenant=tenant, rule=failed_run.rule, status="running")
    assert 'id="cancel-execution"' in acme_client.get(page_of(running)).content.decode()

    response = acme_client.post(f"{LIST}{running.pk}/cancel/", {"reason": "the customer called it off"})

    assert response["Location"] == page_of(running)
    running.refresh_from_db()
    assert (running.status, running.status_reason) == ("cancelled", "the customer called it off")
    event = ExecutionEvent.objects.get(execution=running, type="execution.cancelled")
    assert event.actor == "staff:ada" and event.data == {"reason": "the customer called it off"}


def test_cancel_from_the_page_of_a_waiting_run_ends_the_wait_through_the_service(acme_client, tenant, failed_run):
    waiting = make_execution(tenant=tenant, rule=failed_run.rule, status="waiting")
    services.execution_report(tenant_id=tenant.pk, execution_id=waiting.pk, actor="system",
                              changes={"status_reason": "awaiting approval from finance",
                                       "waiting_until": timezone.now() + timedelta(days=1)})
    page = acme_client.get(page_of(waiting)).content.decode()
    assert 'id="cancel-execution"' in page and 'id="retry-execution"' not in page

    response = acme_client.post(f"{LIST}{waiting.pk}/cancel/", {"reason": "finance said no"})

    assert response["Location"] == page_of(waiting)
    assert notes(response) == ["Cancelled: finance said no"]
    waiting.refresh_from_db()
    assert (waiting.status, waiting.status_reason, waiting.waiting_until) == ("cancelled", "finance said no", None)
    event = ExecutionEvent.objects.get(execution=waiting, type="execution.cancelled")
    assert (event.previous_status, event.actor, event.data) == ("waiting", "staff:ada", {"reason": "finance said no"})


def test_retry_and_cancel_answer_only_get_and_post(acme_client, failed_run):
    assert acme_client.put(f"{LIST}{failed_run.pk}/retry/").status_code == 405
    assert acme_client.delete(f"{LIST}{failed_run.pk}/cancel/").status_code == 405


def test_bulk_retry_acts_on_the_retryable_and_says_why_it_skipped_the_others(acme_client, tenant, failed_run):
    timed_out = make_execution(tenant=tenant, rule=failed_run.rule, status="timeout")
    running = make_execution(tenant=tenant, rule=failed_run.rule, status="running")
    pending = make_execution(tenant=tenant, rule=failed_run.rule)

    response = acme_client.post(LIST, {"action": "retry_selected", "_selected_action": [
        str(e.pk) for e in (failed_run, timed_out, running, pending)]})

    assert Execution.objects.filter(retry_of__in=[failed_run, timed_out]).count() == 2
    assert not Execution.objects.filter(retry_of__in=[running, pending]).exists()
    assert notes(response) == ["Retried 2 executions. Skipped 2: 2 not failed, timed out or cancelled."]
    assert set(ExecutionEvent.objects.filter(type="execution.retried").values_list("actor", flat=True)) == {
        "staff:ada"}


def test_bulk_cancel_acts_on_the_unfinished_and_says_why_it_skipped_the_others(acme_client, tenant, failed_run):
    running = make_execution(tenant=tenant, rule=failed_run.rule, status="running")
    pending = make_execution(tenant=tenant, rule=failed_run.rule)
    waiting = make_execution(tenant=tenant, rule=failed_run.rule, status="waiting")

    response = acme_client.post(LIST, {"action": "cancel_selected", "_selected_action": [
        str(e.pk) for e in (failed_run, running, pending, waiting)]})

    unfinished = Execution.objects.filter(pk__in=[running.pk, pending.pk, waiting.pk])
    assert {(e.status, e.status_reason) for e in unfinished} == {("cancelled", "cancelled in the admin")}
    assert Execution.objects.get(pk=failed_run.pk).status == "failed"
    assert notes(response) == ["Cancelled 3 executions. Skipped 1: 1 not pending, running or waiting."]


def test_bulk_retry_skips_executions_of_a_tenant_where_the_role_cannot_execute(tenant, other_tenant, failed_run):
    theirs = make_execution(tenant=other_tenant, status="failed")
    staff = make_staff("mixed", tenant=tenant, role="operator")
    role_assign(user=staff, tenant=other_tenant, role=role_get(name="viewer"))

    response = client_of(staff).post(LIST, {"action": "retry_selected",
                                            "_selected_action": [str(failed_run.pk), str(theirs.pk)]})

    assert notes(response) == ["Retried 1 execution. Skipped 1: 1 your role in their tenant does not hold "
                               "automation:execute."]
    assert not Execution.objects.filter(retry_of=theirs).exists()


def test_a_role_without_execute_gets_no_actions_and_no_buttons(tenant, failed_run):
    client = client_of(make_staff("vic", tenant=tenant, role="viewer"))

    assert "retry_selected" not in client.get(LIST).content.decode()
    assert 'id="retry-execution"' not in client.get(page_of(failed_run)).content.decode()
    assert client.post(f"{LIST}{failed_run.pk}/retry/").status_code == 403
    assert not Execution.objects.filter(retry_of=failed_run).exists()


def test_without_djangos_change_permission_even_an_operator_cannot_act(tenant, failed_run):
    client = client_of(make_staff("olga", tenant=tenant, role="operator",
                                  permissions=["executions.view_execution"]))

    assert "retry_selected" not in client.get(LIST).content.decode()
    assert client.post(f"{LIST}{failed_run.pk}/retry/").status_code == 403


def test_a_selection_across_every_page_past_the_limit_is_refused(root_client, tenant, failed_run, monkeypatch):
    monkeypatch.setattr("executions.admin.executions.ACTION_LIMIT", 1)
    make_execution(tenant=tenant, rule=failed_run.rule, status="failed")

    response = root_client.post(LIST, {"action": "retry_selected", "select_across": "1", "index": "0",
                                       "_selected_action": [str(failed_run.pk)]})

    assert notes(response) == ["Select at most 1 executions at a time; nothing was done."]
    assert not Execution.objects.filter(retry_of__isnull=False).exists()


def test_the_timeline_has_a_row_for_every_step(root_client, tenant, failed_run):
    running = make_execution(tenant=tenant, rule=failed_run.rule, status="running")
    add_steps(running, 4)

    page = root_client.get(page_of(running)).content.decode()

    assert page.count('<g class="step-bar') == 4
