"""Deliveries against a real receiver: signed (verified with the library and with the README's
standard-library snippet), retried with the same webhook-id, every attempt recorded."""

import base64
import hashlib
import hmac
import json
import random
import threading
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from executions import services as execution_services
from tests.factories import make_execution, make_rule
from webhooks import services
from webhooks.models import Delivery, DeliveryAttempt, Subscription
from webhooks.worker import Worker

pytestmark = pytest.mark.django_db


def verify(secret: str, headers: dict, body: bytes) -> bool:
    """The README's receiver check, standard library only."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(f"v1,{expected}", sig) for sig in headers["webhook-signature"].split())


def subscribe(tenant, url, events=("*",), **fields) -> Subscription:
    return services.subscription_create(tenant_id=tenant.pk, url=url, events=list(events), **fields)


def work(now=None, **options):
    worker = Worker(timeout=options.pop("timeout", 5), rng=random.Random(7), **options)
    try:
        return worker.run_once(now=now)
    finally:
        worker.close()


def test_a_failed_first_attempt_is_retried_with_the_same_id_and_both_are_recorded(tenant, receiver):
    url = receiver.at("/hook", 500, 200)
    subscription = subscribe(tenant, url, events=["execution.created"])
    execution = make_execution(tenant=tenant, status="running")

    tally = work()
    assert (tally.dispatched, tally.retrying, tally.succeeded) == (2, 1, 0)  # created, status_changed
    delivery = Delivery.objects.get(subscription=subscription)
    assert delivery.status == "pending" and delivery.attempts == 1 and delivery.last_status_code == 500

    work(now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert delivery.status == "succeeded" and delivery.attempts == 2 and delivery.next_attempt_at is None

    first, second = receiver.of("/hook")
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == str(delivery.pk)
    body = json.loads(second.body)
    assert body["type"] == "execution.created" and body["tenant"] == str(tenant.pk)
    assert body["data"]["execution"]["execution_id"] == str(execution.pk)
    assert body["data"]["previous_status"] is None and "_links" in body["data"]["execution"]
    for received in (first, second):
        assert received.headers["content-type"] == "application/json"
        assert verify(subscription.secret, received.headers, received.body)
        Webhook(subscription.secret).verify(received.body, received.headers)
        assert not verify(services.signing.secret_new(), received.headers, received.body)
    attempts = list(DeliveryAttempt.objects.filter(delivery=delivery).order_by("at"))
    assert [a.status_code for a in attempts] == [500, 200]
    assert attempts[0].error == "Answered 500." and attempts[0].response_excerpt == "server trouble"
    assert attempts[1].error is None and attempts[1].duration_ms >= 0


def test_during_a_rotation_both_secrets_sign_and_each_verifies(tenant, receiver):
    subscription = subscribe(tenant, receiver.at("/hook", 200))
    old = subscription.secret
    rotated = services.subscription_rotate_secret(tenant_id=tenant.pk, subscription_id=subscription.pk)
    assert rotated.secret != old
    services.subscription_ping(tenant_id=tenant.pk, subscription_id=subscription.pk)
    work()
    (received,) = receiver.of("/hook")
    signatures = received.headers["webhook-signature"].split(" ")
    assert len(signatures) == 2
    for secret in (old, rotated.secret):
        Webhook(secret).verify(received.body, received.headers)
        assert verify(secret, received.headers, received.body)
    assert json.loads(received.body)["type"] == "webhook.ping"
    # After the overlap only the new secret signs.
    later = rotated.previous_secret_until + timedelta(seconds=1)
    assert services.signing_secrets(rotated, later) == [rotated.secret]


def test_a_change_that_rolled_back_sends_nothing(tenant, receiver):
    subscribe(tenant, receiver.at("/hook", 200))
    rule = make_rule(tenant=tenant)
    with pytest.raises(RuntimeError), transaction.atomic():
        execution_services.execution_start(tenant_id=tenant.pk, actor="system", automation_rule_id=rule.pk,
                                           trigger_data={})
        raise RuntimeError("rolled back")
    tally = work()
    assert tally.dispatched == 0 and receiver.received == []
    assert not Delivery.objects.exists()


def test_events_before_the_subscription_and_of_unmatched_types_are_not_sent(tenant, receiver):
    make_execution(tenant=tenant, status="running")
    work()  # the events so far are dispatched to nobody
    subscribe(tenant, receiver.at("/hook", 200), events=["execution.completed"])
    execution = make_execution(tenant=tenant, status="completed")
    work()
    assert [json.loads(r.body)["type"] for r in receiver.of("/hook")] == ["execution.completed"]
    assert json.loads(receiver.of("/hook")[0].body)["data"]["execution"]["execution_id"] == str(execution.pk)
    assert json.loads(receiver.of("/hook")[0].body)["data"]["previous_status"] == "running"


def test_a_subscription_never_receives_another_tenants_events(tenant, other_tenant, receiver):
    subscribe(tenant, receiver.at("/mine", 200))
    subscribe(other_tenant, receiver.at("/theirs", 200))
    make_execution(tenant=other_tenant)
    work()
    assert receiver.of("/mine") == [] and len(receiver.of("/theirs")) == 1
    assert json.loads(receiver.of("/theirs")[0].body)["tenant"] == str(other_tenant.pk)


def test_a_redirect_is_a_failed_attempt_and_is_not_followed(tenant, receiver):
    subscription = subscribe(tenant, receiver.at("/moved", "redirect"))
    services.subscription_ping(tenant_id=tenant.pk, subscription_id=subscription.pk)
    work()
    delivery = Delivery.objects.get(subscription=subscription)
    assert delivery.status == "pending" and delivery.last_status_code == 302
    assert "redirect" in delivery.last_error
    assert receiver.of("/elsewhere") == []


def test_a_hanging_receiver_is_cut_at_the_time_out_while_others_are_delivered(tenant, receiver):
    hanging = subscribe(tenant, receiver.at("/hang", "hang"))
    fine = subscribe(tenant, receiver.at("/ok", 200))
    for subscription in (hanging, fine):
        services.subscription_ping(tenant_id=tenant.pk, subscription_id=subscription.pk)
    started = timezone.now()
    work(timeout=1)
    assert (timezone.now() - started).total_seconds() < 5
    assert Delivery.objects.get(subscription=fine).status == "succeeded"
    stuck = Delivery.objects.get(subscription=hanging)
    assert stuck.status == "pending" and stuck.last_status_code is None and "Timed out" in stuck.last_error
    assert DeliveryAttempt.objects.get(delivery=stuck).duration_ms >= 900
    assert DeliveryAttempt.objects.get(delivery__subscription=fine).at <= timezone.now()


def test_an_address_refused_when_sending_is_a_failed_attempt(tenant, receiver, settings):
    subscription = subscribe(tenant, receiver.at("/hook", 200))
    services.subscription_ping(tenant_id=tenant.pk, subscription_id=subscription.pk)
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False  # the name now leads inward
    work()
    delivery = Delivery.objects.get(subscription=subscription)
    assert delivery.status == "pending" and delivery.last_error.startswith("Refused:")
    assert receiver.received == []


def test_stop_finishes_the_attempt_in_hand_and_records_it(tenant, receiver):
    """What SIGTERM does (the command's handler calls stop()): no new claim, the attempt in hand ends."""
    subscription = subscribe(tenant, receiver.at("/slow", "hang"))
    services.subscription_ping(tenant_id=tenant.pk, subscription_id=subscription.pk)
    worker = Worker(timeout=1)

    def stop_when_sent():
        while not receiver.of("/slow"):
            threading.Event().wait(0.01)
        worker.stop()

    stopper = threading.Thread(target=stop_when_sent)
    stopper.start()
    worker.run_forever(interval=0.01)
    worker.close()
    stopper.join()
    delivery = Delivery.objects.get(subscription=subscription)
    assert delivery.attempts == 1 and "Timed out" in delivery.last_error
