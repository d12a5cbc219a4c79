"""The contract's Lifecycle over HTTP: every status move through PATCH, retry and cancel from every
status, the timing fields, the counters, status_reason, waiting_until and output, and
expire_executions."""

import threading
import time
from datetime import datetime, timedelta

import pytest
from django.db import connection, transaction
from django.db import connections as db_connections
from django.utils import timezone

from executions import services
from executions.models import Execution
from tests.factories import ApiClient, assert_problem, detail, events, make_execution, make_key, make_rule

STATUSES = ("pending", "running", "waiting", "completed", "failed", "cancelled", "timeout", "skipped")
FINAL = ("completed", "failed", "cancelled", "timeout", "skipped")
# (from, to) -> the event the contract names for the move.
ALLOWED = {
    ("pending", "running"): "execution.status_changed",
    ("pending", "cancelled"): "execution.cancelled",
    ("pending", "skipped"): "execution.status_changed",
    ("pending", "timeout"): "execution.timed_out",
    ("running", "waiting"): "execution.status_changed",
    ("running", "completed"): "execution.completed",
    ("running", "failed"): "execution.failed",
    ("running", "timeout"): "execution.timed_out",
    ("running", "cancelled"): "execution.cancelled",
    ("waiting", "running"): "execution.status_changed",
    ("waiting", "failed"): "execution.failed",
    ("waiting", "timeout"): "execution.timed_out",
    ("waiting", "cancelled"): "execution.cancelled",
}
UNCHANGED = {("pending", "pending"), ("running", "running"), ("waiting", "waiting")}
CANCELLABLE = ("pending", "running", "waiting")
FORBIDDEN = sorted({(a, b) for a in STATUSES for b in STATUSES} - set(ALLOWED) - UNCHANGED)


def parse_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    assert value.endswith("Z"), value
    return datetime.fromisoformat(value)


def whole_ms(delta: timedelta) -> int:
    return delta // timedelta(milliseconds=1)


def assert_duration_consistent(body: dict) -> None:
    started, completed = parse_time(body["started_at"]), parse_time(body["completed_at"])
    if started is None or completed is None:
        assert body["duration_ms"] is None
    else:
        assert started <= completed
        assert body["duration_ms"] == whole_ms(completed - started)


def test_the_matrix_covers_every_pair_of_statuses():
    assert len(ALLOWED) + len(UNCHANGED) + len(FORBIDDEN) == len(STATUSES) ** 2 == 64


# Moves through PATCH


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_patch_makes_every_move_the_lifecycle_allows_and_records_its_event(api, member, tenant, current, target):
    execution = make_execution(tenant=tenant, status=current)
    before = events(api, execution.pk)

    response = api.patch(f"executions/{execution.pk}", {"status": target})

    assert response.status_code == 200, response.content
    assert response.json()["data"]["status"] == target
    assert detail(api, execution.pk)["status"] == target
    after = events(api, execution.pk)
    assert after[: len(before)] == before
    assert len(after) == len(before) + 1
    event = after[-1]
    assert (event["type"], event["previous_status"], event["status"]) == (ALLOWED[current, target], current, target)
    assert event["actor"] == f"key:{member.api_key.prefix}"


@pytest.mark.parametrize(("current", "target"), FORBIDDEN)
def test_patch_refuses_every_move_the_lifecycle_forbids_and_changes_nothing(api, tenant, current, target):
    execution = make_execution(tenant=tenant, status=current)
    before, history = detail(api, execution.pk), events(api, execution.pk)

    response = api.patch(f"executions/{execution.pk}", {"status": target, "error_message": "changed"})

    problem = assert_problem(response, 409)
    assert current in problem["detail"] and target in problem["detail"], problem["detail"]
    assert detail(api, execution.pk) == before
    assert events(api, execution.pk) == history


@pytest.mark.parametrize("status", CANCELLABLE)
def test_patch_with_the_same_status_and_other_fields_is_fine_while_not_final(api, tenant, status):
    execution = make_execution(tenant=tenant, status=status)
    history = events(api, execution.pk)

    response = api.patch(f"executions/{execution.pk}", {"status": status, "error_message": "slow upstream",
                                                        "actions_successful": 1})

    assert response.status_code == 200, response.content
    body = response.json()["data"]
    assert (body["status"], body["error_message"], body["actions_successful"]) == (status, "slow upstream", 1)
    assert events(api, execution.pk) == history


@pytest.mark.parametrize("status", FINAL)
@pytest.mark.parametrize("body", [{}, {"error_message": "late"}, {"actions_successful": 0},
                                  {"execution_context": {"late": True}}])
def test_any_patch_of_a_final_execution_is_refused_even_without_a_status(api, tenant, status, body):
    execution = make_execution(tenant=tenant, status=status)
    before, history = detail(api, execution.pk), events(api, execution.pk)

    problem = assert_problem(api.patch(f"executions/{execution.pk}", body), 409)

    assert status in problem["detail"]
    assert detail(api, execution.pk) == before
    assert events(api, execution.pk) == history


def test_a_refused_patch_of_another_tenants_execution_is_not_found(api, other_tenant):
    execution = make_execution(tenant=other_tenant, status="completed")
    assert_problem(api.patch(f"executions/{execution.pk}", {"status": "running"}), 404)


# Timing


