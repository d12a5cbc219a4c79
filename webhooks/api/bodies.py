"""The JSON bodies of subscriptions and deliveries, with `_links` from executions/api/links.py;
documented by the output serializers in serializers.py."""

from config.times import iso
from executions.api.links import delivery_links, webhook_links
from webhooks.models import Delivery, DeliveryAttempt, Subscription


def webhook_body(subscription: Subscription, root: str, *, with_secret: bool = False) -> dict:
    body = {
        "id": str(subscription.pk),
        "url": subscription.url,
        "events": subscription.events,
        "description": subscription.description,
        "is_enabled": subscription.is_enabled,
        "disabled_reason": subscription.disabled_reason,
        "created_at": iso(subscription.created_at),
        "updated_at": iso(subscription.updated_at),
    }
    if with_secret:
        body["secret"] = subscription.secret
    body["_links"] = webhook_links(subscription.pk, root)
    return body


def attempt_body(attempt: DeliveryAttempt) -> dict:
    return {"at": iso(attempt.at), "status_code": attempt.status_code, "duration_ms": attempt.duration_ms,
            "error": attempt.error}


def delivery_body(delivery: Delivery, root: str, *, attempts: list[DeliveryAttempt] | None = None) -> dict:
    last = None
    if delivery.last_attempt_at is not None:
        last = {"at": iso(delivery.last_attempt_at), "status_code": delivery.last_status_code,
                "duration_ms": delivery.last_duration_ms or 0, "error": delivery.last_error}
    body = {
        "id": str(delivery.pk),
        "event_id": str(delivery.event_id),
        "type": delivery.type,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "next_attempt_at": iso(delivery.next_attempt_at),
        "created_at": iso(delivery.created_at),
        "last_attempt": last,
    }
    if attempts is not None:
        body["attempt_log"] = [attempt_body(attempt) for attempt in attempts]
    body["_links"] = delivery_links(delivery.subscription_id, delivery.pk, root)
    return body
