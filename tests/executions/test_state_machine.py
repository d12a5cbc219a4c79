"""A property-based test of the execution lifecycle: hypothesis drives random sequences of starts,
PATCHes (status moves and counters), retries and cancels through the HTTP API of one tenant, and
checks the contract's invariants after every step against a model of what each answer must be.

Database access: hypothesis runs many examples inside one pytest test, so the test takes
pytest-django's `db` fixture (one transaction around the whole test) and each example of the
machine opens a savepoint in `__init__` and rolls it back in `teardown`. Every example therefore
starts from the same empty database, with its own tenant, key (so its own throttle bucket) and rule,
on SQLite and PostgreSQL alike, and nothing leaks between examples or into other tests."""

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from django.db import transaction
from django.db.models import Count
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from executions import lifecycle
from executions.models import Execution, ExecutionEvent
from tests.factories import ApiClient, make_key, make_rule, make_tenant

STATUSES = ("pending", "running", "waiting", "completed", "failed", "cancelled", "timeout", "skipped")
FINAL = frozenset({"completed", "failed", "cancelled", "timeout", "skipped"})
RETRYABLE = frozenset({"failed", "timeout", "cancelled"})
CANCELLABLE = frozenset({"pending", "running", "waiting"})
MOVES = {
    "pending": frozenset({"running", "cancelled", "skipped", "timeout"}),
    "running": frozenset({"waiting", "completed", "failed", "timeout", "cancelled"}),
    "waiting": frozenset({"running", "failed", "timeout", "cancelled"}),
}
COUNTERS = ("actions_total", "actions_successful", "actions_failed")
RULE_ACTIONS = 3
MAX_EXECUTIONS = 6

# Counters are sent as absolute values; they are drawn as steps from the stored ones so that most
# reports are plausible and some go down or past the total.
counter_steps = st.fixed_dictionaries({}, optional={name: st.integers(min_value=-1, max_value=2) for name in COUNTERS})
indexes = st.integers(min_value=0, max_value=MAX_EXECUTIONS * 2)


@dataclass
class Tracked:
    """What the model expects of one execution."""

    status: str = "pending"
    counters: dict = field(default_factory=lambda: {"actions_total": RULE_ACTIONS, "actions_successful": 0,
                                                    "actions_failed": 0})
    status_changes: int = 0
    # The status_reason: a cancel's reason, cleared by every move that gives none (PATCHes here give none).
    reason: str | None = None
    next_attempt: str | None = None
    # The execution as first seen final (without _links, which gain next_attempt on a retry).
    final_body: dict | None = None


def parse_time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


