"""The processes a benchmark or an end-to-end test runs: gunicorn serving the app or the floor on
loopback (as `make serve` runs it: start_gunicorn), management commands, and the resident memory of
a server's workers. Free of Django, so that a benchmark imports it before choosing its settings."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
# The log window of the detail, the same for the app and the floor.
LOG_LIMIT = "200"
START_SECONDS = 30
STOP_SECONDS = 10


def app_env(database_url: str, cache_dir: Path) -> dict:
    """The app as production runs it (DEBUG off, persistent connections), with a rate limit the
    load never reaches but still counts."""
    return dict(
        os.environ, DATABASE_URL=database_url, DEBUG="0", SECRET_KEY="bench-secret", API_KEY_PEPPER="bench-pepper",
        ALLOWED_HOSTS="127.0.0.1", THROTTLE_RATE="100000000/min", CACHE_DIR=str(cache_dir),
        DJANGO_SETTINGS_MODULE="config.settings", PYTHONPATH=str(ROOT), LOG_LEVEL="WARNING",
        EXECUTION_LOG_LIMIT=LOG_LIMIT,
    )


def floor_env(database_url: str, tenants: dict[str, str]) -> dict:
    return dict(os.environ, FLOOR_DATABASE_URL=database_url, FLOOR_TENANTS=json.dumps(tenants),
                PYTHONPATH=str(ROOT), EXECUTION_LOG_LIMIT=LOG_LIMIT)


def manage(env: dict, *args: str) -> str:
    """Runs a management command; returns what it printed."""
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A gunicorn master with sync workers, on 127.0.0.1."""

    name: str
    port: int
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers_rss_mb(self) -> list[float]:
        """Each worker's resident memory (VmRSS), in MB."""
        sizes = []
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
            except OSError:  # the process ended meanwhile
                continue
            if fields.get("PPid", "").strip() == str(self.process.pid) and "VmRSS" in fields:
                sizes.append(int(fields["VmRSS"].split()[0]) / 1024)
        return sorted(sizes)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=STOP_SECONDS)


def serve(name: str, wsgi: str, env: dict, workers: int) -> Server:
    """Starts gunicorn and returns once it accepts connections."""
    port = free_port()
    process = subprocess.Popen(
        [GUNICORN, wsgi, "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
         "--graceful-timeout", str(STOP_SECONDS // 2), "--chdir", str(ROOT)],
        env=env, cwd=ROOT,
        # Its own process group: a Ctrl-C reaches this script, which stops the server in order.
        start_new_session=True,
    )
    server = Server(name, port, process)
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} ({wsgi}) exited at start with status {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise SystemExit(f"{name} ({wsgi}) did not start on port {port} within {START_SECONDS}s")


# The app as operators run it: gunicorn.conf.py, production settings.

STRONG_SECRET = "k7Qz0-pV3xN9wL2sR8tY5uB1mC6dF4gH0jK3lZ7qW9eX2rT5yU8iO1pA4sD6fG"
PRODUCTION = {
    "DEBUG": "0", "SECRET_KEY": STRONG_SECRET, "API_KEY_PEPPER": "a-pepper-for-these-tests",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
}


def environment(tmp_path: Path, **more: str) -> dict:
    """The environment of the app as production runs it (DEBUG off, its secrets), on an SQLite
    database and a cache folder in `tmp_path`, with `more`."""
    env = {name: value for name, value in os.environ.items()
           if name not in ("DEBUG", "HTTPS", "METRICS_ENABLED", "METRICS_TOKEN", "PROMETHEUS_MULTIPROC_DIR")}
    env.update(PRODUCTION, CACHE_DIR=str(tmp_path / "cache"), DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    env.update(more)
    return env


def python(*args: str, env: dict) -> subprocess.CompletedProcess:
    """`python args` in the project's folder (manage.py, -m config.preflight), its output kept."""
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def get(url: str, with_headers: bool = False, **headers):
    """(status, body) of a GET, or (status, body, headers) `with_headers`."""
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=20) as answer:
            found = answer.status, answer.read(), answer.headers
    except urllib.error.HTTPError as error:
        found = error.code, error.read(), error.headers
    return found if with_headers else found[:2]


def answers(url: str) -> bool:
    try:
        return get(url)[0] == 200
    except OSError:
        return False


@contextmanager
def start_gunicorn(env: dict, folder: Path):
    """gunicorn as `make serve` runs it (gunicorn.conf.py) with `env`, up once both its workers
    have booted (a stop while one boots is not the graceful one tested)."""
    port = free_port()
    log = folder / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen([GUNICORN, "-c", "gunicorn.conf.py",
                                   "config.wsgi"], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                  env={**env, "PORT": str(port), "PROMETHEUS_MULTIPROC_DIR": str(folder / "metrics")})
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    workers = int(env.get("WEB_CONCURRENCY", "1"))
    try:  # stopped however it ends, a boot that times out too
        while log.read_text().count("Booting worker") < workers or not answers(f"{base}/healthz"):
            assert time.monotonic() < deadline and server.poll() is None, log.read_text()
            time.sleep(0.1)
        yield SimpleNamespace(base=base, log=log, server=server)
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=40)
