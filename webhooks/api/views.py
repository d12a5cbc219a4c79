"""The webhook handlers: subscriptions and their deliveries. Each viewset declares its path ids and
inputs (config/api.py checks both before a handler runs); handlers call services and selectors and
answer with bodies.py. Their OpenAPI is in schema.py."""

from uuid import UUID

from drf_spectacular.utils import extend_schema_view
from rest_framework import status
from rest_framework.decorators import action

from config.api import ApiViewSet, Inputs, uuid_in_path
from config.pagination import NEWEST_FIRST, paginate_newest_first
from executions.api.links import api_root, webhook_url
from rbac.permissions import CanWrite
from webhooks import selectors, services
from webhooks.api import bodies, schema, serializers

WEBHOOK_ID = uuid_in_path("webhook id")
DELIVERY_ID = uuid_in_path("delivery id")


@extend_schema_view(**schema.WEBHOOKS)
class WebhookViewSet(ApiViewSet):
    """Webhook subscriptions of the tenant."""

    permission_by_action = {name: CanWrite for name in ("list", "create", "retrieve", "partial_update", "destroy",
                                                        "rotate_secret", "ping")}
    path = {"webhook_id": WEBHOOK_ID}
    inputs = {"list": Inputs(paging=NEWEST_FIRST)}

    def list(self, request):
        page = paginate_newest_first(request, selectors.subscription_list(tenant_id=self.tenant_id), self.cursor,
                                     self.page_size)
        root = api_root(request)
        return self.paged([bodies.webhook_body(subscription, root) for subscription in page.items], page)

    def create(self, request):
        data = self.validated(serializers.WebhookInputSerializer)
        subscription = services.subscription_create(tenant_id=self.tenant_id, **data)
        root = api_root(request)
        return self.created(bodies.webhook_body(subscription, root, with_secret=True),
                            webhook_url(root, subscription.pk))

    def retrieve(self, request, webhook_id: UUID):
        subscription = selectors.subscription_get(tenant_id=self.tenant_id, subscription_id=webhook_id)
        return self.ok(bodies.webhook_body(subscription, api_root(request)))

    def partial_update(self, request, webhook_id: UUID):
        changes = self.validated(serializers.WebhookInputSerializer, partial=True)
        subscription = services.subscription_update(tenant_id=self.tenant_id, subscription_id=webhook_id,
                                                    changes=dict(changes))
        return self.ok(bodies.webhook_body(subscription, api_root(request)))

    def destroy(self, request, webhook_id: UUID):
        services.subscription_delete(tenant_id=self.tenant_id, subscription_id=webhook_id)
        return self.no_content()

    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, webhook_id: UUID):
        subscription = services.subscription_rotate_secret(tenant_id=self.tenant_id, subscription_id=webhook_id)
        return self.ok(bodies.webhook_body(subscription, api_root(request), with_secret=True))

    @action(detail=True, methods=["post"])
    def ping(self, request, webhook_id: UUID):
        delivery = services.subscription_ping(tenant_id=self.tenant_id, subscription_id=webhook_id)
        return self.ok(bodies.delivery_body(delivery, api_root(request)), status.HTTP_202_ACCEPTED)


@extend_schema_view(**schema.DELIVERIES)
class DeliveryViewSet(ApiViewSet):
    """The deliveries of one subscription."""

    permission_by_action = {"list": CanWrite, "retrieve": CanWrite, "redeliver": CanWrite}
    path = {"webhook_id": WEBHOOK_ID, "delivery_id": DELIVERY_ID}
    inputs = {"list": Inputs(filters=serializers.DeliveryFilter, paging=NEWEST_FIRST)}

    def list(self, request, webhook_id: UUID):
        selectors.subscription_get(tenant_id=self.tenant_id, subscription_id=webhook_id)
        deliveries = self.filters.filter_queryset(selectors.delivery_list(tenant_id=self.tenant_id,
                                                                          subscription_id=webhook_id))
        page = paginate_newest_first(request, deliveries.defer("payload"), self.cursor, self.page_size)
        root = api_root(request)
        return self.paged([bodies.delivery_body(delivery, root) for delivery in page.items], page)

    def retrieve(self, request, webhook_id: UUID, delivery_id: UUID):
        delivery = selectors.delivery_get(tenant_id=self.tenant_id, subscription_id=webhook_id,
                                          delivery_id=delivery_id)
        return self.ok(bodies.delivery_body(delivery, api_root(request),
                                            attempts=selectors.delivery_attempts(delivery=delivery)))

    @action(detail=True, methods=["post"])
    def redeliver(self, request, webhook_id: UUID, delivery_id: UUID):
        delivery = services.delivery_redeliver(tenant_id=self.tenant_id, subscription_id=webhook_id,
                                               delivery_id=delivery_id)
        return self.ok(bodies.delivery_body(delivery, api_root(request)), status.HTTP_202_ACCEPTED)
