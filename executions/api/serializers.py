"""Input serializers validate bodies; output serializers document the bodies that bodies.py builds."""

import re
from datetime import UTC, datetime

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.fields import (
    MAX_INT,
    JsonField,
    StrictBooleanField,
    StrictCharField,
    StrictDateTimeField,
    StrictIntegerField,
    StrictSerializer,
    StrictUuidField,
    find_nul,
    json_size,
)
from executions.models import (
    STEP_KEY_MAX_LENGTH,
    STEP_KEY_REGEX,
    Execution,
    ExecutionEvent,
    ExecutionLog,
    ExecutionStep,
    is_step_key,
)
from executions.rules import ACTION_TYPE_MAX_LENGTH, action_shape_errors

MESSAGE_MAX_BYTES = 8 * 1024
METADATA_MAX_BYTES = 16 * 1024
OUTPUT_MAX_BYTES = 256 * 1024
STATUS_REASON_MAX_LENGTH = 1000


def _text(max_length: int | None = None, **kwargs) -> StrictCharField:
    kwargs.setdefault("required", False)
    kwargs.setdefault("allow_null", True)
    kwargs.setdefault("allow_blank", True)
    return StrictCharField(max_length=max_length, **kwargs)


# Input


class StepKeyField(serializers.RegexField):
    """A step key: a JSON string that is one whole, as sent (not a number, not trimmed, no
    trailing newline)."""

    default_error_messages = {
        "invalid": "Must be 1 to 100 characters, each a letter, a digit or one of _ . : - (no spaces).",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(rf"^{STEP_KEY_REGEX}\Z", max_length=STEP_KEY_MAX_LENGTH, **kwargs)

    def to_internal_value(self, data):
        if not is_step_key(data):
            self.fail("invalid")
        return super().to_internal_value(data)


class ActionSerializer(serializers.Serializer):
    """One action of a rule: an object with at least a `type`; its other keys are kept."""

    type = serializers.CharField(max_length=ACTION_TYPE_MAX_LENGTH)


@extend_schema_field(ActionSerializer(many=True))
class ActionsField(serializers.Field):
    """A rule's actions, kept whole, checked by the one rule of their shape (executions/rules.py)."""

    def to_internal_value(self, data):
        errors = action_shape_errors(data)
        if errors:
            # "1.type" → {"1": {"type": [...]}}: the problem names it actions.1.type.
            nested: dict = {}
            for path, message in errors.items():
                if not path:
                    raise serializers.ValidationError(message)
                *parents, last = path.split(".")
                node = nested
                for part in parents:
                    node = node.setdefault(part, {})
                node[last] = [message]
            raise serializers.ValidationError(nested)
        return data

    def to_representation(self, value):
        return value


class RuleInputSerializer(StrictSerializer):
    name = StrictCharField(max_length=200)
    description = StrictCharField(required=False, allow_blank=True)
    trigger = StrictCharField(max_length=200)
    actions = ActionsField(required=False)
    timeout_seconds = StrictIntegerField(required=False, min_value=1)
    is_enabled = StrictBooleanField(required=False)


class ExecutionStartInputSerializer(StrictSerializer):
    automation_rule_id = StrictUuidField()
    trigger_data = JsonField(object_only=True)
    execution_context = JsonField(object_only=True, required=False)
    triggered_by = _text(255)
    external_ref = _text(255)
    actions_total = StrictIntegerField(required=False)
    idempotency_key = StrictCharField(max_length=255, required=False, allow_null=True)


class ExecutionReportInputSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=Execution.Status.choices, required=False)
    status_reason = _text(STATUS_REASON_MAX_LENGTH)
    waiting_until = StrictDateTimeField(required=False, allow_null=True)
    output = JsonField(required=False, allow_null=True, max_bytes=OUTPUT_MAX_BYTES)
    actions_total = StrictIntegerField(required=False)
    actions_successful = StrictIntegerField(required=False)
    actions_failed = StrictIntegerField(required=False)
    execution_context = JsonField(object_only=True, required=False)
    error_message = _text()
    error_stack = _text()
    failed_action_index = StrictIntegerField(required=False, allow_null=True)


