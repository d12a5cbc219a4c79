"""The lifecycle of executions and steps: the status sets, which moves are allowed, what each
records, and when an unfinished execution has outrun its rule's timeout. The one place that knows
them: the model's indexes, the services, the links, the admin and the commands ask here."""

from datetime import datetime, timedelta

from executions.models import Execution, ExecutionEvent, ExecutionStep

S = Execution.Status
FINAL = frozenset({S.COMPLETED, S.FAILED, S.CANCELLED, S.TIMEOUT, S.SKIPPED})
UNFINISHED = frozenset(S) - FINAL
RETRYABLE = frozenset({S.FAILED, S.TIMEOUT, S.CANCELLED})
CANCELLABLE = frozenset({S.PENDING, S.RUNNING, S.WAITING})
# Ended badly: what an operator looks at (the admin's colours, show_execution's).
FAILED = frozenset({S.FAILED, S.TIMEOUT})
EXECUTION_MOVES: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.RUNNING, S.CANCELLED, S.SKIPPED, S.TIMEOUT}),
    S.RUNNING: frozenset({S.WAITING, S.COMPLETED, S.FAILED, S.TIMEOUT, S.CANCELLED}),
    # A paused run resumes, or ends while paused: its engine gave up, nothing came in time, or
    # someone called it off. Completing is reported by a running engine, so not from here.
    S.WAITING: frozenset({S.RUNNING, S.FAILED, S.TIMEOUT, S.CANCELLED}),
}
# Timed out by age (from the start, or the creation when it never started).
AGEING = frozenset({S.PENDING, S.RUNNING})

EVENT_OF_STATUS: dict[str, str] = {
    S.RUNNING: ExecutionEvent.Type.STATUS_CHANGED,
    S.WAITING: ExecutionEvent.Type.STATUS_CHANGED,
    S.SKIPPED: ExecutionEvent.Type.STATUS_CHANGED,
    S.COMPLETED: ExecutionEvent.Type.COMPLETED,
    S.FAILED: ExecutionEvent.Type.FAILED,
    S.TIMEOUT: ExecutionEvent.Type.TIMED_OUT,
    S.CANCELLED: ExecutionEvent.Type.CANCELLED,
}

T = ExecutionStep.Status
STEP_FINISHED = frozenset({T.COMPLETED, T.FAILED, T.SKIPPED, T.CANCELLED})
STEP_MOVES: dict[str, frozenset[str]] = {
    T.PENDING: frozenset({T.RUNNING, T.SKIPPED, T.CANCELLED}),
    T.RUNNING: frozenset({T.COMPLETED, T.FAILED, T.CANCELLED}),
}
STEP_RAN = frozenset({T.RUNNING, T.COMPLETED, T.FAILED})


def execution_can_move(current: str, target: str) -> bool:
    return target in EXECUTION_MOVES.get(current, frozenset())


def step_can_move(current: str, target: str) -> bool:
    return target in STEP_MOVES.get(current, frozenset())


def is_final(status: str) -> bool:
    return status in FINAL


def execution_can_retry(execution: Execution, *, rule_is_enabled: bool, has_next_attempt: bool) -> bool:
    return execution.status in RETRYABLE and rule_is_enabled and not has_next_attempt


def execution_can_cancel(execution: Execution) -> bool:
    return execution.status in CANCELLABLE


def execution_is_overdue(*, status: str, created_at: datetime, started_at: datetime | None,
                         waiting_until: datetime | None, timeout_seconds: int, now: datetime) -> bool:
    """Whether expire_executions moves the execution to timeout: a pending or running one when its
    age passes the rule's timeout; a waiting one when its waiting_until lies more than the timeout
    in the past (never by its age, and never without a waiting_until: it waits until its engine or
    an operator moves it)."""
    timeout = timedelta(seconds=timeout_seconds)
    if status in AGEING:
        return now - (started_at or created_at) > timeout
    if status == S.WAITING:
        return waiting_until is not None and now - waiting_until > timeout
    return False
