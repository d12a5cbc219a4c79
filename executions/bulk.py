"""Bulk retry and cancel: every execution a filter selects, oldest first up to a limit, each
retried or cancelled by the same service as its own /retry or /cancel (one short transaction each,
its own events, the caller as actor), so no lock is held across the batch and a bulk action racing
others or single retries never retries an execution twice (execution_retry locks the original).
A dry run predicts each outcome from the same rules, in the same order, and changes nothing."""

import hashlib
import json
from dataclasses import asdict, dataclass, field
from uuid import UUID

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from executions import lifecycle, selectors, services
from executions.exceptions import AlreadyRetried, IdempotencyConflict, IllegalTransition, RuleDisabled
from executions.models import BulkActionAnswer

RETRY, CANCEL = "retry", "cancel"
DONE = {RETRY: "retried", CANCEL: "cancelled"}
PREDICTED = {RETRY: "would_retry", CANCEL: "would_cancel"}
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000


@dataclass
class BulkResult:
    dry_run: bool
    matched: int
    more: bool
    acted: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    results: list[dict] = field(default_factory=list)


def _refusal(action: str, status: str, rule_is_enabled: bool, has_next_attempt: bool) -> str | None:
    """Why the service would refuse it now (its checks, in its order), or None."""
    if action == RETRY:
        if has_next_attempt:
            return "already_retried"
        if status not in lifecycle.RETRYABLE:
            return "not_retryable_status"
        if not rule_is_enabled:
            return "rule_disabled"
        return None
    return None if status in lifecycle.CANCELLABLE else "not_cancellable_status"


def _act(action: str, *, tenant_id: UUID, execution_id: UUID, actor: str,
         reason: str | None) -> tuple[str, UUID | None]:
    try:
        if action == RETRY:
            attempt, _ = services.execution_retry(tenant_id=tenant_id, execution_id=execution_id, actor=actor)
            return DONE[RETRY], attempt.pk
        services.execution_cancel(tenant_id=tenant_id, execution_id=execution_id, actor=actor, reason=reason)
        return DONE[CANCEL], None
    except AlreadyRetried:
        return "already_retried", None
    except RuleDisabled:
        return "rule_disabled", None
    except IllegalTransition:
        return "not_retryable_status" if action == RETRY else "not_cancellable_status", None


def bulk_act(*, action: str, tenant_id: UUID, selection: QuerySet, actor: str, dry_run: bool = False,
             limit: int = DEFAULT_LIMIT, reason: str | None = None, progress=None) -> BulkResult:
    """Retries or cancels (`action`) the executions of `selection` (a tenant's, filtered), oldest
    first up to `limit`; `progress(done, total)` is called after each when given.

    A retry leaves out what was retried already (an execution is retried at most once; its chain
    goes on in its next attempt, which the filter may select itself): a group bigger than `limit`
    is worked through by repeating the request, and `matched` counts what is left to retry.
    `already_retried` remains for one retried between the selection and its turn."""
    if action == RETRY:
        selection = selection.filter(next_attempt__isnull=True)
    ordered = selection.order_by("created_at", "id")
    matched = ordered.count()
    taken = list(selectors.with_link_state(ordered).values_list("pk", "status", "rule_is_enabled",
                                                                 "next_attempt_ref")[:limit])
    result = BulkResult(dry_run=dry_run, matched=matched, more=matched > len(taken))
    for done, (pk, status, rule_is_enabled, next_attempt) in enumerate(taken, 1):
        if dry_run:
            refusal = _refusal(action, status, rule_is_enabled, next_attempt is not None)
            outcome, attempt = refusal or PREDICTED[action], None
        else:
            outcome, attempt = _act(action, tenant_id=tenant_id, execution_id=pk, actor=actor, reason=reason)
        if outcome in (DONE[action], PREDICTED[action]):
            result.acted += 1
        else:
            result.skipped[outcome] = result.skipped.get(outcome, 0) + 1
        result.results.append({"execution_id": str(pk), "outcome": outcome,
                               "next_attempt": str(attempt) if attempt else None})
        if progress is not None:
            progress(done, len(taken))
    return result


def request_fingerprint(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def bulk_act_once(*, idempotency_key: str | None, fingerprint: str, **arguments) -> dict:
    """bulk_act's answer as a dict; with an Idempotency-Key, the first answer given for it (a
    repeat with another body is a conflict)."""
    action, tenant_id = arguments["action"], arguments["tenant_id"]
    if idempotency_key is not None:
        stored = _stored(tenant_id, action, idempotency_key, fingerprint)
        if stored is not None:
            return stored
    answer = asdict(bulk_act(**arguments))
    if idempotency_key is not None:
        try:
            with transaction.atomic():
                BulkActionAnswer.objects.create(tenant_id=tenant_id, action=action, idempotency_key=idempotency_key,
                                                request_fingerprint=fingerprint, answer=answer)
        except IntegrityError:  # a repeat raced this one and stored its answer first: that one stands
            return _stored(tenant_id, action, idempotency_key, fingerprint)
    return answer


def _stored(tenant_id: UUID, action: str, key: str, fingerprint: str) -> dict | None:
    stored = BulkActionAnswer.objects.filter(tenant_id=tenant_id, action=action, idempotency_key=key).first()
    if stored is None:
        return None
    if stored.request_fingerprint != fingerprint:
        raise IdempotencyConflict("The idempotency key was already used with another body; use a new key.")
    return stored.answer