class StepCreateInputSerializer(StrictSerializer):
    key = StepKeyField()
    name = StrictCharField(max_length=255, required=False, allow_blank=True)
    type = StrictCharField(max_length=100, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=ExecutionStep.Status.choices, required=False)
    started_at = serializers.DateTimeField(required=False, allow_null=True)
    completed_at = serializers.DateTimeField(required=False, allow_null=True)
    output = JsonField(required=False, allow_null=True)
    error = _text()


class StepUpdateInputSerializer(StepCreateInputSerializer):
    key = None


class LogEntryInputSerializer(StrictSerializer):
    timestamp = serializers.DateTimeField(required=False, allow_null=True)
    level = serializers.ChoiceField(choices=ExecutionLog.Level.choices, required=False)
    message = StrictCharField(allow_blank=True)
    action_index = StrictIntegerField(required=False, allow_null=True)
    step_key = _text(100)
    event_type = _text(100)
    metadata = JsonField(object_only=True, required=False, max_bytes=METADATA_MAX_BYTES)

    def validate_message(self, value: str) -> str:
        if len(value.encode()) > MESSAGE_MAX_BYTES:
            raise serializers.ValidationError(f"Must be at most {MESSAGE_MAX_BYTES} bytes as UTF-8.")
        return value


class LogsAppendInputSerializer(StrictSerializer):
    entries = LogEntryInputSerializer(many=True, allow_empty=False, max_length=1000)


# The common case of the hottest write, checked without DRF's per-field machinery (most of a
# batch's time): a batch that passes every rule below is what LogsAppendInputSerializer would make
# of it; anything else (any doubt) goes through the serializer, which stays the one source of the
# error messages. A property test holds the two together.

LOG_ENTRY_KEYS = frozenset(LogEntryInputSerializer._declared_fields)
LOG_LEVELS = frozenset(ExecutionLog.Level.values)
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # NUL, and lone surrogates that UTF-8 cannot hold
# The plainest form of a time, which DRF's DateTimeField reads the same way (it refuses a lower-case t or z).
PLAIN_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})\Z")


def _plain_text(value, max_length: int | None) -> bool:
    return (type(value) is str and (max_length is None or len(value) <= max_length)
            and UNSTORABLE.search(value) is None)


def _fast_log_entry(entry) -> dict | None:
    if type(entry) is not dict or not entry.keys() <= LOG_ENTRY_KEYS:
        return None
    message = entry.get("message")
    if not _plain_text(message, None) or len(message.encode()) > MESSAGE_MAX_BYTES:
        return None
    if "level" in entry and (type(entry["level"]) is not str or entry["level"] not in LOG_LEVELS):
        return None
    index = entry.get("action_index")
    if index is not None and (type(index) is not int or not 0 <= index <= MAX_INT):
        return None
    for name in ("step_key", "event_type"):
        if entry.get(name) is not None and not _plain_text(entry[name], 100):
            return None
    if "metadata" in entry:
        metadata = entry["metadata"]
        if type(metadata) is not dict or find_nul(metadata) is not None or json_size(metadata) > METADATA_MAX_BYTES:
            return None
    cleaned = dict(entry)
    timestamp = entry.get("timestamp")
    if timestamp is not None:
        if type(timestamp) is not str or not PLAIN_TIME.match(timestamp):
            return None
        try:
            cleaned["timestamp"] = datetime.fromisoformat(timestamp).astimezone(UTC)
        except (ValueError, OverflowError):
            return None
    return cleaned


