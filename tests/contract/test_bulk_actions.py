"""The "Bulk actions" section of the contract: POST /executions/bulk-retry and /bulk-cancel."""

import threading

import pytest
from django.db import connection

from executions import services
from executions.models import Execution, ExecutionEvent
from tests.factories import ApiClient, assert_problem, detail, make_execution, make_key, make_rule

pytestmark = pytest.mark.django_db


def failed(tenant, rule, message: str = "SMTP 451 for order 1", count: int = 1) -> list[Execution]:
    made = []
    for _ in range(count):
        execution = make_execution(tenant=tenant, rule=rule, status="running")
        services.execution_report(tenant_id=tenant.pk, execution_id=execution.pk, actor="system",
                                  changes={"status": "failed", "error_message": message})
        made.append(execution)
    return made


def bulk(api, action: str, body: dict, status: int = 200, **headers) -> dict:
    response = api.post(f"executions/bulk-{action}", body, **headers)
    assert response.status_code == status, response.content
    return response.json()["data"] if status == 200 else response.json()


def snapshot() -> list[tuple]:
    return sorted(Execution.objects.values_list("pk", "status", "status_reason")) + sorted(
        ExecutionEvent.objects.values_list("pk", flat=True))


# "each is retried or cancelled exactly as its own /retry or /cancel would do it ... skipping those
# whose state refuses it"


def test_a_bulk_retry_retries_each_selected_execution_once_oldest_first(api, tenant, rule, member):
    executions = failed(tenant, rule, count=3)
    done = bulk(api, "retry", {"filter": {"status": "failed"}})
    assert (done["dry_run"], done["matched"], done["more"], done["acted"], done["skipped"]) == (False, 3, False, 3, {})
    assert [item["execution_id"] for item in done["results"]] == [str(execution.pk) for execution in executions]
    for item in done["results"]:
        assert item["outcome"] == "retried"
        attempt = detail(api, item["next_attempt"])
        assert attempt["retry_of"] == item["execution_id"] and attempt["attempt"] == 2
        retried = ExecutionEvent.objects.get(execution_id=item["execution_id"], type="execution.retried")
        assert retried.actor == f"key:{member.api_key.prefix}"


def test_a_dry_run_changes_nothing_and_predicts_what_the_real_run_does(api, tenant, rule):
    retryable = failed(tenant, rule, count=2)
    already = failed(tenant, rule)[0]
    services.execution_retry(tenant_id=tenant.pk, execution_id=already.pk, actor="system")
    make_execution(tenant=tenant, rule=rule, status="completed")
    disabled_rule = make_rule(tenant=tenant, name="Disabled")
    failed(tenant, disabled_rule)
    disabled_rule.is_enabled = False
    disabled_rule.save()
    body = {"filter": {"status": ["failed", "completed", "pending"]}, "limit": 10}

    before = snapshot()
    predicted = bulk(api, "retry", {**body, "dry_run": True})
    assert snapshot() == before
    done = bulk(api, "retry", body)

    expected = {"would_retry": "retried"}
    assert [expected.get(item["outcome"], item["outcome"]) for item in predicted["results"]] == [
        item["outcome"] for item in done["results"]]
    # The one retried already is not taken (see the next test); the rest are, and skipped as refused.
    assert predicted["skipped"] == done["skipped"] == {"not_retryable_status": 2, "rule_disabled": 1}
    assert str(already.pk) not in {item["execution_id"] for item in done["results"]}
    assert predicted["acted"] == done["acted"] == len(retryable)
    assert all(item["next_attempt"] is None for item in predicted["results"])


def test_a_bulk_cancel_records_the_reason_and_skips_the_final_ones(api, tenant, rule):
    waiting = [make_execution(tenant=tenant, rule=rule, status=status) for status in ("pending", "running")]
    make_execution(tenant=tenant, rule=rule, status="completed")
    done = bulk(api, "cancel", {"filter": {"automation_rule_id": str(rule.pk)}, "reason": "Provider moved"})
    assert done["acted"] == 2 and done["skipped"] == {"not_cancellable_status": 1}
    for execution in waiting:
        body = detail(api, execution.pk)
        assert (body["status"], body["status_reason"]) == ("cancelled", "Provider moved")


def test_limit_takes_the_oldest_and_more_says_there_are_others(api, tenant, rule):
    executions = failed(tenant, rule, count=3)
    done = bulk(api, "retry", {"filter": {"status": "failed"}, "limit": 2, "dry_run": True})
    assert (done["matched"], done["more"], len(done["results"])) == (3, True, 2)
    assert [item["execution_id"] for item in done["results"]] == [str(execution.pk) for execution in executions[:2]]


def test_repeating_a_retry_works_through_a_group_bigger_than_limit(api, tenant, rule):
    executions = failed(tenant, rule, count=5)
    body = {"filter": {"status": "failed"}, "limit": 2}
    seen = []
    for matched, more in ((5, True), (3, True), (1, False)):
        done = bulk(api, "retry", body)
        assert (done["matched"], done["more"]) == (matched, more)
        seen += [item["execution_id"] for item in done["results"] if item["outcome"] == "retried"]
    assert seen == [str(execution.pk) for execution in executions]
    assert bulk(api, "retry", body)["matched"] == 0


