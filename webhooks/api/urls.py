"""Explicit routes, as in executions/api/urls.py: DRF routers neither nest nor make the trailing
slash optional."""

from django.urls import re_path

from webhooks.api.views import DeliveryViewSet, WebhookViewSet

app_name = "webhooks"
WEBHOOK = r"(?P<webhook_id>[^/]+)"
DELIVERY = r"(?P<delivery_id>[^/]+)"


def route(pattern: str, view, name: str):
    return re_path(rf"^{pattern}/?$", view, name=name)


urlpatterns = [
    route("webhooks", WebhookViewSet.as_view({"get": "list", "post": "create"}), "webhook-list"),
    route(f"webhooks/{WEBHOOK}",
          WebhookViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
          "webhook-detail"),
    route(f"webhooks/{WEBHOOK}/rotate-secret", WebhookViewSet.as_view({"post": "rotate_secret"}),
          "webhook-rotate-secret"),
    route(f"webhooks/{WEBHOOK}/ping", WebhookViewSet.as_view({"post": "ping"}), "webhook-ping"),
    route(f"webhooks/{WEBHOOK}/deliveries", DeliveryViewSet.as_view({"get": "list"}), "delivery-list"),
    route(f"webhooks/{WEBHOOK}/deliveries/{DELIVERY}", DeliveryViewSet.as_view({"get": "retrieve"}),
          "delivery-detail"),
    route(f"webhooks/{WEBHOOK}/deliveries/{DELIVERY}/redeliver", DeliveryViewSet.as_view({"post": "redeliver"}),
          "delivery-redeliver"),
]
