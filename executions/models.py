import re

from django.db import models
from django.db.models import F, Q
from uuid6 import uuid7


class AutomationRule(models.Model):
    """What an automation engine runs: a trigger name, an ordered list of actions, a timeout."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="rules")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    trigger = models.CharField(max_length=200)
    actions = models.JSONField(default=list)
    timeout_seconds = models.PositiveIntegerField(default=3600)
    is_enabled = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # GET /rules: newest first within a tenant.
            models.Index(F("tenant"), F("created_at").desc(), F("id").desc(), name="rule_tenant_created"),
            # GET /rules?trigger=
            models.Index(fields=("tenant", "trigger"), name="rule_tenant_trigger"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(timeout_seconds__gt=0), name="%(app_label)s_%(class)s_timeout_positive",
                violation_error_message="timeout_seconds must be positive.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ExecutionStatus(models.TextChoices):
    PENDING = "pending"
    RUNNING = "running"
    # Paused by its engine until something outside happens (an approval, a timer, a callback).
    WAITING = "waiting"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    TIMEOUT = "timeout"
    SKIPPED = "skipped"


class Execution(models.Model):
    """One run of a rule: its trigger payload, status, timing, counters, error, steps and logs."""

    Status = ExecutionStatus

    # Which statuses are final, retryable or cancellable, and the moves between them: lifecycle.py.

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    # No index of its own: every index of the table starts with the tenant.
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="executions", db_index=False)
    rule = models.ForeignKey(AutomationRule, on_delete=models.PROTECT, related_name="executions")
    rule_version = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # Why it is in its status, in the engine's words; cleared by a status change that gives none.
    status_reason = models.CharField(max_length=1000, null=True, blank=True)
    # When a waiting execution's engine expects to resume it; null outside waiting.
    waiting_until = models.DateTimeField(null=True, blank=True)
    # The run's result as its engine reports it (up to 256 KiB as JSON, checked by the API).
    output = models.JSONField(null=True, blank=True)
    trigger_data = models.JSONField(default=dict)
    execution_context = models.JSONField(default=dict)
    triggered_by = models.CharField(max_length=255, null=True, blank=True)
    external_ref = models.CharField(max_length=255, null=True, blank=True)
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)
    # SHA-256 of the canonical JSON of the starting body, to tell a repeat from a reuse of the key.
    request_fingerprint = models.CharField(max_length=64, blank=True, default="", editable=False)
    attempt = models.PositiveIntegerField(default=1)
    # One-to-one: an execution is retried at most once, and the database holds to it under races.
    retry_of = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_attempt"
    )
    # The Idempotency-Key of the retry request that made this attempt.
    retry_key = models.CharField(max_length=255, null=True, blank=True, editable=False)
    actions_total = models.PositiveIntegerField(default=0)
    actions_successful = models.PositiveIntegerField(default=0)
    actions_failed = models.PositiveIntegerField(default=0)
    error_message = models.TextField(null=True, blank=True)
    # Its rule and error message with the varying parts replaced (executions/fingerprints.py): set
    # by the services when it fails or times out with a message; groups GET /failures.
    error_fingerprint = models.CharField(max_length=16, null=True, blank=True, editable=False)
    error_stack = models.TextField(null=True, blank=True)
    failed_action_index = models.PositiveIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.BigIntegerField(null=True, blank=True)
    # Counters that hand out log sequences and step positions under the row lock.
    log_count = models.PositiveIntegerField(default=0, editable=False)
    step_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # GET /executions: newest first within a tenant; keyset cursor on (created_at, id).
            models.Index(F("tenant"), F("created_at").desc(), F("id").desc(), name="exec_tenant_created"),
            # GET /executions?status=
            models.Index(F("tenant"), F("status"), F("created_at").desc(), F("id").desc(),
                         name="exec_tenant_status"),
            # GET /executions?automation_rule_id= and /rules/{id}/executions
            models.Index(F("tenant"), F("rule"), F("created_at").desc(), F("id").desc(),
                         name="exec_tenant_rule"),
            # GET /executions?external_ref=
            models.Index(fields=("tenant", "external_ref"), name="exec_tenant_extref"),
            # expire_executions: the pending and running ones, which time out by their age
            # (lifecycle.AGEING; a test holds the two equal).
            models.Index(fields=("status", "created_at"), name="exec_status_created",
                         condition=Q(status__in=(ExecutionStatus.PENDING, ExecutionStatus.RUNNING))),
            # expire_executions: the waiting ones, which time out by waiting_until (never by their age,
            # and never without a waiting_until). Made CONCURRENTLY by migration 0004.
            models.Index(fields=("waiting_until",), name="exec_waiting_until",
                         condition=Q(status=ExecutionStatus.WAITING, waiting_until__isnull=False)),
            # GET /executions?error_fingerprint= (newest first, keyset) and a group's sample.
            # Made CONCURRENTLY by migration 0007, as are the next one.
            models.Index(F("tenant"), F("error_fingerprint"), F("created_at").desc(), F("id").desc(),
                         name="exec_tenant_fingerprint", condition=Q(error_fingerprint__isnull=False)),
            # GET /failures: the fingerprinted failures of a tenant in a window of created_at.
            models.Index(fields=("tenant", "created_at", "error_fingerprint", "rule"), name="exec_tenant_failures",
                         condition=Q(error_fingerprint__isnull=False)),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ExecutionStatus.values),
                name="%(app_label)s_%(class)s_status_valid",
                violation_error_message="Unknown execution status.",
            ),
            models.CheckConstraint(
                condition=Q(waiting_until__isnull=True) | Q(status=ExecutionStatus.WAITING),
                name="%(app_label)s_%(class)s_waiting_until_only_while_waiting",
                violation_error_message="Only a waiting execution has a waiting_until.",
            ),
            models.CheckConstraint(
                condition=Q(actions_successful__lte=F("actions_total") - F("actions_failed")),
                name="%(app_label)s_%(class)s_counters_within_total",
                violation_error_message="actions_successful + actions_failed may not exceed actions_total.",
            ),
            models.UniqueConstraint(
                fields=("tenant", "idempotency_key"), condition=Q(idempotency_key__isnull=False),
                name="%(app_label)s_%(class)s_unique_idempotency_key",
                violation_error_message="An execution with this idempotency key already exists.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.id} ({self.status})"

    @property
    def is_final(self) -> bool:
        from executions.lifecycle import is_final  # lifecycle.py imports this module

        return is_final(self.status)


# A step key, as engines name their steps: one definition for the API's bodies, its paths and
# the schema. fullmatch, since "$" would also match before a final newline.
STEP_KEY_MAX_LENGTH = 100
STEP_KEY_REGEX = rf"[A-Za-z0-9_.:-]{{1,{STEP_KEY_MAX_LENGTH}}}"


def is_step_key(value) -> bool:
    return isinstance(value, str) and re.fullmatch(STEP_KEY_REGEX, value) is not None


class StepStatus(models.TextChoices):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class ExecutionStep(models.Model):
    """One action of an execution as it ran."""

    Status = StepStatus

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    # Indexed by the unique (execution, key) and (execution, position).
    execution = models.ForeignKey(Execution, on_delete=models.CASCADE, related_name="steps", db_index=False)
    key = models.CharField(max_length=STEP_KEY_MAX_LENGTH)
    name = models.CharField(max_length=255, blank=True, default="")
    type = models.CharField(max_length=100, blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    position = models.PositiveIntegerField()
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    output = models.JSONField(null=True, blank=True)
    error = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("position",)
        constraints = [
            # Also the index of GET /executions/{id}/steps/{key}.
            models.UniqueConstraint(
                fields=("execution", "key"), name="%(app_label)s_%(class)s_unique_key",
                violation_error_message="This step key is already used in the execution.",
            ),
            # Also the index of the steps in order.
            models.UniqueConstraint(
                fields=("execution", "position"), name="%(app_label)s_%(class)s_unique_position",
            ),
            models.CheckConstraint(
                condition=Q(status__in=StepStatus.values),
                name="%(app_label)s_%(class)s_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status})"


class ExecutionLog(models.Model):
    """One line an execution wrote, ordered by its per-execution sequence."""

    class Level(models.TextChoices):
        DEBUG = "debug"
        INFO = "info"
        WARN = "warn"
        ERROR = "error"

    # No index on the tenant alone: every read goes by execution, and each index of this, the
    # biggest and most written table, costs every appended line. (Deleting a tenant scans it.)
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+", db_index=False)
    # Indexed by the unique (execution, sequence).
    execution = models.ForeignKey(Execution, on_delete=models.CASCADE, related_name="logs", db_index=False)
    sequence = models.PositiveIntegerField()
    timestamp = models.DateTimeField()
    level = models.CharField(max_length=8, choices=Level.choices, default=Level.INFO)
    message = models.TextField()
    action_index = models.PositiveIntegerField(null=True, blank=True)
    step_key = models.CharField(max_length=100, null=True, blank=True)
    event_type = models.CharField(max_length=100, null=True, blank=True)
    metadata = models.JSONField(default=dict)

    class Meta:
        constraints = [
            # Also the index of every read: by sequence within an execution.
            models.UniqueConstraint(
                fields=("execution", "sequence"), name="%(app_label)s_%(class)s_unique_sequence",
            ),
            models.CheckConstraint(
                condition=Q(level__in=["debug", "info", "warn", "error"]),
                name="%(app_label)s_%(class)s_level_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.level}: {self.message[:60]}"


class ExecutionEvent(models.Model):
    """One change of an execution's status: its history, and the outbox webhooks are sent from."""

    class Type(models.TextChoices):
        CREATED = "execution.created"
        STATUS_CHANGED = "execution.status_changed"
        COMPLETED = "execution.completed"
        FAILED = "execution.failed"
        TIMED_OUT = "execution.timed_out"
        CANCELLED = "execution.cancelled"
        RETRIED = "execution.retried"

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    # Indexed by event_execution (execution, id).
    execution = models.ForeignKey(Execution, on_delete=models.CASCADE, related_name="events", db_index=False)
    type = models.CharField(max_length=40, choices=Type.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    previous_status = models.CharField(max_length=16, null=True, blank=True)
    status = models.CharField(max_length=16)
    actor = models.CharField(max_length=200)
    data = models.JSONField(default=dict)
    # When the webhook worker turned this event into deliveries (or found no subscription for it);
    # null until then. The worker claims null ones with FOR UPDATE SKIP LOCKED, so an event whose
    # transaction commits late is still found (a cursor over ids or times would skip it).
    dispatched_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        # Time-ordered ids: the primary key order is the order of recording.
        ordering = ("id",)
        indexes = [
            # GET /executions/{id}/events, oldest first.
            models.Index(fields=("execution", "id"), name="event_execution"),
            # The webhook worker's claim: the events not dispatched yet, oldest first; small, since
            # each row leaves it within moments. Made CONCURRENTLY by migration 0009.
            models.Index(fields=("id",), name="event_undispatched", condition=Q(dispatched_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.previous_status or '-'} -> {self.status}"


class BulkActionAnswer(models.Model):
    """The first answer of a bulk retry or cancel sent with an Idempotency-Key: a repeat with the
    key answers it again instead of acting twice."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+", db_index=False)
    action = models.CharField(max_length=16)
    idempotency_key = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)
    answer = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("tenant", "action", "idempotency_key"), name="bulk_answer_unique_key"),
        ]

    def __str__(self) -> str:
        return f"bulk {self.action} {self.idempotency_key}"
