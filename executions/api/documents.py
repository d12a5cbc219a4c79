"""The JSON bodies of executions, steps, log lines and events, built by the database.

Each body's fields are declared once, below, as (name, kind, column) or a computed expression;
`Dialect` writes a declaration as one SQL expression, `json_build_object` on PostgreSQL and
`json_object` on SQLite, so that a read is one statement whose result is the body's JSON text,
never parsed into Python objects and rendered again (that round trip was most of a read's time).
`_links` are not built here: the reads return the few columns links.py needs beside the text, and
the caller adds them, so that links keep one home. The `*OutputSerializer` classes in
serializers.py document these shapes for the schema; tests compare the two field by field.
"""

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple
from uuid import UUID

from django.conf import settings
from django.db import connection, connections, router
from django.db.models import QuerySet, TextField
from django.db.models.expressions import RawSQL

from config.renderers import JsonRenderer
from executions import lifecycle
from executions.models import AutomationRule, Execution, ExecutionEvent, ExecutionLog, ExecutionStep

TEXT, INT, UUID_, TIME, BOOL, JSON = "text", "int", "uuid", "time", "bool", "json"
# Each `nosec B608`/`B611` below (bandit: SQL built from strings) is SQL written from the models'
# table and column names and the field declarations of this module; every value a request gives
# is a bound parameter.
JSON_RENDERER = JsonRenderer()


@dataclass(frozen=True)
class Column:
    """A field read from a column of the body's table."""

    name: str
    kind: str
    column: str


@dataclass(frozen=True)
class Computed:
    """A field computed by SQL: `build(dialect, alias)` writes the expression (a JSON value)."""

    name: str
    build: Callable[["Dialect", str], str]


Field = Column | Computed


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _literals(values) -> str:
    """Status names as an SQL list; they come from the models' choices, never from a request."""
    if not all(re.fullmatch(r"[a-z_]+", value) for value in values):
        raise ValueError(f"Not a status name: {sorted(values)}")
    return ", ".join(f"'{value}'" for value in sorted(values))


class Dialect:
    """How one database writes JSON values; subclasses per vendor."""

    def object(self, pairs: Sequence[tuple[str, str]]) -> str:
        raise NotImplementedError

    def value(self, kind: str, expression: str) -> str:
        raise NotImplementedError

    def array(self, element: str, source: str, order: str) -> str:
        """The JSON array of `element` over the rows of `source` (a FROM clause with its WHERE,
        which may end in ORDER BY ... LIMIT), in `order` (an expression of those rows)."""
        raise NotImplementedError

    def one(self, element: str, source: str) -> str:
        """`element` of the first row of `source`, or JSON null."""
        raise NotImplementedError

    def boolean(self, condition: str) -> str:
        raise NotImplementedError

    def uuid_param(self, value: UUID):
        return value

    def text(self, body: str) -> str:
        """The whole body as text."""
        return body

    def build(self, fields: Sequence[Field], alias: str) -> str:
        return self.object([
            (f.name, self.value(f.kind, f"{alias}.{f.column}") if isinstance(f, Column) else f.build(self, alias))
            for f in fields
        ])


class PostgresDialect(Dialect):
    def object(self, pairs):
        return "json_build_object(" + ", ".join(f"'{name}', {value}" for name, value in pairs) + ")"

    def value(self, kind, expression):
        if kind == TIME:
            # As Python's isoformat() in UTC with Z: six fractional digits, none when zero.
            return (f"replace(to_char({expression} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), "
                    f"'.000000', '') || 'Z'")
        return expression  # uuid, text, numbers, booleans and jsonb are JSON values as they are

    def array(self, element, source, order):
        return f"coalesce((SELECT json_agg(j ORDER BY o) FROM (SELECT {element} AS j, {order} AS o {source}) a), '[]')"  # nosec B608

    def one(self, element, source):
        return f"(SELECT {element} {source} LIMIT 1)"

    def boolean(self, condition):
        return f"({condition})"

    def text(self, body):
        return f"{body}::text"


