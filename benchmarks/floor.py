"""The reference floor: a bare WSGI app, with no framework and no authentication, answering the
benchmarked URLs of the API with the same bodies, each built by PostgreSQL from the project's
tables in one statement per request (json_build_object, json_agg; nothing stored or cached). It
is what this machine can serve at most, and the API is measured as a share of it.

Served by run.py with gunicorn. Environment: FLOOR_DATABASE_URL; FLOOR_TENANTS, a JSON object of
the bench's API keys to the tenant each acts in (the floor trusts them: no lookup, no hash);
EXECUTION_LOG_LIMIT as the app's (default 200).

Endpoints: GET /executions (page_size, status), POST /executions, GET and PATCH /executions/{id}
(a status move with counters and output), GET and POST /executions/{id}/logs, GET
/executions/{id}/events. The writes do what the app's services do (executions/services.py): the
same rows inserted and updated, the events recorded, log sequences handed out from the
execution's log_count under its row lock; each in one statement, so in one transaction.
"""

import json
import os
import re
from dataclasses import dataclass
from urllib.parse import parse_qs

import psycopg
from psycopg.adapt import Loader
from uuid6 import uuid7

API = "/api/v1/automation"
LOG_LIMIT = int(os.environ.get("EXECUTION_LOG_LIMIT", "200"))
FINAL = ("completed", "failed", "cancelled", "timeout", "skipped")
# Which statuses may move to each status (executions/lifecycle.py), and the event each move records.
SOURCES = {
    "running": ("pending", "waiting"), "waiting": ("running",), "completed": ("running",),
    "failed": ("running", "waiting"), "timeout": ("pending", "running", "waiting"),
    "cancelled": ("pending", "running", "waiting"), "skipped": ("pending",),
}
EVENT_OF_STATUS = {
    "running": "execution.status_changed", "waiting": "execution.status_changed",
    "skipped": "execution.status_changed", "completed": "execution.completed", "failed": "execution.failed",
    "timeout": "execution.timed_out", "cancelled": "execution.cancelled",
}


# The bodies, in SQL. An execution is `e`, its rule `r`, its next attempt `n`.


def ts(column: str) -> str:
    """A timestamp as the API writes it: ISO 8601 in UTC with Z, without a fraction when it is
    zero (as Python's isoformat)."""
    return f"""replace(to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '.000000Z', 'Z')"""


def link(path: str, method: str = "GET") -> str:
    return f"json_build_object('href', %(root)s || {path}, 'method', '{method}')"


# Built from the state as executions/api/links.py does; an absent link is a null, stripped.
LINKS = f"""json_strip_nulls(json_build_object(
    'self', {link("'/executions/' || e.id")},
    'rule', {link("'/rules/' || e.rule_id")},
    'steps', {link("'/executions/' || e.id || '/steps'")},
    'logs', {link("'/executions/' || e.id || '/logs'")},
    'events', {link("'/executions/' || e.id || '/events'")},
    'retry', CASE WHEN e.status IN ('failed', 'timeout', 'cancelled') AND r.is_enabled AND n.id IS NULL
                  THEN {link("'/executions/' || e.id || '/retry'", "POST")} END,
    'cancel', CASE WHEN e.status IN ('pending', 'running', 'waiting')
                   THEN {link("'/executions/' || e.id || '/cancel'", "POST")} END,
    'previous_attempt', CASE WHEN e.retry_of_id IS NOT NULL THEN {link("'/executions/' || e.retry_of_id")} END,
    'next_attempt', CASE WHEN n.id IS NOT NULL THEN {link("'/executions/' || n.id")} END))"""

ITEM = f"""e.id AS execution_id, e.rule_id AS automation_rule_id, e.trigger_data, e.status, e.status_reason,
    {ts("e.waiting_until")} AS waiting_until, {ts("e.started_at")} AS started_at,
    {ts("e.completed_at")} AS completed_at, e.duration_ms, e.actions_total, e.actions_successful,
    e.actions_failed, e.error_message, e.error_stack, e.failed_action_index, e.execution_context,
    e.tenant_id AS tenant, e.attempt, e.retry_of_id AS retry_of, e.triggered_by, e.idempotency_key,
    e.external_ref, e.rule_version, {ts("e.created_at")} AS created_at, {ts("e.updated_at")} AS updated_at"""

