"""Strict DRF input fields: JSON types as sent, canonical UUIDs, 32-bit integers, whole
date-times with an offset, no NUL."""

import json
import re
from datetime import UTC, datetime

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.times import iso
from config.uuids import parse_uuid

MAX_INT = 2**31 - 1


def find_nul(value, path: str = "") -> str | None:
    """The path of the first string (or key) holding a NUL character, else None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if "\x00" in key:
                return child
            found = find_nul(item, child)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = find_nul(item, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None


def json_size(value) -> int:
    """Bytes of `value` as compact JSON in UTF-8 (no spaces: the size does not depend on how a
    client or the server lays it out)."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


class StrictCharField(serializers.CharField):
    """A JSON string, as sent (not trimmed, not converted from a number)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer from 0 to 2^31-1 unless told otherwise."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_INT)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


@extend_schema_field(OpenApiTypes.UUID)
class StrictUuidField(serializers.Field):
    default_error_messages = {"invalid": "Must be a UUID in its canonical hyphenated form."}

    def to_internal_value(self, data):
        value = parse_uuid(data)
        if value is None:
            self.fail("invalid")
        return value

    def to_representation(self, value):
        return str(value)


# RFC 3339's form of ISO 8601: date, time to the second (a fraction optional) and an offset.
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})\Z")


@extend_schema_field(OpenApiTypes.DATETIME)
class StrictDateTimeField(serializers.Field):
    """A JSON string holding a real date-time with its offset (`2025-06-01T12:00:00Z`,
    `2025-06-01T14:00:00.5+02:00`), as UTC. DRF's DateTimeField also takes a bare date, a space
    for the `T` and no offset (then read as the server's zone); a time that says when something
    is due must not be guessed at. Fractions past the microsecond are cut."""

    default_error_messages = {
        "invalid": "Must be an ISO 8601 date-time with seconds and an offset, e.g. 2025-06-01T12:00:00Z.",
        "overflow": "Must be a time from year 1 to 9999 in UTC.",
    }

    def to_internal_value(self, data):
        if not isinstance(data, str) or not DATE_TIME.match(data):
            self.fail("invalid")
        try:
            parsed = datetime.fromisoformat(data.upper())
        except ValueError:  # off the calendar or the clock: 2025-02-30, 24:00, an offset of 24 hours
            self.fail("invalid")
        except OverflowError:
            self.fail("overflow")
        try:
            return parsed.astimezone(UTC)
        except OverflowError:  # year 1 with a positive offset, 9999 with a negative one
            self.fail("overflow")

    def to_representation(self, value):
        return iso(value)


class JsonField(serializers.JSONField):
    """Any JSON value without NUL characters (PostgreSQL's jsonb refuses them), optionally an
    object, optionally at most `max_bytes` when written as compact JSON (no spaces: the size
    does not depend on how a client or the server lays it out)."""

    default_error_messages = {
        "not_object": "Must be a JSON object.",
        "nul": "Must not contain NUL characters (at {path}).",
        "too_large": "Must be at most {max_bytes} bytes as JSON.",
    }

    def __init__(self, *, object_only: bool = False, max_bytes: int | None = None, **kwargs):
        self.object_only = object_only
        self.max_bytes = max_bytes
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if self.object_only and not isinstance(data, dict):
            self.fail("not_object")
        nul = find_nul(data)
        if nul is not None:
            self.fail("nul", path=nul or "the value")
        if self.max_bytes is not None and json_size(data) > self.max_bytes:
            self.fail("too_large", max_bytes=self.max_bytes)
        return data


class StrictSerializer(serializers.Serializer):
    """An input serializer that refuses fields it does not know, so a misspelt field is not lost."""

    def to_internal_value(self, data):
        unknown = sorted(set(data) - set(self.fields)) if isinstance(data, dict) else []
        errors = {name: ["Unknown field."] for name in unknown}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if not errors or not isinstance(error.detail, dict):
                raise
            # Every invalid field at once: an unknown one does not hide the others.
            raise serializers.ValidationError({**errors, **error.detail}) from None
        if errors:
            raise serializers.ValidationError(errors)
        return value


class JsonFieldSchema(OpenApiSerializerFieldExtension):
    """Documents JsonField: an object where it must be one, else any JSON value."""

    target_class = JsonField

    def map_serializer_field(self, auto_schema, direction):
        schema = {"type": "object", "additionalProperties": True} if self.target.object_only else {}
        if self.target.allow_null:
            schema["nullable"] = True
        return schema
