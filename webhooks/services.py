"""Changes of webhooks, each one transaction: subscriptions (create, change, delete, rotate, ping),
redelivery, and the worker's steps (turning events into deliveries, claiming due deliveries,
recording an attempt, retention). Sending itself is in sending.py, outside any transaction."""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from uuid6 import uuid7

from executions.models import ExecutionEvent
from webhooks import payloads, signing, targets
from webhooks.exceptions import NotFound
from webhooks.models import Delivery, DeliveryAttempt, Subscription

ROTATION_OVERLAP = timedelta(hours=24)
# Backoff: full jitter (a delay drawn from 0 to BASE * 2^(n-1), at most MAX_DELAY) for RETRY_WINDOW.
BACKOFF_BASE = timedelta(seconds=5)
BACKOFF_MAX_DELAY = timedelta(hours=4)
RETRY_WINDOW = timedelta(hours=24)
DISABLE_AFTER = timedelta(days=3)
RETENTION = timedelta(days=30)
DISPATCH_BATCH = 200
EXCERPT_CHARS = 1000
ERROR_CHARS = 500


def _now(now: datetime | None) -> datetime:
    return now if now is not None else timezone.now()


# Subscriptions


def subscription_create(*, tenant_id: UUID, url: str, events: list[str], description: str = "",
                        is_enabled: bool = True) -> Subscription:
    targets.url_check(url)  # before the transaction: it may wait on DNS
    return Subscription.objects.create(tenant_id=tenant_id, url=url, events=events, description=description,
                                       is_enabled=is_enabled, secret=signing.secret_new())


def _locked(*, tenant_id: UUID, subscription_id: UUID) -> Subscription:
    # The row lock orders concurrent changes of one subscription (a rotation beside an update).
    subscription = Subscription.objects.select_for_update().filter(tenant_id=tenant_id, pk=subscription_id).first()
    if subscription is None:
        raise NotFound(f"No webhook {subscription_id}.")
    return subscription


def subscription_update(*, tenant_id: UUID, subscription_id: UUID, changes: dict) -> Subscription:
    """Changes `url`, `events`, `description`, `is_enabled`; enabling clears `disabled_reason`."""
    if "url" in changes:
        targets.url_check(changes["url"])
    with transaction.atomic():
        subscription = _locked(tenant_id=tenant_id, subscription_id=subscription_id)
        fields = ["updated_at"]
        for name in ("url", "events", "description", "is_enabled"):
            if name in changes:
                setattr(subscription, name, changes[name])
                fields.append(name)
        if changes.get("is_enabled") is True:
            subscription.disabled_reason = None
            subscription.failing_since = None
            fields += ["disabled_reason", "failing_since"]
        subscription.save(update_fields=fields)
    return subscription


@transaction.atomic
def subscription_delete(*, tenant_id: UUID, subscription_id: UUID) -> None:
    """Deletes it with its deliveries: the pending ones are never sent (a worker sending one now
    finds it gone when it records the attempt)."""
    subscription = _locked(tenant_id=tenant_id, subscription_id=subscription_id)
    DeliveryAttempt.objects.filter(delivery__subscription_id=subscription.pk).delete()
    Delivery.objects.filter(subscription_id=subscription.pk).delete()
    subscription.delete()


@transaction.atomic
def subscription_rotate_secret(*, tenant_id: UUID, subscription_id: UUID, now: datetime | None = None) -> Subscription:
    """A new secret; the old one keeps signing beside it for ROTATION_OVERLAP."""
    now = _now(now)
    subscription = _locked(tenant_id=tenant_id, subscription_id=subscription_id)
    subscription.previous_secret = subscription.secret
    subscription.previous_secret_until = now + ROTATION_OVERLAP
    subscription.secret = signing.secret_new()
    subscription.save(update_fields=["secret", "previous_secret", "previous_secret_until", "updated_at"])
    return subscription


def signing_secrets(subscription: Subscription, now: datetime) -> list[str]:
    """The secrets that sign at `now`: the current one, and the previous one during the overlap."""
    secrets = [subscription.secret]
    if subscription.previous_secret and subscription.previous_secret_until and now < subscription.previous_secret_until:
        secrets.append(subscription.previous_secret)
    return secrets


