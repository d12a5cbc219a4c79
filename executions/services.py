"""Every change of rules, executions, steps and log lines: one transaction each, safe under
concurrent callers. Views, admin actions and commands call these; nothing else writes."""

import json
import logging
from datetime import datetime, timedelta
from functools import cache, partial
from itertools import chain
from uuid import UUID

import orjson
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from config import metrics
from executions import selectors
from executions.exceptions import (
    AlreadyRetried,
    Conflict,
    IdempotencyConflict,
    IllegalTransition,
    Invalid,
    NotFound,
    RuleDisabled,
)
from executions.fingerprints import fingerprint
from executions.lifecycle import (
    AGEING,
    CANCELLABLE,
    EVENT_OF_STATUS,
    FAILED,
    FINAL,
    RETRYABLE,
    STEP_FINISHED,
    STEP_RAN,
    execution_can_move,
    execution_is_overdue,
    step_can_move,
)
from executions.models import AutomationRule, Execution, ExecutionEvent, ExecutionLog, ExecutionStep

S = Execution.Status
LOG = logging.getLogger("executions")
COUNTERS = ("actions_total", "actions_successful", "actions_failed")
RULE_VERSIONED_FIELDS = ("trigger", "actions", "timeout_seconds")


# Rules


def rule_create(*, tenant_id: UUID, name: str, trigger: str, actions: list | None = None, description: str = "",
                timeout_seconds: int = 3600, is_enabled: bool = True) -> AutomationRule:
    return AutomationRule.objects.create(
        tenant_id=tenant_id, name=name, description=description, trigger=trigger, actions=actions or [],
        timeout_seconds=timeout_seconds, is_enabled=is_enabled,
    )


@transaction.atomic
def rule_update(*, tenant_id: UUID, rule_id: UUID, changes: dict) -> AutomationRule:
    # Locked so that two concurrent edits each bump the version.
    rule = selectors.rule_queryset(tenant_id=tenant_id).select_for_update().filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(f"No rule {rule_id}.")
    if any(field in changes and changes[field] != getattr(rule, field) for field in RULE_VERSIONED_FIELDS):
        rule.version += 1
    for field, value in changes.items():
        setattr(rule, field, value)
    rule.save(update_fields=sorted({*changes, "version", "updated_at"}))
    return rule


def rule_delete(*, tenant_id: UUID, rule_id: UUID) -> None:
    in_use = Conflict("The rule has executions and cannot be deleted; disable it instead (is_enabled: false).")
    try:
        with transaction.atomic():
            rule = selectors.rule_queryset(tenant_id=tenant_id).select_for_update().filter(pk=rule_id).first()
            if rule is None:
                raise NotFound(f"No rule {rule_id}.")
            if Execution.objects.filter(rule_id=rule.pk).exists():
                raise in_use
            rule.delete()
    except IntegrityError:
        # An execution of it was started concurrently and committed first.
        raise in_use from None


# Executions


def _record_event(execution: Execution, *, type: str, previous_status: str | None, actor: str,
                  data: dict | None = None) -> ExecutionEvent:
    return ExecutionEvent.objects.create(
        tenant_id=execution.tenant_id, execution=execution, type=type, previous_status=previous_status,
        status=execution.status, actor=actor, data=data or {},
    )


# The columns a status move writes (see _move).
MOVE_FIELDS = ("status", "status_reason", "waiting_until", "started_at", "completed_at", "duration_ms",
               "error_fingerprint", "updated_at")
# What most changes neither read nor write: big JSON, left in the row (loaded only if touched).
UNREAD = ("trigger_data", "execution_context", "output", "error_stack", "request_fingerprint")


def _locked(*, tenant_id: UUID, execution_id: UUID, whole: bool = False) -> Execution:
    # The row lock serialises every change of one execution: status moves, sequences, positions.
    queryset = selectors.execution_queryset(tenant_id=tenant_id).select_for_update()
    if not whole:
        queryset = queryset.defer(*UNREAD)
    execution = queryset.filter(pk=execution_id).first()
    if execution is None:
        raise NotFound(f"No execution {execution_id}.")
    return execution


