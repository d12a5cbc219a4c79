"""The contract's Retries over HTTP: one retry per execution, the chain of attempts, what a retry
copies and what it takes from the rule as it is now."""

import pytest

from executions.models import Execution
from tests.factories import ApiClient, assert_problem, make_execution


def fail(api, execution_id) -> dict:
    assert api.patch(f"executions/{execution_id}", {"status": "running"}).status_code == 200
    response = api.patch(f"executions/{execution_id}", {"status": "failed"})
    assert response.status_code == 200, response.content
    return response.json()["data"]


def retry(api, execution_id) -> dict:
    response = api.post(f"executions/{execution_id}/retry")
    assert response.status_code == 201, response.content
    return response.json()["data"]


def get(api, execution_id) -> dict:
    response = api.get(f"executions/{execution_id}")
    assert response.status_code == 200, response.content
    return response.json()["data"]


def test_a_retry_answers_201_with_location_and_the_new_attempt(api, tenant):
    failed = make_execution(tenant=tenant, status="failed")

    response = api.post(f"executions/{failed.pk}/retry")

    assert response.status_code == 201, response.content
    attempt = response.json()["data"]
    assert response["Location"].endswith(f"/executions/{attempt['execution_id']}")
    assert attempt["execution_id"] != str(failed.pk)
    assert get(api, attempt["execution_id"]) == attempt


def test_an_execution_is_retried_at_most_once_and_a_second_retry_names_the_next_attempt(api, tenant):
    failed = make_execution(tenant=tenant, status="failed")
    attempt = retry(api, failed.pk)
    before = get(api, failed.pk)

    problem = assert_problem(api.post(f"executions/{failed.pk}/retry"), 409)

    assert attempt["execution_id"] in problem["detail"]
    assert Execution.objects.filter(retry_of=failed.pk).count() == 1
    assert get(api, failed.pk) == before


def test_attempts_form_a_chain_linked_both_ways(api, tenant):
    first = make_execution(tenant=tenant, status="failed")
    second = retry(api, first.pk)
    fail(api, second["execution_id"])
    third = retry(api, second["execution_id"])

    one, two, three = get(api, first.pk), get(api, second["execution_id"]), get(api, third["execution_id"])

    assert [one["attempt"], two["attempt"], three["attempt"]] == [1, 2, 3]
    assert [one["retry_of"], two["retry_of"], three["retry_of"]] == [None, one["execution_id"], two["execution_id"]]
    assert "previous_attempt" not in one["_links"]
    assert one["_links"]["next_attempt"] == {"href": two["_links"]["self"]["href"], "method": "GET"}
    assert two["_links"]["previous_attempt"] == {"href": one["_links"]["self"]["href"], "method": "GET"}
    assert two["_links"]["next_attempt"] == {"href": three["_links"]["self"]["href"], "method": "GET"}
    assert three["_links"]["previous_attempt"] == {"href": two["_links"]["self"]["href"], "method": "GET"}
    assert "next_attempt" not in three["_links"]
    # A retried execution offers no retry: its retry is its next attempt.
    assert "retry" not in one["_links"] and "retry" not in two["_links"]


def test_the_attempt_links_lead_to_the_attempts(api, tenant):
    first = make_execution(tenant=tenant, status="timeout")
    second = retry(api, first.pk)

    forward = api.get(get(api, first.pk)["_links"]["next_attempt"]["href"])
    back = api.get(second["_links"]["previous_attempt"]["href"])

    assert forward.status_code == back.status_code == 200
    assert forward.json()["data"]["execution_id"] == second["execution_id"]
    assert back.json()["data"]["execution_id"] == str(first.pk)


def test_the_retry_link_answers_201_when_followed(api, tenant):
    cancelled = make_execution(tenant=tenant, status="cancelled")
    link = get(api, cancelled.pk)["_links"]["retry"]
    assert link["method"] == "POST"

    response = api.post(link["href"])

    assert response.status_code == 201, response.content
    assert response.json()["data"]["retry_of"] == str(cancelled.pk)


