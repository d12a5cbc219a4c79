"""The OpenAPI of the webhook views, built with the helpers of executions/api/schema.py (its
envelopes, pages and problem answers); the components are registered in its COMPONENT_NAMES."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema_serializer

from executions.api import schema as shared
from executions.api.examples import ROOT, answer, sent
from executions.api.links import delivery_links, webhook_links
from webhooks.api import serializers as bodies

NAMES = {
    bodies.WebhookOutputSerializer: "Webhook",
    bodies.WebhookWithSecretOutputSerializer: "WebhookWithSecret",
    bodies.DeliveryOutputSerializer: "Delivery",
    bodies.DeliveryDetailOutputSerializer: "DeliveryDetail",
    bodies.AttemptOutputSerializer: "DeliveryAttempt",
    bodies.WebhookInputSerializer: "WebhookInput",
}
shared.COMPONENT_NAMES.update(NAMES)
for serializer_class, component_name in NAMES.items():
    extend_schema_serializer(component_name=component_name)(serializer_class)

WEBHOOK_ID = "01936f0e-1b2c-7d3e-8f40-5a6b7c8d9e0f"
DELIVERY_ID = "01936f10-0a1b-7c2d-9e3f-405162738495"
EVENT_ID = "01936f0f-9a8b-7c6d-8e5f-4a3b2c1d0e9f"
NEW = {"url": "https://hooks.example.com/executions", "events": ["execution.failed", "execution.timed_out"],
       "description": "Page the on-call engineer"}
WEBHOOK = {"id": WEBHOOK_ID, **NEW, "is_enabled": True, "disabled_reason": None,
           "created_at": "2026-11-25T09:00:00Z", "updated_at": "2026-11-25T09:00:00Z",
           "_links": webhook_links(WEBHOOK_ID, ROOT)}
WITH_SECRET = {**{k: v for k, v in WEBHOOK.items() if k != "_links"},
               "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw1c3pVgPcDRk=", "_links": WEBHOOK["_links"]}
ATTEMPT = {"at": "2026-11-25T10:00:01.204Z", "status_code": 200, "duration_ms": 84, "error": None}
FAILED_ATTEMPT = {"at": "2026-11-25T10:00:00.100Z", "status_code": 503, "duration_ms": 31, "error": "Answered 503."}
DELIVERY = {"id": DELIVERY_ID, "event_id": EVENT_ID, "type": "execution.failed", "status": "succeeded",
            "attempts": 2, "next_attempt_at": None, "created_at": "2026-11-25T10:00:00.050Z",
            "last_attempt": ATTEMPT, "_links": delivery_links(WEBHOOK_ID, DELIVERY_ID, ROOT)}
DELIVERY_DETAIL = {**{k: v for k, v in DELIVERY.items() if k != "_links"},
                   "attempt_log": [FAILED_ATTEMPT, ATTEMPT], "_links": DELIVERY["_links"]}
PENDING = {**DELIVERY, "status": "pending", "next_attempt_at": "2026-11-25T10:05:00Z"}
PAGE_NEXT = f"{ROOT}/webhooks?cursor=bjIwMjY"


def _page(item: dict) -> dict:
    return {"data": [item], "pagination": {"next": None, "previous": None}}


WEBHOOK_BODY = shared.enveloped(bodies.WebhookOutputSerializer)
SECRET_BODY = shared.enveloped(bodies.WebhookWithSecretOutputSerializer)
DELIVERY_BODY = shared.enveloped(bodies.DeliveryOutputSerializer)
DETAIL_BODY = shared.enveloped(bodies.DeliveryDetailOutputSerializer)
ACCEPTED = OpenApiResponse(DELIVERY_BODY, description="Accepted: the delivery is pending and due now.")

WEBHOOKS = {
    "list": shared._read("list_webhooks", "List webhook subscriptions", shared.paged(bodies.WebhookOutputSerializer),
                         examples=[answer("A page of one", _page(WEBHOOK))]),
    "create": shared._operation(
        "create_webhook", "Subscribe a URL to execution events (the secret is shown once)",
        request=bodies.WebhookInputSerializer,
        examples=[sent("Failures only", NEW), answer("The subscription with its secret", {"data": WITH_SECRET})],
        responses={201: SECRET_BODY, **shared.errors(400, 401, 403, 413, 429)},
    ),
    "retrieve": shared._read("get_webhook", "One webhook subscription", WEBHOOK_BODY, 404,
                             examples=[answer("A subscription", {"data": WEBHOOK})]),
    "partial_update": shared._operation(
        "update_webhook", "Change a subscription (enabling it clears disabled_reason)",
        request=bodies.WebhookInputSerializer,
        examples=[sent("Every event", {"events": ["*"]}), answer("The subscription", {"data": WEBHOOK})],
        responses={200: WEBHOOK_BODY, **shared.errors(400, 401, 403, 404, 413, 429)},
    ),
    "destroy": shared._operation("delete_webhook", "Delete a subscription; its pending deliveries are not sent",
                                 responses={204: None, **shared.errors(400, 401, 403, 404, 429)}),
    "rotate_secret": shared._operation(
        "rotate_webhook_secret", "A new secret; the old one keeps signing beside it for 24 hours", request=None,
        examples=[answer("The subscription with its new secret", {"data": WITH_SECRET})],
        responses={200: SECRET_BODY, **shared.errors(400, 401, 403, 404, 429)},
    ),
    "ping": shared._operation(
        "ping_webhook", "Send one webhook.ping delivery now", request=None,
        examples=[answer("The ping", {"data": {**PENDING, "type": "webhook.ping"}})],
        responses={202: ACCEPTED, **shared.errors(400, 401, 403, 404, 429)},
    ),
}

DELIVERIES = {
    "list": shared._read("list_webhook_deliveries", "A subscription's deliveries, newest first",
                         shared.paged(bodies.DeliveryOutputSerializer), 404,
                         examples=[answer("A page of one", _page(DELIVERY))]),
    "retrieve": shared._read("get_webhook_delivery", "One delivery with every attempt", DETAIL_BODY, 404,
                             examples=[answer("Delivered at the second attempt", {"data": DELIVERY_DETAIL})]),
    "redeliver": shared._operation(
        "redeliver_webhook_delivery", "Send a delivery again (pending and due now, same id)", request=None,
        examples=[answer("Pending again", {"data": PENDING})],
        responses={202: ACCEPTED, **shared.errors(400, 401, 403, 404, 429)},
    ),
}

__all__ = ["DELIVERIES", "WEBHOOKS", "OpenApiExample"]