def _move(execution: Execution, target: str, *, actor: str, now: datetime, reason: str | None = None,
          data: dict | None = None) -> None:
    """Moves a locked execution to `target` for `reason` (a move that gives none clears the reason
    of the status it leaves), stamping its timing and recording the event."""
    previous = execution.status
    execution.status = target
    execution.status_reason = reason
    if target != S.WAITING:
        execution.waiting_until = None  # it says when a wait ends: nothing outside waiting
    if target == S.RUNNING and execution.started_at is None:
        execution.started_at = now
    if target in FAILED:  # the group of its failure, from its rule and its message as they are now
        execution.error_fingerprint = fingerprint(execution.rule_id, execution.error_message)
    if target in FINAL:
        execution.completed_at = now
        if execution.started_at is not None:
            execution.duration_ms = max(0, int((now - execution.started_at) / timedelta(milliseconds=1)))
    _record_event(execution, type=EVENT_OF_STATUS[target], previous_status=previous, actor=actor, data=data)
    transaction.on_commit(partial(_moved, execution.pk, previous, target, actor))


def _started(execution_id: UUID, actor: str) -> None:
    LOG.info("execution %s: started", execution_id,
             extra={"execution_id": str(execution_id), "from": None, "to": S.PENDING, "actor": actor})
    metrics.EXECUTIONS_STARTED.inc()


def _moved(execution_id: UUID, previous: str, target: str, actor: str) -> None:
    """Once a move is committed: its log line and metrics."""
    LOG.info("execution %s: %s -> %s", execution_id, previous, target,
             extra={"execution_id": str(execution_id), "from": previous, "to": target, "actor": actor})
    if target in FINAL:
        metrics.EXECUTIONS_FINISHED.labels(target).inc()


def _refuse_move(execution: Execution, target: str) -> None:
    if execution.status in FINAL:
        requested = f" (requested: {target})" if target != execution.status else ""
        raise IllegalTransition(
            f"The execution is {execution.status}, a final status, and can no longer change{requested}"
            + ("; retry it instead." if execution.status in RETRYABLE else ".")
        )
    if not execution_can_move(execution.status, target):
        raise IllegalTransition(f"An execution cannot move from {execution.status} to {target}.")


def _find_by_idempotency_key(tenant_id: UUID, key: str) -> Execution | None:
    return selectors.execution_queryset(tenant_id=tenant_id).filter(idempotency_key=key).first()


def _repeat(existing: Execution, fingerprint: str) -> tuple[Execution, bool]:
    if existing.request_fingerprint != fingerprint:
        raise IdempotencyConflict(
            f"The idempotency key was already used with another body, for execution {existing.pk}; "
            "use a new key for a new execution."
        )
    return existing, False


def execution_start(*, tenant_id: UUID, actor: str, automation_rule_id: UUID, trigger_data: dict,
                    execution_context: dict | None = None, triggered_by: str | None = None,
                    external_ref: str | None = None, actions_total: int | None = None,
                    idempotency_key: str | None = None, fingerprint: str = "") -> tuple[Execution, bool]:
    """Starts a pending execution; returns (execution, created). A repeat of an idempotent start
    returns the existing execution, also when the repeats race."""
    if idempotency_key is not None:
        existing = _find_by_idempotency_key(tenant_id, idempotency_key)
        if existing is not None:
            return _repeat(existing, fingerprint)
    no_rule = Invalid("automation_rule_id names no rule of the tenant.",
                      {"automation_rule_id": ["No rule of the tenant has this id."]})
    try:
        with transaction.atomic():
            rule = selectors.rule_queryset(tenant_id=tenant_id).filter(pk=automation_rule_id).first()
            if rule is None:
                raise no_rule
            if not rule.is_enabled:
                raise RuleDisabled("The rule is disabled; enable it (is_enabled: true) to start executions.")
            execution = Execution.objects.create(
                tenant_id=tenant_id, rule=rule, rule_version=rule.version, trigger_data=trigger_data,
                execution_context=execution_context or {}, triggered_by=triggered_by, external_ref=external_ref,
                actions_total=len(rule.actions) if actions_total is None else actions_total,
                idempotency_key=idempotency_key, request_fingerprint=fingerprint,
            )
            _record_event(execution, type=ExecutionEvent.Type.CREATED, previous_status=None, actor=actor)
            transaction.on_commit(partial(_started, execution.pk, actor))
    except IntegrityError:
        # A concurrent start with the same key committed first, or the rule was deleted meanwhile.
        existing = idempotency_key and _find_by_idempotency_key(tenant_id, idempotency_key)
        if existing:
            return _repeat(existing, fingerprint)
        raise no_rule from None
    return execution, True


