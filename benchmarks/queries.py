"""What the app asks PostgreSQL for each benchmarked request, and how PostgreSQL answers the reads.

Run by run.py in a child process with the app's environment (DATABASE_URL of the bench database):

    python -m benchmarks.queries PLAN.json OUT.json [--explain DIR]

PLAN.json names each endpoint's requests (`{execution_id}` in a path is the id the previous
answer gave). Each is sent twice through the app's real WSGI handler, as gunicorn calls it (the
request signals, hence the connection health check, included), and the second time, warm, every
statement psycopg sends through a cursor is recorded: the key lookup, the reads, the writes,
savepoints and the health check's SELECT 1 (not BEGIN and COMMIT, which psycopg sends itself).
OUT.json gets each endpoint's statements per request.

With --explain, DIR gets one file per read endpoint with `EXPLAIN (ANALYZE, BUFFERS)` of each of
its statements, twice: with the parameters bound in (the plan of a statement sent as the app
sends it now), and as a generic plan (the one a server-side prepared statement may settle on
after five runs), plus key_lookup.txt for the statements every request makes.
"""

import argparse
import io
import json
import os
import sys
import textwrap
import time
from wsgiref.util import setup_testing_defaults

import psycopg

READS = ("detail", "list", "list_status", "logs", "events")
HEALTH_CHECK = "SELECT 1"


class Recorder:
    """Every statement psycopg cursors send while `recording` is a list."""

    recording: list | None = None

    @classmethod
    def install(cls) -> None:
        for name in ("execute", "executemany"):
            original = getattr(psycopg.Cursor, name)

            def wrapper(self, query, params_seq=None, *args, _original=original, **kwargs):
                if cls.recording is not None:
                    cls.recording.append((query, params_seq))
                return _original(self, query, params_seq, *args, **kwargs)

            setattr(psycopg.Cursor, name, wrapper)


def call(application, request: dict, previous: dict | None) -> tuple[int, dict | None]:
    """Sends one request through the WSGI application; returns its status and parsed body."""
    path = request["path"]
    if previous is not None:
        path = path.replace("{execution_id}", previous["data"]["execution_id"])
    path, _, query = path.partition("?")
    body = (request.get("body") or "").encode()
    environ = {
        "REQUEST_METHOD": request["method"], "PATH_INFO": path, "QUERY_STRING": query,
        "HTTP_X_API_KEY": request["key"], "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body), "HTTP_HOST": "127.0.0.1",
    }
    setup_testing_defaults(environ)
    answer = {}
    result = application(environ, lambda status, headers, exc_info=None: answer.update(status=status))
    try:
        content = b"".join(result)
    finally:
        result.close()  # sends request_finished, as a server does
    status = int(answer["status"].split()[0])
    return status, json.loads(content) if content and status < 300 else None


def capture(application, requests: list[dict]) -> list[dict]:
    """The statements of each request of one endpoint, warm (the second of two rounds)."""
    for _ in range(2):
        previous, captured = None, []
        for request in requests:
            Recorder.recording = statements = []
            status, previous = call(application, request, previous)
            Recorder.recording = None
            if status >= 300:
                raise SystemExit(f"{request['method']} {request['path']} answered {status}")
            captured.append({"method": request["method"], "path": request["path"], "status": status,
                             "statements": statements})
    return captured


def text_of(query) -> str:
    return query.decode() if isinstance(query, bytes) else str(query)


def plan_bound(statement: str, params) -> list[str]:
    """EXPLAIN of the statement with its parameters written in, as Django sends it by default."""
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn, conn.transaction(force_rollback=True):
        # Rolled back: whatever a statement writes is undone.
        cursor = psycopg.ClientCursor(conn)
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", params)
        return [row[0] for row in cursor.fetchall()]


def plan_generic(statement: str, params) -> list[str]:
    """EXPLAIN of the statement prepared on the server, planned without its parameters' values."""
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn, conn.transaction(force_rollback=True):
        conn.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        conn.cursor().execute(statement, params, prepare=True)
        # A fresh connection holds no other prepared statement.
        name = conn.execute("SELECT name FROM pg_prepared_statements").fetchone()[0]
        cursor = psycopg.ClientCursor(conn)
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) EXECUTE {name}({', '.join(['%s'] * len(params))})", params)
        return [row[0] for row in cursor.fetchall()]


def statement_report(query, params) -> str:
    statement = text_of(query)
    readable = textwrap.fill(" ".join(statement.split()), width=120, break_long_words=False, break_on_hyphens=False)
    lines = [readable, "", f"Parameters: {params!r}", "",
             "Plan, parameters bound in:", *plan_bound(statement, params)]
    if params:
        lines += ["", "Generic plan (what a prepared statement may use after five runs, if it costs no more):"]
        try:
            lines += plan_generic(statement, params)
        except psycopg.Error as error:
            lines.append(f"(could not be prepared: {str(error).strip()})")
    return "\n".join(lines) + "\n"


def write_explains(captured: dict, directory: str, size: int) -> None:
    os.makedirs(directory, exist_ok=True)
    header = (f"-- EXPLAIN (ANALYZE, BUFFERS) at {size:,} executions of the bench tenant, "
              f"{time.strftime('%Y-%m-%d', time.gmtime())}; made by `benchmarks/run.py --explain`.\n")
    reads = {name: [s for s in captured[name][0]["statements"] if text_of(s[0]) != HEALTH_CHECK]
             for name in READS if name in captured}
    if not reads:
        return
    # What every read sends (the key lookup) is written once.
    shared = set.intersection(*({text_of(q) for q, _ in statements} for statements in reads.values()))
    with open(os.path.join(directory, "key_lookup.txt"), "w") as out:
        out.write(header + "-- The statements every request sends (authentication).\n")
        first = next(iter(reads.values()))
        for index, (query, params) in enumerate(s for s in first if text_of(s[0]) in shared):
            out.write(f"\n-- Statement {index + 1}\n\n{statement_report(query, params)}")
    for name, statements in reads.items():
        with open(os.path.join(directory, f"{name}.txt"), "w") as out:
            out.write(header + f"-- {captured[name][0]['method']} {captured[name][0]['path']}: "
                               f"its statements after those of key_lookup.txt.\n")
            for index, (query, params) in enumerate(s for s in statements if text_of(s[0]) not in shared):
                out.write(f"\n-- Statement {index + 1}\n\n{statement_report(query, params)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plan")
    parser.add_argument("out")
    parser.add_argument("--explain", metavar="DIR")
    args = parser.parse_args()
    with open(args.plan) as file:
        plan = json.load(file)

    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application

    Recorder.install()
    application = get_wsgi_application()
    captured = {name: capture(application, requests) for name, requests in plan["endpoints"].items()}
    if args.explain:
        write_explains(captured, args.explain, plan["size"])
    summary = {
        name: [{"method": r["method"], "path": r["path"], "count": len(r["statements"]),
                "statements": [" ".join(text_of(q).split())[:160] for q, _ in r["statements"]]} for r in requests]
        for name, requests in captured.items()
    }
    with open(args.out, "w") as file:
        json.dump(summary, file, indent=1)


if __name__ == "__main__":
    sys.exit(main())