STEP = f"""s.key, s.name, s.type, s.status, s.position, {ts("s.started_at")} AS started_at,
    {ts("s.completed_at")} AS completed_at, s.output, s.error"""
STEPS = f"""(SELECT coalesce(json_agg(x ORDER BY x.position), '[]') FROM (
    SELECT {STEP} FROM executions_executionstep s WHERE s.execution_id = e.id AND s.tenant_id = e.tenant_id) x)"""
PREVIOUS_STEP = f"""(SELECT row_to_json(x) FROM (
    SELECT {STEP} FROM executions_executionstep s
    WHERE s.execution_id = e.id AND s.tenant_id = e.tenant_id AND s.completed_at IS NOT NULL
      AND s.status IN ('completed', 'failed', 'skipped', 'cancelled')
    ORDER BY s.completed_at DESC, s.position DESC LIMIT 1) x)"""
NEXT_STEP = f"""CASE WHEN e.status NOT IN {FINAL} THEN (SELECT row_to_json(x) FROM (
    SELECT {STEP} FROM executions_executionstep s
    WHERE s.execution_id = e.id AND s.tenant_id = e.tenant_id AND s.status = 'pending'
    ORDER BY s.position LIMIT 1) x) END"""

LINE = f"""l.sequence, {ts('l."timestamp"')} AS "timestamp", l.level, l.message, l.action_index, l.step_key,
    l.event_type, l.metadata"""
# The highest LOG_LIMIT sequences, in ascending order.
LOGS = f"""(SELECT coalesce(json_agg(x ORDER BY x.sequence), '[]') FROM (
    SELECT {LINE} FROM executions_executionlog l WHERE l.execution_id = e.id AND l.tenant_id = e.tenant_id
    ORDER BY l.sequence DESC LIMIT {LOG_LIMIT}) x)"""

RELATED = """JOIN executions_automationrule r ON r.id = e.rule_id
    LEFT JOIN executions_execution n ON n.retry_of_id = e.id"""


def detail(source: str, where: str = "true") -> str:
    """A statement answering {"data": EXECUTION} for the execution that `source` (a table or a
    data-modifying CTE) holds."""
    return f"""SELECT json_build_object('data', row_to_json(x)) FROM (
    SELECT {ITEM}, e.output, {LOGS} AS logs, e.log_count > {LOG_LIMIT} AS logs_truncated, {STEPS} AS steps,
        {PREVIOUS_STEP} AS previous_step, {NEXT_STEP} AS next_step, {LINKS} AS _links
    FROM {source} e {RELATED}
    WHERE {where}) x"""


def cursor(position: str) -> str:
    """The app's cursor (pagination.py): URL-safe base64 of the JSON ["n", ...position], unpadded."""
    return f"""translate(encode(convert_to('["n",' || {position} || ']', 'UTF8'), 'base64'), E'+/=\\n', '-_')"""


def page(items: str, guard: str = "true") -> str:
    """A statement answering {"data": [...], "pagination": {...}}, the first page of `items` (rows
    of rn, item, cursor; one more than the page, to tell whether there is a next), or null
    unless `guard` holds."""
    return f"""SELECT CASE WHEN {guard} THEN json_build_object(
        'data', coalesce(json_agg(p.item ORDER BY p.rn) FILTER (WHERE p.rn <= %(size)s), '[]'),
        'pagination', json_build_object(
            'next', CASE WHEN count(*) > %(size)s THEN %(next)s || min(p.cursor) FILTER (WHERE p.rn = %(size)s) END,
            'previous', NULL)) END
    FROM ({items}) p"""


def execution_list(status_filter: bool) -> str:
    where = "tenant_id = %(tenant)s::uuid" + (" AND status = ANY(%(statuses)s)" if status_filter else "")
    created = """'"' || to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"') || '","'
        || e.id || '"'"""
    items = f"""SELECT row_number() OVER (ORDER BY e.created_at DESC, e.id DESC) AS rn,
            (SELECT row_to_json(x) FROM (SELECT {ITEM}, {LINKS} AS _links) x) AS item, {cursor(created)} AS cursor
        FROM (SELECT * FROM executions_execution WHERE {where}
              ORDER BY created_at DESC, id DESC LIMIT %(size)s + 1) e {RELATED}"""
    return page(items)


