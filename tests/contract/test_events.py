"""The contract's Events over HTTP: one event per change of status, recorded with the change, read
oldest first from GET /executions/{id}/events."""

from datetime import datetime

import pytest

from config.uuids import parse_uuid
from tests.factories import ApiClient, assert_problem, events, make_execution, start

EVENT_FIELDS = {"id", "type", "created_at", "previous_status", "status", "actor", "data"}


def moves(history: list[dict]) -> list[tuple]:
    return [(e["type"], e["previous_status"], e["status"]) for e in history]


@pytest.fixture
def actor(member) -> str:
    return f"key:{member.api_key.prefix}"


def test_a_start_records_one_created_event_with_every_field(api, rule, actor):
    execution = start(api, rule)

    (event,) = events(api, execution["execution_id"])

    assert set(event) == EVENT_FIELDS
    assert parse_uuid(event["id"]) is not None
    assert (event["type"], event["previous_status"], event["status"]) == ("execution.created", None, "pending")
    assert event["actor"] == actor
    assert event["data"] == {}
    assert event["created_at"].endswith("Z")
    assert datetime.fromisoformat(event["created_at"]) >= datetime.fromisoformat(execution["created_at"])


def test_a_run_records_one_event_per_change_of_status_oldest_first(api, rule, actor):
    execution_id = start(api, rule)["execution_id"]
    api.patch(f"executions/{execution_id}", {"status": "running"})
    api.patch(f"executions/{execution_id}", {"status": "completed", "actions_successful": 3})

    history = events(api, execution_id)

    assert moves(history) == [
        ("execution.created", None, "pending"),
        ("execution.status_changed", "pending", "running"),
        ("execution.completed", "running", "completed"),
    ]
    assert {e["actor"] for e in history} == {actor}
    assert len({e["id"] for e in history}) == 3
    times = [datetime.fromisoformat(e["created_at"]) for e in history]
    assert times == sorted(times)


@pytest.mark.parametrize(("path", "expected"), [
    (["skipped"], [("execution.status_changed", "pending", "skipped")]),
    (["timeout"], [("execution.timed_out", "pending", "timeout")]),
    (["cancelled"], [("execution.cancelled", "pending", "cancelled")]),
    (["running", "failed"], [("execution.status_changed", "pending", "running"),
                             ("execution.failed", "running", "failed")]),
    (["running", "timeout"], [("execution.status_changed", "pending", "running"),
                              ("execution.timed_out", "running", "timeout")]),
    (["running", "cancelled"], [("execution.status_changed", "pending", "running"),
                                ("execution.cancelled", "running", "cancelled")]),
    (["running", "waiting", "failed"], [("execution.status_changed", "pending", "running"),
                                        ("execution.status_changed", "running", "waiting"),
                                        ("execution.failed", "waiting", "failed")]),
    (["running", "waiting", "timeout"], [("execution.status_changed", "pending", "running"),
                                         ("execution.status_changed", "running", "waiting"),
                                         ("execution.timed_out", "waiting", "timeout")]),
    (["running", "waiting", "cancelled"], [("execution.status_changed", "pending", "running"),
                                           ("execution.status_changed", "running", "waiting"),
                                           ("execution.cancelled", "waiting", "cancelled")]),
])
def test_each_final_move_records_its_own_event_and_no_status_changed_beside_it(api, rule, path, expected):
    execution_id = start(api, rule)["execution_id"]
    for status in path:
        assert api.patch(f"executions/{execution_id}", {"status": status}).status_code == 200

    assert moves(events(api, execution_id)) == [("execution.created", None, "pending"), *expected]


def test_moves_into_and_out_of_waiting_record_status_changed_each_time(api, rule, actor):
    execution_id = start(api, rule)["execution_id"]
    path = f"executions/{execution_id}"
    for body in ({"status": "running"},
                 {"status": "waiting", "status_reason": "awaiting approval", "waiting_until": "2030-06-01T12:00:00Z"},
                 {"status": "running"}, {"status": "waiting", "status_reason": "paused by circuit breaker"},
                 {"status": "running"}, {"status": "completed", "output": {"ok": True}}):
        assert api.patch(path, body).status_code == 200, body

    history = events(api, execution_id)

    assert moves(history) == [
        ("execution.created", None, "pending"),
        ("execution.status_changed", "pending", "running"),
        ("execution.status_changed", "running", "waiting"),
        ("execution.status_changed", "waiting", "running"),
        ("execution.status_changed", "running", "waiting"),
        ("execution.status_changed", "waiting", "running"),
        ("execution.completed", "running", "completed"),
    ]
    assert {e["actor"] for e in history} == {actor}
    assert all(e["data"] == {} for e in history)


def test_a_retry_records_retried_on_the_retried_execution_and_created_on_the_new_attempt(api, tenant, actor):
    failed = make_execution(tenant=tenant, status="failed")
    before = events(api, failed.pk)

    attempt = api.post(f"executions/{failed.pk}/retry").json()["data"]

    after = events(api, failed.pk)
    assert after[:-1] == before
    retried = after[-1]
    assert (retried["type"], retried["previous_status"], retried["status"]) == (
        "execution.retried", "failed", "failed")
    assert retried["data"] == {"next_attempt": attempt["execution_id"]}
    assert retried["actor"] == actor
    (created,) = events(api, attempt["execution_id"])
    assert (created["type"], created["previous_status"], created["status"], created["actor"]) == (
        "execution.created", None, "pending", actor)