def test_a_retry_copies_the_run_and_starts_afresh(api, tenant, rule):
    started = api.post("executions", {
        "automation_rule_id": str(rule.pk), "trigger_data": {"order_id": 7, "lines": [{"sku": "A"}]},
        "execution_context": {"region": "eu"}, "triggered_by": "webhook:shop", "external_ref": "order-7",
        "actions_total": 10, "idempotency_key": "order-7-run",
    }).json()["data"]
    path = f"executions/{started['execution_id']}"
    api.patch(path, {"status": "running", "actions_successful": 4, "execution_context": {"region": "us"}})
    failed = api.patch(path, {"status": "failed", "actions_failed": 1, "failed_action_index": 4,
                              "error_message": "timeout calling http", "error_stack": "Traceback"}).json()["data"]

    attempt = retry(api, failed["execution_id"])

    for field in ("trigger_data", "execution_context", "triggered_by", "external_ref", "automation_rule_id",
                  "tenant"):
        assert attempt[field] == failed[field], field
    assert attempt["execution_context"] == {"region": "us"}
    assert attempt["status"] == "pending"
    assert (attempt["actions_successful"], attempt["actions_failed"]) == (0, 0)
    assert attempt["actions_total"] == 3  # the rule's actions, not the 10 the first run reported
    assert (attempt["started_at"], attempt["completed_at"], attempt["duration_ms"]) == (None, None, None)
    assert (attempt["error_message"], attempt["error_stack"], attempt["failed_action_index"]) == (None, None, None)
    assert (attempt["attempt"], attempt["retry_of"]) == (2, failed["execution_id"])
    assert attempt["idempotency_key"] != "order-7-run"
    assert attempt["steps"] == [] and attempt["logs"] == []
    assert "cancel" in attempt["_links"] and "retry" not in attempt["_links"]


def test_a_retry_takes_actions_total_and_rule_version_from_the_rule_as_it_is_now(api, tenant, rule):
    failed = make_execution(tenant=tenant, rule=rule, status="failed")
    assert get(api, failed.pk)["rule_version"] == 1
    changed = api.patch(f"rules/{rule.pk}", {"actions": [{"type": "email"}, {"type": "sms"}, {"type": "http"},
                                                         {"type": "slack"}, {"type": "log"}]})
    assert changed.status_code == 200, changed.content
    assert changed.json()["data"]["version"] == 2

    attempt = retry(api, failed.pk)

    assert (attempt["actions_total"], attempt["rule_version"]) == (5, 2)
    assert (get(api, failed.pk)["actions_total"], get(api, failed.pk)["rule_version"]) == (3, 1)


@pytest.mark.parametrize("status", ["failed", "timeout", "cancelled"])
def test_an_execution_of_a_disabled_rule_offers_no_retry_and_refuses_one(api, tenant, rule, status):
    execution = make_execution(tenant=tenant, rule=rule, status=status)
    assert "retry" in get(api, execution.pk)["_links"]
    assert api.patch(f"rules/{rule.pk}", {"is_enabled": False}).status_code == 200
    before = get(api, execution.pk)
    history = api.get(f"executions/{execution.pk}/events").json()["data"]

    problem = assert_problem(api.post(f"executions/{execution.pk}/retry"), 409)

    assert "disabled" in problem["detail"]
    assert "retry" not in before["_links"]
    assert get(api, execution.pk) == before
    assert api.get(f"executions/{execution.pk}/events").json()["data"] == history
    assert Execution.objects.filter(retry_of=execution.pk).count() == 0


def test_retry_is_offered_again_once_the_rule_is_enabled(api, tenant, rule):
    execution = make_execution(tenant=tenant, rule=rule, status="failed")
    api.patch(f"rules/{rule.pk}", {"is_enabled": False})
    api.patch(f"rules/{rule.pk}", {"is_enabled": True})

    assert "retry" in get(api, execution.pk)["_links"]
    assert retry(api, execution.pk)["retry_of"] == str(execution.pk)


def test_a_pending_attempt_can_be_cancelled_and_then_retried_again(api, tenant):
    first = make_execution(tenant=tenant, status="failed")
    second = retry(api, first.pk)
    assert api.post(f"executions/{second['execution_id']}/cancel").status_code == 200

    third = retry(api, second["execution_id"])

    assert (third["attempt"], third["retry_of"]) == (3, second["execution_id"])


def test_retry_needs_the_execute_permission(writer, tenant):
    failed = make_execution(tenant=tenant, status="failed")
    assert_problem(ApiClient(writer.key).post(f"executions/{failed.pk}/retry"), 403)
    assert Execution.objects.filter(retry_of=failed.pk).count() == 0


def test_retry_of_another_tenants_execution_is_not_found(api, other_tenant):
    failed = make_execution(tenant=other_tenant, status="failed")
    assert_problem(api.post(f"executions/{failed.pk}/retry"), 404)
    assert Execution.objects.filter(retry_of=failed.pk).count() == 0
