"""`make bench`: the API's hot endpoints against the reference floor (benchmarks/floor.py).

    make bench                                   # 1,000,000 executions (loaded once, then reused)
    make bench BENCH_ARGS=--quick                # 2,000 executions, 3 s loads: to try it
    .venv/bin/python benchmarks/run.py [--executions N] [--seconds S] [--repeat N] [--connections C]
                                       [--workers W] [--no-scale] [--explain] [--only detail,list]

On the bench database of that size (benchmarks/load_data.py) it serves the app (gunicorn sync
workers, DEBUG off, a rate limit the load never reaches) and the floor (the same workers), checks
that the floor answers what the app answers (same content for the reads, same keys for the
writes, sizes within 10 %), and loads each endpoint of issue 10 on both with wrk: same
connections and duration, one after the other, after a warm-up (with --repeat, in alternating
turns, keeping the medians: the machine's other load makes single runs noisy). It prints per
endpoint the requests (or log lines, or engine runs) per second, p50 and p99, the ratio
app/floor, the app's statements per request (benchmarks/queries.py), each app worker's resident
memory after the run, and the detail's p50 at this size over its p50 at 1,000 executions (on by
default; --no-scale skips it). With --explain it also writes EXPLAIN (ANALYZE, BUFFERS) of the
app's hot reads to benchmarks/explain/.

Results also go to benchmarks/results/latest.json. The last line printed is

    ratio detail=R list=R logs=R events=R ingest=R run=R

where list is the lower of the plain and the status-filtered list (`-` for an endpoint left out
with --only). Traffic goes to 127.0.0.1 only; every server it starts is stopped, within seconds,
also on Ctrl-C. The data the write benchmarks make is deleted at the end.
"""

import argparse
import json
import math
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

# Run as a script (`python benchmarks/run.py`): the project's root is where the package is.
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from benchmarks import load_data, wrk  # noqa: E402
from benchmarks.endpoints import COMPLETED, RUNNING, Endpoint, endpoints  # noqa: E402
from benchmarks.servers import Server, app_env, floor_env, manage, serve  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
EXPLAIN_DIR = ROOT / "benchmarks" / "explain"
SMALL = 1000
SIZE_TOLERANCE = 0.10
SCALE_GOAL = 1.25
MEMORY_GOAL_MB = 150
RATIO_NAMES = ("detail", "list", "logs", "events", "ingest", "run")


@dataclass
class Measure:
    """One endpoint's figures on the app and on the floor."""

    endpoint: Endpoint
    app: wrk.Load
    floor: wrk.Load
    statements: list[int] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        floor = self.endpoint.figure(self.floor)
        return self.endpoint.figure(self.app) / floor if floor else 0.0


# Setting up


def check_tools() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk (make bench installs it)")
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=2).close()
    except OSError:
        raise SystemExit("PostgreSQL does not answer on 127.0.0.1:5432; the benchmark needs it") from None


def make_key(env: dict, user: str, tenant: str, role: str) -> str:
    """A fresh API key of the bench data's tenant, as an operator makes one."""
    out = manage(env, "create_api_key", "--user", user, "--tenant", tenant, "--role", role, "--json")
    return json.loads(out)["key"]


def write_inputs(directory: Path, endpoint: Endpoint, key: str) -> dict[str, str]:
    """The files and variables the endpoint's Lua script reads."""
    paths = directory / f"{endpoint.name}.paths"
    paths.write_text("\n".join(endpoint.paths) + "\n")
    variables = {"BENCH_PATHS": str(paths), "BENCH_PATH": endpoint.paths[0], "BENCH_KEY": key,
                 "BENCH_RUNNING": RUNNING, "BENCH_COMPLETED": COMPLETED}
    if endpoint.body is not None:
        body = directory / f"{endpoint.name}.json"
        body.write_text(endpoint.body)
        variables["BENCH_BODY"] = str(body)
    return variables


# What each request costs the app in statements


