"""Backoff and giving up, on a frozen clock: the service functions take `now` (and the jitter's
random source), so that the schedule is checked without sleeping."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from webhooks import services
from webhooks.models import Delivery, DeliveryAttempt

pytestmark = pytest.mark.django_db

FAILED = services.AttemptResult(status_code=503, duration_ms=12, error="Answered 503.")
OK = services.AttemptResult(status_code=204, duration_ms=8, error=None)


@pytest.fixture
def subscription(tenant, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    return services.subscription_create(tenant_id=tenant.pk, url="http://127.0.0.1:9/hook", events=["*"])


def test_attempts_follow_exponential_backoff_with_full_jitter_for_24_hours_then_fail(tenant, subscription):
    start = timezone.now()
    delivery = services.subscription_ping(tenant_id=tenant.pk, subscription_id=subscription.pk, now=start)
    rng, expected = random.Random(42), random.Random(42)
    now, times = start, []
    while True:
        recorded = services.delivery_record(delivery_id=delivery.pk, result=FAILED, now=now, rng=rng)
        times.append(now)
        retry = len(times)
        ceiling = min(services.BACKOFF_MAX_DELAY.total_seconds(), 5 * 2 ** (retry - 1))
        draw = expected.uniform(0, ceiling)
        if recorded.outcome == "failed":
            assert now + timedelta(seconds=draw) > start + services.RETRY_WINDOW
            break
        assert recorded.outcome == "retrying"
        delay = recorded.delivery.next_attempt_at - now
        assert delay == timedelta(seconds=draw)  # the schedule, exactly: full jitter up to the ceiling
        assert timedelta(0) <= delay <= timedelta(seconds=ceiling)
        now = recorded.delivery.next_attempt_at
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.next_attempt_at is None and delivery.attempts == len(times)
    assert all(at <= start + services.RETRY_WINDOW for at in times)
    assert 10 <= len(times) <= 40  # ceilings 5 s, 10 s, ... 4 h over a day
    assert list(DeliveryAttempt.objects.filter(delivery=delivery).order_by("at").values_list("at", flat=True)) == times


def test_the_ceiling_doubles_up_to_four_hours():
    top = random.Random()
    top.uniform = lambda low, high: high  # the ceiling itself
    assert [services.backoff_delay(n, top).total_seconds() for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert services.backoff_delay(30, top) == timedelta(hours=4)


def test_a_success_ends_the_delivery(tenant, subscription):
    now = timezone.now()
    delivery = services.subscription_ping(tenant_id=tenant.pk, subscription_id=subscription.pk, now=now)
    services.delivery_record(delivery_id=delivery.pk, result=FAILED, now=now)
    recorded = services.delivery_record(delivery_id=delivery.pk, result=OK, now=now + timedelta(seconds=3))
    assert recorded.outcome == "succeeded" and recorded.delivery.next_attempt_at is None
    assert recorded.delivery.last_status_code == 204 and recorded.delivery.attempts == 2


def test_redeliver_makes_a_failed_delivery_due_now_with_its_id_and_a_fresh_schedule(tenant, subscription):
    now = timezone.now()
    delivery = services.subscription_ping(tenant_id=tenant.pk, subscription_id=subscription.pk, now=now)
    Delivery.objects.filter(pk=delivery.pk).update(status="failed", next_attempt_at=None, retry_count=12)
    later = now + timedelta(days=2)
    again = services.delivery_redeliver(tenant_id=tenant.pk, subscription_id=subscription.pk,
                                        delivery_id=delivery.pk, now=later)
    assert (again.pk, again.status, again.next_attempt_at, again.retry_count) == (delivery.pk, "pending", later, 0)


def test_a_subscription_failing_for_three_days_is_disabled_with_its_reason(tenant, subscription):
    start = timezone.now()
    first = services.subscription_ping(tenant_id=tenant.pk, subscription_id=subscription.pk, now=start)
    services.delivery_record(delivery_id=first.pk, result=FAILED, now=start)
    almost = start + services.DISABLE_AFTER - timedelta(minutes=1)
    second = services.subscription_ping(tenant_id=tenant.pk, subscription_id=subscription.pk, now=almost)
    assert not services.delivery_record(delivery_id=second.pk, result=FAILED, now=almost).disabled
    subscription.refresh_from_db()
    assert subscription.is_enabled
    after = start + services.DISABLE_AFTER
    third = services.subscription_ping(tenant_id=tenant.pk, subscription_id=subscription.pk, now=after)
    assert services.delivery_record(delivery_id=third.pk, result=FAILED, now=after).disabled
    subscription.refresh_from_db()
    assert not subscription.is_enabled and "3 days" in subscription.disabled_reason
    # Its deliveries wait: a disabled subscription's are not claimed.
    assert services.deliveries_claim(now=after + timedelta(days=1)) == []


def test_a_success_in_between_resets_the_three_days(tenant, subscription):
    start = timezone.now()
    for offset, result in ((0, FAILED), (1, OK), (3 * 24 * 60, FAILED)):
        at = start + timedelta(minutes=offset)
        delivery = services.subscription_ping(tenant_id=tenant.pk, subscription_id=subscription.pk, now=at)
        services.delivery_record(delivery_id=delivery.pk, result=result, now=at)
    subscription.refresh_from_db()
    assert subscription.is_enabled and subscription.failing_since == start + timedelta(days=3)


def test_deliveries_older_than_30_days_are_pruned(tenant, subscription):
    now = timezone.now()
    old = services.subscription_ping(tenant_id=tenant.pk, subscription_id=subscription.pk, now=now)
    services.delivery_record(delivery_id=old.pk, result=FAILED, now=now)
    Delivery.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=31))
    young = services.subscription_ping(tenant_id=tenant.pk, subscription_id=subscription.pk, now=now)
    assert services.deliveries_prune(now=now) == 1
    assert list(Delivery.objects.values_list("pk", flat=True)) == [young.pk]
    assert not DeliveryAttempt.objects.exists()
