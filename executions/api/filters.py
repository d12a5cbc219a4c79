"""Query parameters of the list endpoints, on django-filter, made strict: an unknown parameter,
an empty value or an invalid one is a 400 naming it (django-filter alone ignores them)."""

from datetime import UTC

import django_filters
from django import forms
from django.http import QueryDict
from django_filters.fields import IsoDateTimeField

from config.fields import MAX_INT
from config.problems import ValidationFailed
from config.uuids import parse_uuid
from executions.models import AutomationRule, Execution, ExecutionLog

PAGING = ("cursor", "page_size")


class CanonicalUuidField(forms.Field):
    default_error_messages = {"invalid": "Must be a UUID in its canonical hyphenated form."}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        parsed = parse_uuid(value)
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed


class StrictBooleanFormField(forms.Field):
    default_error_messages = {"invalid": "Must be true or false."}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if value not in ("true", "false"):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return value == "true"


class UtcDateTimeField(IsoDateTimeField):
    """An ISO 8601 time with any offset, as UTC; one that falls off the calendar in UTC (year 1
    with a positive offset, 9999 with a negative one) is refused, not a 500 in the query."""

    default_error_messages = {
        "invalid": "Must be an ISO 8601 date-time such as 2025-06-01T12:00:00Z; in a query, write a + of an "
                   "offset as %2B (2025-06-01T14:00:00%2B02:00).",
        "overflow": "Must be a time from year 1 to 9999 in UTC.",
    }

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError(self.error_messages["overflow"], code="overflow") from None


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcDateTimeField


class UuidFilter(django_filters.Filter):
    field_class = CanonicalUuidField


class BooleanFilter(django_filters.Filter):
    field_class = StrictBooleanFormField


def _integer_filter(field_name: str, lookup_expr: str = "exact") -> django_filters.NumberFilter:
    return django_filters.NumberFilter(
        field_name=field_name, lookup_expr=lookup_expr, min_value=0, max_value=MAX_INT, decimal_places=0
    )


class StrictFilterSet(django_filters.FilterSet):
    """A FilterSet that refuses what django-filter would silently ignore."""

    # Filters whose values may repeat or be comma-separated.
    multi_value: tuple[str, ...] = ()

    @classmethod
    def parse(cls, query_params: QueryDict, allowed_extra: tuple[str, ...] = PAGING) -> QueryDict:
        known = {name for name, f in cls.base_filters.items() if f is not None} | set(allowed_extra)
        errors = {}
        data = QueryDict(mutable=True)
        for name, values in query_params.lists():
            if name not in known:
                errors[name] = ["Unknown query parameter."]
            elif any(value == "" for value in values):
                errors[name] = ["Must not be empty."]
            elif any("\x00" in value for value in values):
                errors[name] = ["Must not contain NUL characters."]
            elif name in cls.multi_value:
                data.setlist(name, [item for value in values for item in value.split(",")])
                if "" in data.getlist(name):
                    errors[name] = ["Must not hold an empty value."]
            elif len(values) > 1:
                errors[name] = ["Give this parameter once."]
            else:
                data[name] = values[0]
        if errors:
            raise ValidationFailed(_summary(errors), errors)
        return data

    @classmethod
    def apply(cls, query_params: QueryDict, queryset, allowed_extra: tuple[str, ...] = PAGING):
        return cls._valid(query_params, queryset, allowed_extra).qs

    @classmethod
    def values(cls, query_params: QueryDict, allowed_extra: tuple[str, ...] = PAGING) -> dict:
        """The filters' values, checked and converted (None, or [] for a repeatable one, when not
        given), for a read that writes its own SQL."""
        return cls._valid(query_params, cls._meta.model.objects.none(), allowed_extra).form.cleaned_data

    @classmethod
    def _valid(cls, query_params: QueryDict, queryset, allowed_extra: tuple[str, ...]):
        filterset = cls(cls.parse(query_params, allowed_extra), queryset=queryset)
        if not filterset.is_valid():
            errors = {name: [str(m) for m in messages] for name, messages in filterset.errors.items()}
            raise ValidationFailed(_summary(errors), errors)
        return filterset


def _summary(errors: dict[str, list[str]]) -> str:
    name, messages = next(iter(errors.items()))
    return f"{name}: {messages[0]}"


class ExecutionFilter(StrictFilterSet):
    multi_value = ("status",)

    # distinct=False: one status per row, and DISTINCT would sort every matching row by its body.
    status = django_filters.MultipleChoiceFilter(choices=Execution.Status.choices, distinct=False)
    automation_rule_id = UuidFilter(field_name="rule_id")
    started_after = UtcDateTimeFilter(field_name="started_at", lookup_expr="gte")
    started_before = UtcDateTimeFilter(field_name="started_at", lookup_expr="lt")
    completed_after = UtcDateTimeFilter(field_name="completed_at", lookup_expr="gte")
    completed_before = UtcDateTimeFilter(field_name="completed_at", lookup_expr="lt")
    min_duration_ms = _integer_filter("duration_ms", "gte")
    max_duration_ms = _integer_filter("duration_ms", "lte")
    triggered_by = django_filters.CharFilter()
    external_ref = django_filters.CharFilter()

    class Meta:
        model = Execution
        fields = ()


class RuleExecutionFilter(ExecutionFilter):
    """The executions of one rule: every execution filter but the rule's."""

    automation_rule_id = None


class LogFilter(StrictFilterSet):
    multi_value = ("level",)

    level = django_filters.MultipleChoiceFilter(choices=ExecutionLog.Level.choices, distinct=False)
    action_index = _integer_filter("action_index")
    step_key = django_filters.CharFilter()
    after = _integer_filter("sequence", "gt")

    class Meta:
        model = ExecutionLog
        fields = ()


class RuleFilter(StrictFilterSet):
    is_enabled = BooleanFilter()
    trigger = django_filters.CharFilter()

    class Meta:
        model = AutomationRule
        fields = ()
