"""The "Failure groups" section of the contract: error_fingerprint, and GET /failures."""

from datetime import timedelta

import pytest
from django.utils import timezone

from executions import services
from executions.models import Execution
from tests.factories import API, ApiClient, assert_problem, detail, make_execution, make_rule

pytestmark = pytest.mark.django_db


def fail(tenant, rule, message: str | None, *, status: str = "failed", ago: timedelta | None = None) -> Execution:
    execution = make_execution(tenant=tenant, rule=rule, status="running")
    changes = {"status": status}
    if message is not None:
        changes["error_message"] = message
    services.execution_report(tenant_id=tenant.pk, execution_id=execution.pk, actor="system", changes=changes)
    if ago is not None:
        Execution.objects.filter(pk=execution.pk).update(created_at=timezone.now() - ago)
    return execution


def groups(api, **query) -> list[dict]:
    response = api.get("failures", query)
    assert response.status_code == 200, response.content
    return response.json()["data"]


# "A failed or timed-out execution with an error_message gets an error_fingerprint: 16 lowercase hex
# characters identifying its rule and its error message with the parts that vary replaced"


def test_runs_of_one_failure_share_a_fingerprint_and_others_do_not(api, tenant, rule):
    other_rule = make_rule(tenant=tenant, name="Invoices")
    first, second = fail(tenant, rule, "SMTP 451 for order 42"), fail(tenant, rule, "SMTP 451 for order 97")
    other_message = fail(tenant, rule, "Connection refused by crm")
    other = fail(tenant, other_rule, "SMTP 451 for order 42")
    prints = [detail(api, execution.pk)["error_fingerprint"] for execution in (first, second, other_message, other)]
    assert prints[0] == prints[1]
    assert len(set(prints)) == 3
    assert all(len(value) == 16 and set(value) <= set("0123456789abcdef") for value in prints)


def test_a_timed_out_execution_with_a_message_gets_one_and_the_rest_none(api, tenant, rule):
    timed_out = fail(tenant, rule, "Engine lost after 300 s", status="timeout")
    silent = fail(tenant, rule, None)
    completed = make_execution(tenant=tenant, rule=rule, status="completed")
    assert detail(api, timed_out.pk)["error_fingerprint"] is not None
    assert detail(api, silent.pk)["error_fingerprint"] is None
    assert detail(api, completed.pk)["error_fingerprint"] is None


def test_the_list_filters_by_fingerprint_and_a_malformed_one_is_400(api, tenant, rule):
    smtp = [fail(tenant, rule, f"SMTP 451 for order {n}") for n in range(3)]
    fail(tenant, rule, "Connection refused")
    fingerprint = detail(api, smtp[0].pk)["error_fingerprint"]
    listed = api.get("executions", {"error_fingerprint": fingerprint}).json()["data"]
    assert {item["execution_id"] for item in listed} == {str(execution.pk) for execution in smtp}
    assert all(item["error_fingerprint"] == fingerprint for item in listed)
    assert set(assert_problem(api.get("executions?error_fingerprint=XYZ"), 400)["errors"]) == {"error_fingerprint"}


# "GET /failures groups the tenant's failed and timed-out executions created in a window ... by
# fingerprint, with filter automation_rule_id, most executions first, at most 100 groups"


def test_failures_are_grouped_most_first_with_counts_bounds_and_the_message_shown(api, tenant, rule):
    smtp = [fail(tenant, rule, f"SMTP 451 for order {n}") for n in range(3)]
    fail(tenant, rule, "Connection refused after 3 tries", status="timeout")
    make_execution(tenant=tenant, rule=rule, status="completed")
    found = groups(api)
    assert [group["count"] for group in found] == [3, 1]
    top = found[0]
    assert top["message"] == "SMTP <n> for order <n>"
    assert top["rule_name"] == rule.name and top["automation_rule_id"] == str(rule.pk)
    assert top["error_fingerprint"] == detail(api, smtp[0].pk)["error_fingerprint"]
    assert top["sample_execution_id"] in {str(execution.pk) for execution in smtp}
    assert top["first_seen"] <= top["last_seen"]
    assert set(top) == {"error_fingerprint", "automation_rule_id", "rule_name", "message", "count", "retryable",
                        "first_seen", "last_seen", "sample_execution_id", "_links"}
    assert "pagination" not in api.get("failures").json()


