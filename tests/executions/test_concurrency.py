"""The write side under real concurrency: threads released together by a barrier, each with its
own database connection, racing through the API (or the service where the service is the point).

The races need PostgreSQL: SQLite serialises every writer, so a race there cannot fail, and only
PostgreSQL has the row locks the services rely on. They are `transaction=True` tests, since a race
inside one test transaction would only ever see one connection. (The throttle's race between
processes is in tests/rbac/test_throttling.py.)"""

import threading
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from executions import services
from executions.models import AutomationRule, Execution, ExecutionEvent, ExecutionStep
from tests.factories import ApiClient, make_execution, make_rule

FINAL_EVENTS = {"execution.completed", "execution.failed", "execution.timed_out", "execution.cancelled"}


def race_test(function):
    """Marks a test that races real transactions on PostgreSQL."""
    for mark in (
        pytest.mark.postgres,
        pytest.mark.django_db(transaction=True),
        pytest.mark.skipif(connection.vendor != "postgresql",
                           reason="needs PostgreSQL row locks and concurrent transactions; "
                                  "SQLite serialises every writer, so the race could not fail"),
    ):
        function = mark(function)
    return function


@pytest.fixture
def key(member):
    """`member`'s key: admin, so it may write and execute."""
    return member.key


def race(*calls):
    """Runs each call in its own thread, all released together by a barrier; returns their results
    in order. Fails on any exception, and closes each thread's database connection."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=60)
            results[index] = call()
        except BaseException as error:  # noqa: B036 - reported below, in the test's thread
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a racing thread hung"
    errors = [result for result in results if isinstance(result, BaseException)]
    assert not errors, errors
    return results


def statuses(responses) -> Counter:
    return Counter(response.status_code for response in responses)


def assert_no_server_error(responses) -> None:
    assert all(response.status_code < 500 for response in responses), [
        (response.status_code, response.content[:300]) for response in responses if response.status_code >= 500
    ]


def post(key, path, body=None):
    client = ApiClient(key)
    return lambda: client.post(path, body)


def patch(key, path, body):
    client = ApiClient(key)
    return lambda: client.patch(path, body)


def delete(key, path):
    client = ApiClient(key)
    return lambda: client.delete(path)


def event_types(execution_id) -> list[str]:
    return list(ExecutionEvent.objects.filter(execution_id=execution_id).order_by("id").values_list("type", flat=True))


@race_test
def test_concurrent_starts_with_one_idempotency_key_make_one_execution(tenant, key, rule):
    body = {"automation_rule_id": str(rule.pk), "trigger_data": {"order_id": 7}, "idempotency_key": "order-7"}

    responses = race(*(post(key, "executions", body) for _ in range(16)))

    assert statuses(responses) == {201: 1, 200: 15}
    ids = {response.json()["data"]["execution_id"] for response in responses}
    assert len(ids) == 1
    assert Execution.objects.filter(tenant=tenant).count() == 1
    assert event_types(ids.pop()) == ["execution.created"]


@race_test
def test_concurrent_log_batches_keep_every_line_in_one_gapless_order(tenant, key, rule):
    execution = make_execution(tenant=tenant, rule=rule, status="running")
    batches, size = 32, 25
    path = f"executions/{execution.pk}/logs"

    responses = race(*(
        post(key, path, {"entries": [{"message": f"batch {b} line {i}"} for i in range(size)]})
        for b in range(batches)
    ))

    assert statuses(responses) == {201: batches}
    ranges = sorted((r.json()["data"]["first_sequence"], r.json()["data"]["last_sequence"]) for r in responses)
    assert all(r.json()["data"]["count"] == size for r in responses)
    assert ranges == [(1 + n * size, (n + 1) * size) for n in range(batches)]

    page = ApiClient(key).get(path, {"page_size": 1000})
    assert page.status_code == 200
    lines = page.json()["data"]
    assert [line["sequence"] for line in lines] == list(range(1, batches * size + 1))
    by_batch = defaultdict(list)
    for line in lines:
        batch, index = line["message"].removeprefix("batch ").split(" line ")
        by_batch[int(batch)].append((line["sequence"], int(index)))
    assert sorted(by_batch) == list(range(batches))
    for batch, placed in by_batch.items():
        first = placed[0][0]
        # Contiguous, and in the batch's own order.
        assert placed == [(first + index, index) for index in range(size)], batch


@race_test
def test_concurrent_retries_make_exactly_one_next_attempt(tenant, key, rule):
    failed = make_execution(tenant=tenant, rule=rule, status="failed")

    responses = race(*(post(key, f"executions/{failed.pk}/retry") for _ in range(12)))

    assert statuses(responses) == {201: 1, 409: 11}
    attempt = Execution.objects.get(retry_of=failed)
    winner = next(r for r in responses if r.status_code == 201)
    assert winner.json()["data"]["execution_id"] == str(attempt.pk)
    assert all(str(attempt.pk) in r.json()["detail"] for r in responses if r.status_code == 409)
    assert Execution.objects.filter(tenant=tenant).count() == 2
    assert event_types(failed.pk).count("execution.retried") == 1
    assert event_types(attempt.pk) == ["execution.created"]


@race_test
def test_concurrent_reports_of_two_final_statuses_leave_one_winner(tenant, key, rule):
    running = make_execution(tenant=tenant, rule=rule, status="running")
    path = f"executions/{running.pk}"

    responses = race(*(
        patch(key, path, {"status": target}) for target in ["completed", "failed"] * 8
    ))

    assert statuses(responses) == {200: 1, 409: 15}
    winner = next(r for r in responses if r.status_code == 200).json()["data"]["status"]
    running.refresh_from_db()
    assert running.status == winner
    assert running.completed_at is not None
    types = event_types(running.pk)
    assert [t for t in types if t in FINAL_EVENTS] == [f"execution.{winner}"]


@race_test
def test_concurrent_cancel_and_completion_leave_one_winner(tenant, key, rule):
    outcomes = Counter()
    for _ in range(4):
        running = make_execution(tenant=tenant, rule=rule, status="running")
        path = f"executions/{running.pk}"
        calls = [post(key, f"{path}/cancel", {"reason": "operator"}), patch(key, path, {"status": "completed"})] * 4

        responses = race(*calls)

        assert statuses(responses) == {200: 1, 409: 7}
        winner = next(r for r in responses if r.status_code == 200).json()["data"]["status"]
        outcomes[winner] += 1
        running.refresh_from_db()
        assert running.status == winner
        final = [t for t in event_types(running.pk) if t in FINAL_EVENTS]
        assert final == [f"execution.{winner}"]
    assert set(outcomes) <= {"cancelled", "completed"}


@race_test
def test_cancels_racing_resumes_of_a_waiting_run_leave_one_cancel_and_one_history(tenant, key, rule):
    """The row lock serialises them: a resume that comes first moves the run to running (and the
    cancel then ends the running run); one that comes after the cancel is refused. One cancel wins,
    and a cancelled run never runs again."""
    orders = Counter()
    for _ in range(4):
        execution = make_execution(tenant=tenant, rule=rule, status="running")
        path = f"executions/{execution.pk}"
        ApiClient(key).patch(path, {"status": "waiting", "status_reason": "awaiting approval from finance",
                                    "waiting_until": "2030-06-01T12:00:00Z"})
        calls = []
        for n in range(3):
            calls += [post(key, f"{path}/cancel", {"reason": f"operator {n}"}), patch(key, path, {"status": "running"})]

        responses = race(*calls)

        assert_no_server_error(responses)
        cancels, resumes = responses[0::2], responses[1::2]
        assert statuses(cancels) == {200: 1, 409: 2}
        assert set(statuses(resumes)) <= {200, 409}
        execution.refresh_from_db()
        events = list(ExecutionEvent.objects.filter(execution=execution).order_by("id"))
        [cancelled] = [event for event in events if event.type == "execution.cancelled"]
        assert (execution.status, execution.waiting_until) == ("cancelled", None)
        assert execution.status_reason == cancelled.data["reason"]
        moves = [(event.previous_status, event.status) for event in events[3:]]  # after created, running, waiting
        if any(response.status_code == 200 for response in resumes):
            orders["resumed, then cancelled"] += 1
            assert moves == [("waiting", "running"), ("running", "cancelled")]
        else:
            orders["cancelled, resumes refused"] += 1
            assert moves == [("waiting", "cancelled")]
        # The history is one unbroken chain of moves.
        assert all(before.status == after.previous_status for before, after in zip(events, events[1:], strict=False))
    assert sum(orders.values()) == 4


@race_test
def test_concurrent_steps_with_one_key_make_one_step(tenant, key, rule):
    execution = make_execution(tenant=tenant, rule=rule, status="running")

    responses = race(*(
        post(key, f"executions/{execution.pk}/steps", {"key": "fetch", "name": "Fetch", "type": "http"})
        for _ in range(12)
    ))

    assert statuses(responses) == {201: 1, 409: 11}
    assert list(ExecutionStep.objects.filter(execution=execution).values_list("key", "position")) == [("fetch", 0)]


@race_test
def test_concurrent_distinct_steps_take_positions_in_order_without_duplicates(tenant, key, rule):
    execution = make_execution(tenant=tenant, rule=rule, status="running")
    count = 12

    responses = race(*(
        post(key, f"executions/{execution.pk}/steps", {"key": f"step-{n}", "type": "http"}) for n in range(count)
    ))

    assert statuses(responses) == {201: count}
    answered = {r.json()["data"]["key"]: r.json()["data"]["position"] for r in responses}
    listed = ApiClient(key).get(f"executions/{execution.pk}/steps").json()["data"]
    assert [step["position"] for step in listed] == list(range(count))
    assert {step["key"]: step["position"] for step in listed} == answered


@race_test
def test_expiry_beside_reports_ends_each_execution_in_one_final_state(tenant, key):
    rule = make_rule(tenant=tenant, timeout_seconds=60)
    executions = [make_execution(tenant=tenant, rule=rule) for _ in range(24)]
    # Overdue: created two hours ago, under a rule that times out after a minute.
    Execution.objects.filter(rule=rule).update(created_at=timezone.now() - timedelta(hours=2))

    def report(chunk):
        client = ApiClient(key)

        def run():
            answers = []
            for execution in chunk:
                for target in ("running", "completed"):
                    answers.append(client.patch(f"executions/{execution.pk}", {"status": target}))
            return answers

        return run

    results = race(
        *(report(executions[n::6]) for n in range(6)),
        services.executions_expire,
        services.executions_expire,
    )

    answers = [answer for chunk in results[:6] for answer in chunk]
    assert_no_server_error(answers)
    assert set(statuses(answers)) <= {200, 409}
    expired_lists = results[6:]
    expired = [pk for expired_list in expired_lists for pk in expired_list]
    assert len(expired) == len(set(expired)), "an execution was timed out twice"

    outcome = Counter()
    for execution in executions:
        execution.refresh_from_db()
        outcome[execution.status] += 1
        assert execution.status in ("completed", "timeout")
        assert (execution.pk in expired) == (execution.status == "timeout")
        events = list(ExecutionEvent.objects.filter(execution=execution).order_by("id"))
        assert [e.type for e in events if e.type in FINAL_EVENTS] == [
            "execution.completed" if execution.status == "completed" else "execution.timed_out"
        ]
        # The history is one unbroken chain of moves.
        assert all(before.status == after.previous_status for before, after in zip(events, events[1:], strict=False))
        assert events[-1].status == execution.status
        if execution.status == "timeout" and execution.started_at is not None:
            # It may only time out if it ran past the rule's timeout, not if it had just started.
            assert execution.duration_ms > rule.timeout_seconds * 1000, execution.duration_ms
    assert sum(outcome.values()) == len(executions)


@race_test
def test_deleting_a_rule_while_it_is_started_leaves_one_consistent_outcome(tenant, key):
    rules = [make_rule(tenant=tenant, name=f"Rule {n}") for n in range(8)]
    calls = []
    for rule in rules:
        calls.append(delete(key, f"rules/{rule.pk}"))
        calls += [post(key, "executions", {"automation_rule_id": str(rule.pk), "trigger_data": {}}) for _ in range(2)]

    responses = race(*calls)

    assert_no_server_error(responses)
    for n, rule in enumerate(rules):
        deleted, *starts = responses[n * 3:n * 3 + 3]
        started = [s for s in starts if s.status_code == 201]
        if deleted.status_code == 204:
            assert not AutomationRule.objects.filter(pk=rule.pk).exists()
            assert [s.status_code for s in starts] == [400, 400]
            assert all("automation_rule_id" in s.json()["errors"] for s in starts)
        else:
            assert deleted.status_code == 409, deleted.content
            assert AutomationRule.objects.filter(pk=rule.pk).exists()
            assert [s.status_code for s in starts] == [201, 201]
        assert Execution.objects.filter(rule_id=rule.pk).count() == len(started)