def test_started_at_is_set_on_entering_running_and_completed_at_on_entering_a_final_status(api, tenant):
    execution = make_execution(tenant=tenant)
    pending = detail(api, execution.pk)
    assert (pending["started_at"], pending["completed_at"], pending["duration_ms"]) == (None, None, None)

    before = timezone.now()
    running = api.patch(f"executions/{execution.pk}", {"status": "running"}).json()["data"]
    after = timezone.now()
    started = parse_time(running["started_at"])
    assert before <= started <= after
    assert (running["completed_at"], running["duration_ms"]) == (None, None)

    same = api.patch(f"executions/{execution.pk}", {"status": "running", "actions_successful": 1}).json()["data"]
    assert same["started_at"] == running["started_at"]

    before = timezone.now()
    completed = api.patch(f"executions/{execution.pk}", {"status": "completed"}).json()["data"]
    after = timezone.now()
    assert completed["started_at"] == running["started_at"]
    assert before <= parse_time(completed["completed_at"]) <= after
    assert completed["duration_ms"] == whole_ms(parse_time(completed["completed_at"]) - started)
    assert completed["duration_ms"] >= 0


@pytest.mark.parametrize("target", ["completed", "failed", "timeout", "cancelled"])
def test_duration_is_the_whole_milliseconds_between_start_and_completion(api, tenant, target):
    execution = make_execution(tenant=tenant, status="running")
    # Move the start back so that the duration is well above zero and has a fraction of a millisecond.
    Execution.objects.filter(pk=execution.pk).update(
        started_at=timezone.now() - timedelta(seconds=2, microseconds=345_678))

    body = api.patch(f"executions/{execution.pk}", {"status": target}).json()["data"]

    assert body["duration_ms"] >= 2345
    assert_duration_consistent(body)
    assert detail(api, execution.pk)["duration_ms"] == body["duration_ms"]


@pytest.mark.parametrize("target", ["cancelled", "skipped", "timeout"])
def test_an_execution_finished_before_it_started_has_no_start_and_no_duration(api, tenant, target):
    execution = make_execution(tenant=tenant)

    body = api.patch(f"executions/{execution.pk}", {"status": target}).json()["data"]

    assert body["started_at"] is None
    assert body["completed_at"] is not None
    assert body["duration_ms"] is None


def test_an_execution_cancelled_through_cancel_before_it_started_has_no_duration(api, tenant):
    execution = make_execution(tenant=tenant)

    body = api.post(f"executions/{execution.pk}/cancel").json()["data"]

    assert (body["status"], body["started_at"], body["duration_ms"]) == ("cancelled", None, None)
    assert body["completed_at"] is not None


# Counters


def test_counters_are_absolute_values_that_may_repeat_and_grow(api, tenant):
    execution = make_execution(tenant=tenant, status="running")
    path = f"executions/{execution.pk}"

    assert api.patch(path, {"actions_successful": 1}).status_code == 200
    assert api.patch(path, {"actions_successful": 1}).status_code == 200
    body = api.patch(path, {"actions_successful": 2, "actions_failed": 1}).json()["data"]

    assert (body["actions_total"], body["actions_successful"], body["actions_failed"]) == (3, 2, 1)


@pytest.mark.parametrize("counter", ["actions_total", "actions_successful", "actions_failed"])
def test_a_counter_that_would_decrease_is_refused(api, tenant, counter):
    execution = make_execution(tenant=tenant, status="running")
    path = f"executions/{execution.pk}"
    api.patch(path, {"actions_total": 4, "actions_successful": 1, "actions_failed": 1})
    before, history = detail(api, execution.pk), events(api, execution.pk)

    problem = assert_problem(api.patch(path, {counter: before[counter] - 1}), 400)

    assert counter in problem["errors"]
    assert detail(api, execution.pk) == before
    assert events(api, execution.pk) == history


@pytest.mark.parametrize("counter", ["actions_total", "actions_successful", "actions_failed"])
def test_a_negative_counter_is_refused(api, tenant, counter):
    execution = make_execution(tenant=tenant, status="running")
    problem = assert_problem(api.patch(f"executions/{execution.pk}", {counter: -1}), 400)
    assert counter in problem["errors"]


@pytest.mark.parametrize("body", [
    {"actions_successful": 4},
    {"actions_failed": 4},
    {"actions_successful": 2, "actions_failed": 2},
])
def test_counters_may_not_exceed_the_stored_total(api, tenant, body):
    execution = make_execution(tenant=tenant, status="running")  # actions_total 3, from the rule
    before = detail(api, execution.pk)

    assert_problem(api.patch(f"executions/{execution.pk}", body), 400)

    assert detail(api, execution.pk) == before


def test_one_counter_is_checked_against_the_other_stored_counter_and_total(api, tenant):
    execution = make_execution(tenant=tenant, status="running")
    path = f"executions/{execution.pk}"
    assert api.patch(path, {"actions_successful": 2}).status_code == 200

    assert_problem(api.patch(path, {"actions_failed": 2}), 400)
    assert api.patch(path, {"actions_failed": 1}).status_code == 200
    assert detail(api, execution.pk)["actions_failed"] == 1


def test_raising_the_total_in_the_same_patch_makes_room_for_the_counters(api, tenant):
    execution = make_execution(tenant=tenant, status="running")

    body = api.patch(f"executions/{execution.pk}",
                     {"actions_total": 5, "actions_successful": 3, "actions_failed": 2}).json()["data"]

    assert (body["actions_total"], body["actions_successful"], body["actions_failed"]) == (5, 3, 2)


