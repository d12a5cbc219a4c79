"""Failure groups and bulk retry at a million executions: GET /failures latency and plan, and the
bulk retry rate.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/failures_bench .venv/bin/python benchmarks/failures.py
        [--executions 1000000] [--failed 100000] [--requests 50]

It makes the database of DATABASE_URL (its name must contain "bench"; it is dropped first if it
exists, and dropped again at the end) and migrates it. Then one COPY, frozen, with the secondary
indexes dropped and made again after (as benchmarks/load_data.py loads): --executions executions
of one tenant over the last 7 days (newest last, UUIDv7 ids from their times), of which --failed
are failed or timed out with an error message from one of 50 templates (10 shapes of message, each
about 5 systems, the templates spread over 5 rules) whose order numbers, ids, addresses and query
strings vary from row to row. Each template is one failure group: its rows' error_fingerprint is
computed here by executions.fingerprints.fingerprint, as the services compute it. The groups are
of Zipf sizes (the largest about 22 % of the failures, the smallest 0.4 %). The rest are completed,
skipped or cancelled. Then VACUUM (ANALYZE).

It serves the app with gunicorn (2 sync workers, production settings) and, over HTTP on
127.0.0.1, one request at a time:
- GET /failures, --requests times each with the default window (24 hours) and a 7-day window
  (after 3 warm-up requests): median, p95 and max latency;
- EXPLAIN (ANALYZE, BUFFERS) of the grouped query of each window (the query the endpoint runs,
  captured from executions.failures);
- POST /executions/bulk-retry {"filter": {"error_fingerprint": FP}, "limit": 1000} over the
  largest group: a dry run 3 times (median), then the real run once each over the two largest
  groups, each timed, with executions retried per second; then the dry run of the first group again.
The server is stopped and the database dropped, also on Ctrl-C. About 70 s on this machine (35 s of load).
"""

import argparse
import itertools
import json
import os
import random
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

from benchmarks import load_data  # noqa: E402
from benchmarks.endpoints import API  # noqa: E402
from benchmarks.load_data import row, text, timestamp, uuid7_at  # noqa: E402
from benchmarks.prune import database, recreate  # noqa: E402
from benchmarks.servers import app_env, manage, serve  # noqa: E402
from executions.fingerprints import fingerprint  # noqa: E402

SEED = 20251125
DAYS = 7
RULES = 5
WORKERS = 2
WARM_UP = 3
BULK_LIMIT = 1000
# A bulk retry of 1,000 may outlast gunicorn's default 30 s: measured here, not cut short.
REQUEST_TIMEOUT = 300

SYSTEMS = ("CRM", "ERP", "billing", "shipping", "inventory")
# Ten shapes of message, each about each system: 50 templates, each its own group once normalised.
# `r` is the row's random generator; every varying part is one the normaliser replaces.
SHAPES = (
    ("failed", lambda s, r: f"SMTP 451 for order {r.randrange(10**6)}: mailbox busy at {s} relay, try again later"),
    ("failed", lambda s, r: f"HTTP 503 from https://{s.lower()}.example.com/api/v2/orders?id={r.randrange(10**6)}"
                            f"&try={r.randrange(5)}"),
    ("failed", lambda s, r: f"{s} customer {uuid7_at(r.randrange(10**15), r.getrandbits(74))} not found"),
    ("failed", lambda s, r: f"{s} rejected payment a{r.getrandbits(48):012x}{r.randrange(10)}: card_declined"),
    ("failed", lambda s, r: f"Could not notify ops.{r.randrange(999)}@example.com about {s} order "
                            f"{r.randrange(10**6)}: 550 user unknown"),
    ("timeout", lambda s, r: f"Timed out after {r.choice((30, 60, 120))} s waiting for the {s} (order "
                             f"{r.randrange(10**6)})"),
    ("failed", lambda s, r: f"{s} field \"shipping_address_{r.randrange(3)}\" missing in order {r.randrange(10**6)}"),
    ("failed", lambda s, r: f"Rate limited by {s}: {r.randrange(100, 1000)} requests in {r.randrange(1, 60)} s, "
                            f"retry after {r.randrange(1, 30)} s"),
    ("failed", lambda s, r: f"{s} answered 422 for SKU 'SKU-{r.randrange(10**5)}': quantity {r.randrange(-5, 0)} "
                            f"below zero"),
    ("timeout", lambda s, r: f"No answer from {s} at 10.0.{r.randrange(256)}.{r.randrange(256)}:{r.randrange(1, 65535)}"
                             f" in {r.randrange(5, 60)} s"),
)
TEMPLATES = [(status, system, shape) for status, shape in SHAPES for system in SYSTEMS]
OTHER = (("completed", 92), ("skipped", 5), ("cancelled", 3))