def test_retryable_counts_what_a_retry_would_accept_now(api, tenant, rule):
    executions = [fail(tenant, rule, f"SMTP 451 for order {n}") for n in range(3)]
    services.execution_retry(tenant_id=tenant.pk, execution_id=executions[0].pk, actor="system")
    group = groups(api)[0]
    assert (group["count"], group["retryable"]) == (3, 2)
    rule.is_enabled = False
    rule.save()
    assert groups(api)[0]["retryable"] == 0


def test_the_window_is_since_inclusive_until_exclusive_24_hours_by_default(api, tenant, rule):
    fail(tenant, rule, "old failure", ago=timedelta(hours=30))
    recent = fail(tenant, rule, "recent failure", ago=timedelta(hours=2))
    assert [group["message"] for group in groups(api)] == ["recent failure"]
    created = Execution.objects.get(pk=recent.pk).created_at
    exact = created.isoformat().replace("+00:00", "Z")
    assert groups(api, since=exact) and not groups(api, until=exact, since=(created - timedelta(hours=1)).isoformat()
                                                   .replace("+00:00", "Z"))
    assert len(groups(api, since=(timezone.now() - timedelta(days=2)).isoformat().replace("+00:00", "Z"))) == 2


@pytest.mark.parametrize("query", [
    {"since": "2026-01-01T00:00:00Z", "until": "2026-03-01T00:00:00Z"},  # over 31 days
    {"since": "2026-03-01T00:00:00Z", "until": "2026-03-01T00:00:00Z"},  # empty
    {"since": "yesterday"},
    {"automation_rule_id": "not-a-uuid"},
    {"status": "failed"},
])
def test_a_bad_window_or_filter_is_400(api, query):
    assert_problem(api.get("failures", query), 400)


def test_failures_filter_by_rule(api, tenant, rule):
    other_rule = make_rule(tenant=tenant, name="Invoices")
    fail(tenant, rule, "SMTP 451")
    fail(tenant, other_rule, "SMTP 451")
    assert [group["rule_name"] for group in groups(api, automation_rule_id=str(other_rule.pk))] == ["Invoices"]


def test_another_tenants_failures_are_not_seen(api, tenant, rule, other_tenant, outsider):
    fail(other_tenant, make_rule(tenant=other_tenant), "Globex payroll failed")
    assert groups(api) == []
    assert len(groups(ApiClient(outsider.key))) == 1


def test_a_groups_links_lead_to_its_executions_and_its_bulk_retry(api, tenant, rule):
    executions = [fail(tenant, rule, f"SMTP 451 for order {n}") for n in range(2)]
    links = groups(api)[0]["_links"]
    listed = api.get(links["executions"]["href"]).json()["data"]
    assert {item["execution_id"] for item in listed} == {str(execution.pk) for execution in executions}
    assert links["bulk_retry"] == {"href": f"http://testserver{API}/executions/bulk-retry", "method": "POST"}
    fingerprint = groups(api)[0]["error_fingerprint"]
    dry_run = api.post(links["bulk_retry"]["href"], {"filter": {"error_fingerprint": fingerprint}, "dry_run": True})
    assert dry_run.status_code == 200 and dry_run.json()["data"]["acted"] == 2


def test_the_api_root_links_the_failures(api):
    assert api.get("").json()["data"]["_links"]["failures"]["href"] == f"http://testserver{API}/failures"


def test_failures_take_two_queries_whatever_the_number_of_groups(api, tenant, rule, django_assert_num_queries):
    for n in range(5):
        fail(tenant, rule, f"error kind {chr(97 + n)} for order {n}")
    api.get("failures")  # the key's row cached
    # The key's use, the groups, their sample messages.
    with django_assert_num_queries(2):
        assert len(groups(api)) == 5