def test_a_status_move_with_invalid_counters_is_refused_whole(api, tenant):
    execution = make_execution(tenant=tenant, status="running")
    before, history = detail(api, execution.pk), events(api, execution.pk)

    assert_problem(api.patch(f"executions/{execution.pk}", {"status": "completed", "actions_successful": 9}), 400)

    assert detail(api, execution.pk) == before
    assert events(api, execution.pk) == history


def test_counters_sent_with_a_final_move_are_kept(api, tenant):
    execution = make_execution(tenant=tenant, status="running")

    body = api.patch(f"executions/{execution.pk}", {"status": "failed", "actions_successful": 1,
                                                    "actions_failed": 1, "failed_action_index": 1,
                                                    "error_message": "boom"}).json()["data"]

    assert (body["status"], body["actions_successful"], body["actions_failed"]) == ("failed", 1, 1)
    assert (body["failed_action_index"], body["error_message"]) == (1, "boom")


# failed_action_index and execution_context


@pytest.mark.parametrize(("status", "body"), [
    ("pending", {"failed_action_index": 0}),
    ("running", {"failed_action_index": 1}),
    ("running", {"status": "completed", "failed_action_index": 1}),
    ("running", {"status": "timeout", "failed_action_index": 1}),
])
def test_failed_action_index_is_refused_unless_the_execution_fails(api, tenant, status, body):
    execution = make_execution(tenant=tenant, status=status)
    before = detail(api, execution.pk)

    problem = assert_problem(api.patch(f"executions/{execution.pk}", body), 400)

    assert "failed_action_index" in problem["errors"]
    assert detail(api, execution.pk) == before


@pytest.mark.parametrize("status", STATUSES)
def test_failed_action_index_is_null_unless_failed(api, tenant, status):
    execution = make_execution(tenant=tenant, status=status)
    assert detail(api, execution.pk)["failed_action_index"] is None


def test_failed_action_index_is_kept_on_failing(api, tenant):
    execution = make_execution(tenant=tenant, status="running")
    body = api.patch(f"executions/{execution.pk}", {"status": "failed", "failed_action_index": 2}).json()["data"]
    assert body["failed_action_index"] == 2


def test_execution_context_is_replaced_not_merged(api, tenant):
    execution = make_execution(tenant=tenant, execution_context={"a": 1, "nested": {"b": 2}})

    body = api.patch(f"executions/{execution.pk}", {"execution_context": {"nested": {"c": 3}}}).json()["data"]

    assert body["execution_context"] == {"nested": {"c": 3}}
    assert detail(api, execution.pk)["execution_context"] == {"nested": {"c": 3}}
    assert api.patch(f"executions/{execution.pk}", {"execution_context": {}}).json()["data"][
        "execution_context"] == {}


# status_reason, waiting_until and output

LATER = "2030-06-01T12:00:00Z"


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def test_an_engine_pauses_a_run_for_an_approval_and_resumes_it(api, member, tenant):
    execution = make_execution(tenant=tenant, status="running")
    path = f"executions/{execution.pk}"
    started_at = detail(api, execution.pk)["started_at"]

    paused = api.patch(path, {"status": "waiting", "status_reason": "awaiting approval from finance",
                              "waiting_until": "2030-06-01T14:00:00+02:00"})

    assert paused.status_code == 200, paused.content
    body = paused.json()["data"]
    assert (body["status"], body["status_reason"], body["waiting_until"]) == (
        "waiting", "awaiting approval from finance", LATER)
    assert (body["started_at"], body["completed_at"], body["duration_ms"]) == (started_at, None, None)
    assert detail(api, execution.pk) == body

    resumed = api.patch(path, {"status": "running"}).json()["data"]

    assert (resumed["status"], resumed["status_reason"], resumed["waiting_until"]) == ("running", None, None)
    assert resumed["started_at"] == started_at
    assert [(e["type"], e["previous_status"], e["status"], e["actor"]) for e in events(api, execution.pk)[-2:]] == [
        ("execution.status_changed", "running", "waiting", f"key:{member.api_key.prefix}"),
        ("execution.status_changed", "waiting", "running", f"key:{member.api_key.prefix}"),
    ]


def test_status_reason_is_kept_while_the_status_stays_and_changed_only_by_a_patch_that_gives_it(api, tenant):
    execution = make_execution(tenant=tenant, status="running")
    path = f"executions/{execution.pk}"
    api.patch(path, {"status": "waiting", "status_reason": "paused by circuit breaker"})
    history = events(api, execution.pk)

    for body in ({"actions_successful": 1}, {"status": "waiting"}, {}, {"output": {"partial": True}}):
        assert api.patch(path, body).json()["data"]["status_reason"] == "paused by circuit breaker", body
    assert api.patch(path, {"status_reason": "breaker half-open"}).json()["data"]["status_reason"] == (
        "breaker half-open")
    assert api.patch(path, {"status_reason": None}).json()["data"]["status_reason"] is None
    assert events(api, execution.pk) == history


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_a_status_change_that_gives_no_reason_clears_the_reason(api, tenant, current, target):
    execution = make_execution(tenant=tenant, status=current)
    path = f"executions/{execution.pk}"
    assert api.patch(path, {"status_reason": "before the move"}).status_code == 200

    body = api.patch(path, {"status": target}).json()["data"]

    assert (body["status"], body["status_reason"]) == (target, None)
    assert detail(api, execution.pk)["status_reason"] is None


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_a_status_change_that_gives_a_reason_keeps_it(api, tenant, current, target):
    execution = make_execution(tenant=tenant, status=current)
    path = f"executions/{execution.pk}"
    api.patch(path, {"status_reason": "before the move"})

    body = api.patch(path, {"status": target, "status_reason": "no orders to sync"}).json()["data"]

    assert (body["status"], body["status_reason"]) == (target, "no orders to sync")


