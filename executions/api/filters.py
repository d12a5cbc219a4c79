"""The filters of the list endpoints (config/filters.py makes them strict), and the selection of a
bulk action by the list's filters."""

from uuid import UUID

import django_filters
from django import forms
from django.db.models import QuerySet
from django.http import QueryDict

from config.filters import BooleanFilter, StrictFilterSet, UtcDateTimeFilter, UuidFilter, integer_filter
from config.problems import summarise
from executions import selectors
from executions.exceptions import Invalid
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


def execution_selection(*, tenant_id: UUID, given: dict) -> QuerySet:
    """The tenant's executions that `given` selects: the list's filters as JSON values (a bulk
    action's `filter`), checked by the list's own filters. Invalid names each bad one as
    `filter.<name>` (and `filter` when none is given)."""
    if not given:
        message = "Name at least one filter, as the list takes them."
        raise Invalid(f"filter: {message}", {"filter": [message]})
    query, errors = QueryDict(mutable=True), {}
    for name, value in given.items():
        if name not in ExecutionFilter.names():
            errors[f"filter.{name}"] = [f"Unknown filter; the list takes: {', '.join(ExecutionFilter.names())}."]
        elif isinstance(value, list) and name in ExecutionFilter.multi_value and value:
            query.setlist(name, [str(item) for item in value])
        elif isinstance(value, (str, int)) and not isinstance(value, bool) and str(value) != "":
            query[name] = str(value)
        elif isinstance(value, bool):
            query[name] = "true" if value else "false"
        else:
            errors[f"filter.{name}"] = ["Must be a non-empty string or number"
                                        + (", or a list of them." if name in ExecutionFilter.multi_value else ".")]
    filterset = ExecutionFilter(query, queryset=selectors.execution_queryset(tenant_id=tenant_id))
    if not errors and not filterset.is_valid():
        errors = {f"filter.{name}": [str(message) for message in messages]
                  for name, messages in filterset.errors.items()}
    if errors:
        raise Invalid(summarise(errors), errors)
    return filterset.qs


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
