"""Keyset (cursor) pagination: stable under concurrent inserts, and it never counts the table.

A list action declares its `Paging` (bounds of page_size, the kind of cursor); the input layer
(config/api.py) checks page_size and decodes the cursor before the handler runs, so a bad one is a
400 before any 404, and the handler pages with what it was given."""

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.db.models import Q, QuerySet

from config.problems import invalid
from config.uuids import parse_uuid

NEXT, PREVIOUS = "n", "p"


@dataclass(frozen=True)
class Cursor:
    direction: str  # NEXT or PREVIOUS
    position: tuple  # where the page starts, after (NEXT) or before (PREVIOUS) it


@dataclass(frozen=True)
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
    if direction not in (NEXT, PREVIOUS):
        raise _invalid()
    return direction, position


def _invalid():
    return invalid("cursor", "The cursor is invalid.")


def newest_first_cursor(raw: str) -> Cursor:
    """A cursor of a (created_at desc, id desc) list: (created_at in UTC, id)."""
    direction, position = _decode(raw)
    try:
        created_at, pk = datetime.fromisoformat(position[0]), parse_uuid(position[1])
    except (IndexError, TypeError, ValueError):
        raise _invalid() from None
    if pk is None or created_at.tzinfo is None:
        raise _invalid()
    try:
        return Cursor(direction, (created_at.astimezone(UTC), pk))
    except OverflowError:  # off the calendar in UTC: no row is there
        raise _invalid() from None


def sequence_cursor(raw: str) -> Cursor:
    """A cursor of a list by ascending sequence number: (sequence,)."""
    direction, position = _decode(raw)
    if len(position) != 1 or isinstance(position[0], bool) or not isinstance(position[0], int):
        raise _invalid()
    return Cursor(direction, (position[0],))


@dataclass(frozen=True)
class Paging:
    """What a list action takes: page_size from 1 to `maximum` (else `default`), and a cursor."""

    default: int
    maximum: int
    cursor: Callable[[str], Cursor]


# The contract's bounds: 1 to 200, default 50; log lines 1 to 1000, default 200.
NEWEST_FIRST = Paging(default=50, maximum=200, cursor=newest_first_cursor)
BY_SEQUENCE = Paging(default=200, maximum=1000, cursor=sequence_cursor)


def _url(request, cursor: str) -> str:
    params = request.query_params.copy()
    params["cursor"] = cursor
    return f"{request.scheme}://{request.get_host()}{request.path}?{urlencode(params, doseq=True)}"


def _page(request, queryset: QuerySet, page_size: int, cursor: Cursor | None, position_of, read) -> Page:
    """Reads one page (queryset already filtered and ordered for the cursor's direction) and links
    its neighbours; `read(sliced_queryset)` gives the page's rows, and `position_of(row)` is what a
    cursor at that row holds."""
    rows = list(read(queryset[: page_size + 1]))
    more = len(rows) > page_size
    rows = rows[:page_size]
    backwards = cursor is not None and cursor.direction == PREVIOUS
    if backwards:
        rows.reverse()
    has_next = bool(rows) if backwards else more
    has_previous = more if backwards else cursor is not None and bool(rows)
    return Page(
        rows,
        _url(request, _encode(NEXT, position_of(rows[-1]))) if rows and has_next else None,
        _url(request, _encode(PREVIOUS, position_of(rows[0]))) if rows and has_previous else None,
    )


def _as_is(page: QuerySet) -> QuerySet:
    return page


def paginate_newest_first(request, queryset: QuerySet, cursor: Cursor | None, page_size: int,
                          read=_as_is) -> Page:
    """Pages of (created_at desc, id desc); `cursor` from newest_first_cursor."""
    if cursor is not None:
        created_at, pk = cursor.position
        if cursor.direction == NEXT:
            queryset = queryset.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk))
        else:
            queryset = queryset.filter(Q(created_at__gt=created_at) | Q(created_at=created_at, pk__gt=pk))
            queryset = queryset.order_by("created_at", "id")
    return _page(request, queryset, page_size, cursor, lambda row: [row.created_at.isoformat(), str(row.pk)], read)


def paginate_by_sequence(request, queryset, cursor: Cursor | None, page_size: int, read=_as_is) -> Page:
    """Pages of log line rows (tuples whose first item is the sequence) in ascending sequence;
    `queryset` is a QuerySet or what stands for one (documents.LogLinePage); `cursor` from
    sequence_cursor."""
    if cursor is not None:
        (sequence,) = cursor.position
        if cursor.direction == NEXT:
            queryset = queryset.filter(sequence__gt=sequence)
        else:
            queryset = queryset.filter(sequence__lt=sequence).order_by("-sequence")
    return _page(request, queryset, page_size, cursor, lambda row: [row[0]], read)