def test_status_reason_takes_up_to_1000_characters(api, tenant):
    execution = make_execution(tenant=tenant, status="running")
    path = f"executions/{execution.pk}"

    assert api.patch(path, {"status_reason": "é" * 1000}).json()["data"]["status_reason"] == "é" * 1000
    problem = assert_problem(api.patch(path, {"status_reason": "x" * 1001}), 400)

    assert "status_reason" in problem["errors"]
    assert detail(api, execution.pk)["status_reason"] == "é" * 1000


@pytest.mark.parametrize("value", [42, True, ["waiting"], {"why": "approval"}, "approval\u0000pending"])
def test_status_reason_must_be_a_string_without_nul(api, tenant, value):
    execution = make_execution(tenant=tenant, status="running")
    before = detail(api, execution.pk)

    problem = assert_problem(api.patch(f"executions/{execution.pk}", {"status_reason": value}), 400)

    assert "status_reason" in problem["errors"]
    assert detail(api, execution.pk) == before


@pytest.mark.parametrize(("current", "body"), [
    ("pending", {"waiting_until": LATER}),
    ("running", {"waiting_until": LATER}),
    ("running", {"status": "completed", "waiting_until": LATER}),
    ("waiting", {"status": "running", "waiting_until": LATER}),
    ("waiting", {"status": "failed", "waiting_until": LATER}),
    ("waiting", {"status": "cancelled", "waiting_until": LATER, "status_reason": "too late"}),
])
def test_a_waiting_until_for_any_status_but_waiting_is_400_naming_it(api, tenant, current, body):
    execution = make_execution(tenant=tenant, status=current)
    before, history = detail(api, execution.pk), events(api, execution.pk)

    problem = assert_problem(api.patch(f"executions/{execution.pk}", body), 400)

    assert list(problem["errors"]) == ["waiting_until"]
    assert detail(api, execution.pk) == before
    assert events(api, execution.pk) == history


@pytest.mark.parametrize("status", ["pending", "running"])
def test_a_null_waiting_until_outside_waiting_is_fine(api, tenant, status):
    execution = make_execution(tenant=tenant, status=status)
    body = api.patch(f"executions/{execution.pk}", {"waiting_until": None}).json()["data"]
    assert (body["status"], body["waiting_until"]) == (status, None)


@pytest.mark.parametrize("target", ["running", "failed", "timeout", "cancelled"])
def test_a_move_out_of_waiting_clears_waiting_until(api, tenant, target):
    execution = make_execution(tenant=tenant, status="running")
    path = f"executions/{execution.pk}"
    api.patch(path, {"status": "waiting", "status_reason": "awaiting a callback", "waiting_until": LATER})

    body = api.patch(path, {"status": target}).json()["data"]

    assert (body["status"], body["waiting_until"], body["status_reason"]) == (target, None, None)


def test_waiting_until_is_changed_or_cleared_while_waiting_and_a_new_wait_starts_without_it(api, tenant):
    execution = make_execution(tenant=tenant, status="running")
    path = f"executions/{execution.pk}"

    assert api.patch(path, {"status": "waiting"}).json()["data"]["waiting_until"] is None
    assert api.patch(path, {"waiting_until": LATER}).json()["data"]["waiting_until"] == LATER
    assert api.patch(path, {"status_reason": "still waiting"}).json()["data"]["waiting_until"] == LATER
    assert api.patch(path, {"waiting_until": None}).json()["data"]["waiting_until"] is None
    api.patch(path, {"status": "running"})
    api.patch(path, {"status": "waiting", "waiting_until": LATER})
    api.patch(path, {"status": "running"})

    assert api.patch(path, {"status": "waiting"}).json()["data"]["waiting_until"] is None


@pytest.mark.parametrize(("sent", "read"), [
    ("2030-06-01T12:00:00Z", "2030-06-01T12:00:00Z"),
    ("2030-06-01T14:30:00.25+02:30", "2030-06-01T12:00:00.250000Z"),
    ("2030-06-01T02:00:00-10:00", "2030-06-01T12:00:00Z"),
    ("2030-06-01t12:00:00z", "2030-06-01T12:00:00Z"),
    ("2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z"),  # already past: it is the engine's word
])
def test_waiting_until_takes_any_offset_and_reads_in_utc(api, tenant, sent, read):
    execution = make_execution(tenant=tenant, status="running")
    body = api.patch(f"executions/{execution.pk}", {"status": "waiting", "waiting_until": sent}).json()["data"]
    assert body["waiting_until"] == read


