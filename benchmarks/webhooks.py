"""The webhook worker: deliveries per second of one worker against a local receiver, and the delay
from a committed change to its delivery.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/webhooks_bench .venv/bin/python benchmarks/webhooks.py
        [--deliveries 2000] [--changes 300] [--rate 20]

It makes the database of DATABASE_URL (its name must contain "bench"; dropped first if it exists
and again at the end) and migrates it. A receiver (http.server, threads) on 127.0.0.1 answers 204.

1. Throughput: --deliveries pings are made due, then one worker (webhooks.worker.Worker, what
   `deliver_webhooks` runs: 8 sending threads, batches of 16) sends them all (`run_once`), timed.
2. Delay: `manage.py deliver_webhooks` runs as its own process (default 1 s poll); this process
   starts --changes executions through the service at --rate a second, each one transaction, and
   notes when each committed; the receiver notes when its execution.created arrived. Prints p50,
   p99 and max of the difference.
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.prune import database, recreate  # noqa: E402
from benchmarks.servers import app_env, manage  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--changes", type=int, default=300)
    parser.add_argument("--rate", type=float, default=20.0)
    return parser.parse_args()


def receiver():
    arrived: dict[str, float] = {}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the worker's pool expects

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            now = time.time()
            execution = (body.get("data") or {}).get("execution") or {}
            with lock:
                arrived[execution.get("execution_id") or body["id"]] = now
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, arrived


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    args = parse_args()
    url, server_url, name = database()
    recreate(server_url, name)
    worker_process = None
    try:
        env = {**app_env(url, Path(tempfile.mkdtemp())), "WEBHOOK_ALLOW_PRIVATE_TARGETS": "1"}
        manage(env, "migrate", "--noinput")
        os.environ.update(env)
        import django

        django.setup()
        from django.db import connection

        from executions import services as execution_services
        from tenants.models import Tenant
        from webhooks import services
        from webhooks.models import Delivery
        from webhooks.worker import Worker

        http, arrived = receiver()
        target = f"http://127.0.0.1:{http.server_address[1]}/hook"
        tenant = Tenant.objects.create(name="Bench", slug="bench")

        # 1. Throughput
        pings = services.subscription_create(tenant_id=tenant.pk, url=target, events=["webhook.ping"])
        for _ in range(args.deliveries):
            services.subscription_ping(tenant_id=tenant.pk, subscription_id=pings.pk)
        worker = Worker()
        started = time.perf_counter()
        tally = worker.run_once()
        seconds = time.perf_counter() - started
        worker.close()
        assert tally.succeeded == args.deliveries, tally
        print(f"throughput: {args.deliveries} deliveries in {seconds:.2f} s by one worker: "
              f"{args.deliveries / seconds:.0f}/s ({connection.vendor})")
        services.subscription_delete(tenant_id=tenant.pk, subscription_id=pings.pk)
        arrived.clear()

        # 2. Delay from commit to arrival
        from executions.models import AutomationRule

        rule = AutomationRule.objects.create(tenant=tenant, name="r", trigger="t", actions=[])
        services.subscription_create(tenant_id=tenant.pk, url=target, events=["execution.created"])
        worker_process = subprocess.Popen([sys.executable, "manage.py", "deliver_webhooks"], cwd=ROOT, env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(3)  # its start
        committed: dict[str, float] = {}
        for _ in range(args.changes):
            execution, _ = execution_services.execution_start(tenant_id=tenant.pk, actor="bench",
                                                              automation_rule_id=rule.pk, trigger_data={})
            committed[str(execution.pk)] = time.time()
            time.sleep(1 / args.rate)
        deadline = time.time() + 30
        while len([k for k in committed if k in arrived]) < len(committed) and time.time() < deadline:
            time.sleep(0.1)
        delays = [arrived[k] - at for k, at in committed.items() if k in arrived]
        print(f"delay commit -> delivery over {len(delays)} of {len(committed)} changes at {args.rate:g}/s: "
              f"p50 {percentile(delays, 0.5) * 1000:.0f} ms, p99 {percentile(delays, 0.99) * 1000:.0f} ms, "
              f"max {max(delays) * 1000:.0f} ms, mean {statistics.mean(delays) * 1000:.0f} ms")
        print(f"pending left: {Delivery.objects.filter(status='pending').count()}")
        connection.close()
    finally:
        if worker_process is not None:
            worker_process.send_signal(signal.SIGTERM)
            worker_process.wait(timeout=30)
        recreate(server_url, name, drop_only=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
