"""Input serializers validate bodies; output serializers document the bodies that bodies.py builds."""

import django_filters
from rest_framework import serializers

from config.fields import StrictBooleanField, StrictCharField, StrictSerializer
from config.filters import StrictFilterSet
from executions.api.serializers import LinkSerializer
from webhooks.exceptions import TargetRefused
from webhooks.models import (
    ALL_EVENTS,
    DESCRIPTION_MAX_LENGTH,
    EVENT_TYPES,
    EXECUTION_EVENT_TYPES,
    URL_MAX_LENGTH,
    Delivery,
    DeliveryStatus,
)
from webhooks.targets import split_url

# Input


class WebhookUrlField(StrictCharField):
    """An absolute http(s) URL (whether its host is public is the service's check: it resolves it)."""

    def __init__(self, **kwargs):
        super().__init__(max_length=URL_MAX_LENGTH, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            split_url(value)
        except TargetRefused as exc:
            raise serializers.ValidationError(exc.reason) from None
        return value


class EventsField(serializers.ListField):
    """Event types, or ["*"] for all of them."""

    child = serializers.ChoiceField(choices=[ALL_EVENTS, *EXECUTION_EVENT_TYPES])

    def __init__(self, **kwargs):
        super().__init__(min_length=1, max_length=len(EXECUTION_EVENT_TYPES) + 1, **kwargs)

    def to_internal_value(self, data):
        events = super().to_internal_value(data)
        if ALL_EVENTS in events and len(events) > 1:
            raise serializers.ValidationError('"*" stands alone: it names every event type.')
        return list(dict.fromkeys(events))


class WebhookInputSerializer(StrictSerializer):
    url = WebhookUrlField()
    events = EventsField(help_text=f"Event types ({', '.join(EXECUTION_EVENT_TYPES)}), or [\"*\"] for all.")
    description = StrictCharField(max_length=DESCRIPTION_MAX_LENGTH, required=False, allow_blank=True)
    is_enabled = StrictBooleanField(required=False)


class DeliveryFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices)
    type = django_filters.ChoiceFilter(choices=[(t, t) for t in EVENT_TYPES])

    class Meta:
        model = Delivery
        fields = ()


# Output (documentation of bodies.py)


class WebhookLinksSerializer(serializers.Serializer):
    self = LinkSerializer()
    deliveries = LinkSerializer()
    rotate_secret = LinkSerializer()
    ping = LinkSerializer()


class WebhookOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    url = serializers.URLField()
    events = serializers.ListField(child=serializers.ChoiceField(choices=[ALL_EVENTS, *EXECUTION_EVENT_TYPES]))
    description = serializers.CharField()
    is_enabled = serializers.BooleanField()
    disabled_reason = serializers.CharField(allow_null=True, help_text="Why the service disabled it; null when "
                                                                       "it did not.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    _links = WebhookLinksSerializer()


class WebhookWithSecretOutputSerializer(WebhookOutputSerializer):
    secret = serializers.CharField(help_text="whsec_ + base64 of the key: shown only here, on creation and "
                                             "rotation.")


class AttemptOutputSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    status_code = serializers.IntegerField(allow_null=True, help_text="Null when no answer came.")
    duration_ms = serializers.IntegerField(min_value=0)
    error = serializers.CharField(allow_null=True)


class DeliveryLinksSerializer(serializers.Serializer):
    self = LinkSerializer()
    webhook = LinkSerializer()
    redeliver = LinkSerializer()


class DeliveryOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="Also the webhook-id header, the same across attempts.")
    event_id = serializers.UUIDField(help_text="The body's id.")
    type = serializers.ChoiceField(choices=[(t, t) for t in EVENT_TYPES])
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    attempts = serializers.IntegerField(min_value=0)
    next_attempt_at = serializers.DateTimeField(allow_null=True, help_text="Null unless pending.")
    created_at = serializers.DateTimeField()
    last_attempt = AttemptOutputSerializer(allow_null=True)
    _links = DeliveryLinksSerializer()


class DeliveryDetailOutputSerializer(DeliveryOutputSerializer):
    attempt_log = AttemptOutputSerializer(many=True, help_text="Every attempt, oldest first.")