@transaction.atomic
def subscription_ping(*, tenant_id: UUID, subscription_id: UUID, now: datetime | None = None) -> Delivery:
    """A webhook.ping delivery, due now."""
    now = _now(now)
    subscription = _locked(tenant_id=tenant_id, subscription_id=subscription_id)
    ping_id = uuid7()
    return Delivery.objects.create(
        tenant_id=tenant_id, subscription=subscription, event_id=ping_id, type="webhook.ping",
        payload=payloads.ping_payload(ping_id=ping_id, subscription=subscription, at=now),
        next_attempt_at=now, retry_since=now,
    )


@transaction.atomic
def delivery_redeliver(*, tenant_id: UUID, subscription_id: UUID, delivery_id: UUID,
                       now: datetime | None = None) -> Delivery:
    """Makes the delivery pending and due now, keeping its id; its backoff starts anew."""
    now = _now(now)
    delivery = (Delivery.objects.select_for_update()
                .filter(tenant_id=tenant_id, subscription_id=subscription_id, pk=delivery_id).first())
    if delivery is None:
        raise NotFound(f"No delivery {delivery_id} of webhook {subscription_id}.")
    delivery.status = Delivery.Status.PENDING
    delivery.next_attempt_at = now
    delivery.retry_since = now
    delivery.retry_count = 0
    delivery.save(update_fields=["status", "next_attempt_at", "retry_since", "retry_count"])
    return delivery


# The worker


@transaction.atomic
def events_dispatch(*, now: datetime | None = None, batch_size: int = DISPATCH_BATCH) -> int:
    """Turns up to `batch_size` committed, undispatched events into deliveries, one per enabled
    subscription of the event's tenant that matches its type and existed when it was recorded,
    and marks them dispatched; answers how many events it took.

    The events are claimed with FOR UPDATE SKIP LOCKED: several workers take disjoint events, an
    event of a transaction still open is not visible yet and is taken by a later round (a cursor
    over ids would have passed it), and one that rolled back never existed. The unique (subscription,
    event) constraint holds to one delivery each even so."""
    now = _now(now)
    events = list(ExecutionEvent.objects.filter(dispatched_at__isnull=True).order_by("id")
                  .select_for_update(skip_locked=True).defer("data")[:batch_size])
    if not events:
        return 0
    subscriptions: dict[UUID, list[Subscription]] = {}
    for subscription in Subscription.objects.filter(tenant_id__in={e.tenant_id for e in events}, is_enabled=True):
        subscriptions.setdefault(subscription.tenant_id, []).append(subscription)
    wanted = [(event, [s for s in subscriptions.get(event.tenant_id, ())
                       if s.created_at <= event.created_at and s.matches(event.type)]) for event in events]
    wanted = [(event, targets_) for event, targets_ in wanted if targets_]
    items = payloads.execution_items({event.execution_id for event, _ in wanted})
    Delivery.objects.bulk_create([
        Delivery(tenant_id=event.tenant_id, subscription=subscription, event_id=event.pk,
                 execution_id=event.execution_id, type=event.type,
                 payload=payloads.event_payload(event, items.get(event.execution_id)),
                 next_attempt_at=now, retry_since=now)
        for event, matched in wanted for subscription in matched
    ], ignore_conflicts=True)
    ExecutionEvent.objects.filter(pk__in=[event.pk for event in events]).update(dispatched_at=now)
    return len(events)


def claim_lease() -> timedelta:
    """How long a claimed delivery stays with its worker: past it (the worker died) another may send it."""
    return timedelta(seconds=2 * settings.WEBHOOK_TIMEOUT_SECONDS + 30)


@transaction.atomic
def deliveries_claim(*, now: datetime | None = None, limit: int = 10,
                     exclude: set[UUID] = frozenset()) -> list[Delivery]:
    """Up to `limit` due deliveries of enabled subscriptions, taken for this worker: FOR UPDATE SKIP
    LOCKED (PostgreSQL; on SQLite one worker) in a short transaction that moves their next attempt
    past the lease, so that no other worker sends them while this one does."""
    now = _now(now)
    due = (Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now,
                                   subscription__is_enabled=True)
           .exclude(pk__in=exclude).select_related("subscription")
           .select_for_update(skip_locked=True, of=("self",)).order_by("next_attempt_at")[:limit])
    claimed = list(due)
    if claimed:
        Delivery.objects.filter(pk__in=[d.pk for d in claimed]).update(next_attempt_at=now + claim_lease())
    return claimed


