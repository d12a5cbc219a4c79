"""One soak run, from an empty database to the verdict.

It makes a PostgreSQL database of its own (on SOAK_DATABASE_SERVER, default the local cluster; under
chaos with a restart, on a throwaway cluster of its own), migrates it, makes a tenant, a rule and a
writer's and a reader's key, and serves the app with gunicorn as `make serve` does
(gunicorn.conf.py, production settings). Then engines and readers (traffic.py) run for a warm-up
and `seconds`; the workers' resident memory is read after the warm-up and at the end. The
warm-up (60 s by default) is long enough for a worker to reach its working set: caches filled and
the allocator grown to the largest requests (a 500-line batch): a worker holds 70 to 80 MB at boot,
about 85 MB after 10 s of this load and a plateau of about 95 MB after its first minute, where it
stays, which is no leak; growth after that is what the 10 % limit judges. With chaos,
faults (chaos.py) are made on their schedule meanwhile. The checker (check.py) then compares the
record with the database. The database, the cluster and the temporary folder are removed at the
end; the server's log is kept when the run failed.

Settings that differ from a production machine, and why:
- THROTTLE_RATE is out of reach: two keys carry the load of many engines.
- GUNICORN_MAX_REQUESTS=0: no worker is replaced after N requests, which would hide a leak.
- LOG_LEVEL=WARNING: the request lines (one per request) would cost the two cores more than the
  app; errors and their stacks are still written.
"""

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

from benchmarks.soak import chaos as faults_module
from benchmarks.soak.check import Findings, check
from benchmarks.soak.record import Record
from benchmarks.soak.traffic import API, Api, Engine, Prober, Reader, Shared

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
MEMORY_GROWTH_LIMIT = 0.10
GRACE = 45  # seconds clients may keep retrying after the run's end before they give up


@dataclass
class Result:
    seconds: float
    findings: Findings
    record: Record
    latency: dict[str, dict] = field(default_factory=dict)
    throughput: dict[str, float] = field(default_factory=dict)
    memory: dict[int, tuple[float | None, float | None]] = field(default_factory=dict)  # pid: (start, end) MB
    memory_samples: list[tuple[float, dict]] = field(default_factory=list)  # (seconds in, {pid: MB}) every 5 s
    memory_boot: list[float] = field(default_factory=list)  # before any request
    faults: list = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # beyond the checker's: memory, crashed threads, faults
    log: Path | None = None

    @property
    def ok(self) -> bool:
        return self.findings.ok and not self.failures


def workers_of(master: int) -> list[int]:
    pids = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:  # ended meanwhile
            continue
        if fields.get("PPid", "").strip() == str(master):
            pids.append(int(status.parent.name))
    return sorted(pids)


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _environment(database_url: str, folder: Path, port: int, workers: int) -> dict:
    env = {name: value for name, value in os.environ.items()
           if name not in ("DEBUG", "HTTPS", "METRICS_ENABLED", "METRICS_TOKEN", "PROMETHEUS_MULTIPROC_DIR",
                           "DJANGO_SETTINGS_MODULE", "REDIS_URL")}
    env.update(DEBUG="0", SECRET_KEY="soak-" + uuid.uuid4().hex * 2, API_KEY_PEPPER="soak-pepper",
               ALLOWED_HOSTS="127.0.0.1,localhost", DATABASE_URL=database_url, CACHE_DIR=str(folder / "cache"),
               THROTTLE_RATE="100000000/min", GUNICORN_MAX_REQUESTS="0", LOG_LEVEL="WARNING",
               WEB_CONCURRENCY=str(workers), PORT=str(port), PYTHONPATH=str(ROOT))
    return env


def _manage(env: dict, *args: str) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


