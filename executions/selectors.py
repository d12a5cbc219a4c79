"""Reads of executions and rules, always scoped to one tenant: the only place that scopes them."""

from uuid import UUID

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


def with_link_state(queryset: QuerySet[Execution]) -> QuerySet[Execution]:
    """The executions with what their links need: the rule's state and the next attempt's id."""
    return queryset.annotate(rule_is_enabled=F("rule__is_enabled"), next_attempt_ref=F("next_attempt__id"))


def rule_list(*, tenant_id: UUID) -> QuerySet[AutomationRule]:
    """Rules newest first."""
    return rule_queryset(tenant_id=tenant_id).order_by("-created_at", "-id")


def execution_list(*, tenant_id: UUID) -> QuerySet[Execution]:
    """Executions newest first."""
    return execution_queryset(tenant_id=tenant_id).order_by("-created_at", "-id")


def execution_steps(*, tenant_id: UUID, execution_id: UUID, limit: int | None = None) -> list[ExecutionStep]:
    """An execution's steps in order (the first `limit`)."""
    return list(step_queryset(tenant_id=tenant_id).filter(execution_id=execution_id).order_by("position")[:limit])


def execution_last_logs(*, tenant_id: UUID, execution_id: UUID, limit: int) -> list[ExecutionLog]:
    """An execution's last `limit` log lines, newest first."""
    return list(log_queryset(tenant_id=tenant_id).filter(execution_id=execution_id).order_by("-sequence")[:limit])


def execution_last_events(*, tenant_id: UUID, execution_id: UUID, limit: int) -> list[ExecutionEvent]:
    """An execution's last `limit` events, newest first."""
    return list(event_queryset(tenant_id=tenant_id).filter(execution_id=execution_id).order_by("-id")[:limit])


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
    return (Execution.objects.select_related("rule", "tenant").filter(pk=execution_id)
            .annotate(next_attempt_ref=F("next_attempt__id")).first())


def execution_logs(*, tenant_id: UUID, execution_id: UUID, after: int | None = None, before: int | None = None,
                   levels: list[str] | None = None, step_key: str | None = None, contains: str | None = None,
                   limit: int) -> list[ExecutionLog]:
    """A page of an execution's log lines by sequence (a keyset, never an offset): the first `limit`
    after `after`, oldest first, or with `before` the last `limit` before it, also oldest first;
    narrowed to `levels`, one step, and text in the message."""
    lines = log_queryset(tenant_id=tenant_id).filter(execution_id=execution_id)
    if levels:
        lines = lines.filter(level__in=levels)
    if step_key:
        lines = lines.filter(step_key=step_key)
    if contains:
        lines = lines.filter(message__icontains=contains)
    if before is not None:
        return list(lines.filter(sequence__lt=before).order_by("-sequence")[:limit])[::-1]
    if after is not None:
        lines = lines.filter(sequence__gt=after)
    return list(lines.order_by("sequence")[:limit])


def rule_recent_executions(*, tenant_id: UUID, rule_id: UUID, limit: int) -> list[Execution]:
    """A rule's newest `limit` executions, newest first, with only what a strip of runs shows."""
    return list(execution_queryset(tenant_id=tenant_id).filter(rule_id=rule_id)
                .only("id", "status", "status_reason", "attempt", "created_at", "started_at", "duration_ms")
                .order_by("-created_at", "-id")[:limit])


def rule_run_times(*, tenant_id: UUID, rule_id: UUID, since, limit: int) -> list[tuple]:
    """(created_at, status, duration_ms) of a rule's executions made since `since`, newest first,
    at most `limit` of them (on the (tenant, rule, created_at) index)."""
    return list(execution_queryset(tenant_id=tenant_id).filter(rule_id=rule_id, created_at__gte=since)
                .order_by("-created_at", "-id").values_list("created_at", "status", "duration_ms")[:limit])