EXISTS = "EXISTS (SELECT 1 FROM executions_execution WHERE id = %(id)s::uuid AND tenant_id = %(tenant)s::uuid)"
LOG_PAGE = page(f"""SELECT row_number() OVER (ORDER BY l.sequence) AS rn,
            (SELECT row_to_json(x) FROM (SELECT {LINE}) x) AS item, {cursor("l.sequence")} AS cursor
        FROM executions_executionlog l WHERE l.execution_id = %(id)s::uuid AND l.tenant_id = %(tenant)s::uuid
        ORDER BY l.sequence LIMIT %(size)s + 1""", guard=EXISTS)

EVENTS = f"""SELECT CASE WHEN count(*) > 0 OR {EXISTS}
        THEN json_build_object('data', coalesce(json_agg(x ORDER BY x.id), '[]')) END
    FROM (SELECT v.id, v.type, {ts("v.created_at")} AS created_at, v.previous_status, v.status, v.actor, v.data
          FROM executions_executionevent v
          WHERE v.execution_id = %(id)s::uuid AND v.tenant_id = %(tenant)s::uuid) x"""

# services.logs_append: the row lock (the UPDATE's) hands the batch a contiguous range of sequences.
APPEND_LOGS = """
WITH batch AS (SELECT %(body)s::jsonb -> 'entries' AS entries),
counted AS (
    UPDATE executions_execution x SET log_count = x.log_count + jsonb_array_length(batch.entries)
    FROM batch WHERE x.id = %(id)s::uuid AND x.tenant_id = %(tenant)s::uuid
    RETURNING x.log_count - jsonb_array_length(batch.entries) AS before, jsonb_array_length(batch.entries) AS count),
appended AS (
    INSERT INTO executions_executionlog (tenant_id, execution_id, sequence, "timestamp", level, message, action_index,
                                         step_key, event_type, metadata)
    SELECT %(tenant)s::uuid, %(id)s::uuid, counted.before + line.ord, coalesce(line.ts, now()),
           coalesce(line.level, 'info'), line.message, line.action_index, line.step_key, line.event_type,
           coalesce(line.metadata, '{}')
    FROM counted, batch, ROWS FROM (jsonb_to_recordset(batch.entries) AS ("timestamp" timestamptz, level text,
        message text, action_index int, step_key text, event_type text, metadata jsonb))
        WITH ORDINALITY AS line(ts, level, message, action_index, step_key, event_type, metadata, ord))
SELECT (SELECT json_build_object('data', row_to_json(x)) FROM (
           SELECT count, before + 1 AS first_sequence, before + count AS last_sequence) x), before
FROM counted"""

# services.execution_start: the rule of the tenant, enabled; the execution; its created event.
START = f"""
WITH request AS (SELECT %(body)s::jsonb AS b),
rule AS (
    SELECT r.id, r.version, jsonb_array_length(r.actions) AS actions
    FROM executions_automationrule r, request
    WHERE r.id = (request.b ->> 'automation_rule_id')::uuid AND r.tenant_id = %(tenant)s::uuid AND r.is_enabled),
started AS (
    INSERT INTO executions_execution (id, tenant_id, rule_id, rule_version, status, trigger_data, execution_context,
        triggered_by, external_ref, idempotency_key, request_fingerprint, attempt, actions_total, actions_successful,
        actions_failed, log_count, step_count, created_at, updated_at)
    SELECT %(id)s::uuid, %(tenant)s::uuid, rule.id, rule.version, 'pending', b -> 'trigger_data',
        coalesce(b -> 'execution_context', '{{}}'), b ->> 'triggered_by', b ->> 'external_ref', b ->> 'idempotency_key',
        '', 1, coalesce((b ->> 'actions_total')::int, rule.actions), 0, 0, 0, 0, now(), now()
    FROM rule, request
    RETURNING *),
recorded AS (
    INSERT INTO executions_executionevent (id, tenant_id, execution_id, type, created_at, previous_status, status,
                                           actor, data)
    SELECT %(event)s::uuid, tenant_id, id, 'execution.created', created_at, NULL, status, %(actor)s, '{{}}'
    FROM started)
SELECT EXISTS (SELECT 1 FROM rule), ({detail("started")})"""

