"""Reads of webhooks, scoped to a tenant: another tenant's subscription or delivery is not found."""

from uuid import UUID

from django.db.models import QuerySet

from webhooks.exceptions import NotFound
from webhooks.models import Delivery, DeliveryAttempt, Subscription


def subscription_list(*, tenant_id: UUID) -> QuerySet[Subscription]:
    return Subscription.objects.filter(tenant_id=tenant_id).order_by("-created_at", "-id")


def subscription_get(*, tenant_id: UUID, subscription_id: UUID) -> Subscription:
    subscription = Subscription.objects.filter(tenant_id=tenant_id, pk=subscription_id).first()
    if subscription is None:
        raise NotFound(f"No webhook {subscription_id}.")
    return subscription


def delivery_list(*, tenant_id: UUID, subscription_id: UUID) -> QuerySet[Delivery]:
    return Delivery.objects.filter(tenant_id=tenant_id, subscription_id=subscription_id).order_by("-created_at",
                                                                                                  "-id")


def delivery_get(*, tenant_id: UUID, subscription_id: UUID, delivery_id: UUID) -> Delivery:
    delivery = Delivery.objects.filter(tenant_id=tenant_id, subscription_id=subscription_id, pk=delivery_id).first()
    if delivery is None:
        raise NotFound(f"No delivery {delivery_id} of webhook {subscription_id}.")
    return delivery


def delivery_attempts(*, delivery: Delivery) -> list[DeliveryAttempt]:
    """Its attempts, oldest first (one query, on whatt_delivery_at)."""
    return list(DeliveryAttempt.objects.filter(delivery_id=delivery.pk).order_by("at", "id"))
