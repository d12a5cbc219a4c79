"""What keeps the executions changelist fast at millions of rows: no COUNT(*) of the table and no
DISTINCT over it."""

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Max, Min, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property


def table_row_estimate(queryset: QuerySet) -> int | None:
    """PostgreSQL's own estimate of the rows of the queryset's table (kept by ANALYZE and
    autovacuum), or None where there is none."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                       [queryset.model._meta.db_table])
        row = cursor.fetchone()
    # -1: never analysed.
    return row[0] if row and row[0] >= 0 else None


class EstimatedCountPaginator(Paginator):
    """Pages a big table without counting it: the table's estimated size when the list is not
    filtered, else a count that stops at `cap`. `count_is_estimate` and `count_is_capped` say
    which, for the page to say "about" or "more than"."""

    cap = 10_000

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_is_estimate = False
        self.count_is_capped = False

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not queryset.query.where:
            estimate = table_row_estimate(queryset)
            if estimate is not None and estimate > self.cap:
                self.count_is_estimate = True
                return estimate
        counted = queryset.order_by()[: self.cap + 1].count()
        if counted > self.cap:
            self.count_is_capped = True
            return self.cap
        return counted


def _days(first: date, last: date) -> Iterator[date]:
    for offset in range((last - first).days + 1):
        yield first + timedelta(days=offset)


class SpanDatesQuerySet(QuerySet):
    """A queryset whose `datetimes()` (what date_hierarchy lists) comes from the earliest and
    latest value, two index lookups, instead of a DISTINCT over every matching row. It lists each
    year, month or day between them, also one that has no row."""

    @classmethod
    def of(cls, queryset: QuerySet) -> "SpanDatesQuerySet":
        return cls(model=queryset.model, query=queryset.query.chain(), using=queryset.db)

    def aggregate(self, *args, **kwargs):
        # date_hierarchy asks for the first and last value, and datetimes() for the same again:
        # one query for both, kept on this queryset like its results would be.
        if args or kwargs.keys() != {"first", "last"}:
            return super().aggregate(*args, **kwargs)
        key = (repr(kwargs["first"]), repr(kwargs["last"]))
        spans = self.__dict__.setdefault("_spans", {})
        if key not in spans:
            spans[key] = super().aggregate(**kwargs)
        return dict(spans[key])

    def datetimes(self, field_name, kind, order="ASC", tzinfo=None):
        span = self.aggregate(first=Min(field_name), last=Max(field_name))
        if span["first"] is None:
            return []
        zone = tzinfo or timezone.get_current_timezone()
        first, last = (timezone.localtime(span[end], zone) for end in ("first", "last"))
        if kind == "year":
            points = [datetime(year, 1, 1, tzinfo=zone) for year in range(first.year, last.year + 1)]
        elif kind == "month":
            months = range(first.year * 12 + first.month - 1, last.year * 12 + last.month)
            points = [datetime(month // 12, month % 12 + 1, 1, tzinfo=zone) for month in months]
        elif kind == "day":
            points = [datetime(d.year, d.month, d.day, tzinfo=zone) for d in _days(first.date(), last.date())]
        else:
            return super().datetimes(field_name, kind, order, tzinfo)
        return points[::-1] if order == "DESC" else points

