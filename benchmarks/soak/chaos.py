"""Faults for `make soak CHAOS=1`: a throwaway PostgreSQL cluster of the run's own, and a schedule
of kill -9 of a gunicorn worker, pg_terminate_backend of the database's connections and one
`pg_ctl restart -m fast`, each timed and followed by how long the service took to answer again."""

import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
KILL, TERMINATE, RESTART = "kill -9 a worker", "terminate backends", "restart PostgreSQL"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    """A PostgreSQL cluster in a temporary folder, on a free port, owned by the `postgres` user
    when this runs as root (PostgreSQL refuses to run as root). Never the machine's shared one."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="soak-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")

    @property
    def server_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}"

    def _pg_ctl(self, *args: str) -> float:
        started = time.monotonic()
        subprocess.run([*self.as_postgres, str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60",
                        "-l", str(self.folder / "postgres.log"), *args], check=True, capture_output=True, timeout=90)
        return time.monotonic() - started

    def _options(self) -> str:
        return f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c max_connections=100"

    def start(self) -> None:
        subprocess.run([*self.as_postgres, str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                        "--auth=trust", "--encoding=UTF8", "--no-instructions"],
                       check=True, capture_output=True, timeout=120)
        self._pg_ctl("-o", self._options(), "start")

    def restart(self) -> float:
        """`pg_ctl restart -m fast`; returns the seconds it took."""
        return self._pg_ctl("-o", self._options(), "-m", "fast", "restart")

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._pg_ctl("-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class Fault:
    kind: str
    at: float  # seconds into the run
    started: float = 0.0  # time.monotonic()
    detail: str = ""
    # Filled in afterwards from the prober and the clients' calls.
    recovered_after: float | None = None
    failed_calls: dict = field(default_factory=dict)


def schedule(seconds: float, *, restart: bool = True) -> list[Fault]:
    """kill -9 every 20 s, terminate every 30 s (offset so that they never coincide), one restart
    a little past the middle."""
    faults = [Fault(KILL, at) for at in range(10, int(seconds) - 5, 20)]
    faults += [Fault(TERMINATE, at) for at in range(15, int(seconds) - 5, 30)]
    if restart:
        faults.append(Fault(RESTART, round(seconds * 0.55) + 2.5))
    return sorted(faults, key=lambda fault: fault.at)


class Chaos(threading.Thread):
    """Makes each fault at its time. `workers()` gives the gunicorn workers' pids; `database_url`
    reaches the run's database (its backends are terminated; the control connection is not one of
    them); `cluster` is restarted for RESTART."""

    def __init__(self, faults: list[Fault], *, workers, admin_url: str, database: str,
                 cluster: Cluster | None, stopping: threading.Event):
        super().__init__(name="chaos", daemon=True)
        self.faults, self.workers, self.admin_url, self.database = faults, workers, admin_url, database
        self.cluster, self.stopping = cluster, stopping
        self.random = random.Random(7)
        self.failure: BaseException | None = None

    def run(self) -> None:
        begun = time.monotonic()
        try:
            for fault in self.faults:
                if self.stopping.wait(max(0.0, begun + fault.at - time.monotonic())):
                    return
                fault.started = time.monotonic()
                fault.detail = getattr(self, "_" + fault.kind.split()[0])()
        except BaseException as error:
            self.failure = error

    def _kill(self) -> str:
        before = self.workers()
        victim = self.random.choice(before)
        os.kill(victim, signal.SIGKILL)
        killed = time.monotonic()
        while time.monotonic() < killed + 30:
            now = self.workers()
            if victim not in now and len(now) >= len(before):
                return (f"worker {victim} killed; gunicorn started {sorted(set(now) - set(before))[0]} "
                        f"{time.monotonic() - killed:.1f} s later")
            time.sleep(0.05)
        return f"worker {victim} killed; no replacement within 30 s"

    def _terminate(self) -> str:
        with psycopg.connect(self.admin_url, autocommit=True) as control:
            killed = control.execute("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                                     "WHERE datname = %s AND pid <> pg_backend_pid()", [self.database]).fetchone()[0]
        return f"{killed} backends of {self.database} terminated"

    def _restart(self) -> str:
        if self.cluster is None:
            return "no cluster of its own: restart skipped"
        return f"pg_ctl restart -m fast took {self.cluster.restart():.1f} s"


def recovery(faults: list[Fault], samples: list[tuple[float, int]], calls, end: float) -> None:
    """For each fault: the seconds until the prober's reads answered 2xx again and stayed so (0
    when no probe failed), and the clients' calls that failed between it and the next fault."""
    made = [fault for fault in faults if fault.started]
    for index, fault in enumerate(made):
        until = made[index + 1].started if index + 1 < len(made) else end
        window = [(at, status) for at, status in samples if fault.started <= at < until]
        failures = [at for at, status in window if not 200 <= status < 300]
        if not failures:
            fault.recovered_after = 0.0
        else:
            back = [at for at, status in window if at > failures[-1] and 200 <= status < 300]
            fault.recovered_after = back[0] - fault.started if back else None
        failed = {}
        for call in calls:
            # By when the answer came: a request sent before the fault may be the one it broke.
            if fault.started <= call.at + call.seconds < until and not 200 <= call.status < 500:
                label = "no answer" if call.status == 0 else str(call.status)
                failed[label] = failed.get(label, 0) + 1
        fault.failed_calls = failed
