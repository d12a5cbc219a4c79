"""A throwaway database stack on loopback for tests and benchmarks: a PostgreSQL 15 primary, a
streaming replica of it, PgBouncer in transaction pooling in front of the primary, and a
redis-server, each on a free 127.0.0.1 port, all in a temporary folder of their own.

    with Stack() as stack:
        stack.url("bouncer")      # postgres://postgres@127.0.0.1:<port>/app
        stack.sql("replica", "SELECT pg_is_in_recovery()")

The point is to exercise what production runs (a pooler in transaction mode, reads from a replica
that lags, Redis going away) with the real programs rather than with stand-ins, without touching
the machine's own PostgreSQL (5432) or Redis (6379). Everything the stack starts is stopped and its
folder removed at exit, also when the start fails half-way.

initdb, postgres and pgbouncer refuse to run as root, and CI runs as root: there they run as the
`postgres` user, through subprocess's `user=`/`group=` rather than `runuser`, so that the pid of
the foreground pgbouncer is the one the stack terminates. That user must reach the stack's
folder, which is why it is made with `tempfile.mkdtemp()` under /tmp by default: pytest's
`tmp_path` lies under /tmp/pytest-of-root, which is mode 700 for root, so the postgres user could
not enter it.
"""

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Self

import psycopg

from benchmarks.servers import free_port

WAIT_SECONDS = 30
STOP_SECONDS = 10
LOG_TAIL_LINES = 20
PG_KINDS = ("primary", "replica", "bouncer")
# The users a stack lets in without a password (trust): only loopback reaches its ports.
PG_HBA = """\
local all all trust
local replication all trust
host all all 127.0.0.1/32 trust
host replication all 127.0.0.1/32 trust
"""


def _pg_bin() -> Path:
    """PostgreSQL 15's programs: PG_BIN, else Debian's folder, else what pg_config says."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    debian = Path("/usr/lib/postgresql/15/bin")
    if debian.is_dir():
        return debian
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        return Path(subprocess.run(["pg_config", "--bindir"], check=True, capture_output=True, text=True,
                                   timeout=10).stdout.strip())
    return debian


PG_BIN = _pg_bin()
# /usr/sbin is not on a non-root user's PATH on Debian.
PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def missing_tools() -> list[str]:
    """The programs the stack needs that this machine lacks (empty when it can start)."""
    needed = {"initdb": PG_BIN / "initdb", "pg_ctl": PG_BIN / "pg_ctl", "pg_basebackup": PG_BIN / "pg_basebackup",
              "pgbouncer": Path(PGBOUNCER), "redis-server": Path(REDIS_SERVER)}
    missing = [name for name, path in needed.items() if not os.access(path, os.X_OK)]
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            missing.append("a postgres user (PostgreSQL refuses to run as root)")
    return missing


class StackError(RuntimeError):
    """A part of the stack did not start or stop in time; the message ends with its log's tail."""