def fast_log_batch(body) -> list[dict] | None:
    """The entries of a POST /logs body that is plainly valid, cleaned as the serializer would
    clean them; None when the serializer must judge it."""
    if type(body) is not dict or body.keys() != {"entries"}:
        return None
    entries = body["entries"]
    if type(entries) is not list or not 1 <= len(entries) <= 1000:
        return None
    cleaned = [_fast_log_entry(entry) for entry in entries]
    return None if None in cleaned else cleaned


class CancelInputSerializer(StrictSerializer):
    reason = _text(STATUS_REASON_MAX_LENGTH)  # it becomes the status_reason


class BulkInputSerializer(StrictSerializer):
    """POST /executions/bulk-retry and /bulk-cancel. `filter` holds the list's filters as JSON
    values (a list for a repeatable one); the view checks them with the list's own filter code."""

    filter = JsonField(object_only=True, help_text="The list's filters, e.g. {\"error_fingerprint\": "
                                                   "\"5d1e0c3a9b7f2e46\"}; at least one.")
    dry_run = StrictBooleanField(required=False, default=False)
    limit = StrictIntegerField(required=False, default=100, min_value=1, max_value=1000)


class BulkCancelInputSerializer(BulkInputSerializer):
    reason = _text(STATUS_REASON_MAX_LENGTH)


class RetryInputSerializer(StrictSerializer):
    """A retry takes no body fields; its Idempotency-Key is a header."""


# Output (documentation of bodies.py)


class LinkSerializer(serializers.Serializer):
    href = serializers.URLField()
    method = serializers.ChoiceField(choices=["GET", "POST"])


class ExecutionLinksSerializer(serializers.Serializer):
    self = LinkSerializer()
    rule = LinkSerializer()
    steps = LinkSerializer()
    logs = LinkSerializer()
    events = LinkSerializer()
    retry = LinkSerializer(required=False, help_text="Only where a retry is allowed.")
    cancel = LinkSerializer(required=False, help_text="Only where a cancel is allowed.")
    previous_attempt = LinkSerializer(required=False, help_text="Where retry_of is set.")
    next_attempt = LinkSerializer(required=False, help_text="Where this execution has been retried.")


class ApiRootLinksSerializer(serializers.Serializer):
    self = LinkSerializer()
    executions = LinkSerializer()
    rules = LinkSerializer()
    failures = LinkSerializer()
    webhooks = LinkSerializer()
    schema = LinkSerializer()
    docs = LinkSerializer()


class ApiRootOutputSerializer(serializers.Serializer):
    _links = ApiRootLinksSerializer()


class RuleLinksSerializer(serializers.Serializer):
    self = LinkSerializer()
    executions = LinkSerializer()


class RuleOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    description = serializers.CharField()
    trigger = serializers.CharField()
    actions = serializers.ListField(child=serializers.DictField())
    timeout_seconds = serializers.IntegerField()
    is_enabled = serializers.BooleanField()
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    _links = RuleLinksSerializer()


class StepOutputSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    type = serializers.CharField()
    status = serializers.ChoiceField(choices=ExecutionStep.Status.choices)
    position = serializers.IntegerField()
    started_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    output = serializers.JSONField(allow_null=True)
    error = serializers.CharField(allow_null=True)


class LogOutputSerializer(serializers.Serializer):
    sequence = serializers.IntegerField()
    timestamp = serializers.DateTimeField()
    level = serializers.ChoiceField(choices=ExecutionLog.Level.choices)
    message = serializers.CharField()
    action_index = serializers.IntegerField(allow_null=True)
    step_key = serializers.CharField(allow_null=True)
    event_type = serializers.CharField(allow_null=True)
    metadata = serializers.DictField()


class EventOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    type = serializers.ChoiceField(choices=ExecutionEvent.Type.choices)
    created_at = serializers.DateTimeField()
    previous_status = serializers.ChoiceField(choices=Execution.Status.choices, allow_null=True)
    status = serializers.ChoiceField(choices=Execution.Status.choices)
    actor = serializers.CharField(help_text="key:<prefix>, staff:<username> or system")
    data = serializers.DictField()


