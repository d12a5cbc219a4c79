"""The lifecycle of executions and steps: which moves are allowed, and what each records."""

from executions.models import Execution, ExecutionEvent, ExecutionStep

S = Execution.Status
EXECUTION_MOVES: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.RUNNING, S.CANCELLED, S.SKIPPED, S.TIMEOUT}),
    S.RUNNING: frozenset({S.COMPLETED, S.FAILED, S.TIMEOUT, S.CANCELLED}),
}

EVENT_OF_STATUS: dict[str, str] = {
    S.RUNNING: ExecutionEvent.Type.STATUS_CHANGED,
    S.SKIPPED: ExecutionEvent.Type.STATUS_CHANGED,
    S.COMPLETED: ExecutionEvent.Type.COMPLETED,
    S.FAILED: ExecutionEvent.Type.FAILED,
    S.TIMEOUT: ExecutionEvent.Type.TIMED_OUT,
    S.CANCELLED: ExecutionEvent.Type.CANCELLED,
}

T = ExecutionStep.Status
STEP_MOVES: dict[str, frozenset[str]] = {
    T.PENDING: frozenset({T.RUNNING, T.SKIPPED, T.CANCELLED}),
    T.RUNNING: frozenset({T.COMPLETED, T.FAILED, T.CANCELLED}),
}
STEP_RAN = frozenset({T.RUNNING, T.COMPLETED, T.FAILED})


def execution_can_move(current: str, target: str) -> bool:
    return target in EXECUTION_MOVES.get(current, frozenset())


def step_can_move(current: str, target: str) -> bool:
    return target in STEP_MOVES.get(current, frozenset())


def execution_can_retry(execution: Execution, *, rule_is_enabled: bool, has_next_attempt: bool) -> bool:
    return execution.status in Execution.RETRYABLE and rule_is_enabled and not has_next_attempt


def execution_can_cancel(execution: Execution) -> bool:
    return execution.status in Execution.CANCELLABLE