@transaction.atomic
def execution_report(*, tenant_id: UUID, execution_id: UUID, actor: str, changes: dict) -> Execution:
    """Applies an engine's progress report: a status move and its reason, counters, context, error
    and output. Fields not sent keep their value, except what a move clears (see `_move`)."""
    execution = _locked(tenant_id=tenant_id, execution_id=execution_id)
    target = changes.get("status", execution.status)
    if execution.status in FINAL or target != execution.status:
        _refuse_move(execution, target)

    errors: dict[str, list[str]] = {}
    for counter in COUNTERS:
        if counter in changes and changes[counter] < getattr(execution, counter):
            errors[counter] = [f"Counters never decrease; it is {getattr(execution, counter)}."]
    total, successful, failed = (changes.get(c, getattr(execution, c)) for c in COUNTERS)
    if not errors and successful + failed > total:
        errors["actions_successful"] = [
            f"actions_successful + actions_failed ({successful} + {failed}) exceeds actions_total ({total})."
        ]
    if changes.get("failed_action_index") is not None and target != S.FAILED:
        errors["failed_action_index"] = ["Only a failed execution has a failed action index."]
    if changes.get("waiting_until") is not None and target != S.WAITING:
        errors["waiting_until"] = [f"Only a waiting execution has a waiting_until (this one would be {target}); "
                                   "send it with status waiting, or send null."]
    if errors:
        raise Invalid(next(iter(errors.values()))[0], errors)

    for field, value in changes.items():
        if field != "status":
            setattr(execution, field, value)
    written = {field for field in changes if field != "status"} | {"updated_at"}
    if target != execution.status:
        _move(execution, target, actor=actor, now=timezone.now(), reason=changes.get("status_reason"))
        written |= set(MOVE_FIELDS)
    execution.save(update_fields=sorted(written))
    return execution


def execution_retry(*, tenant_id: UUID, execution_id: UUID, actor: str,
                    idempotency_key: str | None = None) -> tuple[Execution, bool]:
    """Makes the next attempt of a failed, timed-out or cancelled execution; returns
    (attempt, created). Repeating a retry with its Idempotency-Key returns the same attempt."""
    with transaction.atomic():
        # Locked so that concurrent retries queue here and all but the first find its attempt.
        original = _locked(tenant_id=tenant_id, execution_id=execution_id, whole=True)  # copied into the attempt
        existing = Execution.objects.filter(retry_of_id=original.pk).first()
        if existing is not None:
            if idempotency_key is not None and existing.retry_key == idempotency_key:
                return existing, False
            raise AlreadyRetried(f"The execution was already retried; its next attempt is {existing.pk}. "
                                 "Retry that attempt instead.")
        if original.status not in RETRYABLE:
            raise IllegalTransition(
                f"Only a failed, timed-out or cancelled execution can be retried; this one is {original.status}."
            )
        rule = AutomationRule.objects.get(pk=original.rule_id)
        if not rule.is_enabled:
            raise RuleDisabled("The rule is disabled; enable it (is_enabled: true) to retry its executions.")
        attempt = Execution.objects.create(
            tenant_id=original.tenant_id, rule=rule, rule_version=rule.version, trigger_data=original.trigger_data,
            execution_context=original.execution_context, triggered_by=original.triggered_by,
            external_ref=original.external_ref, actions_total=len(rule.actions), attempt=original.attempt + 1,
            retry_of=original, retry_key=idempotency_key,
        )
        _record_event(original, type=ExecutionEvent.Type.RETRIED, previous_status=original.status, actor=actor,
                      data={"next_attempt": str(attempt.pk)})
        _record_event(attempt, type=ExecutionEvent.Type.CREATED, previous_status=None, actor=actor)
        transaction.on_commit(partial(_started, attempt.pk, actor))
    return attempt, True


@transaction.atomic
def execution_cancel(*, tenant_id: UUID, execution_id: UUID, actor: str, reason: str | None = None) -> Execution:
    """Cancels a pending, running or waiting execution; the reason becomes its status_reason."""
    execution = _locked(tenant_id=tenant_id, execution_id=execution_id)
    if execution.status not in CANCELLABLE:
        raise IllegalTransition(f"Only a pending, running or waiting execution can be cancelled; this one is "
                                f"{execution.status}.")
    _move(execution, S.CANCELLED, actor=actor, now=timezone.now(), reason=reason, data={"reason": reason})
    execution.save(update_fields=MOVE_FIELDS)
    return execution