class SqliteDialect(Dialect):
    # SQLite keeps UUIDs as 32 hexadecimal digits, times as 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC
    # (Django writes them with str()), booleans as 0/1 and JSON as text. A JSON value loses its
    # JSON-ness when it leaves a subquery, so every nested one is wrapped in json() again.

    def object(self, pairs):
        return "json_object(" + ", ".join(f"'{name}', {value}" for name, value in pairs) + ")"

    def value(self, kind, expression):
        if kind == UUID_:
            return (f"lower(substr({expression}, 1, 8) || '-' || substr({expression}, 9, 4) || '-' || "
                    f"substr({expression}, 13, 4) || '-' || substr({expression}, 17, 4) || '-' || "
                    f"substr({expression}, 21, 12))")
        if kind == TIME:
            return f"replace({expression}, ' ', 'T') || 'Z'"
        if kind == BOOL:
            return f"json(CASE WHEN {expression} THEN 'true' ELSE 'false' END)"
        if kind == JSON:
            return f"json({expression})"
        return expression

    def array(self, element, source, order):
        # An aggregate takes the rows of an ordered subquery in its order (SQLite does not flatten
        # such a subquery into an aggregate); 3.40 has no ORDER BY inside json_group_array.
        rows = f"SELECT j FROM (SELECT {element} AS j, {order} AS o {source}) ORDER BY o"  # nosec B608
        return f"json((SELECT json_group_array(json(j)) FROM ({rows})))"  # nosec B608

    def one(self, element, source):
        return f"json((SELECT {element} {source} LIMIT 1))"

    def boolean(self, condition):
        return self.value(BOOL, condition)

    def uuid_param(self, value):
        return value.hex


def dialect() -> Dialect:
    return PostgresDialect() if connection.vendor == "postgresql" else SqliteDialect()


def finish(document: str) -> str:
    """The body as the API answers it. SQLite keeps JSON columns as Django wrote them, with
    non-ASCII characters escaped; there (the development database) the body is written again,
    so that answers are UTF-8 on both databases."""
    if connection.vendor == "postgresql":
        return document
    return JSON_RENDERER.render(json.loads(document)).decode()


# The declarations: one per body, in the order the fields are shown.

LOG_FIELDS: tuple[Field, ...] = (
    Column("sequence", INT, "sequence"),
    Column("timestamp", TIME, "timestamp"),
    Column("level", TEXT, "level"),
    Column("message", TEXT, "message"),
    Column("action_index", INT, "action_index"),
    Column("step_key", TEXT, "step_key"),
    Column("event_type", TEXT, "event_type"),
    Column("metadata", JSON, "metadata"),
)

STEP_FIELDS: tuple[Field, ...] = (
    Column("key", TEXT, "key"),
    Column("name", TEXT, "name"),
    Column("type", TEXT, "type"),
    Column("status", TEXT, "status"),
    Column("position", INT, "position"),
    Column("started_at", TIME, "started_at"),
    Column("completed_at", TIME, "completed_at"),
    Column("output", JSON, "output"),
    Column("error", TEXT, "error"),
)

EVENT_FIELDS: tuple[Field, ...] = (
    Column("id", UUID_, "id"),
    Column("type", TEXT, "type"),
    Column("created_at", TIME, "created_at"),
    Column("previous_status", TEXT, "previous_status"),
    Column("status", TEXT, "status"),
    Column("actor", TEXT, "actor"),
    Column("data", JSON, "data"),
)

EXECUTION_ITEM_FIELDS: tuple[Field, ...] = (
    Column("execution_id", UUID_, "id"),
    Column("automation_rule_id", UUID_, "rule_id"),
    Column("trigger_data", JSON, "trigger_data"),
    Column("status", TEXT, "status"),
    Column("status_reason", TEXT, "status_reason"),
    Column("waiting_until", TIME, "waiting_until"),
    Column("started_at", TIME, "started_at"),
    Column("completed_at", TIME, "completed_at"),
    Column("duration_ms", INT, "duration_ms"),
    Column("actions_total", INT, "actions_total"),
    Column("actions_successful", INT, "actions_successful"),
    Column("actions_failed", INT, "actions_failed"),
    Column("error_message", TEXT, "error_message"),
    Column("error_stack", TEXT, "error_stack"),
    Column("failed_action_index", INT, "failed_action_index"),
    Column("execution_context", JSON, "execution_context"),
    Column("tenant", UUID_, "tenant_id"),
    Column("attempt", INT, "attempt"),
    Column("retry_of", UUID_, "retry_of_id"),
    Column("triggered_by", TEXT, "triggered_by"),
    Column("idempotency_key", TEXT, "idempotency_key"),
    Column("external_ref", TEXT, "external_ref"),
    Column("rule_version", INT, "rule_version"),
    Column("error_fingerprint", TEXT, "error_fingerprint"),
    Column("created_at", TIME, "created_at"),
    Column("updated_at", TIME, "updated_at"),
)


def _steps_of(alias: str) -> str:
    return f"FROM {_table(ExecutionStep)} s WHERE s.execution_id = {alias}.id"


def _steps(d: Dialect, alias: str) -> str:
    return d.array(d.build(STEP_FIELDS, "s"), _steps_of(alias), "s.position")


