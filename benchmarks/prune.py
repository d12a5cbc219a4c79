"""prune_executions under load: how fast it deletes, and how long the API waits meanwhile.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/prune_bench .venv/bin/python benchmarks/prune.py
        [--executions 30000] [--older-than 30] [--batch-size 1000] [--baseline 15] [--pause 0.02]

It makes the database of DATABASE_URL (its name must contain "bench"; it is dropped first if it
exists, and dropped again at the end), migrates it and loads it as `make bench` does
(benchmarks/load_data.py, COPY): by default 33,000 executions over 90 days in four tenants, each
with steps, 50 log lines (a few 1,000) and its events, some retried. Older than 30 days and final,
that is about a million log lines to delete.

Then it serves the app with gunicorn (2 sync workers, production settings) and starts a writer
thread that, as an engine and a dashboard would, keeps appending 100-line batches to young running
executions (POST /executions/{id}/logs) and reading them back (GET /executions/{id}/logs),
pausing --pause seconds after each pair. After 3 s of warm-up and --baseline seconds it prunes, in this process,
through executions.retention (what the command runs: batches of --batch-size, each one
transaction), timing each batch. It prints the counts of a dry run first (and its time), the prune
rate (log lines/s, executions/s), total seconds, the longest batch, and the writer's latency
before and during the prune: p50, p99 and max of the writes and of the reads, and any non-2xx.
Traffic stays on 127.0.0.1; the server is stopped and the database dropped, also on Ctrl-C.
About a minute and a half on this machine.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

from benchmarks import load_data  # noqa: E402
from benchmarks.endpoints import API, LOG_BATCH, log_batch  # noqa: E402
from benchmarks.servers import app_env, manage, serve  # noqa: E402

WORKERS = 2
TARGETS = 20
WARM_UP = 3


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executions", type=int, default=30_000, help="Executions of the bench tenant to load.")
    parser.add_argument("--older-than", type=int, default=30, help="Prune executions older than this many days.")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--baseline", type=float, default=15, help="Seconds of writer alone before the prune.")
    parser.add_argument("--pause", type=float, default=0.02, help="Seconds the writer sleeps after each pair.")
    return parser.parse_args()


def database() -> tuple[str, str, str]:
    """(url, server url, database name) of DATABASE_URL."""
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/prune_bench")
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not url.startswith(("postgres://", "postgresql://")) or "bench" not in name:
        raise SystemExit(f"DATABASE_URL must name a PostgreSQL database with 'bench' in its name "
                         f"(it is dropped and made again), not {url!r}")
    return url, f"{parts.scheme}://{parts.netloc}", name


def recreate(server: str, name: str, *, drop_only: bool = False) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if not drop_only:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


class Writer(threading.Thread):
    """Appends a log batch to one of the young executions, reads its logs, pauses; records each
    call as (kind, start, seconds, status)."""

    def __init__(self, base: str, key: str, targets: list[str], pause: float):
        super().__init__(daemon=True)
        self.base, self.key, self.targets, self.pause = base, key, targets, pause
        self.calls: list[tuple[str, float, float, int]] = []
        self.stopping = threading.Event()
        self.body = log_batch().encode()

    def call(self, kind: str, method: str, path: str, body: bytes | None = None) -> None:
        request = urllib.request.Request(self.base + path, method=method, data=body,
                                         headers={"x-api-key": self.key, "Content-Type": "application/json"})
        start = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                answer.read()
                status = answer.status
        except urllib.error.HTTPError as error:
            status = error.code
        except OSError:
            status = 0
        self.calls.append((kind, start, time.monotonic() - start, status))

    def run(self) -> None:
        turn = 0
        while not self.stopping.is_set():
            execution = self.targets[turn % len(self.targets)]
            self.call("write", "POST", f"{API}/executions/{execution}/logs", self.body)
            self.call("read", "GET", f"{API}/executions/{execution}/logs")
            turn += 1
            time.sleep(self.pause)


def latency(calls, kind: str, since: float, until: float) -> str:
    chosen = [(seconds, status) for k, start, seconds, status in calls if k == kind and since <= start < until]
    if not chosen:
        return f"{kind}s: none"
    times = sorted(seconds * 1000 for seconds, _ in chosen)
    failed = sum(1 for _, status in chosen if not 200 <= status < 300)
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    return (f"{kind}s {len(times):5,}: p50 {statistics.median(times):6.1f} ms, p99 {p99:6.1f} ms, "
            f"max {times[-1]:7.1f} ms, non-2xx {failed}")


def prune(retention, cutoff, batch_size: int, dry_run: bool) -> tuple[dict, float, list[float]]:
    totals: dict[str, int] = {}
    durations = []
    started = time.monotonic()
    batches = retention.executions_prune(cutoff=cutoff, batch_size=batch_size, dry_run=dry_run)
    while True:
        begun = time.monotonic()
        batch = next(batches, None)
        if batch is None:
            break
        durations.append(time.monotonic() - begun)
        for name, count in batch.counts.items():
            totals[name] = totals.get(name, 0) + count
    return totals, time.monotonic() - started, durations


def main() -> int:
    args = parse_args()
    url, server, name = database()
    workdir = Path(tempfile.mkdtemp(prefix="prune-bench-"))
    env = app_env(url, workdir / "cache")
    app = None
    try:
        print(f"making {name} and loading {args.executions:,} executions (+10 % in other tenants)", flush=True)
        recreate(server, name)
        load_data.migrate(url)
        meta = load_data.load(url, args.executions)
        data = load_data.BenchData.from_meta(url, meta)
        print(f"loaded {meta['rows']} in {meta['seconds']} s", flush=True)
        targets = load_data.make_ingest_targets(data, TARGETS)
        key = json.loads(manage(env, "create_api_key", "--user", "prune-writer", "--tenant", "bench-writes",
                                "--role", "writer", "--json"))["key"]

        # The prune runs here, through the same service the command calls.
        os.environ.update(env)
        import django

        django.setup()
        from django.db import connection
        from django.utils import timezone

        from executions import retention

        cutoff = timezone.now() - timedelta(days=args.older_than)
        with psycopg.connect(url) as conn:
            other = conn.execute("SELECT id FROM tenants_tenant WHERE slug = 'other-1'").fetchone()[0]
        for tenant in (None, other):
            plan = retention._candidates(tenant_id=tenant, cutoff=cutoff).order_by("created_at", "pk")
            plan = plan.values_list("pk")[: args.batch_size].explain().splitlines()
            print(f"candidates of {'one tenant' if tenant else 'all tenants'}: {plan[1].strip()}", flush=True)
        expected, dry_seconds, _ = prune(retention, cutoff, args.batch_size, dry_run=True)
        print(f"dry run: would delete {expected} ({dry_seconds:.1f} s)", flush=True)
        connection.close()

        app = serve("app", "config.wsgi", env, WORKERS)
        writer = Writer(app.url, key, targets, args.pause)
        writer.start()
        time.sleep(WARM_UP)  # the workers' first requests (connections, caches) are not the baseline
        measured_from = time.monotonic()
        time.sleep(args.baseline)
        began = time.monotonic()
        totals, seconds, durations = prune(retention, cutoff, args.batch_size, dry_run=False)
        ended = time.monotonic()
        time.sleep(2)
        writer.stopping.set()
        writer.join(timeout=60)

        assert totals == expected, (totals, expected)
        with psycopg.connect(url) as conn:
            left = conn.execute("SELECT count(*) FROM executions_execution WHERE created_at < %s AND status IN "
                                "('completed', 'failed', 'cancelled', 'timeout', 'skipped')", (cutoff,)).fetchone()[0]
            lines = conn.execute("SELECT sum(log_count), (SELECT count(*) FROM executions_executionlog l JOIN "
                                 "executions_execution e ON e.id = l.execution_id WHERE e.id = ANY(%s)) "
                                 "FROM executions_execution WHERE id = ANY(%s)", (targets, targets)).fetchone()
        print()
        print(f"PostgreSQL, batches of {args.batch_size}, cutoff {args.older_than} days, gunicorn {WORKERS} sync "
              f"workers, writer pausing {args.pause} s after each {LOG_BATCH}-line POST and GET")
        print(f"deleted   {totals['executions']:,} executions, {totals['steps']:,} steps, "
              f"{totals['log_lines']:,} log lines, {totals['events']:,} events in {seconds:.1f} s")
        print(f"rate      {totals['log_lines'] / seconds:,.0f} log lines/s, {totals['executions'] / seconds:,.0f} "
              f"executions/s; {len(durations)} batches, longest {max(durations) * 1000:.0f} ms, "
              f"median {statistics.median(durations) * 1000:.0f} ms")
        print(f"kept      {left:,} old final executions (retry chains not wholly old and final)")
        print(f"before    {latency(writer.calls, 'write', measured_from, began)}")
        print(f"          {latency(writer.calls, 'read', measured_from, began)}")
        print(f"during    {latency(writer.calls, 'write', began, ended)}")
        print(f"          {latency(writer.calls, 'read', began, ended)}")
        print(f"writer's executions: log_count {lines[0]:,}, lines stored {lines[1]:,}")
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