# services.execution_report with a status move: under the row lock, only from a status that may
# move there; timing stamped as _move does; the move's event.
REPORT = f"""
WITH request AS (SELECT %(body)s::jsonb AS b),
locked AS (
    SELECT id, status FROM executions_execution WHERE id = %(id)s::uuid AND tenant_id = %(tenant)s::uuid FOR UPDATE),
changed AS (
    UPDATE executions_execution x SET
        status = %(status)s::text,
        status_reason = b ->> 'status_reason',
        waiting_until = CASE WHEN %(status)s::text = 'waiting' THEN (b ->> 'waiting_until')::timestamptz END,
        started_at = CASE WHEN %(status)s::text = 'running' THEN coalesce(x.started_at, now()) ELSE x.started_at END,
        completed_at = CASE WHEN %(final)s::boolean THEN now() ELSE x.completed_at END,
        duration_ms = CASE WHEN %(final)s::boolean AND x.started_at IS NOT NULL
                           THEN floor(extract(epoch FROM now() - x.started_at) * 1000)::bigint
                           ELSE x.duration_ms END,
        actions_total = coalesce((b ->> 'actions_total')::int, x.actions_total),
        actions_successful = coalesce((b ->> 'actions_successful')::int, x.actions_successful),
        actions_failed = coalesce((b ->> 'actions_failed')::int, x.actions_failed),
        output = CASE WHEN b ? 'output' THEN b -> 'output' ELSE x.output END,
        error_message = CASE WHEN b ? 'error_message' THEN b ->> 'error_message' ELSE x.error_message END,
        updated_at = now()
    FROM locked, request
    WHERE x.id = locked.id AND locked.status = ANY(%(sources)s)
    RETURNING x.*, locked.status AS previous_status),
recorded AS (
    INSERT INTO executions_executionevent (id, tenant_id, execution_id, type, created_at, previous_status, status,
                                           actor, data)
    SELECT %(event)s::uuid, tenant_id, id, %(event_type)s, updated_at, previous_status, status, %(actor)s, '{{}}'
    FROM changed)
SELECT EXISTS (SELECT 1 FROM locked), ({detail("changed")})"""

DETAIL = detail("executions_execution", "e.id = %(id)s::uuid AND e.tenant_id = %(tenant)s::uuid")
LIST = execution_list(status_filter=False)
LIST_BY_STATUS = execution_list(status_filter=True)


# Serving


class JsonBytes(Loader):
    """json as the bytes PostgreSQL sent: the floor never parses or re-renders a body."""

    def load(self, data) -> bytes:
        return bytes(data)


_connection = None


def _query(statement: str, params: dict) -> tuple | None:
    global _connection
    if _connection is None or _connection.closed:
        # One connection per worker process, made after the fork; psycopg prepares a statement
        # on the server once it has run five times, as the app may.
        _connection = psycopg.connect(os.environ["FLOOR_DATABASE_URL"], autocommit=True)
        _connection.adapters.register_loader("json", JsonBytes)
    return _connection.execute(statement, params).fetchone()


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    query_string: str
    body: bytes
    tenant: str
    actor: str
    root: str


@dataclass(frozen=True)
class Answer:
    status: str
    body: bytes = b""
    location: str | None = None


NOT_FOUND = Answer("404 Not Found", b'{"title": "Not found"}')
BAD_REQUEST = Answer("400 Bad Request", b'{"title": "Bad request"}')


def _size(request: Request, default: int, maximum: int) -> int | None:
    raw = request.query.get("page_size", [str(default)])[-1]
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= maximum else None


def list_executions(request: Request) -> Answer:
    size = _size(request, 50, 200)
    if size is None:
        return BAD_REQUEST
    statuses = [s for value in request.query.get("status", []) for s in value.split(",")]
    params = {"tenant": request.tenant, "size": size, "root": request.root, "statuses": statuses,
              "next": f"{request.root}/executions?{request.query_string}{'&' if request.query_string else ''}cursor="}
    (body,) = _query(LIST_BY_STATUS if statuses else LIST, params)
    return Answer("200 OK", body)