EXPIRY_COLUMNS = ("pk", "tenant_id", "status", "created_at", "started_at", "waiting_until", "rule__timeout_seconds")


def executions_expire(*, now: datetime | None = None) -> list[UUID]:
    """Moves to timeout every pending or running execution that outran its rule's timeout_seconds,
    and every waiting one whose waiting_until lies more than that in the past.

    Each is its own transaction, re-checked under its row lock, so that it is safe beside the API."""
    now = now or timezone.now()
    # Two reads, each on its partial index (see Execution.Meta); a waiting execution without
    # waiting_until is never a candidate.
    ageing = Execution.objects.filter(status__in=AGEING).values_list(*EXPIRY_COLUMNS)
    waiting = Execution.objects.filter(status=S.WAITING, waiting_until__isnull=False).values_list(*EXPIRY_COLUMNS)
    expired = []
    for pk, tenant_id, status, created_at, started_at, waiting_until, timeout_seconds in chain(
        ageing.iterator(), waiting.iterator()
    ):
        if not execution_is_overdue(status=status, created_at=created_at, started_at=started_at,
                                    waiting_until=waiting_until, timeout_seconds=timeout_seconds, now=now):
            continue
        with transaction.atomic():
            execution = _locked(tenant_id=tenant_id, execution_id=pk)
            # Judged again as it is now: since it was read it may have finished, started running
            # (its time counts from that start), resumed, or been given a later waiting_until.
            if not execution_is_overdue(status=execution.status, created_at=execution.created_at,
                                        started_at=execution.started_at, waiting_until=execution.waiting_until,
                                        timeout_seconds=timeout_seconds, now=now):
                continue
            _move(execution, S.TIMEOUT, actor="system", now=now)
            execution.save(update_fields=MOVE_FIELDS)
            expired.append(pk)
    return expired


# Steps


def _stamp_step(step: ExecutionStep, *, now: datetime, given: set[str]) -> None:
    """Stamps the timestamps the client did not give for the status the step is in. A step the
    client reports with its end only keeps no start: `now` would be a start after its end."""
    if step.status in STEP_RAN and step.started_at is None and not {"started_at", "completed_at"} & given:
        step.started_at = now
    if step.status in STEP_FINISHED and step.completed_at is None and "completed_at" not in given:
        step.completed_at = now


def _check_step_times(step: ExecutionStep) -> None:
    if step.started_at and step.completed_at and step.completed_at < step.started_at:
        raise Invalid("completed_at is before started_at.", {"completed_at": ["Must not be before started_at."]})


def _refuse_final(execution: Execution) -> None:
    if execution.status in FINAL:
        raise Conflict(f"The execution is {execution.status}, a final status; its steps can no longer change.")


@transaction.atomic
def step_create(*, tenant_id: UUID, execution_id: UUID, key: str, **fields) -> ExecutionStep:
    execution = _locked(tenant_id=tenant_id, execution_id=execution_id)
    _refuse_final(execution)
    if ExecutionStep.objects.filter(execution_id=execution.pk, key=key).exists():
        raise Conflict(f"The step key {key!r} is already used in this execution; PATCH that step instead.")
    step = ExecutionStep(tenant_id=tenant_id, execution=execution, key=key, position=execution.step_count, **fields)
    _stamp_step(step, now=timezone.now(), given={f for f, v in fields.items() if v is not None})
    _check_step_times(step)
    step.save(force_insert=True)
    Execution.objects.filter(pk=execution.pk).update(step_count=F("step_count") + 1)
    return step


@transaction.atomic
def step_update(*, tenant_id: UUID, execution_id: UUID, key: str, changes: dict) -> ExecutionStep:
    execution = _locked(tenant_id=tenant_id, execution_id=execution_id)
    step = selectors.step_get(tenant_id=tenant_id, execution_id=execution.pk, key=key)
    _refuse_final(execution)
    target = changes.get("status", step.status)
    moved = target != step.status
    if moved and not step_can_move(step.status, target):
        raise IllegalTransition(f"A step cannot move from {step.status} to {target}.")
    for field, value in changes.items():
        setattr(step, field, value)
    if moved:
        _stamp_step(step, now=timezone.now(), given={f for f, v in changes.items() if v is not None})
    _check_step_times(step)
    step.save(update_fields=sorted(set(changes) | {"started_at", "completed_at", "updated_at"}))
    return step