COLUMNS = (
    "id", "tenant_id", "rule_id", "rule_version", "status", "status_reason", "waiting_until", "output",
    "trigger_data", "execution_context", "triggered_by", "external_ref", "idempotency_key", "request_fingerprint",
    "attempt", "retry_of_id", "retry_key", "actions_total", "actions_successful", "actions_failed", "error_message",
    "error_fingerprint", "error_stack", "failed_action_index", "started_at", "completed_at", "duration_ms",
    "log_count", "step_count", "created_at", "updated_at",
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executions", type=int, default=1_000_000, help="Executions of the tenant.")
    parser.add_argument("--failed", type=int, default=100_000, help="Of them, failed or timed out.")
    parser.add_argument("--requests", type=int, default=50, help="GET /failures requests per window.")
    return parser.parse_args()


def rows(tenant: str, rules: list[str], executions: int, failed: int, sizes: dict[str, int]):
    """Yields the COPY rows, oldest first, counting each group's rows in `sizes`."""
    rng = random.Random(SEED)
    now = int(time.time() * 1_000_000)
    start = now - DAYS * 86_400_000_000 + 60_000_000  # a minute inside the 7-day window
    spacing = (now - 120_000_000 - start) // executions  # the newest two minutes old
    failing = set(rng.sample(range(executions), failed))
    ranks = range(len(TEMPLATES))
    weights = list(itertools.accumulate(1 / (rank + 1) for rank in ranks))
    order = rng.sample(range(len(TEMPLATES)), len(TEMPLATES))  # which template is the largest: not the first
    others, other_weights = zip(*OTHER, strict=True)
    trigger = '{"order_id": %d, "currency": "EUR"}'
    for index in range(executions):
        created = start + index * spacing + rng.randrange(spacing)
        started = created + rng.randrange(50_000, 2_000_000)
        completed = started + rng.randrange(200_000, 60_000_000)
        message = group = None
        failed_at = r"\N"
        if index in failing:
            template = order[rng.choices(ranks, cum_weights=weights)[0]]
            status, system, shape = TEMPLATES[template]
            rule = rules[template % RULES]
            message = shape(system, rng)
            group = fingerprint(rule, message)
            counters = (3, 1, 1) if status == "failed" else (3, 1, 0)
            failed_at = "1" if status == "failed" else r"\N"
            sizes[group] = sizes.get(group, 0) + 1
        else:
            status = rng.choices(others, other_weights)[0]
            rule = rules[index % RULES]
            counters = (3, 3, 0) if status == "completed" else (3, 0, 0)
            if status == "skipped":
                started = None
        yield row(
            uuid7_at(created, rng.getrandbits(74)), tenant, rule, "1", status, r"\N", r"\N",
            '{"emails_sent": 1}' if status == "completed" else r"\N", trigger % (100_000 + index), "{}",
            "engine-eu-1", f"order-{index}", r"\N", "", "1", r"\N", r"\N", *map(str, counters), text(message),
            text(group), r"\N", failed_at, timestamp(started), timestamp(completed),
            str((completed - started) // 1000) if started else r"\N", "0", "0", timestamp(created),
            timestamp(completed),
        )



def load(url: str, executions: int, failed: int, sizes: dict[str, int]) -> tuple[str, float]:
    """Loads the tenant `bench` with its rules and executions; (tenant id, seconds)."""
    began = time.monotonic()
    rng = random.Random(SEED - 1)
    tenant = uuid7_at(int(time.time() * 1e6) - DAYS * 86_400_000_000, rng.getrandbits(74))
    rules = [uuid7_at(int(time.time() * 1e6) - DAYS * 86_400_000_000, rng.getrandbits(74)) for _ in range(RULES)]
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # the generator writes consistent rows
        cursor.execute("SET maintenance_work_mem = '1GB'")
        indexes = load_data.secondary_indexes(cursor)
        load_data.drop_indexes(cursor, indexes)
        # Emptied in this transaction, so that COPY may write the rows frozen.
        cursor.execute(sql.SQL("TRUNCATE {} CASCADE").format(
            sql.SQL(", ").join(map(sql.Identifier, load_data.LOADED_TABLES))))
        cursor.execute("INSERT INTO tenants_tenant (id, name, slug, created_at) VALUES (%s, 'Bench', 'bench', now())",
                       (tenant,))
        cursor.executemany(
            "INSERT INTO executions_automationrule (id, tenant_id, name, description, trigger, actions,"
            " timeout_seconds, is_enabled, version, created_at, updated_at)"
            " VALUES (%s, %s, %s, '', 'order.paid', '[{\"type\": \"email\"}]', 3600, true, 1, now(), now())",
            [(rule, tenant, f"Order flow {i}") for i, rule in enumerate(rules)],
        )
        statement = sql.SQL("COPY executions_execution ({}) FROM STDIN WITH (FREEZE)").format(
            sql.SQL(", ").join(map(sql.Identifier, COLUMNS)))
        progress = load_data.Progress("executions_execution", executions)
        with cursor.copy(statement) as copy:
            buffer = []
            for done, line in enumerate(rows(tenant, rules, executions, failed, sizes), 1):
                buffer.append(line)
                if len(buffer) == 20_000:
                    copy.write("".join(buffer))
                    buffer = []
                    progress.update(done, done)
            copy.write("".join(buffer))
        progress.finish(executions)
        load_data.restore_indexes(cursor, indexes)
    with psycopg.connect(url, autocommit=True) as conn:
        print("vacuum analyze", file=sys.stderr, flush=True)
        conn.execute("VACUUM (ANALYZE)")
    return tenant, time.monotonic() - began


def call(base: str, key: str, method: str, path: str, body: dict | None = None) -> tuple[float, dict]:
    """One request; (seconds, its JSON `data`)."""
    request = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"x-api-key": key, "Content-Type": "application/json"})
    began = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as answer:
            content = answer.read()
    except urllib.error.HTTPError as error:
        raise SystemExit(f"{method} {path} answered {error.code}: {error.read()[:500]!r}") from None
    return time.monotonic() - began, json.loads(content)["data"]