class ExecutionItemOutputSerializer(serializers.Serializer):
    execution_id = serializers.UUIDField()
    automation_rule_id = serializers.UUIDField()
    trigger_data = serializers.DictField()
    status = serializers.ChoiceField(choices=Execution.Status.choices)
    status_reason = serializers.CharField(allow_null=True, help_text="Why it is in its status, in the engine's words.")
    waiting_until = serializers.DateTimeField(allow_null=True, help_text="When a waiting execution expects to "
                                                                         "resume; null outside waiting.")
    started_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    duration_ms = serializers.IntegerField(allow_null=True, min_value=0)
    actions_total = serializers.IntegerField(min_value=0)
    actions_successful = serializers.IntegerField(min_value=0)
    actions_failed = serializers.IntegerField(min_value=0)
    error_message = serializers.CharField(allow_null=True)
    error_stack = serializers.CharField(allow_null=True)
    failed_action_index = serializers.IntegerField(allow_null=True)
    execution_context = serializers.DictField()
    tenant = serializers.UUIDField()
    attempt = serializers.IntegerField(min_value=1)
    retry_of = serializers.UUIDField(allow_null=True)
    triggered_by = serializers.CharField(allow_null=True)
    idempotency_key = serializers.CharField(allow_null=True)
    external_ref = serializers.CharField(allow_null=True)
    rule_version = serializers.IntegerField()
    error_fingerprint = serializers.RegexField(
        r"^[0-9a-f]{16}$", allow_null=True,
        help_text="The group of its failure (GET /failures): null unless failed or timed out with an error_message.",
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    _links = ExecutionLinksSerializer()


class ExecutionOutputSerializer(ExecutionItemOutputSerializer):
    output = serializers.JSONField(allow_null=True, help_text="The run's result as its engine reports it.")
    logs = LogOutputSerializer(many=True)
    logs_truncated = serializers.BooleanField()
    steps = StepOutputSerializer(many=True)
    previous_step = StepOutputSerializer(allow_null=True)
    next_step = StepOutputSerializer(allow_null=True)
    rule = RuleOutputSerializer(required=False, help_text="Only with ?expand=rule.")


class LogsAppendedOutputSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    first_sequence = serializers.IntegerField()
    last_sequence = serializers.IntegerField()


class BulkResultItemSerializer(serializers.Serializer):
    execution_id = serializers.UUIDField()
    outcome = serializers.ChoiceField(choices=[
        "retried", "cancelled", "would_retry", "would_cancel", "already_retried", "not_retryable_status",
        "rule_disabled", "not_cancellable_status"])
    next_attempt = serializers.UUIDField(allow_null=True)


class BulkResultOutputSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    matched = serializers.IntegerField(help_text="All that the filter selects.")
    more = serializers.BooleanField(help_text="More were selected than `limit`.")
    acted = serializers.IntegerField()
    skipped = serializers.DictField(child=serializers.IntegerField(), help_text="reason -> count")
    results = BulkResultItemSerializer(many=True)


class FailureLinksSerializer(serializers.Serializer):
    executions = LinkSerializer()
    bulk_retry = LinkSerializer()


class FailureGroupOutputSerializer(serializers.Serializer):
    error_fingerprint = serializers.CharField()
    automation_rule_id = serializers.UUIDField()
    rule_name = serializers.CharField()
    message = serializers.CharField(help_text="The message with its varying parts as <n>, <uuid>, <hex>, <str>, "
                                              "<email>, <query>.")
    count = serializers.IntegerField()
    retryable = serializers.IntegerField(help_text="How many of them a retry would accept now.")
    first_seen = serializers.DateTimeField()
    last_seen = serializers.DateTimeField()
    sample_execution_id = serializers.UUIDField()
    _links = FailureLinksSerializer()