# Log lines


@transaction.atomic
def logs_append(*, tenant_id: UUID, execution_id: UUID, entries: list[dict]) -> tuple[int, int, int]:
    """Appends a batch of lines in its order; returns (count, first_sequence, last_sequence)."""
    count = len(entries)
    # One UPDATE takes the execution's row lock and hands the batch a contiguous range of
    # sequences, so that concurrent writers never share or skip one.
    last = _log_count_add(tenant_id=tenant_id, execution_id=execution_id, count=count)
    if last is None:
        raise NotFound(f"No execution {execution_id}.")
    first = last - count + 1
    now = timezone.now()
    lines = [
        (first + offset, entry.get("timestamp") or now, entry.get("level", "info"), entry["message"],
         entry.get("action_index"), entry.get("step_key"), entry.get("event_type"), entry.get("metadata") or {})
        for offset, entry in enumerate(entries)
    ]
    # Written out rather than bulk_create: building the ORM's INSERT for a batch cost more than
    # running it.
    if connection.vendor == "postgresql":
        _copy_log_lines(tenant_id, execution_id, lines)
    else:
        _insert_log_lines(tenant_id, execution_id, lines)
    return count, first, last


def _log_count_add(*, tenant_id: UUID, execution_id: UUID, count: int) -> int | None:
    """Adds `count` to the execution's log_count, locking its row until the transaction ends, and
    returns the new count (None when the tenant has no such execution)."""
    table = connection.ops.quote_name(Execution._meta.db_table)
    field = Execution._meta.get_field("id")
    with connection.cursor() as cursor:
        cursor.execute(
            # nosec: the table's name from the model; every value a bound parameter.
            f"UPDATE {table} SET log_count = log_count + %s WHERE tenant_id = %s AND id = %s RETURNING log_count",  # nosec B608
            [count, field.get_db_prep_value(tenant_id, connection), field.get_db_prep_value(execution_id, connection)],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


def _copy_log_lines(tenant_id: UUID, execution_id: UUID, lines: list[tuple]) -> None:
    # COPY: PostgreSQL's bulk load, the cheapest way in for a batch of rows (psycopg writes the
    # rows in C). JSON goes as text, which the jsonb column reads. The COPY runs on psycopg's own
    # cursor, so Django's wrapper is put around it: a connection lost meanwhile (a restart,
    # pg_terminate_backend) is then django.db's OperationalError, a 503, not psycopg's, a 500.
    with connection.cursor() as cursor, connection.wrap_database_errors, \
            cursor.cursor.copy(_log_copy_sql()) as copy:
        for line in lines:
            copy.write_row((tenant_id, execution_id, *line[:-1], _json_text(line[-1])))


def _insert_log_lines(tenant_id: UUID, execution_id: UUID, lines: list[tuple]) -> None:
    # Values adapted by the model's own fields, as the ORM would.
    field = ExecutionLog._meta.get_field
    adapt = {name: partial(field(name).get_db_prep_save, connection=connection)
             for name in ("tenant", "execution", "timestamp", "metadata")}
    tenant, execution = adapt["tenant"](tenant_id), adapt["execution"](execution_id)
    rows = [(tenant, execution, sequence, adapt["timestamp"](timestamp), *middle, adapt["metadata"](metadata))
            for sequence, timestamp, *middle, metadata in lines]
    with connection.cursor() as cursor:
        cursor.executemany(_log_insert_sql(), rows)


def _json_text(value) -> str:
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:  # an integer past 64 bits
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _log_columns() -> str:
    return ", ".join(connection.ops.quote_name(ExecutionLog._meta.get_field(name).column) for name in LOG_COLUMNS)


@cache
def _log_copy_sql() -> str:
    return f"COPY {connection.ops.quote_name(ExecutionLog._meta.db_table)} ({_log_columns()}) FROM STDIN"


@cache
def _log_insert_sql() -> str:
    table = connection.ops.quote_name(ExecutionLog._meta.db_table)
    # nosec: the table's and columns' names from the model; every value a bound parameter.
    return f"INSERT INTO {table} ({_log_columns()}) VALUES ({', '.join(['%s'] * len(LOG_COLUMNS))})"  # nosec B608


LOG_COLUMNS = ("tenant", "execution", "sequence", "timestamp", "level", "message", "action_index", "step_key",
               "event_type", "metadata")