@pytest.mark.parametrize("value", [
    "tomorrow", "", "2030-06-01", "2030-06-01T12:00:00", "2030-06-01 12:00:00Z", "2030-06-01T12:00Z",
    "2030-02-30T12:00:00Z", "2030-06-01T24:00:00Z", "2030-06-01T12:00:60Z", "2030-06-01T12:00:00+24:00",
    " 2030-06-01T12:00:00Z", "2030-06-01T12:00:00Z\n", "2030-06-01T12:00:00\u0000Z", "20300601T120000Z",
    "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", 1906545600, True, {"at": LATER},
])
def test_waiting_until_must_be_a_real_date_time_with_an_offset(api, tenant, value):
    execution = make_execution(tenant=tenant, status="running")
    before = detail(api, execution.pk)

    problem = assert_problem(api.patch(f"executions/{execution.pk}", {"status": "waiting", "waiting_until": value}),
                             400)

    assert list(problem["errors"]) == ["waiting_until"]
    assert detail(api, execution.pk) == before


@pytest.mark.parametrize("status", ["pending", "running", "waiting"])
def test_output_is_replaced_not_merged_while_the_execution_is_not_final(api, tenant, status):
    execution = make_execution(tenant=tenant, status=status)
    path = f"executions/{execution.pk}"
    assert detail(api, execution.pk)["output"] is None

    assert api.patch(path, {"output": {"rows": 3, "nested": {"a": 1}}}).json()["data"]["output"] == {
        "rows": 3, "nested": {"a": 1}}
    assert api.patch(path, {"output": {"nested": {"b": 2}}}).json()["data"]["output"] == {"nested": {"b": 2}}
    for value in ([1, "two", None], "done", 42, 2.5, False, {}):
        assert api.patch(path, {"output": value}).json()["data"]["output"] == value
    assert api.patch(path, {"actions_successful": 1}).json()["data"]["output"] == {}
    assert api.patch(path, {"output": None}).json()["data"]["output"] is None
    assert detail(api, execution.pk)["status"] == status


@pytest.mark.parametrize("target", ["completed", "failed", "timeout", "cancelled"])
def test_output_given_with_the_final_move_is_kept(api, tenant, target):
    execution = make_execution(tenant=tenant, status="running")
    path = f"executions/{execution.pk}"
    api.patch(path, {"output": {"partial": True}})

    body = api.patch(path, {"status": target, "output": {"orders_synced": 12}}).json()["data"]

    assert (body["status"], body["output"]) == (target, {"orders_synced": 12})
    assert detail(api, execution.pk)["output"] == {"orders_synced": 12}


def test_output_from_waiting_with_the_final_move_is_kept(api, tenant):
    execution = make_execution(tenant=tenant, status="waiting")
    body = api.patch(f"executions/{execution.pk}", {"status": "failed", "output": {"approved": False}}).json()["data"]
    assert (body["status"], body["output"]) == ("failed", {"approved": False})


@pytest.mark.parametrize("status", FINAL)
def test_output_of_a_final_execution_is_refused(api, tenant, status):
    execution = make_execution(tenant=tenant, status=status)
    before = detail(api, execution.pk)

    problem = assert_problem(api.patch(f"executions/{execution.pk}", {"output": {"late": True}}), 409)

    assert status in problem["detail"]
    assert detail(api, execution.pk) == before


def test_output_takes_256_kib_as_json_and_a_byte_more_is_400_naming_it(api, tenant):
    execution = make_execution(tenant=tenant, status="running")
    path = f"executions/{execution.pk}"
    # Counted as compact JSON in UTF-8, however the client spaced or escaped it:
    # len('{"text":""}') + 131,066 × 2 + 1 = 262,144 bytes.
    largest = {"text": "é" * 131_066 + "x"}

    assert api.patch(path, {"output": largest}).status_code == 200
    problem = assert_problem(api.patch(path, {"output": {"text": largest["text"] + "x"}}), 400)

    assert list(problem["errors"]) == ["output"]
    assert "262144 bytes" in problem["errors"]["output"][0]
    assert detail(api, execution.pk)["output"] == largest


def test_output_with_a_nul_character_is_400_naming_it(api, tenant):
    execution = make_execution(tenant=tenant, status="running")

    problem = assert_problem(api.patch(f"executions/{execution.pk}", {"output": {"rows": ["a\u0000"]}}), 400)

    assert list(problem["errors"]) == ["output"]
    assert detail(api, execution.pk)["output"] is None


# Retry and cancel from every status


@pytest.mark.parametrize("status", STATUSES)
def test_retry_is_allowed_only_from_failed_timeout_or_cancelled(api, member, tenant, status):
    execution = make_execution(tenant=tenant, status=status)
    before, history = detail(api, execution.pk), events(api, execution.pk)

    response = api.post(f"executions/{execution.pk}/retry")

    if status in ("failed", "timeout", "cancelled"):
        assert response.status_code == 201, response.content
        attempt = response.json()["data"]
        assert (attempt["status"], attempt["retry_of"]) == ("pending", str(execution.pk))
        after = events(api, execution.pk)
        assert len(after) == len(history) + 1
        assert (after[-1]["type"], after[-1]["previous_status"], after[-1]["status"]) == (
            "execution.retried", status, status)
        assert after[-1]["actor"] == f"key:{member.api_key.prefix}"
        assert detail(api, execution.pk)["status"] == status
    else:
        problem = assert_problem(response, 409)
        assert status in problem["detail"]
        assert detail(api, execution.pk) == before
        assert events(api, execution.pk) == history
        assert Execution.objects.filter(retry_of=execution.pk).count() == 0
    assert "retry" not in detail(api, execution.pk)["_links"]


