"""Load test of the read endpoints against the reference floor (benchmarks/floor.py).

Starts real gunicorn servers on loopback (the app with DEBUG off, and the floor), loads each with
wrk for a few seconds, and prints requests per second and the app's share of the floor. Uses a
fresh PostgreSQL database when one answers on 127.0.0.1:5432, else SQLite. Bounded in time; it
sends traffic only to 127.0.0.1.

    make bench                # or: .venv/bin/python benchmarks/run.py [--seconds 10] [--connections 8]
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GOALS = {"detail": 0.6, "list": 0.45}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
        return True
    except OSError:
        return False


def manage(env: dict, *args: str) -> str:
    return subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True,
                          text=True).stdout


def seed(env: dict) -> dict:
    """Makes the data to read and returns the key and ids (in a child process, with Django set up)."""
    script = """
import json, django
django.setup()
from tests.factories import make_tenant, make_key, make_rule, make_execution, add_steps, add_logs
tenant = make_tenant(name="Bench", slug="bench")
key = make_key(tenant=tenant, role="admin", username="bench")
rule = make_rule(tenant=tenant)
for _ in range(60):
    make_execution(tenant=tenant, rule=rule, status="completed")
execution = make_execution(tenant=tenant, rule=rule, status="running")
add_steps(execution, 20)
add_logs(execution, 500)
print(json.dumps({"key": key.key, "execution": str(execution.pk)}))
"""
    out = subprocess.run([PYTHON, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def store_floor_bodies(env: dict, bodies: dict[str, bytes]) -> None:
    url = env["DATABASE_URL"]
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE bench_floor (path text PRIMARY KEY, body text NOT NULL)")
            for path, body in bodies.items():
                conn.execute("INSERT INTO bench_floor VALUES (%s, %s)", (path, body.decode()))
    else:
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        conn.execute("CREATE TABLE bench_floor (path text PRIMARY KEY, body text NOT NULL)")
        conn.executemany("INSERT INTO bench_floor VALUES (?, ?)", [(p, b.decode()) for p, b in bodies.items()])
        conn.commit()
        conn.close()


def serve(app: str, port: int, env: dict, workers: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), app, "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "--chdir", str(ROOT)],
        env=env, cwd=ROOT,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"{app} did not start on port {port}")


def load(url: str, key: str, seconds: int, connections: int) -> float:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    out = subprocess.run(
        ["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds}s", "-H", f"x-api-key: {key}", url],
        check=True, capture_output=True, text=True,
    ).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        raise SystemExit(f"{url} answered {non_2xx.group(1)} errors under load:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    env = dict(os.environ, DEBUG="0", SECRET_KEY="bench-secret", API_KEY_PEPPER="bench-pepper",
               ALLOWED_HOSTS="127.0.0.1", THROTTLE_RATE="100000000/min", CACHE_DIR=str(workdir / "cache"),
               DJANGO_SETTINGS_MODULE="config.settings", PYTHONPATH=str(ROOT), LOG_LEVEL="WARNING")
    database = f"bench_{os.getpid()}"
    if postgres_reachable():
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{database}"
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {database}"],
                       check=True)
    else:
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    servers = []
    try:
        manage(env, "migrate", "--noinput", "-v0")
        data = seed(env)
        app_port, floor_port = free_port(), free_port()
        servers.append(serve("config.wsgi", app_port, env, args.workers))
        paths = {
            "detail": f"/api/v1/automation/executions/{data['execution']}",
            "list": "/api/v1/automation/executions?page_size=50",
        }
        bodies = {}
        for path in paths.values():
            request = urllib.request.Request(f"http://127.0.0.1:{app_port}{path}", headers={"x-api-key": data["key"]})
            bodies[path] = urllib.request.urlopen(request).read()
        store_floor_bodies(env, bodies)
        floor_env = dict(env, FLOOR_DATABASE_URL=env["DATABASE_URL"])
        servers.append(serve("benchmarks.floor:application", floor_port, floor_env, args.workers))

        engine = "PostgreSQL" if env["DATABASE_URL"].startswith("postgres") else "SQLite"
        print(f"{engine}, gunicorn {args.workers} workers, wrk 1 thread {args.connections} connections, "
              f"{args.seconds}s each")
        print(f"{'endpoint':<8} {'floor req/s':>12} {'app req/s':>10} {'share':>6} {'goal':>5}")
        for name, path in paths.items():
            floor = load(f"http://127.0.0.1:{floor_port}{path}", data["key"], args.seconds, args.connections)
            app = load(f"http://127.0.0.1:{app_port}{path}", data["key"], args.seconds, args.connections)
            print(f"{name:<8} {floor:>12.0f} {app:>10.0f} {app / floor:>6.2f} {GOALS[name]:>5.2f}")
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=10)
        if env["DATABASE_URL"].startswith("postgres"):
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc",
                            f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"], check=False)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