def test_the_filter_is_the_lists_by_fingerprint_too(api, tenant, rule):
    smtp = failed(tenant, rule, "SMTP 451 for order 7", count=2)
    failed(tenant, rule, "Connection refused")
    fingerprint = detail(api, smtp[0].pk)["error_fingerprint"]
    done = bulk(api, "retry", {"filter": {"error_fingerprint": fingerprint}, "dry_run": True})
    assert {item["execution_id"] for item in done["results"]} == {str(execution.pk) for execution in smtp}


@pytest.mark.parametrize(("body", "field"), [
    ({"filter": {}}, "filter"),
    ({}, "filter"),
    ({"filter": {"colour": "red"}}, "filter.colour"),
    ({"filter": {"status": "sleeping"}}, "filter.status"),
    ({"filter": {"status": ""}}, "filter.status"),
    ({"filter": {"started_after": "yesterday"}}, "filter.started_after"),
    ({"filter": {"triggered_by": {"a": 1}}}, "filter.triggered_by"),
    ({"filter": {"status": "failed"}, "limit": 0}, "limit"),
    ({"filter": {"status": "failed"}, "limit": 1001}, "limit"),
    ({"filter": {"status": "failed"}, "dry_run": "yes"}, "dry_run"),
    ({"filter": {"status": "failed"}, "colour": "red"}, "colour"),
])
def test_an_empty_or_unknown_filter_or_bad_field_is_400_naming_it(api, body, field):
    assert field in assert_problem(api.post("executions/bulk-retry", body), 400)["errors"]


def test_a_key_without_execute_is_403(tenant, rule, viewer, writer):
    for key in (viewer, writer):
        assert_problem(ApiClient(key.key).post("executions/bulk-retry", {"filter": {"status": "failed"}}), 403)
        assert_problem(ApiClient(key.key).post("executions/bulk-cancel", {"filter": {"status": "failed"}}), 403)


def test_another_tenants_executions_are_never_selected(api, tenant, rule, other_tenant):
    failed(other_tenant, make_rule(tenant=other_tenant))
    assert bulk(api, "retry", {"filter": {"status": "failed"}})["matched"] == 0


def test_an_idempotency_key_makes_a_repeat_answer_the_first_answer(api, tenant, rule):
    failed(tenant, rule, count=2)
    body = {"filter": {"status": "failed"}}
    first = bulk(api, "retry", body, HTTP_IDEMPOTENCY_KEY="incident-7")
    again = bulk(api, "retry", body, HTTP_IDEMPOTENCY_KEY="incident-7")
    assert again == first and first["acted"] == 2
    assert Execution.objects.filter(retry_of__isnull=False).count() == 2
    # Without the key a repeat acts again: nothing is left to retry.
    assert bulk(api, "retry", body)["matched"] == 0
    # The same key with another body is a conflict.
    assert_problem(api.post("executions/bulk-retry", {"filter": {"status": "failed"}, "limit": 5},
                            HTTP_IDEMPOTENCY_KEY="incident-7"), 409)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="needs PostgreSQL row locks and concurrent transactions; SQLite serialises every writer")
def test_bulk_retries_racing_single_retries_retry_each_execution_once(tenant, rule, member):
    executions = failed(tenant, rule, count=20)
    barrier, answers = threading.Barrier(4), []

    def bulk_retry():
        barrier.wait()
        answers.append(ApiClient(member.key).post("executions/bulk-retry", {"filter": {"status": "failed"}}))
        connection.close()

    def single_retries():
        barrier.wait()
        client = ApiClient(member.key)
        answers.extend(client.post(f"executions/{execution.pk}/retry") for execution in reversed(executions))
        connection.close()

    threads = [threading.Thread(target=work) for work in (bulk_retry, bulk_retry, single_retries, single_retries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(answer.status_code in (200, 201, 409) for answer in answers), [a.content for a in answers]
    for execution in executions:
        assert Execution.objects.filter(retry_of=execution).count() == 1
        assert ExecutionEvent.objects.filter(execution=execution, type="execution.retried").count() == 1


def test_the_selection_takes_a_fixed_number_of_queries(api, tenant, rule, django_assert_max_num_queries):
    failed(tenant, rule, count=5)
    api.post("executions/bulk-retry", {"filter": {"status": "failed"}, "dry_run": True})  # the key's row cached
    # A dry run is the selection alone: the count and the rows taken.
    with django_assert_max_num_queries(2):
        assert bulk(api, "retry", {"filter": {"status": "failed"}, "dry_run": True, "limit": 5})["acted"] == 5


def test_bulk_retry_with_a_viewer_key_made_later_still_needs_execute(tenant, rule):
    operator = make_key(tenant=tenant, role="operator", username="olga")
    failed(tenant, rule)
    assert bulk(ApiClient(operator.key), "retry", {"filter": {"status": "failed"}})["acted"] == 1