@pytest.mark.parametrize("status", STATUSES)
def test_cancel_is_allowed_only_from_pending_running_or_waiting_and_keeps_the_reason(api, member, tenant, status):
    execution = make_execution(tenant=tenant, status=status)
    before, history = detail(api, execution.pk), events(api, execution.pk)

    response = api.post(f"executions/{execution.pk}/cancel", {"reason": "operator asked"})

    if status in CANCELLABLE:
        assert response.status_code == 200, response.content
        body = response.json()["data"]
        assert body["status"] == "cancelled"
        assert (body["status_reason"], body["waiting_until"]) == ("operator asked", None)
        assert body["completed_at"] is not None
        assert "cancel" not in body["_links"]
        after = events(api, execution.pk)
        assert len(after) == len(history) + 1
        event = after[-1]
        assert (event["type"], event["previous_status"], event["status"]) == (
            "execution.cancelled", status, "cancelled")
        assert event["data"]["reason"] == "operator asked"
        assert event["actor"] == f"key:{member.api_key.prefix}"
    else:
        problem = assert_problem(response, 409)
        assert status in problem["detail"]
        assert detail(api, execution.pk) == before
        assert events(api, execution.pk) == history


def test_cancel_of_a_waiting_run_makes_its_reason_the_status_reason_and_ends_the_wait(api, member, tenant):
    execution = make_execution(tenant=tenant, status="running")
    path = f"executions/{execution.pk}"
    api.patch(path, {"status": "waiting", "status_reason": "awaiting approval from finance",
                     "waiting_until": LATER})

    body = api.post(f"{path}/cancel", {"reason": "the order was withdrawn"}).json()["data"]

    assert (body["status"], body["status_reason"], body["waiting_until"]) == (
        "cancelled", "the order was withdrawn", None)
    assert body["completed_at"] is not None and body["duration_ms"] is not None
    assert set(body["_links"]) >= {"retry"} and "cancel" not in body["_links"]
    event = events(api, execution.pk)[-1]
    assert (event["type"], event["previous_status"], event["status"], event["data"], event["actor"]) == (
        "execution.cancelled", "waiting", "cancelled", {"reason": "the order was withdrawn"},
        f"key:{member.api_key.prefix}")
    assert detail(api, execution.pk) == body


def test_cancel_without_a_reason_clears_the_status_reason(api, tenant):
    execution = make_execution(tenant=tenant, status="waiting")
    api.patch(f"executions/{execution.pk}", {"status_reason": "paused by circuit breaker"})

    body = api.post(f"executions/{execution.pk}/cancel").json()["data"]

    assert (body["status"], body["status_reason"]) == ("cancelled", None)


@pytest.mark.parametrize("reason", ["x" * 1001, 5, "a\u0000b"])
def test_a_cancel_reason_that_could_not_be_a_status_reason_is_400(api, tenant, reason):
    execution = make_execution(tenant=tenant, status="waiting")

    problem = assert_problem(api.post(f"executions/{execution.pk}/cancel", {"reason": reason}), 400)

    assert list(problem["errors"]) == ["reason"]
    assert detail(api, execution.pk)["status"] == "waiting"


def test_cancel_without_a_reason_is_fine(api, tenant):
    execution = make_execution(tenant=tenant, status="running")

    response = api.post(f"executions/{execution.pk}/cancel")

    assert response.status_code == 200, response.content
    assert events(api, execution.pk)[-1]["data"].get("reason") is None


@pytest.mark.parametrize("status", STATUSES)
def test_links_offer_retry_and_cancel_exactly_where_the_lifecycle_allows_them(api, tenant, status):
    execution = make_execution(tenant=tenant, status=status)
    links = detail(api, execution.pk)["_links"]
    assert ("retry" in links) == (status in ("failed", "timeout", "cancelled"))
    assert ("cancel" in links) == (status in CANCELLABLE)


# expire_executions


def _age(execution: Execution, *, created: timedelta, started: timedelta | None = None, now: datetime) -> None:
    """Moves an execution's creation (and start) back in time, as if it had been waiting."""
    changes = {"created_at": now - created}
    if started is not None:
        changes["started_at"] = now - started
    Execution.objects.filter(pk=execution.pk).update(**changes)


def test_expire_times_out_pending_and_running_executions_past_their_rules_timeout(api, tenant):
    now = timezone.now()
    rule = make_rule(tenant=tenant, timeout_seconds=60)
    waited = make_execution(tenant=tenant, rule=rule)
    _age(waited, created=timedelta(seconds=61), now=now)
    ran = make_execution(tenant=tenant, rule=rule, status="running")
    _age(ran, created=timedelta(hours=2), started=timedelta(seconds=90), now=now)

    expired = services.executions_expire(now=now)

    assert set(expired) == {waited.pk, ran.pk}
    waited_body, ran_body = detail(api, waited.pk), detail(api, ran.pk)
    assert waited_body["status"] == ran_body["status"] == "timeout"
    assert parse_time(waited_body["completed_at"]) == parse_time(ran_body["completed_at"]) == now
    assert (waited_body["started_at"], waited_body["duration_ms"]) == (None, None)
    assert ran_body["duration_ms"] == 90_000
    for execution, previous in ((waited, "pending"), (ran, "running")):
        event = events(api, execution.pk)[-1]
        assert (event["type"], event["previous_status"], event["status"], event["actor"]) == (
            "execution.timed_out", previous, "timeout", "system")
    assert "retry" in ran_body["_links"]


