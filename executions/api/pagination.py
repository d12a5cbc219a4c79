"""Keyset (cursor) pagination: stable under concurrent inserts, and it never counts the table."""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.db.models import Q, QuerySet

from config.problems import ValidationFailed
from config.uuids import parse_uuid


@dataclass
class Page:
    items: list
    next: str | None
    previous: str | None


def _encode(direction: str, position: list) -> str:
    raw = json.dumps([direction, *position], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[str, list]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        direction, *position = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise _invalid() from None
    if direction not in ("n", "p"):
        raise _invalid()
    return direction, position


def _invalid() -> ValidationFailed:
    return ValidationFailed("cursor: The cursor is invalid.", {"cursor": ["The cursor is invalid."]})


def _url(request, cursor: str) -> str:
    params = request.query_params.copy()
    params["cursor"] = cursor
    return f"{request.scheme}://{request.get_host()}{request.path}?{urlencode(params, doseq=True)}"


def _page(request, queryset: QuerySet, page_size: int, cursor: str | None, direction: str, position_of,
          read) -> Page:
    """Reads one page (queryset already filtered and ordered for `direction`) and links its
    neighbours; `read(sliced_queryset)` gives the page's rows, and `position_of(row)` is what a
    cursor at that row holds."""
    rows = list(read(queryset[: page_size + 1]))
    more = len(rows) > page_size
    rows = rows[:page_size]
    if direction == "p":  # read backwards from the cursor
        rows.reverse()
    has_next = more if direction == "n" else bool(rows)
    has_previous = (bool(cursor) and bool(rows)) if direction == "n" else more
    return Page(
        rows,
        _url(request, _encode("n", position_of(rows[-1]))) if rows and has_next else None,
        _url(request, _encode("p", position_of(rows[0]))) if rows and has_previous else None,
    )


def _as_is(page: QuerySet) -> QuerySet:
    return page


def paginate_newest_first(request, queryset: QuerySet, cursor: str | None, page_size: int, read=_as_is) -> Page:
    """Pages of (created_at desc, id desc)."""
    direction = "n"
    if cursor:
        direction, position = _decode(cursor)
        try:
            created_at, pk = datetime.fromisoformat(position[0]), parse_uuid(position[1])
        except (IndexError, TypeError, ValueError):
            raise _invalid() from None
        if pk is None or created_at.tzinfo is None:
            raise _invalid()
        try:
            created_at = created_at.astimezone(UTC)
        except OverflowError:  # off the calendar in UTC: no row is there
            raise _invalid() from None
        if direction == "n":
            queryset = queryset.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk))
        else:
            queryset = queryset.filter(Q(created_at__gt=created_at) | Q(created_at=created_at, pk__gt=pk))
            queryset = queryset.order_by("created_at", "id")
    return _page(request, queryset, page_size, cursor, direction,
                 lambda row: [row.created_at.isoformat(), str(row.pk)], read)


def paginate_by_sequence(request, queryset, cursor: str | None, page_size: int, read=_as_is) -> Page:
    """Pages of log line rows (tuples whose first item is the sequence) in ascending sequence;
    `queryset` is a QuerySet or what stands for one (documents.LogLinePage)."""
    direction = "n"
    if cursor:
        direction, position = _decode(cursor)
        if len(position) != 1 or isinstance(position[0], bool) or not isinstance(position[0], int):
            raise _invalid()
        if direction == "n":
            queryset = queryset.filter(sequence__gt=position[0])
        else:
            queryset = queryset.filter(sequence__lt=position[0]).order_by("-sequence")
    return _page(request, queryset, page_size, cursor, direction, lambda row: [row[0]], read)
