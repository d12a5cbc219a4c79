"""Reads past one machine: the detail GET's throughput with one app server and with two, both
reading from a streaming replica through the routing of config/replicas.py, against one server
reading the primary; and what the routing decision costs a request.

    .venv/bin/python benchmarks/scaling.py [--seconds 10] [--executions 1000] [--connections 8]

Everything runs on loopback in a throwaway stack (benchmarks/stack.py: a PostgreSQL primary, its
streaming replica, PgBouncer in transaction pooling before the primary, Redis), so the figures
come from a 2-core machine running all of it: the point is that routing costs little and that two
servers behind one replica stay correct, not a speed-up, which needs more cores than these.

1. Routing cost: the decision of one GET (who wrote recently, in Redis; which replica is fit,
   checked at most once a second) timed in-process, in microseconds.
2. Throughput: wrk (one thread, --connections) on GETs of random executions of one tenant, with a
   key that never writes, for --seconds each: one server (2 workers) on the primary only, directly
   (prepared statements) and through PgBouncer (none); one server reading the replica (directly,
   prepared statements); two servers (2 workers each, one wrk each, at the same time) reading it.
   The replica's share of reads comes from the servers' /metrics.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.servers import (  # noqa: E402
    environment,
    manage,  # noqa: E402
    start_gunicorn,
)
from benchmarks.stack import Stack  # noqa: E402
from benchmarks.wrk import Load, load  # noqa: E402

API = "/api/v1/automation"
ROUTING_COST = """
import time, django
django.setup()
from django.test import RequestFactory
from config.replicas import ReplicaMiddleware, ReplicaRouter, _reading
from executions.models import Execution
middleware, router = ReplicaMiddleware(lambda request: None), ReplicaRouter()
request = RequestFactory().get("/api/v1/automation/executions/x", HTTP_X_API_KEY="ak_bench_reader")
rounds = 5000
started = time.perf_counter()
for _ in range(rounds):
    middleware.process_view(request, None, (), {})
    router.db_for_read(Execution)
    _reading.set(None)
print((time.perf_counter() - started) / rounds * 1e6, request.replica)
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--executions", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=8)
    return parser.parse_args()


def post(base: str, path: str, key: str, body: dict) -> dict:
    request = urllib.request.Request(f"{base}{API}/{path}", data=json.dumps(body).encode(), method="POST",
                                     headers={"X-API-Key": key, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:  # nosec B310: a loopback server
        return json.loads(answer.read())["data"]


def replica_share(servers) -> tuple[float, float]:
    """(reads routed to the replica, all routed reads) on `servers`, from their /metrics."""
    to_replica = routed = 0.0
    for server in servers:
        with urllib.request.urlopen(f"{server.base}/metrics", timeout=10) as answer:  # nosec B310
            for line in answer.read().decode().splitlines():
                if line.startswith("replica_routing_total{") and 'route="cache_error"' not in line:
                    value = float(line.rsplit(" ", 1)[1])
                    routed += value
                    to_replica += value if 'route="replica"' in line else 0
    return to_replica, routed


def measure(servers, paths: Path, key: str, args) -> list[Load]:
    """wrk on each of `servers` at once."""
    found: list = [None] * len(servers)

    def one(index: int) -> None:
        try:
            found[index] = load(servers[index].base, "get.lua", {"BENCH_PATHS": str(paths), "BENCH_KEY": key},
                                seconds=args.seconds, connections=args.connections)
        except BaseException as error:  # noqa: BLE001 - wrk's SystemExit too: said in the main thread
            found[index] = error

    threads = [threading.Thread(target=one, args=(index,)) for index in range(len(servers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for each in found:
        if isinstance(each, BaseException):
            raise SystemExit(f"wrk failed: {each}")
    return found


def report(name: str, loads: list[Load], share: tuple[float, float] | None) -> None:
    total = sum(one.requests_per_second for one in loads)
    errors = sum(one.errors for one in loads)
    latency = ", ".join(f"p50 {one.p50_ms:.1f} ms p99 {one.p99_ms:.1f} ms" for one in loads)
    read_share = "" if share is None else f"; replica took {share[0]:.0f} of {share[1]:.0f} reads " \
                                          f"({share[0] / max(share[1], 1):.0%})"
    print(f"{name:<36} {total:8.0f} req/s ({latency}); {errors} errors{read_share}", flush=True)


def main() -> int:
    args = parse_args()
    folder = Path(tempfile.mkdtemp(prefix="scaling-bench-"))
    with Stack() as stack:
        base_env = environment(folder, DATABASE_URL=stack.url("bouncer"), DATABASE_POOLER="pgbouncer",
                               REDIS_URL=stack.redis_url, THROTTLE_RATE="100000000/min", WEB_CONCURRENCY="2",
                               METRICS_ENABLED="1")
        replicated = {**base_env, "DATABASE_REPLICA_URL": stack.url("replica"), "DATABASE_REPLICA_POOLER": "none"}
        manage(base_env, "migrate", "-v0")
        manage(base_env, "create_tenant", "Bench")
        writer, reader = (json.loads(manage(base_env, "create_api_key", "--user", user, "--tenant", "bench",
                                            "--role", "admin", "--json"))["key"] for user in ("writer", "reader"))

        cost = subprocess.run([sys.executable, "-c", ROUTING_COST], cwd=ROOT, env={
            **replicated, "DJANGO_SETTINGS_MODULE": "config.settings"}, capture_output=True, text=True, timeout=120)
        if cost.returncode:
            raise SystemExit(cost.stderr)
        micros, alias = cost.stdout.split()
        print(f"routing decision of a GET: {float(micros):.1f} µs (to {alias}, Redis asked who wrote)", flush=True)

        paths = folder / "paths.txt"
        (folder / "seed").mkdir()
        with start_gunicorn(base_env, folder / "seed") as seed:
            rule = post(seed.base, "rules", writer, {"name": "Ship order", "trigger": "order.paid",
                                                     "actions": [{"type": "http", "url": "https://x"}]})
            ids = [post(seed.base, "executions", writer, {"automation_rule_id": rule["id"],
                                                          "trigger_data": {"order_id": number}})["execution_id"]
                   for number in range(args.executions)]
        paths.write_text("".join(f"{API}/executions/{execution_id}\n" for execution_id in ids))
        stack.wait_replayed()
        print(f"{args.executions} executions; wrk {args.seconds:g} s, {args.connections} connections a server, "
              f"2 workers a server, on a {len(open('/proc/cpuinfo').read().split('processor')) - 1}-core machine",
              flush=True)

        direct = {**base_env, "DATABASE_URL": stack.url("primary"), "DATABASE_POOLER": "none"}
        for name, env, count in (("one server, primary direct", direct, 1),
                                 ("one server, primary via PgBouncer", base_env, 1),
                                 ("one server, reads on the replica", replicated, 1),
                                 ("two servers, reads on the replica", replicated, 2)):
            folders = [folder / f"{name.replace(' ', '-').replace(',', '')}-{index}" for index in range(count)]
            for each in folders:
                each.mkdir()
            with start_gunicorn(env, folders[0]) as first:
                servers = [first]
                if count == 2:
                    second = start_gunicorn(env, folders[1])
                    servers.append(second.__enter__())
                try:
                    time.sleep(1.1)  # each worker has checked the replica once
                    loads = measure(servers, paths, reader, args)
                    share = replica_share(servers) if env is replicated else None
                finally:
                    if count == 2:
                        second.__exit__(None, None, None)
            report(name, loads, share)
    return 0


if __name__ == "__main__":
    sys.exit(main())