def test_a_cancel_of_a_waiting_run_keeps_its_reason_on_the_cancelled_event(api, tenant, actor):
    execution = make_execution(tenant=tenant, status="waiting")

    api.post(f"executions/{execution.pk}/cancel", {"reason": "approval refused"})

    event = events(api, execution.pk)[-1]
    assert (event["type"], event["previous_status"], event["status"], event["data"], event["actor"]) == (
        "execution.cancelled", "waiting", "cancelled", {"reason": "approval refused"}, actor)


def test_a_cancel_keeps_its_reason_on_the_cancelled_event(api, rule, actor):
    execution_id = start(api, rule)["execution_id"]

    api.post(f"executions/{execution_id}/cancel", {"reason": "duplicate order"})

    event = events(api, execution_id)[-1]
    assert (event["type"], event["previous_status"], event["status"]) == ("execution.cancelled", "pending",
                                                                         "cancelled")
    assert event["data"]["reason"] == "duplicate order"
    assert event["actor"] == actor


def test_changes_without_a_change_of_status_record_no_event(api, rule):
    execution_id = start(api, rule)["execution_id"]
    api.patch(f"executions/{execution_id}", {"status": "running"})
    history = events(api, execution_id)
    path = f"executions/{execution_id}"

    assert api.patch(path, {"actions_successful": 1, "execution_context": {"a": 1}}).status_code == 200
    assert api.patch(path, {"status": "running", "error_message": "slow"}).status_code == 200
    assert api.patch(path, {"status_reason": "slow upstream", "output": {"rows": 1}}).status_code == 200
    assert api.patch(path, {}).status_code == 200
    assert api.post(f"{path}/logs", {"entries": [{"message": "hello"}, {"message": "again"}]}).status_code == 201
    assert api.post(f"{path}/steps", {"key": "send", "status": "pending"}).status_code == 201
    assert api.patch(f"{path}/steps/send", {"status": "running"}).status_code == 200
    assert api.patch(f"{path}/steps/send", {"status": "completed", "output": {"ok": True}}).status_code == 200
    assert events(api, execution_id) == history

    assert api.patch(path, {"status": "waiting"}).status_code == 200
    history = events(api, execution_id)
    assert api.patch(path, {"status": "waiting", "waiting_until": "2030-06-01T12:00:00Z"}).status_code == 200
    assert api.patch(path, {"status_reason": "awaiting approval", "waiting_until": None}).status_code == 200

    assert events(api, execution_id) == history


def test_refused_changes_record_no_event(api, rule):
    execution_id = start(api, rule)["execution_id"]
    path = f"executions/{execution_id}"
    history = events(api, execution_id)

    assert_problem(api.patch(path, {"status": "completed"}), 409)
    assert_problem(api.patch(path, {"status": "running", "actions_successful": 99}), 400)
    assert_problem(api.patch(path, {"status": "running", "waiting_until": "2030-06-01T12:00:00Z"}), 400)
    assert_problem(api.patch(path, {"status": "waiting"}), 409)
    assert_problem(api.post(f"{path}/retry"), 409)

    assert events(api, execution_id) == history
    assert api.get(path).json()["data"]["status"] == "pending"


def test_a_late_log_line_on_a_final_execution_records_no_event(api, tenant):
    execution = make_execution(tenant=tenant, status="completed")
    history = events(api, execution.pk)

    assert api.post(f"executions/{execution.pk}/logs", {"entries": [{"message": "late"}]}).status_code == 201

    assert events(api, execution.pk) == history


def test_events_are_one_array_without_pagination(api, tenant):
    execution = make_execution(tenant=tenant, status="completed")

    response = api.get(f"executions/{execution.pk}/events")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"data"}
    assert isinstance(body["data"], list) and len(body["data"]) == 3


def test_the_events_link_leads_to_the_history(api, tenant):
    execution = make_execution(tenant=tenant, status="running")
    link = api.get(f"executions/{execution.pk}").json()["data"]["_links"]["events"]

    response = api.get(link["href"])

    assert link["method"] == "GET"
    assert response.status_code == 200
    assert moves(response.json()["data"]) == [("execution.created", None, "pending"),
                                              ("execution.status_changed", "pending", "running")]


def test_events_are_read_with_the_read_permission(viewer, tenant):
    execution = make_execution(tenant=tenant)
    assert ApiClient(viewer.key).get(f"executions/{execution.pk}/events").status_code == 200


def test_events_of_another_tenants_execution_are_not_found(api, outsider, tenant, other_tenant):
    theirs = make_execution(tenant=other_tenant, status="completed")
    ours = make_execution(tenant=tenant)

    assert_problem(api.get(f"executions/{theirs.pk}/events"), 404)
    assert_problem(ApiClient(outsider.key).get(f"executions/{ours.pk}/events"), 404)


def test_events_of_a_missing_execution_are_not_found(api):
    assert_problem(api.get("executions/01900000-0000-7000-8000-000000000000/events"), 404)


def test_events_need_a_key(anonymous_client, tenant):
    execution = make_execution(tenant=tenant)
    response = anonymous_client.get(f"/api/v1/automation/executions/{execution.pk}/events")
    assert_problem(response, 401)


def test_events_refuse_query_parameters(api, tenant):
    execution = make_execution(tenant=tenant)
    problem = assert_problem(api.get(f"executions/{execution.pk}/events", {"page_size": "10"}), 400)
    assert "page_size" in problem["errors"]