def count_statements(env: dict, chosen: list[Endpoint], keys: dict, directory: Path, size: int,
                     explain: bool) -> tuple[dict[str, list[int]], dict]:
    """The app's statements per request of each endpoint, and the statements themselves (and the
    EXPLAIN files, if asked), from a child process with Django set up on the bench database."""
    plan = {"size": size, "endpoints": {
        endpoint.name: [{"method": method, "path": path, "body": body, "key": keys[endpoint.key]}
                        for method, path, body in endpoint.requests()]
        for endpoint in chosen
    }}
    plan_file, out_file = directory / "queries-plan.json", directory / "queries.json"
    plan_file.write_text(json.dumps(plan))
    command = [sys.executable, "-m", "benchmarks.queries", str(plan_file), str(out_file)]
    if explain:
        command += ["--explain", str(EXPLAIN_DIR)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if done.returncode:
        raise SystemExit(f"Counting the app's statements failed:\n{done.stdout}{done.stderr}")
    captured = json.loads(out_file.read_text())
    return {name: [request["count"] for request in requests] for name, requests in captured.items()}, captured


# The bodies: the floor must answer what the app answers


def fetch(base: str, method: str, path: str, key: str, body: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(base + path, method=method, data=body.encode() if body else None,
                                     headers={"x-api-key": key, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def exchange(base: str, endpoint: Endpoint, key: str) -> list[tuple[int, bytes]]:
    """The answers to one request of the endpoint (to one whole run, for `run`)."""
    answers = []
    for method, path, body in endpoint.requests():
        if "{execution_id}" in path:
            path = path.replace("{execution_id}", json.loads(answers[-1][1])["data"]["execution_id"])
        answers.append(fetch(base, method, path, key, body))
        if answers[-1][0] >= 300:
            break
    return answers


def shape(value, prefix: str = "") -> set[str]:
    """The key paths of a JSON value (lists by their first item)."""
    if isinstance(value, dict):
        return {prefix + key for key in value} | {path for key, item in value.items()
                                                   for path in shape(item, f"{prefix}{key}.")}
    if isinstance(value, list) and value:
        return shape(value[0], prefix + "0.")
    return set()


def first_difference(mine, theirs, path: str = "") -> str | None:
    """Where two JSON values first differ, or None."""
    if isinstance(mine, dict) and isinstance(theirs, dict):
        for key in sorted(mine.keys() | theirs.keys()):
            if key not in mine or key not in theirs:
                return f"{path}{key} (only the {'app' if key in mine else 'floor'}'s)"
            found = first_difference(mine[key], theirs[key], f"{path}{key}.")
            if found:
                return found
        return None
    if isinstance(mine, list) and isinstance(theirs, list) and len(mine) == len(theirs):
        return next(filter(None, (first_difference(a, b, f"{path}{i}.") for i, (a, b) in enumerate(
            zip(mine, theirs, strict=True)))), None)
    return None if mine == theirs else f"{path.rstrip('.')}: {str(mine)[:60]!r} / {str(theirs)[:60]!r}"


def body_check(endpoint: Endpoint, mine: list[bytes], theirs: list[bytes], app: Server, floor: Server) -> str | None:
    """What is wrong with the floor's answers: reads must be the app's (links aside, which name
    their own server); writes, which make new ids and times, must have the app's keys."""
    if endpoint.body is None:
        difference = first_difference(json.loads(mine[0].replace(app.url.encode(), b"SERVER")),
                                      json.loads(theirs[0].replace(floor.url.encode(), b"SERVER")))
        return difference and f"the bodies differ at {difference}"
    mine_keys = set.union(*(shape(json.loads(b)) for b in mine))
    their_keys = set.union(*(shape(json.loads(b)) for b in theirs))
    if mine_keys != their_keys:
        return (f"keys only the app answers: {sorted(mine_keys - their_keys)[:6]}, "
                f"only the floor: {sorted(their_keys - mine_keys)[:6]}")
    return None


def compare_bodies(app: Server, floor: Server, chosen: list[Endpoint], keys: dict) -> dict:
    """Prints each endpoint's answer sizes on both, with a warning past SIZE_TOLERANCE or where
    the floor does not answer what the app does."""
    print("Bodies, app / floor (the floor must answer the same, within 10 % of the size):")
    sizes = {}
    for endpoint in chosen:
        key = keys[endpoint.key]
        mine, theirs = exchange(app.url, endpoint, key), exchange(floor.url, endpoint, key)
        if any(status >= 300 for status, _ in mine + theirs) or len(mine) != len(theirs):
            print(f"  {endpoint.name:<12} WARNING: answers {[s for s, _ in mine]} / {[s for s, _ in theirs]}")
            continue
        mine, theirs = [b for _, b in mine], [b for _, b in theirs]
        app_bytes, floor_bytes = sum(map(len, mine)), sum(map(len, theirs))
        off = floor_bytes / app_bytes - 1
        problem = body_check(endpoint, mine, theirs, app, floor)
        warning = "  WARNING: off by more than 10 %" if abs(off) > SIZE_TOLERANCE else ""
        print(f"  {endpoint.name:<12} {app_bytes:>9,} / {floor_bytes:>9,} bytes {off:+7.1%}{warning}")
        if problem:
            print(f"  {'':<12} WARNING: {problem}")
        sizes[endpoint.name] = {"app": app_bytes, "floor": floor_bytes, "problem": problem}
    return sizes


# Loads


def measure(server: Server, endpoint: Endpoint, variables: dict, args) -> wrk.Load:
    if args.warmup:
        wrk.load(server.url, endpoint.script, variables, seconds=args.warmup, connections=args.connections)
    return wrk.load(server.url, endpoint.script, variables, seconds=args.seconds, connections=args.connections)


def measure_both(app: Server, floor: Server, endpoint: Endpoint, variables: dict, args) -> Measure:
    """Loads the floor and the app `args.repeat` times, in turns whose order alternates (so that
    a change in the machine's other load weighs on both), and keeps each one's median load."""
    loads = {app.name: [], floor.name: []}
    for turn in range(args.repeat):
        for server in (floor, app) if turn % 2 == 0 else (app, floor):
            loads[server.name].append(measure(server, endpoint, variables, args))

    def median(runs: list[wrk.Load]) -> wrk.Load:
        return sorted(runs, key=endpoint.figure)[len(runs) // 2]

    return Measure(endpoint, median(loads[app.name]), median(loads[floor.name]))


def scale_p50(args, workdir: Path) -> float:
    """The app's detail p50 on the database of SMALL executions, measured as at the full size."""
    small = load_data.ensure(SMALL)
    env = app_env(small.url, workdir / "cache")
    key = make_key(env, "bench", "bench", "admin")
    detail = endpoints(small, [])[0]
    server = serve("app-small", "config.wsgi", env, args.workers)
    try:
        variables = write_inputs(workdir, detail, key)
        return statistics.median(measure(server, detail, variables, args).p50_ms for _ in range(args.repeat))
    finally:
        server.stop()


# Reporting


def fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:,.{digits}f}"


def print_table(measures: list[Measure], statements: dict) -> None:
    print(f"{'endpoint':<12} {'unit':<8} {'floor':>9} {'app':>9} {'ratio':>6} {'goal':>5}  "
          f"{'app p50/p99 ms':>16}  {'floor p50/p99 ms':>17}  {'errors':>6}  statements")
    for m in measures:
        e = m.endpoint
        errors = m.app.errors + m.floor.errors
        print(f"{e.name:<12} {e.unit:<8} {fmt(e.figure(m.floor)):>9} {fmt(e.figure(m.app)):>9} {m.ratio:>6.2f} "
              f"{e.goal:>5.2f}  {fmt(m.app.p50_ms, 2):>7} /{fmt(m.app.p99_ms, 2):>7}  "
              f"{fmt(m.floor.p50_ms, 2):>8} /{fmt(m.floor.p99_ms, 2):>7}  {errors:>6}  "
              f"{'+'.join(map(str, statements.get(e.name, []))) or '-'}")


def ratio_line(measures: list[Measure]) -> str:
    ratios = {m.endpoint.name: m.ratio for m in measures}
    if "list" in ratios or "list_status" in ratios:
        ratios["list"] = min(ratios[name] for name in ("list", "list_status") if name in ratios)
    return "ratio " + " ".join(f"{name}={ratios[name]:.2f}" if name in ratios else f"{name}=-"
                               for name in RATIO_NAMES)


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(memory / 2**20, 1),
            "python": platform.python_version(), "wrk": _first_line(["wrk", "--version"])}


def _first_line(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    return ((done.stdout or done.stderr).strip().splitlines() or [""])[0]


def commit() -> str:
    head = _first_line(["git", "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                           text=True, cwd=ROOT).stdout.strip()
    return head + ("+uncommitted changes" if dirty else "")


def load_json(load: wrk.Load, endpoint: Endpoint) -> dict:
    return {"requests_per_second": load.requests_per_second, endpoint.unit.replace("/", "_per_"): endpoint.figure(load),
            "p50_ms": load.p50_ms, "p99_ms": load.p99_ms, "requests": load.requests, "errors": load.errors}


# The run


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executions", type=int, default=1_000_000, help="Size of the bench data (default 1e6).")
    parser.add_argument("--seconds", type=float, default=10, help="Each load's duration, app and floor alike.")
    parser.add_argument("--warmup", type=float, default=2, help="Seconds of load before each measured one.")
    parser.add_argument("--repeat", type=int, default=1,
                        help="Loads of each side per endpoint, in alternating turns; the median is kept.")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn workers (one per core).")
    parser.add_argument("--no-scale", dest="scale", action="store_false",
                        help=f"Skip the detail's p50 on {SMALL:,} executions.")
    parser.add_argument("--explain", action="store_true", help=f"Write EXPLAIN of the hot reads to {EXPLAIN_DIR}.")
    parser.add_argument("--only", help="Comma-separated endpoints to measure (detail, list, list_status, logs, "
                                       "events, ingest, run).")
    parser.add_argument("--quick", action="store_true", help="--executions 2000 --seconds 3 --warmup 1 --no-scale")
    args = parser.parse_args()
    if args.quick:
        args.executions, args.seconds, args.warmup, args.scale = 2000, 3, 1, False
    return args


def bench(args, data: load_data.BenchData, workdir: Path, servers: list[Server]) -> dict:
    env = app_env(data.url, workdir / "cache")
    load_data.clear_writes(data)
    chosen = endpoints(data, load_data.make_ingest_targets(data))
    if args.only:
        names = args.only.split(",")
        unknown = set(names) - {e.name for e in chosen}
        if unknown:
            raise SystemExit(f"--only: no endpoint named {', '.join(sorted(unknown))}")
        chosen = [e for e in chosen if e.name in names]
    keys = {"read": make_key(env, "bench", "bench", "admin"), "write": make_key(env, "bench-writer", "bench-writes",
                                                                                "writer")}
    statements, captured = count_statements(env, chosen, keys, workdir, data.executions, args.explain)

    app = serve("app", "config.wsgi", env, args.workers)
    servers.append(app)
    tenants = {keys["read"]: data.tenant, keys["write"]: data.write_tenant}
    floor = serve("floor", "benchmarks.floor:application", floor_env(data.url, tenants), args.workers)
    servers.append(floor)
    with psycopg.connect(data.url) as conn:
        postgres = conn.execute("SHOW server_version").fetchone()[0]
    print(f"PostgreSQL {postgres}, {data.executions:,} executions ({load_data.database_name(data.executions)}), "
          f"gunicorn {args.workers} sync workers each, wrk 1 thread {args.connections} connections, "
          f"{args.seconds:g}s per load after {args.warmup:g}s of warm-up")
    sizes = compare_bodies(app, floor, chosen, keys)

    measures = []
    for endpoint in chosen:
        variables = write_inputs(workdir, endpoint, keys[endpoint.key])
        measured = measure_both(app, floor, endpoint, variables, args)
        measured.statements = statements.get(endpoint.name, [])
        measures.append(measured)
        print(f"  {endpoint.name:<12} floor {fmt(endpoint.figure(measured.floor))} {endpoint.unit}, "
              f"app {fmt(endpoint.figure(measured.app))} {endpoint.unit}", flush=True)
    memory = {"app_workers_mb": app.workers_rss_mb(), "floor_workers_mb": floor.workers_rss_mb()}

    scale = None
    detail = next((m for m in measures if m.endpoint.name == "detail"), None)
    if args.scale and detail is not None:
        small = detail.app.p50_ms if data.executions == SMALL else scale_p50(args, workdir)
        scale = {"executions": data.executions, "small_executions": SMALL, "p50_ms": detail.app.p50_ms,
                 "small_p50_ms": small, "ratio": detail.app.p50_ms / small, "goal": SCALE_GOAL}

    return {"postgres": postgres, "measures": measures, "statements": statements, "captured": captured,
            "sizes": sizes, "memory": memory, "scale": scale}


def report(args, data: load_data.BenchData, result: dict) -> int:
    measures = result["measures"]
    print()
    print_table(measures, result["statements"])
    if result["scale"]:
        s = result["scale"]
        print(f"scale: detail p50 {s['p50_ms']:.2f} ms at {s['executions']:,} / {s['small_p50_ms']:.2f} ms at "
              f"{s['small_executions']:,} executions = {s['ratio']:.2f} (goal <= {SCALE_GOAL})")
    memory = result["memory"]
    print(f"memory after the run: app workers {', '.join(f'{m:.0f}' for m in memory['app_workers_mb'])} MB "
          f"(goal < {MEMORY_GOAL_MB}); floor workers {', '.join(f'{m:.0f}' for m in memory['floor_workers_mb'])} MB")
    errors = [m.endpoint.name for m in measures if m.app.errors or m.floor.errors]
    if errors:
        print(f"WARNING: errors under load on {', '.join(errors)}: those figures are not valid")
    line = ratio_line(measures)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({
        "ratio_line": line,
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "commit": commit(),
        "machine": dict(machine(), postgres=result["postgres"]),
        "settings": {"executions": data.executions, "database": load_data.database_name(data.executions),
                     "seconds": args.seconds, "warmup": args.warmup, "repeat": args.repeat,
                     "connections": args.connections,
                     "workers": args.workers, "wrk_threads": 1},
        "endpoints": {
            m.endpoint.name: {"title": m.endpoint.title, "unit": m.endpoint.unit, "goal": m.endpoint.goal,
                              "ratio": round(m.ratio, 3), "app": load_json(m.app, m.endpoint),
                              "floor": load_json(m.floor, m.endpoint), "statements_per_request": m.statements,
                              "bodies": result["sizes"].get(m.endpoint.name)}
            for m in measures
        },
        "statements": result["captured"],
        "scale": result["scale"],
        "memory": dict(memory, goal_mb=MEMORY_GOAL_MB),
    }, indent=1) + "\n")
    print(f"written to {RESULTS.relative_to(ROOT)}")
    print(line)
    return 1 if errors else 0


def main() -> int:
    args = parse_args()
    check_tools()
    data = load_data.ensure(args.executions)
    # A SIGTERM unwinds like a Ctrl-C, so the servers are stopped on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    servers: list[Server] = []
    try:
        result = bench(args, data, workdir, servers)
    finally:
        for server in servers:
            server.stop()
        load_data.clear_writes(data)
        shutil.rmtree(workdir, ignore_errors=True)
    return report(args, data, result)


if __name__ == "__main__":
    sys.exit(main())