@dataclass(frozen=True)
class AttemptResult:
    """What one POST came to."""

    status_code: int | None
    duration_ms: int
    error: str | None
    excerpt: str = ""

    @property
    def succeeded(self) -> bool:
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300


def backoff_delay(retry_count: int, rng: random.Random | None = None) -> timedelta:
    """The delay before retry number `retry_count` (1, 2, ...): full jitter, drawn uniformly from 0 to
    BASE * 2^(retry_count - 1), that ceiling at most MAX_DELAY."""
    ceiling = min(BACKOFF_MAX_DELAY.total_seconds(), BACKOFF_BASE.total_seconds() * 2 ** min(retry_count - 1, 32))
    return timedelta(seconds=(rng or random).uniform(0, ceiling))


@dataclass(frozen=True)
class Recorded:
    delivery: Delivery | None  # None: it was deleted meanwhile
    outcome: str  # succeeded, retrying, failed, gone
    disabled: bool = False


@transaction.atomic
def delivery_record(*, delivery_id: UUID, result: AttemptResult, now: datetime | None = None,
                    rng: random.Random | None = None) -> Recorded:
    """Records an attempt and what follows: succeeded; or another attempt after the backoff; or,
    past RETRY_WINDOW, failed. A subscription whose attempts have all failed for DISABLE_AFTER is
    disabled with its reason."""
    now = _now(now)
    # Locked: a redeliver or a delete may meet the attempt's end.
    delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
    if delivery is None:
        return Recorded(None, "gone")
    DeliveryAttempt.objects.create(
        tenant_id=delivery.tenant_id, delivery=delivery, at=now, status_code=result.status_code,
        duration_ms=result.duration_ms, error=(result.error or None) and result.error[:ERROR_CHARS],
        response_excerpt=result.excerpt[:EXCERPT_CHARS],
    )
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = result.status_code
    delivery.last_duration_ms = result.duration_ms
    delivery.last_error = (result.error or None) and result.error[:ERROR_CHARS]
    subscriptions = Subscription.objects.filter(pk=delivery.subscription_id)
    disabled = False
    if result.succeeded:
        delivery.status, delivery.next_attempt_at = Delivery.Status.SUCCEEDED, None
        outcome = "succeeded"
        subscriptions.filter(failing_since__isnull=False).update(failing_since=None)
    else:
        delivery.retry_count += 1
        next_at = now + backoff_delay(delivery.retry_count, rng)
        if next_at > (delivery.retry_since or delivery.created_at) + RETRY_WINDOW:
            delivery.status, delivery.next_attempt_at = Delivery.Status.FAILED, None
            outcome = "failed"
        else:
            delivery.status, delivery.next_attempt_at = Delivery.Status.PENDING, next_at
            outcome = "retrying"
        subscriptions.filter(failing_since__isnull=True).update(failing_since=now)
        disabled = bool(subscriptions.filter(is_enabled=True, failing_since__lte=now - DISABLE_AFTER).update(
            is_enabled=False, updated_at=now,
            disabled_reason=f"Every delivery attempt failed for {DISABLE_AFTER.days} days (the last: "
                            f"{(result.error or 'no answer')[:200]}).",
        ))
    delivery.save(update_fields=["attempts", "last_attempt_at", "last_status_code", "last_duration_ms",
                                 "last_error", "status", "next_attempt_at", "retry_count"])
    return Recorded(delivery, outcome, disabled)


def oldest_pending_age(*, now: datetime | None = None) -> float:
    """Seconds since the oldest pending delivery was made (0 when none), on whdel_pending_created."""
    oldest = Delivery.objects.filter(status=Delivery.Status.PENDING).aggregate(oldest=Min("created_at"))["oldest"]
    return max(0.0, (_now(now) - oldest).total_seconds()) if oldest else 0.0


def deliveries_prune(*, now: datetime | None = None, batch_size: int = 1000) -> int:
    """Deletes deliveries (with their attempts) made more than RETENTION ago, in batches, each its
    own short transaction; answers how many."""
    cutoff = _now(now) - RETENTION
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(Delivery.objects.filter(created_at__lt=cutoff).order_by("created_at")
                       .values_list("pk", flat=True)[:batch_size])
            if not ids:
                return deleted
            DeliveryAttempt.objects.filter(delivery_id__in=ids).delete()
            deleted += Delivery.objects.filter(pk__in=ids).delete()[1].get("webhooks.Delivery", 0)