def test_expire_measures_a_running_execution_from_its_start_not_its_creation(api, tenant):
    now = timezone.now()
    rule = make_rule(tenant=tenant, timeout_seconds=60)
    execution = make_execution(tenant=tenant, rule=rule, status="running")
    _age(execution, created=timedelta(hours=2), started=timedelta(seconds=30), now=now)
    history = events(api, execution.pk)

    assert services.executions_expire(now=now) == []

    assert detail(api, execution.pk)["status"] == "running"
    assert events(api, execution.pk) == history


def test_expire_leaves_executions_within_or_exactly_at_their_timeout(api, tenant):
    now = timezone.now()
    short, long = make_rule(tenant=tenant, timeout_seconds=60), make_rule(tenant=tenant, timeout_seconds=3600)
    at_limit = make_execution(tenant=tenant, rule=short)
    _age(at_limit, created=timedelta(seconds=60), now=now)
    within_long = make_execution(tenant=tenant, rule=long, status="running")
    _age(within_long, created=timedelta(seconds=600), started=timedelta(seconds=600), now=now)

    assert services.executions_expire(now=now) == []

    assert detail(api, at_limit.pk)["status"] == "pending"
    assert detail(api, within_long.pk)["status"] == "running"


@pytest.mark.parametrize("status", FINAL)
def test_expire_leaves_finished_executions(api, tenant, status):
    now = timezone.now()
    rule = make_rule(tenant=tenant, timeout_seconds=60)
    execution = make_execution(tenant=tenant, rule=rule, status=status)
    _age(execution, created=timedelta(days=1), now=now)
    before, history = detail(api, execution.pk), events(api, execution.pk)

    assert services.executions_expire(now=now) == []

    assert detail(api, execution.pk) == before
    assert events(api, execution.pk) == history


def test_expire_covers_every_tenant(api, tenant, other_tenant):
    now = timezone.now()
    ours = make_execution(tenant=tenant, rule=make_rule(tenant=tenant, timeout_seconds=60))
    theirs = make_execution(tenant=other_tenant, rule=make_rule(tenant=other_tenant, timeout_seconds=60))
    _age(ours, created=timedelta(minutes=5), now=now)
    _age(theirs, created=timedelta(minutes=5), now=now)

    assert set(services.executions_expire(now=now)) == {ours.pk, theirs.pk}
    assert Execution.objects.get(pk=theirs.pk).status == "timeout"


def _pause(execution: Execution, *, until: datetime | None, started: timedelta, now: datetime) -> None:
    """Pauses a running execution that started `started` before `now`, waiting until `until`."""
    _age(execution, created=started + timedelta(seconds=1), started=started, now=now)
    services.execution_report(tenant_id=execution.tenant_id, execution_id=execution.pk, actor="system",
                              changes={"status": "waiting", "status_reason": "awaiting approval",
                                       "waiting_until": until})


def test_expire_times_out_a_waiting_execution_whose_waiting_until_is_more_than_the_timeout_past(api, tenant):
    now = timezone.now()
    rule = make_rule(tenant=tenant, timeout_seconds=60)
    execution = make_execution(tenant=tenant, rule=rule, status="running")
    _pause(execution, until=now - timedelta(seconds=61), started=timedelta(minutes=10), now=now)

    assert services.executions_expire(now=now) == [execution.pk]

    body = detail(api, execution.pk)
    assert (body["status"], body["waiting_until"], body["status_reason"]) == ("timeout", None, None)
    assert parse_time(body["completed_at"]) == now
    assert body["duration_ms"] == 600_000
    assert "retry" in body["_links"] and "cancel" not in body["_links"]
    event = events(api, execution.pk)[-1]
    assert (event["type"], event["previous_status"], event["status"], event["actor"]) == (
        "execution.timed_out", "waiting", "timeout", "system")


@pytest.mark.parametrize("until", [timedelta(seconds=-60), timedelta(seconds=-1), timedelta(0),
                                   timedelta(hours=1)], ids=["at-the-timeout", "within", "due-now", "future"])
def test_expire_judges_a_waiting_execution_by_waiting_until_not_by_its_age(api, tenant, until):
    now = timezone.now()
    rule = make_rule(tenant=tenant, timeout_seconds=60)
    execution = make_execution(tenant=tenant, rule=rule, status="running")
    # Started long before the rule's timeout: a pending or running execution this old would expire.
    _pause(execution, until=now + until, started=timedelta(days=3), now=now)
    before, history = detail(api, execution.pk), events(api, execution.pk)

    assert services.executions_expire(now=now) == []

    assert detail(api, execution.pk) == before
    assert events(api, execution.pk) == history


def test_expire_never_times_out_a_waiting_execution_without_waiting_until(api, tenant):
    now = timezone.now()
    rule = make_rule(tenant=tenant, timeout_seconds=60)
    execution = make_execution(tenant=tenant, rule=rule, status="running")
    _pause(execution, until=None, started=timedelta(days=365), now=now)

    assert services.executions_expire(now=now + timedelta(days=365)) == []

    body = detail(api, execution.pk)
    assert (body["status"], body["status_reason"], body["waiting_until"]) == ("waiting", "awaiting approval", None)


