"""The filters of the list endpoints (config/filters.py makes them strict)."""

import django_filters
from django import forms

from config.filters import BooleanFilter, StrictFilterSet, UtcDateTimeFilter, UuidFilter, integer_filter
from executions.models import AutomationRule, Execution, ExecutionLog


class FingerprintFilter(django_filters.Filter):
    field_class = forms.RegexField

    def __init__(self, **kwargs):
        message = "Must be an error fingerprint: 16 lowercase hexadecimal characters."
        super().__init__(regex=r"^[0-9a-f]{16}\Z", error_messages={"invalid": message}, **kwargs)


class ExecutionFilter(StrictFilterSet):
    multi_value = ("status",)

    # distinct=False: one status per row, and DISTINCT would sort every matching row by its body.
    status = django_filters.MultipleChoiceFilter(choices=Execution.Status.choices, distinct=False)
    automation_rule_id = UuidFilter(field_name="rule_id")
    started_after = UtcDateTimeFilter(field_name="started_at", lookup_expr="gte")
    started_before = UtcDateTimeFilter(field_name="started_at", lookup_expr="lt")
    completed_after = UtcDateTimeFilter(field_name="completed_at", lookup_expr="gte")
    completed_before = UtcDateTimeFilter(field_name="completed_at", lookup_expr="lt")
    min_duration_ms = integer_filter("duration_ms", "gte")
    max_duration_ms = integer_filter("duration_ms", "lte")
    triggered_by = django_filters.CharFilter()
    external_ref = django_filters.CharFilter()
    error_fingerprint = FingerprintFilter()

    class Meta:
        model = Execution
        fields = ()


class RuleExecutionFilter(ExecutionFilter):
    """The executions of one rule: every execution filter but the rule's."""

    automation_rule_id = None


class LogFilter(StrictFilterSet):
    multi_value = ("level",)

    level = django_filters.MultipleChoiceFilter(choices=ExecutionLog.Level.choices, distinct=False)
    action_index = integer_filter("action_index")
    step_key = django_filters.CharFilter()
    after = integer_filter("sequence", "gt")

    class Meta:
        model = ExecutionLog
        fields = ()


class RuleFilter(StrictFilterSet):
    is_enabled = BooleanFilter()
    trigger = django_filters.CharFilter()

    class Meta:
        model = AutomationRule
        fields = ()


class FailureFilter(StrictFilterSet):
    """GET /failures: the window (its bounds are checked by the view) and the rule."""

    since = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")
    until = UtcDateTimeFilter(field_name="created_at", lookup_expr="lt")
    automation_rule_id = UuidFilter(field_name="rule_id")

    class Meta:
        model = Execution
        fields = ()
