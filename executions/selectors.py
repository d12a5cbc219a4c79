"""Reads of executions and rules, always scoped to one tenant: the only place that scopes them."""

from dataclasses import dataclass
from uuid import UUID

from django.conf import settings
from django.db.models import F, QuerySet

from executions.exceptions import NotFound
from executions.models import AutomationRule, Execution, ExecutionEvent, ExecutionLog, ExecutionStep


def rule_queryset(*, tenant_id: UUID) -> QuerySet[AutomationRule]:
    return AutomationRule.objects.filter(tenant_id=tenant_id)


def execution_queryset(*, tenant_id: UUID) -> QuerySet[Execution]:
    return Execution.objects.filter(tenant_id=tenant_id)


def step_queryset(*, tenant_id: UUID) -> QuerySet[ExecutionStep]:
    return ExecutionStep.objects.filter(tenant_id=tenant_id)


def log_queryset(*, tenant_id: UUID) -> QuerySet[ExecutionLog]:
    return ExecutionLog.objects.filter(tenant_id=tenant_id)


def event_queryset(*, tenant_id: UUID) -> QuerySet[ExecutionEvent]:
    return ExecutionEvent.objects.filter(tenant_id=tenant_id)


def rule_get(*, tenant_id: UUID, rule_id: UUID) -> AutomationRule:
    rule = rule_queryset(tenant_id=tenant_id).filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(f"No rule {rule_id}.")
    return rule


def _with_link_state(queryset: QuerySet[Execution]) -> QuerySet[Execution]:
    return (
        queryset
        # Links need the rule's state and the next attempt's id; no other rule or attempt column.
        .annotate(rule_is_enabled=F("rule__is_enabled"), next_attempt_ref=F("next_attempt__id"))
        .defer("request_fingerprint", "retry_key")
    )


def execution_list(*, tenant_id: UUID) -> QuerySet[Execution]:
    """Executions newest first, with what their links need in the same query, without the output
    that list items do not show (up to 256 KiB each)."""
    return _with_link_state(execution_queryset(tenant_id=tenant_id)).defer("output").order_by("-created_at", "-id")


def execution_get(*, tenant_id: UUID, execution_id: UUID, with_rule: bool = False,
                  rule_id: UUID | None = None) -> Execution:
    """One execution (of `rule_id` only, when given), with what its links need."""
    queryset = _with_link_state(execution_queryset(tenant_id=tenant_id)).filter(pk=execution_id)
    if with_rule:
        queryset = queryset.select_related("rule")
    if rule_id is not None:
        queryset = queryset.filter(rule_id=rule_id)
    execution = queryset.first()
    if execution is None:
        raise NotFound(f"No execution {execution_id}.")
    return execution


# Log lines are read as plain rows in this column order (bodies.log_row_body shapes them): the
# detail and the log list read hundreds per request, and model instances cost most of the time.
LOG_COLUMNS = ("sequence", "timestamp", "level", "message", "action_index", "step_key", "event_type", "metadata")


def log_rows(*, tenant_id: UUID, execution_id: UUID) -> QuerySet:
    """An execution's log lines as LOG_COLUMNS tuples, by sequence."""
    return (
        log_queryset(tenant_id=tenant_id).filter(execution_id=execution_id).order_by("sequence")
        .values_list(*LOG_COLUMNS)
    )


@dataclass(frozen=True)
class ExecutionDetail:
    execution: Execution
    steps: list[ExecutionStep]
    logs: list[tuple]  # LOG_COLUMNS rows, ascending
    logs_truncated: bool


def execution_detail(*, tenant_id: UUID, execution_id: UUID, with_rule: bool = False,
                     rule_id: UUID | None = None) -> ExecutionDetail:
    """One execution with its steps and last log lines, in three queries whatever their number."""
    execution = execution_get(tenant_id=tenant_id, execution_id=execution_id, with_rule=with_rule, rule_id=rule_id)
    steps = list(step_queryset(tenant_id=tenant_id).filter(execution_id=execution.pk).order_by("position"))
    limit = settings.EXECUTION_LOG_LIMIT
    newest = list(log_rows(tenant_id=tenant_id, execution_id=execution.pk).order_by("-sequence")[: limit + 1])
    return ExecutionDetail(execution, steps, newest[:limit][::-1], len(newest) > limit)


def step_get(*, tenant_id: UUID, execution_id: UUID, key: str) -> ExecutionStep:
    step = step_queryset(tenant_id=tenant_id).filter(execution_id=execution_id, key=key).first()
    if step is None:
        raise NotFound(f"No step {key!r} in execution {execution_id}.")
    return step


def execution_must_exist(*, tenant_id: UUID, execution_id: UUID) -> None:
    """Raises NotFound unless the tenant has this execution."""
    if not execution_queryset(tenant_id=tenant_id).filter(pk=execution_id).exists():
        raise NotFound(f"No execution {execution_id}.")


def execution_find(*, execution_id: UUID) -> Execution | None:
    """The execution with this id in whichever tenant holds it, for staff tools (`show_execution`)
    that are not acting for a tenant; with its rule and tenant. Never use it for an API request."""
    return Execution.objects.select_related("rule", "tenant").filter(pk=execution_id).first()
