"""The contract's Lifecycle over HTTP: every status move through PATCH, retry and cancel from every
status, the timing fields, the counters, and expire_executions."""

import threading
import time
from datetime import datetime, timedelta

import pytest
from django.db import connection, transaction
from django.db import connections as db_connections
from django.utils import timezone

from executions import services
from executions.models import Execution
from tests.factories import ApiClient, assert_problem, make_execution, make_key, make_rule

STATUSES = ("pending", "running", "completed", "failed", "cancelled", "timeout", "skipped")
FINAL = ("completed", "failed", "cancelled", "timeout", "skipped")
# (from, to) -> the event the contract names for the move.
ALLOWED = {
    ("pending", "running"): "execution.status_changed",
    ("pending", "cancelled"): "execution.cancelled",
    ("pending", "skipped"): "execution.status_changed",
    ("pending", "timeout"): "execution.timed_out",
    ("running", "completed"): "execution.completed",
    ("running", "failed"): "execution.failed",
    ("running", "timeout"): "execution.timed_out",
    ("running", "cancelled"): "execution.cancelled",
}
UNCHANGED = {("pending", "pending"), ("running", "running")}
FORBIDDEN = sorted({(a, b) for a in STATUSES for b in STATUSES} - set(ALLOWED) - UNCHANGED)


def parse_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    assert value.endswith("Z"), value
    return datetime.fromisoformat(value)


def whole_ms(delta: timedelta) -> int:
    return delta // timedelta(milliseconds=1)


def detail(api, execution_id) -> dict:
    response = api.get(f"executions/{execution_id}")
    assert response.status_code == 200, response.content
    return response.json()["data"]


def events(api, execution_id) -> list[dict]:
    response = api.get(f"executions/{execution_id}/events")
    assert response.status_code == 200, response.content
    return response.json()["data"]


def assert_duration_consistent(body: dict) -> None:
    started, completed = parse_time(body["started_at"]), parse_time(body["completed_at"])
    if started is None or completed is None:
        assert body["duration_ms"] is None
    else:
        assert started <= completed
        assert body["duration_ms"] == whole_ms(completed - started)


def test_the_matrix_covers_every_pair_of_statuses():
    assert len(ALLOWED) + len(UNCHANGED) + len(FORBIDDEN) == 49


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


@pytest.mark.parametrize("status", ["pending", "running"])
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
def test_cancel_is_allowed_only_from_pending_or_running_and_keeps_the_reason(api, member, tenant, status):
    execution = make_execution(tenant=tenant, status=status)
    before, history = detail(api, execution.pk), events(api, execution.pk)

    response = api.post(f"executions/{execution.pk}/cancel", {"reason": "operator asked"})

    if status in ("pending", "running"):
        assert response.status_code == 200, response.content
        body = response.json()["data"]
        assert body["status"] == "cancelled"
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
    assert ("cancel" in links) == (status in ("pending", "running"))


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
    locked, go_on = threading.Event(), threading.Event()
    expired: list = []

    def engine():
        try:
            with transaction.atomic():
                Execution.objects.select_for_update().get(pk=execution.pk)
                locked.set()
                go_on.wait(10)
                services.execution_report(tenant_id=tenant.pk, execution_id=execution.pk, actor="system",
                                          changes={"status": "running"})
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