def latencies(base: str, key: str, path: str, count: int) -> tuple[str, list]:
    for _ in range(WARM_UP):
        call(base, key, "GET", path)
    times, groups = [], None
    for _ in range(count):
        seconds, groups = call(base, key, "GET", path)
        times.append(seconds * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    return (f"median {statistics.median(times):6.1f} ms, p95 {p95:6.1f} ms, max {times[-1]:6.1f} ms "
            f"({count} requests)"), groups


def explain(tenant: str, since: datetime, until: datetime) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the grouped query failure_groups runs for the window."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from executions import failures

    with CaptureQueriesContext(connection) as captured:
        failures.failure_groups(tenant_id=tenant, since=since, until=until)
    grouped = captured.captured_queries[0]["sql"]  # the client binds the parameters: the text runs as is
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {grouped}")
        return "\n".join(f"    {line}" for (line,) in cursor.fetchall())


def main() -> int:
    args = parse_args()
    url, server, name = database()
    workdir = Path(tempfile.mkdtemp(prefix="failures-bench-"))
    env = {**app_env(url, workdir / "cache"), "GUNICORN_TIMEOUT": str(REQUEST_TIMEOUT)}
    app = None
    try:
        print(f"making {name}: {args.executions:,} executions over {DAYS} days, {args.failed:,} failed or timed out",
              flush=True)
        recreate(server, name)
        load_data.migrate(url)
        groups: dict[str, int] = {}
        tenant, seconds = load(url, args.executions, args.failed, groups)
        sizes = sorted(groups.values(), reverse=True)
        assert len(sizes) == len(TEMPLATES), f"{len(sizes)} fingerprints, not one per template"
        print(f"loaded in {seconds:.0f} s: {len(sizes)} fingerprints, {sum(sizes):,} failures, groups of "
              f"{sizes[0]:,} to {sizes[-1]:,}", flush=True)
        key = json.loads(manage(env, "create_api_key", "--user", "bench-operator", "--tenant", "bench",
                                "--role", "admin", "--json"))["key"]

        os.environ.update(env)
        import django

        django.setup()
        from django.db import connection

        now = datetime.now(UTC)
        week = now - timedelta(days=DAYS)
        plans = {"24 h": explain(tenant, now - timedelta(hours=24), now), "7 days": explain(tenant, week, now)}
        connection.close()

        app = serve("app", "config.wsgi", env, WORKERS)
        since = week.isoformat().replace("+00:00", "Z")
        day, day_groups = latencies(app.url, key, f"{API}/failures", args.requests)
        seven, week_groups = latencies(app.url, key, f"{API}/failures?{urlencode({'since': since})}", args.requests)

        largest, second = week_groups[0], week_groups[1]
        body = {"filter": {"error_fingerprint": largest["error_fingerprint"]}, "limit": BULK_LIMIT}
        dry = [call(app.url, key, "POST", f"{API}/executions/bulk-retry", {**body, "dry_run": True}) for _ in range(3)]
        dry_seconds = statistics.median(seconds for seconds, _ in dry)
        predicted = dry[0][1]
        real = []
        for group in (largest, second):
            seconds, done = call(app.url, key, "POST", f"{API}/executions/bulk-retry",
                                 {**body, "filter": {"error_fingerprint": group["error_fingerprint"]}})
            real.append((group, seconds, done))
        after_seconds, after = call(app.url, key, "POST", f"{API}/executions/bulk-retry", {**body, "dry_run": True})
        assert [item["outcome"] for item in predicted["results"]] == [
            "would_retry" if item["outcome"] == "retried" else item["outcome"] for item in real[0][2]["results"]]

        print()
        print(f"PostgreSQL, {args.executions:,} executions of one tenant over {DAYS} days, {sum(sizes):,} failed or "
              f"timed out in {len(sizes)} groups; gunicorn {WORKERS} sync workers, one request at a time")
        print(f"GET /failures (24 h, {len(day_groups)} groups, {sum(g['count'] for g in day_groups):,} failures): "
              f"{day}")
        print(f"GET /failures (7 days, {len(week_groups)} groups, {sum(g['count'] for g in week_groups):,} "
              f"failures): {seven}")
        for window, plan in plans.items():
            print(f"EXPLAIN (ANALYZE, BUFFERS) of the grouped query, {window}:\n{plan}")
        print(f"bulk retry, dry run, limit {BULK_LIMIT}, group of {largest['count']:,}: median "
              f"{dry_seconds * 1000:.0f} ms of 3 (matched {predicted['matched']:,}, would retry "
              f"{predicted['acted']:,}, {predicted['acted'] / dry_seconds:,.0f} executions/s predicted)")
        for group, seconds, done in real:
            print(f"bulk retry, limit {BULK_LIMIT}, group of {group['count']:,}: {seconds:.2f} s, retried "
                  f"{done['acted']:,}, skipped {done['skipped']} -> {done['acted'] / seconds:,.0f} executions/s")
        print(f"bulk retry, dry run again over the first group: {after_seconds * 1000:.0f} ms, matched "
              f"{after['matched']:,}, would retry {after['acted']:,}, skipped {after['skipped']}")
        return 0
    finally:
        if app is not None:
            app.stop()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 - Django may not be set up yet
            pass
        recreate(server, name, drop_only=True)


if __name__ == "__main__":
    sys.exit(main())