class ExecutionLifecycle(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        # One savepoint per example, rolled back in teardown: see the module docstring.
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        tenant = make_tenant(name="Machine", slug="machine")
        self.api = ApiClient(make_key(tenant=tenant, role="admin", username="machine").key)
        self.rule_id = str(make_rule(tenant=tenant).pk)
        self.model: dict[str, Tracked] = {}
        self.order: list[str] = []
        # Executions the last step addressed: their whole history is read back over HTTP.
        self.touched: set[str] = set()

    def teardown(self):
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    def pick(self, index: int) -> tuple[str, Tracked]:
        execution_id = self.order[index % len(self.order)]
        self.touched.add(execution_id)
        return execution_id, self.model[execution_id]

    def track(self, body: dict) -> None:
        self.model[body["execution_id"]] = Tracked(counters={name: body[name] for name in COUNTERS})
        self.order.append(body["execution_id"])
        self.touched.add(body["execution_id"])

    # Steps

    @initialize()
    def start_first(self):
        self.start()

    @precondition(lambda self: len(self.order) < MAX_EXECUTIONS)
    @rule()
    def start(self):
        response = self.api.post("executions", {"automation_rule_id": self.rule_id, "trigger_data": {"n": 1}})
        assert response.status_code == 201, response.content
        body = response.json()["data"]
        assert (body["status"], body["actions_total"]) == ("pending", RULE_ACTIONS)
        self.track(body)

    @rule(index=indexes, status=st.sampled_from(STATUSES))
    def move(self, index, status):
        self.patch(index=index, status=status, steps={})

    @rule(index=indexes, status=st.none() | st.sampled_from(STATUSES), steps=counter_steps)
    def patch(self, index, status, steps):
        execution_id, tracked = self.pick(index)
        counters = {name: max(0, tracked.counters[name] + step) for name, step in steps.items()}
        body = dict(counters)
        if status is not None:
            body["status"] = status
        target = body.get("status", tracked.status)

        refused_move = tracked.status in FINAL or (target != tracked.status and target not in MOVES[tracked.status])
        merged = {**tracked.counters, **counters}
        bad_counters = (
            any(merged[name] < tracked.counters[name] for name in COUNTERS)
            or merged["actions_successful"] + merged["actions_failed"] > merged["actions_total"]
        )
        if refused_move and bad_counters:
            expected = {400, 409}  # both are errors against stored state; the contract ranks neither first
        elif refused_move:
            expected = {409}
        elif bad_counters:
            expected = {400}
        else:
            expected = {200}

        response = self.api.patch(f"executions/{execution_id}", body)

        assert response.status_code in expected, (tracked.status, body, response.status_code, response.content)
        if response.status_code == 200:
            assert response.json()["data"]["status"] == target
            if target != tracked.status:
                tracked.status_changes += 1
                tracked.reason = None
            tracked.status = target
            tracked.counters = merged

    @precondition(lambda self: len(self.order) < MAX_EXECUTIONS * 2)
    @rule(index=indexes)
    def retry(self, index):
        execution_id, tracked = self.pick(index)

        response = self.api.post(f"executions/{execution_id}/retry")

        if tracked.status in RETRYABLE and tracked.next_attempt is None:
            assert response.status_code == 201, response.content
            attempt = response.json()["data"]
            assert (attempt["retry_of"], attempt["status"]) == (execution_id, "pending")
            tracked.next_attempt = attempt["execution_id"]
            self.track(attempt)
        else:
            assert response.status_code == 409, (tracked.status, response.content)
            if tracked.next_attempt is not None:
                assert tracked.next_attempt in response.json()["detail"]

    @rule(index=indexes, reason=st.none() | st.just("operator"))
    def cancel(self, index, reason):
        execution_id, tracked = self.pick(index)

        response = self.api.post(f"executions/{execution_id}/cancel", None if reason is None else {"reason": reason})

        if tracked.status in CANCELLABLE:
            assert response.status_code == 200, response.content
            tracked.status = "cancelled"
            tracked.status_changes += 1
            tracked.reason = reason
        else:
            assert response.status_code == 409, (tracked.status, response.content)

    # Invariants

    @invariant()
    def executions_keep_the_contract(self):
        response = self.api.get("executions", {"page_size": "200"})
        assert response.status_code == 200
        listed = {item["execution_id"]: item for item in response.json()["data"]}
        assert set(listed) == set(self.model)
        # Every execution's number of events, in one query; the histories the step could have
        # changed in full, over HTTP.
        counts = dict(ExecutionEvent.objects.filter(execution_id__in=self.model).values_list("execution_id")
                      .annotate(Count("id")))
        for execution_id, tracked in self.model.items():
            self.check_execution(listed[execution_id], tracked)
            assert counts[UUID(execution_id)] == self.expected_events(tracked)
        for execution_id in self.touched:
            self.check_events(execution_id, self.model[execution_id])
        self.touched.clear()

    @staticmethod
    def expected_events(tracked: Tracked) -> int:
        # created, one per change of status, and retried once it has a next attempt
        return 1 + tracked.status_changes + (tracked.next_attempt is not None)

    def check_execution(self, body: dict, tracked: Tracked) -> None:
        assert body["status"] == tracked.status
        started, completed = parse_time(body["started_at"]), parse_time(body["completed_at"])
        # Timing
        assert (completed is not None) == (tracked.status in FINAL)
        if tracked.status in ("running", "waiting"):
            assert started is not None
        # Reasons and waits
        assert body["status_reason"] == tracked.reason
        assert body["waiting_until"] is None  # never sent here: a wait without an end
        if started is not None and completed is not None:
            assert started <= completed
            assert body["duration_ms"] == (completed - started) // timedelta(milliseconds=1)
        else:
            assert body["duration_ms"] is None
        # Counters: what the model says (so never decreasing), within the total.
        assert {name: body[name] for name in COUNTERS} == tracked.counters
        assert 0 <= body["actions_successful"] + body["actions_failed"] <= body["actions_total"]
        assert body["failed_action_index"] is None
        # Final states never change.
        if tracked.status in FINAL:
            frozen = {name: value for name, value in body.items() if name != "_links"}
            if tracked.final_body is None:
                tracked.final_body = frozen
            assert frozen == tracked.final_body
        # Links follow the state.
        links = body["_links"]
        assert ("cancel" in links) == (tracked.status in CANCELLABLE)
        assert ("retry" in links) == (tracked.status in RETRYABLE and tracked.next_attempt is None)
        assert ("next_attempt" in links) == (tracked.next_attempt is not None)

    def check_events(self, execution_id: str, tracked: Tracked) -> None:
        response = self.api.get(f"executions/{execution_id}/events")
        assert response.status_code == 200
        history = response.json()["data"]
        assert len(history) == self.expected_events(tracked)
        assert (history[0]["type"], history[0]["previous_status"]) == ("execution.created", None)
        status = history[0]["status"]
        for event in history[1:]:
            assert event["previous_status"] == status
            if event["type"] == "execution.retried":
                assert event["status"] == status
                assert event["data"]["next_attempt"] == tracked.next_attempt
            status = event["status"]
        assert status == tracked.status


def test_random_sequences_of_patch_retry_and_cancel_keep_the_lifecycle(db):
    run_state_machine_as_test(
        ExecutionLifecycle,
        settings=settings(max_examples=25, stateful_step_count=15, deadline=None,
                          derandomize=os.environ.get("CI") == "true"),
    )


def test_the_expiry_index_covers_exactly_the_statuses_that_time_out_by_age():
    # models.py cannot import lifecycle.py (it imports the models), so the index spells the set.
    index = next(index for index in Execution._meta.indexes if index.name == "exec_status_created")
    (lookup, statuses), = index.condition.children
    assert lookup == "status__in" and set(statuses) == lifecycle.AGEING


def test_every_status_is_final_or_unfinished_and_the_sets_agree_with_the_moves():
    assert lifecycle.FINAL | lifecycle.UNFINISHED == set(lifecycle.S)
    assert set(lifecycle.EXECUTION_MOVES) == lifecycle.UNFINISHED
    assert lifecycle.RETRYABLE <= lifecycle.FINAL
    assert lifecycle.CANCELLABLE == {status for status, moves in lifecycle.EXECUTION_MOVES.items()
                                     if lifecycle.S.CANCELLED in moves}
    assert set(lifecycle.STEP_MOVES) | lifecycle.STEP_FINISHED == set(lifecycle.T)
