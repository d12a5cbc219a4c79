"""Query filters on django-filter, made strict: the API's input layer (config/api.py) refuses an
unknown parameter, an empty or repeated value and an invalid one, each as a 400 naming it, where
django-filter alone would ignore them."""

from datetime import UTC

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField

from config.fields import MAX_INT
from config.uuids import parse_uuid


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


def integer_filter(field_name: str, lookup_expr: str = "exact") -> django_filters.NumberFilter:
    """A whole number from 0 to 2^31-1, the contract's bound of integers a client sends."""
    return django_filters.NumberFilter(
        field_name=field_name, lookup_expr=lookup_expr, min_value=0, max_value=MAX_INT, decimal_places=0
    )


class StrictFilterSet(django_filters.FilterSet):
    """A FilterSet whose parameters the input layer checks before django-filter sees them."""

    # Filters whose values may repeat or be comma-separated; every other one is given once.
    multi_value: tuple[str, ...] = ()

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(name for name, declared in cls.base_filters.items() if declared is not None)