class Gunicorn:
    """The app under gunicorn.conf.py, its output in `log`."""

    def __init__(self, env: dict, log: Path, workers: int):
        self.port = int(env["PORT"])
        with log.open("w") as out:
            self.process = subprocess.Popen([GUNICORN, "-c", "gunicorn.conf.py", "config.wsgi"], cwd=ROOT, env=env,
                                            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while len(self.workers()) < workers or not self._ready():
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"gunicorn did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)

    def _ready(self) -> bool:
        import http.client

        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            connection.request("GET", "/readyz")
            return connection.getresponse().status == 200
        except OSError:
            return False

    def workers(self) -> list[int]:
        return workers_of(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def run(seconds: float, *, chaos: bool = False, faults: list | None = None, engines: int = 8, readers: int = 2,
        workers: int = 4, think: float = 0.02, warm_up: float = 60, server_url: str | None = None,
        memory_limit: float | None = MEMORY_GROWTH_LIMIT, say=print) -> Result:
    """A soak of `seconds` after `warm_up`; with `chaos`, `faults` (default: chaos.schedule(seconds)).
    `server_url` is the PostgreSQL server for its database (without one: SOAK_DATABASE_SERVER);
    `memory_limit` None reports the workers' memory without judging it."""
    if chaos and faults is None:
        faults = faults_module.schedule(seconds)
    faults = faults or []
    folder = Path(tempfile.mkdtemp(prefix="soak-"))
    cluster = None
    if any(fault.kind == faults_module.RESTART for fault in faults):
        cluster = faults_module.Cluster()
        say(f"starting a throwaway PostgreSQL cluster in {cluster.folder} on port {cluster.port}")
        cluster.start()
        server_url = cluster.server_url
    else:
        server_url = (server_url or os.environ.get("SOAK_DATABASE_SERVER")
                      or "postgres://postgres@127.0.0.1:5432").rstrip("/")
    name = f"soak_{uuid.uuid4().hex[:10]}"
    admin_url, database_url = f"{server_url}/postgres", f"{server_url}/{name}"
    server = None
    kept = False
    try:
        with psycopg.connect(admin_url, autocommit=True) as control:
            control.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        env = _environment(database_url, folder, faults_module.free_port(), workers)
        _manage(env, "migrate", "--noinput", "-v0")
        tenant_id = json.loads(_manage(env, "create_tenant", "Soak", "--json"))["id"]
        writer = json.loads(_manage(env, "create_api_key", "--user", "engine", "--tenant", tenant_id,
                                    "--role", "writer", "--json"))["key"]
        viewer = json.loads(_manage(env, "create_api_key", "--user", "dashboard", "--tenant", tenant_id,
                                    "--role", "viewer", "--json"))["key"]
        log = folder / "server.log"
        server = Gunicorn(env, log, workers)
        memory_boot = [rss_mb(pid) for pid in server.workers()]
        say(f"gunicorn on 127.0.0.1:{server.port} with {workers} workers, database {name} on "
            f"{urlsplit(server_url).netloc}; {engines} engines, {readers} readers; "
            f"{warm_up:.0f} s warm-up, then {seconds:.0f} s" + (f", {len(faults)} faults" if faults else ""))
        record = Record(tenant_id=tenant_id, chaos=bool(faults))
        rule = Api(server.port, writer, record).call(
            "POST /rules", "POST", f"{API}/rules",
            {"name": "Soak", "trigger": "soak.tick", "actions": [{"type": "http"}] * 5})
        if rule.status != 201:
            raise RuntimeError(f"the rule was not made: {rule.status} {rule.body}")
        record.calls.clear()

        stopping, give_up, probing = threading.Event(), threading.Event(), threading.Event()
        shared = Shared()
        rule_id = rule.body["data"]["id"]
        clients = [Engine(f"engine-{n}", server.port, writer, record, stopping, give_up, rule_id=rule_id,
                          shared=shared, think=think) for n in range(engines)]
        clients += [Reader(f"reader-{n}", server.port, viewer, record, stopping, give_up, shared=shared, think=think)
                    for n in range(readers)]
        prober = Prober(server.port, viewer, probing)
        prober.start()
        for client in clients:
            client.start()
        time.sleep(warm_up)
        memory_start = {pid: rss_mb(pid) for pid in server.workers()}
        begun = time.monotonic()
        samples = [(0.0, memory_start)]
        monkey = None
        if faults:
            monkey = faults_module.Chaos(faults, workers=server.workers, admin_url=admin_url, database=name,
                                         cluster=cluster, stopping=stopping)
            monkey.start()
        while time.monotonic() < begun + seconds:
            time.sleep(min(5.0, max(0.0, begun + seconds - time.monotonic())))
            samples.append((time.monotonic() - begun, {pid: rss_mb(pid) for pid in server.workers()}))
        stopping.set()
        ended = time.monotonic()
        deadline = ended + GRACE
        for client in clients:
            client.join(timeout=max(0.0, deadline - time.monotonic()))
        give_up.set()
        for client in clients:
            client.join(timeout=TIMEOUT_AFTER_GIVE_UP)
        probing.set()
        prober.join(timeout=40)
        if monkey is not None:
            monkey.join(timeout=60)
        memory_end = {pid: rss_mb(pid) for pid in server.workers()}
        server.stop()

        result = Result(seconds=seconds, findings=Findings(), record=record, log=log)
        for client in clients:
            if client.is_alive():
                result.failures.append(f"{client.name} still running {GRACE} s after the end")
            elif client.failure is not None:
                result.failures.append(f"{client.name} crashed: {client.failure!r}")
        if monkey is not None and monkey.failure is not None:
            result.failures.append(f"chaos crashed: {monkey.failure!r}")
        with psycopg.connect(database_url) as connection:
            result.findings = check(record, connection)
        _figures(result, record, begun, ended)
        _memory(result, memory_start, memory_end, memory_limit)
        result.memory_samples = samples
        result.memory_boot = memory_boot
        if faults:
            faults_module.recovery(faults, prober.samples, record.calls, ended)
            result.faults = faults
            for fault in faults:
                if fault.started and (fault.recovered_after is None or fault.recovered_after > 15):
                    result.failures.append(f"{fault.kind} at {fault.at:.0f} s: not answering again within 15 s")
        kept = not result.ok
        return result
    finally:
        if server is not None:
            server.stop()
        try:
            with psycopg.connect(admin_url, autocommit=True) as control:
                control.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        except psycopg.Error as error:
            say(f"could not drop {name}: {error}")
        if cluster is not None:
            cluster.stop()
        if not kept:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)


TIMEOUT_AFTER_GIVE_UP = 40  # a call in flight ends within traffic.TIMEOUT


def _figures(result: Result, record: Record, begun: float, ended: float) -> None:
    measured = [call for call in record.calls if begun <= call.at < ended]
    by_endpoint: dict[str, list] = {}
    for call in measured:
        by_endpoint.setdefault(call.endpoint, []).append(call)
    for endpoint, calls in sorted(by_endpoint.items()):
        times = sorted(call.seconds * 1000 for call in calls)
        result.latency[endpoint] = {
            "count": len(calls), "p50": statistics.median(times),
            "p99": times[min(len(times) - 1, int(len(times) * .99))],
            "max": times[-1], "non_2xx": sum(1 for call in calls if not 200 <= call.status < 300),
        }
    span = ended - begun
    whole = ended - min((call.at for call in record.calls), default=begun)  # the warm-up too
    lines = sum(batch.size for _, batch in record.settled_batches())
    result.throughput = {"requests/s": len(measured) / span,
                         "writes/s": sum(1 for call in measured if not call.endpoint.startswith("GET")) / span,
                         "acknowledged log lines/s": lines / whole}


def _memory(result: Result, start: dict, end: dict, limit: float | None) -> None:
    for pid in sorted(set(start) | set(end)):
        result.memory[pid] = (start.get(pid), end.get(pid))
        before, after = start.get(pid), end.get(pid)
        if limit is not None and before and after and after > before * (1 + limit):
            result.failures.append(f"worker {pid} grew from {before:.1f} MB to {after:.1f} MB "
                                   f"(+{(after / before - 1) * 100:.0f} %, over {limit:.0%})")


def report(result: Result) -> str:
    record = result.record
    out = [f"soak of {result.seconds:.0f} s" + (" with chaos" if record.chaos else ""), ""]
    out.append(result.findings.summary())
    settled = record.settled_batches()
    confirmed = sum(1 for _, batch in settled if batch.state == "confirmed")
    resent = sum(batch.resent for execution in record.executions for batch in execution.batches)
    out.append(f"retries: {record.confirmations} writes confirmed by a read after a lost answer "
               f"({confirmed} log batches), {resent} log batches resent after a read found none of them")
    out += ["", "throughput: " + ", ".join(f"{value:,.1f} {name}" for name, value in result.throughput.items()), ""]
    out.append(f"{'endpoint':34} {'count':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'non-2xx':>7}")
    for endpoint, figures in result.latency.items():
        out.append(f"{endpoint:34} {figures['count']:7,} {figures['p50']:8.1f} {figures['p99']:8.1f} "
                   f"{figures['max']:8.1f} {figures['non_2xx']:7,}")
    out += ["", f"worker memory (VmRSS, MB): at boot {', '.join(f'{mb:.1f}' for mb in result.memory_boot if mb)}; "
                f"after the warm-up and at the end:"]
    for pid, (before, after) in result.memory.items():
        growth = f"{(after / before - 1) * 100:+.1f} %" if before and after else \
            ("replaced" if before else "new (a replacement)")
        out.append(f"  {pid}: {before or 0:7.1f} -> {after or 0:7.1f}  {growth}")
    if len(result.memory_samples) > 2:
        quarters = [result.memory_samples[round(i * (len(result.memory_samples) - 1) / 4)] for i in range(5)]
        out.append("  on the way (MB, all workers): " + "; ".join(
            f"{at:.0f} s {', '.join(f'{mb:.1f}' for mb in sizes.values() if mb)}" for at, sizes in quarters))
    if result.faults:
        out += ["", "faults:"]
        for fault in result.faults:
            if not fault.started:
                continue
            back = "never" if fault.recovered_after is None else f"{fault.recovered_after:.1f} s"
            failed = ", ".join(f"{count} {label}" for label, count in sorted(fault.failed_calls.items())) or "none"
            out.append(f"  {fault.at:5.0f} s  {fault.kind}: {fault.detail}; answering again after {back}; "
                       f"failed client calls until the next fault: {failed}")
    if result.failures:
        out += [""] + [f"FAILED {failure}" for failure in result.failures]
    out += ["", "PASSED" if result.ok else f"FAILED (server log kept: {result.log})"]
    return "\n".join(out)