def _tail(log: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = log.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return f"(no log at {log})"
    return f"last lines of {log}:\n" + "\n".join(text)


class Stack:
    """The stack, started by `with Stack() as stack:` and stopped at the block's end.

    Ports: `primary_port`, `replica_port`, `bouncer_port`, `redis_port`. `folder` is the stack's
    own folder, made with `tempfile.mkdtemp()` inside `parent` (the system's temporary folder by
    default; as root it must be one the postgres user can enter) and removed at exit.
    """

    def __init__(self, parent: str | Path | None = None):
        self.parent = parent
        self.folder: Path | None = None
        self.primary_port = free_port()
        self.replica_port = free_port()
        self.bouncer_port = free_port()
        self.redis_port = free_port()
        self._as_postgres: dict[str, Any] = (
            {"user": "postgres", "group": "postgres", "extra_groups": []} if os.geteuid() == 0 else {})
        self._bouncer: subprocess.Popen | None = None
        self._redis: subprocess.Popen | None = None
        self._teardown = contextlib.ExitStack()

    # Addresses and queries

    def url(self, kind: str, database: str = "app") -> str:
        """`postgres://postgres@127.0.0.1:<port>/<database>` of "primary", "replica" or "bouncer"."""
        return f"postgres://postgres@127.0.0.1:{self._port(kind)}/{database}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def sql(self, kind: str, statement: str, params: Sequence[Any] = (), database: str = "app") -> list[tuple]:
        """Runs one statement on a connection of its own (autocommit) to `kind` ("primary",
        "replica" or "bouncer"); returns its rows, [] for a statement without rows. Without
        params the statement goes by the simple query protocol, which PgBouncer's admin console
        (database "pgbouncer") requires."""
        with psycopg.connect(self.url(kind, database), autocommit=True, connect_timeout=5) as connection:
            cursor = connection.execute(statement, params or None)
            return cursor.fetchall() if cursor.description else []

    # Faults

    def stop_replica(self) -> None:
        """Stops the replica (fast: its sessions are disconnected); its port then refuses."""
        self._pg_ctl("replica", "-m", "fast", "stop")

    def start_replica(self) -> None:
        """Starts the stopped replica again on the same port; returns once it streams again."""
        self._pg_ctl("replica", "start")
        self._wait_streaming()

    def stop_redis(self) -> None:
        """Stops redis-server; its port then refuses."""
        if self._redis is not None:
            self._stop_process(self._redis, "redis-server")
            self._redis = None

    def start_redis(self) -> None:
        """Starts redis-server again on the same port (empty: nothing is saved); returns once it
        answers PING."""
        if self._redis is None:
            self._redis = self._start_redis()

    def wait_replayed(self, timeout: float = 10) -> None:
        """Returns once the replica has replayed everything the primary had written when called."""
        written = self.sql("primary", "SELECT pg_current_wal_lsn()")[0][0]
        self._wait(lambda: self.sql("replica", "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [written])[0][0],
                   f"the replica to replay up to {written}", self._log("replica"), timeout)

    # Start and stop

    def __enter__(self) -> Self:
        try:
            self._start()
        except BaseException:
            self._teardown.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        # In the reverse order of the start: pgbouncer, redis, the replica, the primary, the folder.
        self._teardown.close()

    def _start(self) -> None:
        missing = missing_tools()
        if missing:
            raise StackError(f"cannot start the stack: {', '.join(missing)} not found")
        self.folder = Path(tempfile.mkdtemp(prefix="stack-", dir=self.parent))
        self._teardown.callback(shutil.rmtree, self.folder, ignore_errors=True)
        self.sockets.mkdir()
        (self.folder / "redis").mkdir()
        if self._as_postgres:
            for path in (self.folder, self.sockets):
                shutil.chown(path, "postgres", "postgres")
            reachable = subprocess.run(["test", "-w", str(self.folder)], timeout=10, **self._as_postgres)
            if reachable.returncode:
                raise StackError(f"the postgres user cannot reach {self.folder}: give a parent folder it can enter "
                                 "(pytest's tmp_path lies in a folder of root's with mode 700)")

        self._start_primary()
        self._start_replica()
        self._redis = self._start_redis()
        self._teardown.callback(self.stop_redis)
        self._start_bouncer()

    @property
    def sockets(self) -> Path:
        """The Unix sockets' folder of PostgreSQL and PgBouncer (not /var/run/postgresql, the machine's)."""
        return self._folder() / "sockets"

    def _start_primary(self) -> None:
        data = self._data("primary")
        # --no-sync here and in pg_basebackup: a throwaway cluster need not wait for the disk (half its start).
        self._run([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "--encoding=UTF8",
                   "--no-sync", "--no-instructions"], "initdb", as_postgres=True)
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(f"""
# benchmarks/stack.py: a throwaway primary on loopback, fast rather than durable.
listen_addresses = '127.0.0.1'
port = {self.primary_port}
unix_socket_directories = '{self.sockets}'
max_connections = 200
shared_buffers = 32MB
wal_level = replica
max_wal_senders = 8
max_replication_slots = 8
hot_standby = on
fsync = off
full_page_writes = off
""")
        (data / "pg_hba.conf").write_text(PG_HBA)
        self._teardown.callback(self._pg_stop_immediate, "primary")
        self._pg_ctl("primary", "start")
        self.sql("primary", "CREATE DATABASE app OWNER postgres", database="postgres")

    def _start_replica(self) -> None:
        data = self._data("replica")
        # -C -S: a replication slot keeps on the primary the WAL a stopped replica has not received yet.
        self._run([str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres",
                   "-D", str(data), "-R", "-X", "stream", "-c", "fast", "-C", "-S", "stack_replica", "--no-sync"],
                  "pg_basebackup", as_postgres=True)
        # postgresql.auto.conf is read after postgresql.conf (the primary's copy): its port wins.
        with (data / "postgresql.auto.conf").open("a") as conf:
            conf.write(f"port = {self.replica_port}\n")
        self._teardown.callback(self._pg_stop_immediate, "replica")
        self._pg_ctl("replica", "start")
        self._wait_streaming()

    def _start_bouncer(self) -> None:
        folder = self._folder()
        ini, users, log = folder / "pgbouncer.ini", folder / "userlist.txt", self._log("bouncer")
        users.write_text('"postgres" ""\n')
        ini.write_text(f"""\
[databases]
; Any database name, also one created later (pytest-django's test_app), goes to the primary.
* = host=127.0.0.1 port={self.primary_port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {self.bouncer_port}
unix_socket_dir = {self.sockets}
auth_type = trust
auth_file = {users}
admin_users = postgres
pool_mode = transaction
max_client_conn = 500
default_pool_size = 8
; Startup parameters PgBouncer would otherwise refuse the client for. Ignored means dropped: a
; client's options=-c ... has no effect through PgBouncer (SET it in the transaction instead).
ignore_startup_parameters = extra_float_digits,options
logfile = {log}
pidfile = {folder / "pgbouncer.pid"}
""")
        if self._as_postgres:
            for path in (ini, users):
                shutil.chown(path, "postgres", "postgres")
        # In the foreground (no -d): the stack holds its pid and terminates it.
        self._bouncer = subprocess.Popen([PGBOUNCER, str(ini)], cwd=folder, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                         start_new_session=True, **self._as_postgres)
        self._teardown.callback(self._stop_process, self._bouncer, "pgbouncer")
        self._wait(lambda: self._answers_sql("bouncer"), "pgbouncer to accept connections", log,
                   process=self._bouncer)

    def _start_redis(self) -> subprocess.Popen:
        log = self._log("redis")
        process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self._folder() / "redis"), "--logfile", str(log), "--daemonize", "no"],
            cwd=self._folder(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        try:
            self._wait(self._redis_answers, "redis-server to answer PING", log, process=process)
        except BaseException:
            self._stop_process(process, "redis-server")
            raise
        return process

    # Helpers

    def _folder(self) -> Path:
        if self.folder is None:
            raise StackError("the stack is not started: use it as `with Stack() as stack:`")
        return self.folder

    def _data(self, kind: str) -> Path:
        return self._folder() / kind

    def _log(self, kind: str) -> Path:
        return self._folder() / f"{kind}.log"

    def _port(self, kind: str) -> int:
        if kind not in PG_KINDS:
            raise ValueError(f"kind must be one of {', '.join(PG_KINDS)}, not {kind!r}")
        return getattr(self, f"{kind}_port")

    def _run(self, command: list[str], name: str, *, as_postgres: bool = False, log: Path | None = None,
             timeout: float = WAIT_SECONDS) -> None:
        try:
            subprocess.run(command, check=True, capture_output=True, text=True, timeout=timeout,
                           cwd=self._folder(), **(self._as_postgres if as_postgres else {}))
        except subprocess.CalledProcessError as error:
            raise StackError(f"{name} failed with status {error.returncode}:\n{error.stderr}{error.stdout}\n"
                             + (_tail(log) if log else "")) from None
        except subprocess.TimeoutExpired:
            raise StackError(f"{name} did not finish within {timeout:.0f} s\n" + (_tail(log) if log else "")) from None

    def _pg_ctl(self, kind: str, *args: str) -> None:
        """pg_ctl on the primary's or the replica's data folder, waiting (-w) up to WAIT_SECONDS."""
        self._run([str(PG_BIN / "pg_ctl"), "-D", str(self._data(kind)), "-l", str(self._log(kind)), "-w",
                   "-t", str(WAIT_SECONDS), *args], f"pg_ctl {args[-1]} of the {kind}", as_postgres=True,
                  log=self._log(kind), timeout=WAIT_SECONDS + 5)

    def _pg_stop_immediate(self, kind: str) -> None:
        # At teardown nothing needs to survive: no checkpoint, no waiting for sessions.
        if (self._data(kind) / "postmaster.pid").exists():
            self._pg_ctl(kind, "-m", "immediate", "stop")

    def _wait_streaming(self) -> None:
        self._wait(lambda: self._answers_sql("replica", "SELECT status = 'streaming' FROM pg_stat_wal_receiver"),
                   "the replica to stream from the primary", self._log("replica"))

    def _answers_sql(self, kind: str, query: str = "SELECT true") -> bool:
        try:
            rows = self.sql(kind, query, database="postgres")
        except psycopg.OperationalError:
            return False
        return bool(rows and rows[0][0])

    def _redis_answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.redis_port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    @staticmethod
    def _wait(ready: Callable[[], bool], what: str, log: Path, timeout: float = WAIT_SECONDS,
              process: subprocess.Popen | None = None) -> None:
        """Polls `ready()` until true; a StackError with the log's tail after `timeout` seconds, or
        as soon as `process` exits."""
        deadline = time.monotonic() + timeout
        while not ready():
            if process is not None and process.poll() is not None:
                raise StackError(f"waiting for {what}: it exited with status {process.returncode}\n{_tail(log)}")
            if time.monotonic() > deadline:
                raise StackError(f"waiting for {what}: not within {timeout:.0f} s\n{_tail(log)}")
            time.sleep(0.05)

    @staticmethod
    def _stop_process(process: subprocess.Popen, name: str) -> None:
        if process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_SECONDS)