def _previous_step(d: Dialect, alias: str) -> str:
    """The finished step with the latest completed_at (ties: the higher position)."""
    return d.one(d.build(STEP_FIELDS, "s"),
                 f"{_steps_of(alias)} AND s.status IN ({_literals(lifecycle.STEP_FINISHED)}) "
                 f"AND s.completed_at IS NOT NULL ORDER BY s.completed_at DESC, s.position DESC")


def _next_step(d: Dialect, alias: str) -> str:
    """The lowest-position pending step; none once the execution is final."""
    return d.one(d.build(STEP_FIELDS, "s"),
                 f"{_steps_of(alias)} AND s.status = 'pending' "
                 f"AND {alias}.status NOT IN ({_literals(lifecycle.FINAL)}) ORDER BY s.position")


def _log_limit() -> int:
    # Written into the statement (it is a setting, not input), so that its text stays the same.
    return int(settings.EXECUTION_LOG_LIMIT)


def _logs(d: Dialect, alias: str) -> str:
    """The EXECUTION_LOG_LIMIT highest sequences, in ascending order."""
    return d.array(d.build(LOG_FIELDS, "l"),
                   f"FROM {_table(ExecutionLog)} l WHERE l.execution_id = {alias}.id "
                   f"ORDER BY l.sequence DESC LIMIT {_log_limit()}", "l.sequence")


def _logs_truncated(d: Dialect, alias: str) -> str:
    # log_count is the number of lines appended (it hands out their sequences).
    return d.boolean(f"{alias}.log_count > {_log_limit()}")


EXECUTION_FIELDS: tuple[Field, ...] = EXECUTION_ITEM_FIELDS + (
    Column("output", JSON, "output"),
    Computed("logs", _logs),
    Computed("logs_truncated", _logs_truncated),
    Computed("steps", _steps),
    Computed("previous_step", _previous_step),
    Computed("next_step", _next_step),
)

EXECUTION_FIELD_NAMES = tuple(f.name for f in EXECUTION_FIELDS)
EXECUTION_ITEM_FIELD_NAMES = tuple(f.name for f in EXECUTION_ITEM_FIELDS)


# The reads. Every statement is scoped to the tenant it is given, like the selectors.


class LinkState(NamedTuple):
    """What links.execution_links reads of an execution, read beside its body."""

    pk: UUID | str
    rule_id: UUID | str
    status: str
    rule_is_enabled: bool
    retry_of_id: UUID | str | None
    next_attempt_ref: UUID | str | None


def _link_columns(d: Dialect, alias: str, rule: str) -> str:
    execution = _table(Execution)
    return ", ".join((
        d.value(UUID_, f"{alias}.id"), d.value(UUID_, f"{alias}.rule_id"), f"{alias}.status", f"{rule}.is_enabled",
        d.value(UUID_, f"{alias}.retry_of_id"),
        f"(SELECT {d.value(UUID_, 'n.id')} FROM {execution} n WHERE n.retry_of_id = {alias}.id)",  # nosec B608
    ))


def _pick(declared: tuple[Field, ...], names: tuple[str, ...] | None) -> tuple[Field, ...]:
    return declared if names is None else tuple(f for f in declared if f.name in names)


def _reading(model):
    """The connection a read of `model` goes to: a replica's in a GET routed there
    (config/replicas.py), else the primary's."""
    return connections[router.db_for_read(model)]


@lru_cache
def _execution_sql(vendor: str, names: tuple[str, ...] | None, of_rule: bool, log_limit: int) -> str:
    d = dialect()
    rule_filter = " AND e.rule_id = %s" if of_rule else ""
    return (
        f"SELECT {d.text(d.build(_pick(EXECUTION_FIELDS, names), 'e'))}, {_link_columns(d, 'e', 'r')} "  # nosec B608
        f"FROM {_table(Execution)} e JOIN {_table(AutomationRule)} r ON r.id = e.rule_id "
        f"WHERE e.tenant_id = %s AND e.id = %s{rule_filter}"
    )


def execution_document(*, tenant_id: UUID, execution_id: UUID, names: tuple[str, ...] | None = None,
                       rule_id: UUID | None = None) -> tuple[str, LinkState] | None:
    """One execution's body (its `names` fields only, when given) without `_links`, and what its
    links need; None when the tenant has no such execution (of `rule_id`, when given)."""
    d = dialect()
    params = [d.uuid_param(tenant_id), d.uuid_param(execution_id)]
    if rule_id is not None:
        params.append(d.uuid_param(rule_id))
    sql = _execution_sql(connection.vendor, names, rule_id is not None, _log_limit())
    with _reading(Execution).cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    document, *state = row
    state[3] = bool(state[3])
    return document, LinkState(*state)