def test_expire_times_out_waiting_executions_beside_pending_and_running_ones(api, tenant, other_tenant):
    now = timezone.now()
    rule = make_rule(tenant=tenant, timeout_seconds=60)
    theirs = make_rule(tenant=other_tenant, timeout_seconds=60)
    overdue = [make_execution(tenant=tenant, rule=rule), make_execution(tenant=tenant, rule=rule, status="running"),
               make_execution(tenant=tenant, rule=rule, status="running"),
               make_execution(tenant=other_tenant, rule=theirs, status="running")]
    _age(overdue[0], created=timedelta(minutes=5), now=now)
    _age(overdue[1], created=timedelta(minutes=5), started=timedelta(minutes=5), now=now)
    _pause(overdue[2], until=now - timedelta(minutes=5), started=timedelta(minutes=10), now=now)
    _pause(overdue[3], until=now - timedelta(minutes=5), started=timedelta(minutes=10), now=now)
    paused = make_execution(tenant=tenant, rule=rule, status="running")
    _pause(paused, until=None, started=timedelta(minutes=10), now=now)

    assert sorted(services.executions_expire(now=now)) == sorted(e.pk for e in overdue)

    assert {e.status for e in Execution.objects.filter(pk__in=[e.pk for e in overdue])} == {"timeout"}
    assert Execution.objects.get(pk=paused.pk).status == "waiting"


@pytest.mark.parametrize(("queryset", "index"), [
    (lambda: Execution.objects.filter(status__in=("pending", "running")), "exec_status_created"),
    (lambda: Execution.objects.filter(status="waiting", waiting_until__isnull=False), "exec_waiting_until"),
])
@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plans are PostgreSQL's")
def test_expire_reads_its_candidates_on_partial_indexes(db, queryset, index):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a few test rows would be scanned otherwise
    assert index in queryset().values_list("pk").explain()


def test_expire_measures_a_resumed_run_from_its_first_start_as_the_contract_words_it(api, tenant):
    """The contract times out a running execution by `now - started_at`, and started_at is its
    first start: a run that waited longer than its rule's timeout and then resumed is overdue at
    once. (Kept visible here: measuring from the resume would be a change of the contract.)"""
    now = timezone.now()
    rule = make_rule(tenant=tenant, timeout_seconds=60)
    execution = make_execution(tenant=tenant, rule=rule, status="running")
    _pause(execution, until=None, started=timedelta(hours=1), now=now)
    services.execution_report(tenant_id=tenant.pk, execution_id=execution.pk, actor="system",
                              changes={"status": "running"})

    assert services.executions_expire(now=now) == [execution.pk]


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks between real transactions")
@pytest.mark.django_db(transaction=True)
def test_expire_rechecks_a_waiting_execution_whose_engine_moved_its_waiting_until_while_it_was_read(tenant):
    """expire_executions reads its candidates, then locks each one: an engine that pushes a
    waiting execution's waiting_until later in between has given it more time."""
    api = ApiClient(make_key(tenant=tenant, role="admin").key)
    rule = make_rule(tenant=tenant, timeout_seconds=60)
    execution = make_execution(tenant=tenant, rule=rule, status="running")
    _pause(execution, until=timezone.now() - timedelta(hours=1), started=timedelta(hours=2), now=timezone.now())
    later = timezone.now() + timedelta(hours=1)

    expired = _expire_while_the_engine_holds_the_row(execution, tenant, {"waiting_until": later})

    assert expired == []
    body = detail(api, execution.pk)
    assert (body["status"], body["waiting_until"]) == ("waiting", iso(later))
    assert events(api, execution.pk)[-1]["type"] == "execution.status_changed"


def _expire_while_the_engine_holds_the_row(execution: Execution, tenant, changes: dict) -> list:
    """Runs expire_executions while an engine holds the execution's row lock; the engine reports
    `changes` once expire waits for that lock. Returns what expire timed out."""
    locked, go_on = threading.Event(), threading.Event()
    expired: list = []

    def engine():
        try:
            with transaction.atomic():
                Execution.objects.select_for_update().get(pk=execution.pk)
                locked.set()
                go_on.wait(10)
                services.execution_report(tenant_id=tenant.pk, execution_id=execution.pk, actor="system",
                                          changes=changes)
        finally:
            db_connections.close_all()

    def expire():
        try:
            expired.extend(services.executions_expire())
        finally:
            db_connections.close_all()

    engine_thread, expire_thread = threading.Thread(target=engine), threading.Thread(target=expire)
    engine_thread.start()
    assert locked.wait(10)
    expire_thread.start()
    _wait_for_a_lock_waiter()  # expire has read its candidates and waits for the engine's row lock
    go_on.set()
    engine_thread.join(10)
    expire_thread.join(10)
    return expired


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks between real transactions")
@pytest.mark.django_db(transaction=True)
def test_expire_rechecks_the_start_of_an_execution_that_began_running_while_it_waited(tenant):
    """expire_executions reads its candidates, then locks each one: an engine that moves a long
    pending execution to running in between gives it a fresh start, and it has not outrun its timeout."""
    api = ApiClient(make_key(tenant=tenant, role="admin").key)
    rule = make_rule(tenant=tenant, timeout_seconds=60)
    execution = make_execution(tenant=tenant, rule=rule)
    _age(execution, created=timedelta(hours=2), now=timezone.now())

    expired = _expire_while_the_engine_holds_the_row(execution, tenant, {"status": "running"})

    assert expired == []
    body = detail(api, execution.pk)
    assert body["status"] == "running"
    assert [event["type"] for event in events(api, execution.pk)] == ["execution.created",
                                                                     "execution.status_changed"]


def _wait_for_a_lock_waiter(timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError("no transaction came to wait for the row lock")
