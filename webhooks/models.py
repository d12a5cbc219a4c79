from django.db import models
from django.db.models import F, Q
from uuid6 import uuid7

# The event types a subscription may name; "*" names them all. webhook.ping is sent only by /ping.
EXECUTION_EVENT_TYPES = (
    "execution.created", "execution.status_changed", "execution.completed", "execution.failed",
    "execution.timed_out", "execution.cancelled", "execution.retried",
)
PING = "webhook.ping"
EVENT_TYPES = (*EXECUTION_EVENT_TYPES, PING)
ALL_EVENTS = "*"
URL_MAX_LENGTH = 2000
DESCRIPTION_MAX_LENGTH = 1000


class Subscription(models.Model):
    """A tenant's endpoint for execution events: where they are POSTed, which ones, and the secret
    that signs them."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="webhook_subscriptions",
                               db_index=False)
    url = models.CharField(max_length=URL_MAX_LENGTH)
    # Event types, or ["*"] for every one.
    events = models.JSONField(default=list)
    description = models.CharField(max_length=DESCRIPTION_MAX_LENGTH, blank=True, default="")
    is_enabled = models.BooleanField(default=True)
    # Why the service disabled it (null when it did not); cleared when it is enabled again.
    disabled_reason = models.CharField(max_length=500, null=True, blank=True)
    # "whsec_" + base64 of the key: shown once, on creation and on rotation.
    secret = models.CharField(max_length=200, editable=False)
    # After a rotation the old secret signs beside the new one until previous_secret_until.
    previous_secret = models.CharField(max_length=200, null=True, blank=True, editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True, editable=False)
    # Since when every attempt has failed (null after a success): 3 days of it disable the subscription.
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # GET /webhooks: newest first within a tenant; keyset cursor on (created_at, id).
            # Also the worker's lookup of a tenant's subscriptions when it dispatches an event.
            models.Index(F("tenant"), F("created_at").desc(), F("id").desc(), name="whsub_tenant_created"),
        ]

    def __str__(self) -> str:
        return self.url

    def matches(self, event_type: str) -> bool:
        return ALL_EVENTS in self.events or event_type in self.events


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Delivery(models.Model):
    """One event (or ping) to send to one subscription: its body, where it stands, and its last attempt."""

    Status = DeliveryStatus

    # The webhook-id header: the same across attempts and redeliveries.
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+", db_index=False)
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries",
                                     db_index=False)
    # The event's id (the body's "id"); a ping's own id.
    event_id = models.UUIDField()
    # The execution the event is about (null for a ping): prune_executions deletes its deliveries.
    execution_id = models.UUIDField(null=True, blank=True)
    type = models.CharField(max_length=40)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # When it is due (or, while a worker sends it, when that worker's claim lapses); null unless pending.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # The backoff's cycle: since when it is retried, and how many attempts failed since (redeliver starts anew).
    retry_since = models.DateTimeField(null=True, blank=True, editable=False)
    retry_count = models.PositiveIntegerField(default=0, editable=False)
    # The body, as sent (signed as its JSON text).
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        indexes = [
            # GET /webhooks/{id}/deliveries, newest first (with ?type= filtered on the way).
            models.Index(F("subscription"), F("created_at").desc(), F("id").desc(), name="whdel_sub_created"),
            # GET /webhooks/{id}/deliveries?status=
            models.Index(F("subscription"), F("status"), F("created_at").desc(), F("id").desc(),
                         name="whdel_sub_status"),
            # The worker's claim of due deliveries.
            models.Index(fields=("next_attempt_at",), name="whdel_due", condition=Q(status="pending")),
            # The gauge of the oldest pending delivery's age.
            models.Index(fields=("created_at",), name="whdel_pending_created", condition=Q(status="pending")),
            # prune_executions: the deliveries of the executions it deletes.
            models.Index(fields=("execution_id",), name="whdel_execution", condition=Q(execution_id__isnull=False)),
            # Retention: deliveries older than 30 days.
            models.Index(fields=("created_at",), name="whdel_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="%(app_label)s_%(class)s_status_valid",
                violation_error_message="Unknown delivery status.",
            ),
            models.CheckConstraint(
                condition=Q(status=DeliveryStatus.PENDING, next_attempt_at__isnull=False)
                | (~Q(status=DeliveryStatus.PENDING) & Q(next_attempt_at__isnull=True)),
                name="%(app_label)s_%(class)s_due_only_while_pending",
                violation_error_message="A delivery has a next attempt exactly while it is pending.",
            ),
            # One delivery per event and subscription, whoever dispatches the event.
            models.UniqueConstraint(fields=("subscription", "event_id"), name="%(app_label)s_%(class)s_unique_event",
                                    violation_error_message="This event already has a delivery to the subscription."),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.id} ({self.status})"


class DeliveryAttempt(models.Model):
    """One POST of a delivery: when, the answer's status code, how long it took, what went wrong."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+", db_index=False)
    # Indexed by whatt_delivery_at.
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log", db_index=False)
    at = models.DateTimeField()
    # Null when no answer came (refused address, time-out, connection error).
    status_code = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, null=True, blank=True)
    # The first bytes of the answer's body, as text.
    response_excerpt = models.CharField(max_length=1000, blank=True, default="")

    class Meta:
        indexes = [
            # A delivery's attempt_log, oldest first.
            models.Index(fields=("delivery", "at"), name="whatt_delivery_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error}"