def with_documents(queryset: QuerySet, declared: tuple[Field, ...], names: tuple[str, ...] | None = None) -> QuerySet:
    """The queryset with each row's body as `document` (text): the list pages read it so, with
    their filters and keyset cursors still written by the ORM."""
    d = dialect()
    body = d.text(d.build(_pick(declared, names), _table(queryset.model)))
    return queryset.annotate(document=RawSQL(body, (), output_field=TextField()))  # nosec B611


def page_documents(page: QuerySet, declared: tuple[Field, ...], names: tuple[str, ...] | None = None) -> QuerySet:
    """The rows of a page (a filtered, ordered, sliced queryset) again, with each one's body as
    `document`: the page's keys are found first, on the indexes, and bodies are built for those
    rows only, never for every row a filter matches before the sort and the limit."""
    rows = page.model._base_manager.filter(pk__in=page.values("pk")).order_by(*page.query.order_by)
    return with_documents(rows, declared, names)


class LogLinePage:
    """An execution's log lines as pagination.paginate_by_sequence reads them: what it asks of a
    queryset (`filter` on the sequence, `order_by`, a slice), answered by one written-out statement
    of (sequence, body) rows, without the ORM's cost of building it for every page."""

    def __init__(self, *, tenant_id: UUID, execution_id: UUID, levels=(), action_index: int | None = None,
                 step_key: str | None = None, after: int | None = None, before: int | None = None,
                 descending: bool = False):
        self.tenant_id, self.execution_id = tenant_id, execution_id
        self.levels, self.action_index, self.step_key = tuple(levels), action_index, step_key
        self.after, self.before, self.descending = after, before, descending

    def _copy(self, **changes) -> "LogLinePage":
        fields = {name: getattr(self, name) for name in ("tenant_id", "execution_id", "levels", "action_index",
                                                         "step_key", "after", "before", "descending")}
        return LogLinePage(**{**fields, **changes})

    def filter(self, *, sequence__gt: int | None = None, sequence__lt: int | None = None) -> "LogLinePage":
        after = sequence__gt if self.after is None or sequence__gt is None else max(self.after, sequence__gt)
        return self._copy(after=after, before=sequence__lt if sequence__lt is not None else self.before)

    def order_by(self, *fields: str) -> "LogLinePage":
        return self._copy(descending=fields == ("-sequence",))

    def __getitem__(self, page: slice) -> list[tuple[int, str]]:
        d = dialect()
        where, params = ["tenant_id = %s", "execution_id = %s"], [d.uuid_param(self.tenant_id),
                                                                    d.uuid_param(self.execution_id)]
        for condition, value in (("action_index = %s", self.action_index), ("step_key = %s", self.step_key),
                                 ("sequence > %s", self.after), ("sequence < %s", self.before)):
            if value is not None:
                where.append(condition)
                params.append(value)
        if self.levels:
            where.append(f"level IN ({', '.join(['%s'] * len(self.levels))})")
            params += self.levels
        order = "DESC" if self.descending else "ASC"
        sql = (f"SELECT x.sequence, {d.text(d.build(LOG_FIELDS, 'x'))} FROM (SELECT * FROM {_table(ExecutionLog)} "  # nosec B608
               f"WHERE {' AND '.join(where)} ORDER BY sequence {order} LIMIT %s) x ORDER BY x.sequence {order}")
        with _reading(ExecutionLog).cursor() as cursor:
            cursor.execute(sql, [*params, page.stop])
            return cursor.fetchall()


@lru_cache
def _rows_sql(vendor: str, model, declared: tuple[Field, ...], where: str, order: str) -> str:
    d = dialect()
    return f"SELECT {d.text(d.build(declared, 'x'))} FROM {_table(model)} x WHERE {where} ORDER BY {order}"  # nosec B608


def _documents(model, declared, where: str, order: str, params: list) -> list[str]:
    with _reading(model).cursor() as cursor:
        cursor.execute(_rows_sql(connection.vendor, model, declared, where, order), params)
        return [row[0] for row in cursor.fetchall()]


def step_documents(*, tenant_id: UUID, execution_id: UUID, key: str | None = None) -> list[str]:
    """The execution's steps in order (the one of `key`, when given)."""
    d = dialect()
    params = [d.uuid_param(tenant_id), d.uuid_param(execution_id)]
    where = "x.tenant_id = %s AND x.execution_id = %s"
    if key is not None:
        where, params = where + " AND x.key = %s", [*params, key]
    return _documents(ExecutionStep, STEP_FIELDS, where, "x.position", params)


def event_documents(*, tenant_id: UUID, execution_id: UUID) -> list[str]:
    """The execution's events, oldest first (time-ordered ids)."""
    d = dialect()
    return _documents(ExecutionEvent, EVENT_FIELDS, "x.tenant_id = %s AND x.execution_id = %s", "x.id",
                      [d.uuid_param(tenant_id), d.uuid_param(execution_id)])