def execution_detail(request: Request, execution_id: str) -> Answer:
    row = _query(DETAIL, {"id": execution_id, "tenant": request.tenant, "root": request.root})
    return NOT_FOUND if row is None else Answer("200 OK", row[0])


def log_page(request: Request, execution_id: str) -> Answer:
    size = _size(request, 200, 1000)
    if size is None:
        return BAD_REQUEST
    url = f"{request.root}/executions/{execution_id}/logs"
    params = {"id": execution_id, "tenant": request.tenant, "size": size,
              "next": f"{url}?{request.query_string}{'&' if request.query_string else ''}cursor="}
    (body,) = _query(LOG_PAGE, params)
    return NOT_FOUND if body is None else Answer("200 OK", body)


def events(request: Request, execution_id: str) -> Answer:
    (body,) = _query(EVENTS, {"id": execution_id, "tenant": request.tenant})
    return NOT_FOUND if body is None else Answer("200 OK", body)


def append_logs(request: Request, execution_id: str) -> Answer:
    row = _query(APPEND_LOGS, {"id": execution_id, "tenant": request.tenant, "body": request.body.decode()})
    if row is None:
        return NOT_FOUND
    body, before = row
    return Answer("201 Created", body, f"{request.root}/executions/{execution_id}/logs?after={before}")


def start_execution(request: Request) -> Answer:
    execution_id = str(uuid7())
    params = {"id": execution_id, "event": str(uuid7()), "tenant": request.tenant, "actor": request.actor,
              "root": request.root, "body": request.body.decode()}
    found, body = _query(START, params)
    if not found:
        return BAD_REQUEST
    return Answer("201 Created", body, f"{request.root}/executions/{execution_id}")


def report_execution(request: Request, execution_id: str) -> Answer:
    status = json.loads(request.body).get("status")
    if status not in SOURCES:
        return BAD_REQUEST  # the floor measures status moves only
    params = {"id": execution_id, "event": str(uuid7()), "tenant": request.tenant, "actor": request.actor,
              "root": request.root, "body": request.body.decode(), "status": status, "final": status in FINAL,
              "sources": list(SOURCES[status]), "event_type": EVENT_OF_STATUS[status]}
    found, body = _query(REPORT, params)
    if not found:
        return NOT_FOUND
    return Answer("409 Conflict", b'{"title": "Conflict"}') if body is None else Answer("200 OK", body)


UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
ROUTES = [
    (re.compile(rf"{API}/executions/?"), {"GET": list_executions, "POST": start_execution}),
    (re.compile(rf"{API}/executions/({UUID})/?"), {"GET": execution_detail, "PATCH": report_execution}),
    (re.compile(rf"{API}/executions/({UUID})/logs/?"), {"GET": log_page, "POST": append_logs}),
    (re.compile(rf"{API}/executions/({UUID})/events/?"), {"GET": events}),
]
TENANTS: dict[str, str] = json.loads(os.environ.get("FLOOR_TENANTS", "{}"))


def _answer(environ) -> Answer:
    key = environ.get("HTTP_X_API_KEY", "")
    if key not in TENANTS:
        return Answer("401 Unauthorized", b'{"title": "Unauthorized"}')
    path = environ["PATH_INFO"]
    for pattern, handlers in ROUTES:
        match = pattern.fullmatch(path)
        if match is None:
            continue
        handler = handlers.get(environ["REQUEST_METHOD"])
        if handler is None:
            return Answer("405 Method Not Allowed", b'{"title": "Method not allowed"}')
        length = int(environ.get("CONTENT_LENGTH") or 0)
        query_string = environ.get("QUERY_STRING", "")
        request = Request(
            environ["REQUEST_METHOD"], path, parse_qs(query_string), query_string,
            environ["wsgi.input"].read(length) if length else b"", TENANTS[key], f"key:{key[3:11]}",
            f"{environ.get('wsgi.url_scheme', 'http')}://{environ['HTTP_HOST']}{API}",
        )
        try:
            return handler(request, *match.groups())
        except (psycopg.errors.DataError, psycopg.errors.IntegrityError, ValueError):
            return BAD_REQUEST
    return NOT_FOUND


def application(environ, start_response):
    answer = _answer(environ)
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(answer.body)))]
    if answer.location:
        headers.append(("Location", answer.location))
    start_response(answer.status, headers)
    return [answer.body]
