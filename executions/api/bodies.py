"""The JSON bodies of executions, steps, log lines, events and rules: plain functions over model
rows, one per resource, so that every read is shaped in one place (and fast). The
`*OutputSerializer` classes in serializers.py document the same shapes for the schema."""

from datetime import UTC, datetime

from executions.api.links import execution_links, rule_links
from executions.models import AutomationRule, Execution, ExecutionEvent, ExecutionStep
from executions.selectors import ExecutionDetail


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC, written with Z."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def rule_body(rule: AutomationRule, root: str) -> dict:
    return {
        "id": str(rule.pk),
        "name": rule.name,
        "description": rule.description,
        "trigger": rule.trigger,
        "actions": rule.actions,
        "timeout_seconds": rule.timeout_seconds,
        "is_enabled": rule.is_enabled,
        "version": rule.version,
        "created_at": iso(rule.created_at),
        "updated_at": iso(rule.updated_at),
        "_links": rule_links(rule, root),
    }


def step_body(step: ExecutionStep) -> dict:
    return {
        "key": step.key,
        "name": step.name,
        "type": step.type,
        "status": step.status,
        "position": step.position,
        "started_at": iso(step.started_at),
        "completed_at": iso(step.completed_at),
        "output": step.output,
        "error": step.error,
    }


def log_row_body(row: tuple) -> dict:
    """A log line from a selectors.LOG_COLUMNS row."""
    sequence, timestamp, level, message, action_index, step_key, event_type, metadata = row
    return {
        "sequence": sequence,
        "timestamp": iso(timestamp),
        "level": level,
        "message": message,
        "action_index": action_index,
        "step_key": step_key,
        "event_type": event_type,
        "metadata": metadata,
    }


def event_body(event: ExecutionEvent) -> dict:
    return {
        "id": str(event.pk),
        "type": event.type,
        "created_at": iso(event.created_at),
        "previous_status": event.previous_status,
        "status": event.status,
        "actor": event.actor,
        "data": event.data,
    }


def execution_item_body(execution: Execution, root: str) -> dict:
    """An execution as lists show it: without output, logs and steps."""
    return {
        "execution_id": str(execution.pk),
        "automation_rule_id": str(execution.rule_id),
        "trigger_data": execution.trigger_data,
        "status": execution.status,
        "status_reason": execution.status_reason,
        "waiting_until": iso(execution.waiting_until),
        "started_at": iso(execution.started_at),
        "completed_at": iso(execution.completed_at),
        "duration_ms": execution.duration_ms,
        "actions_total": execution.actions_total,
        "actions_successful": execution.actions_successful,
        "actions_failed": execution.actions_failed,
        "error_message": execution.error_message,
        "error_stack": execution.error_stack,
        "failed_action_index": execution.failed_action_index,
        "execution_context": execution.execution_context,
        "tenant": str(execution.tenant_id),
        "attempt": execution.attempt,
        "retry_of": None if execution.retry_of_id is None else str(execution.retry_of_id),
        "triggered_by": execution.triggered_by,
        "idempotency_key": execution.idempotency_key,
        "external_ref": execution.external_ref,
        "rule_version": execution.rule_version,
        "created_at": iso(execution.created_at),
        "updated_at": iso(execution.updated_at),
        "_links": execution_links(execution, root),
    }


def previous_step(steps: list[ExecutionStep]) -> ExecutionStep | None:
    """The finished step with the latest completed_at (ties: the higher position)."""
    finished = [s for s in steps if s.status in ExecutionStep.FINISHED and s.completed_at is not None]
    return max(finished, key=lambda s: (s.completed_at, s.position), default=None)


def next_step(steps: list[ExecutionStep], execution: Execution) -> ExecutionStep | None:
    """The lowest-position pending step; none once the execution is final."""
    if execution.status in Execution.FINAL:
        return None
    return next((s for s in steps if s.status == ExecutionStep.Status.PENDING), None)


def execution_body(detail: ExecutionDetail, root: str, *, with_rule: bool = False) -> dict:
    """One execution, whole."""
    execution = detail.execution
    body = execution_item_body(execution, root)
    links = body.pop("_links")
    before, after = previous_step(detail.steps), next_step(detail.steps, execution)
    body["output"] = execution.output
    body["logs"] = [log_row_body(row) for row in detail.logs]
    body["logs_truncated"] = detail.logs_truncated
    body["steps"] = [step_body(step) for step in detail.steps]
    body["previous_step"] = None if before is None else step_body(before)
    body["next_step"] = None if after is None else step_body(after)
    if with_rule:
        body["rule"] = rule_body(execution.rule, root)
    body["_links"] = links
    return body
