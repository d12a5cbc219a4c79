"""Reads from streaming replicas (DATABASE_REPLICA_URL): the API's GETs and the admin's lists.

ReplicaMiddleware decides once per request whether it may read from a replica, and which one;
ReplicaRouter applies that to every query, so views and selectors know nothing of it. The
guarantees, each for users' data:

- A client sees its own writes: a key (or staff user) that sent a write in the last
  REPLICA_STICKY_SECONDS reads from the primary. The write is remembered in Redis with REDIS_URL
  (so on every server), else in the process's memory; with Redis away, reads go to the primary.
- Nothing stale past REPLICA_MAX_LAG_SECONDS: a replica is checked at most once a second per
  process, and one that lags more (cut off from the primary, it falls behind at the primary's
  next write), has not yet been seen current by this process, or cannot be reached is skipped. A
  GET whose replica fails mid-request is answered again from the primary: the client sees no
  error.
- Writes, reads inside a transaction (select_for_update, the idempotency checks) and every
  request but a GET or HEAD go to the primary, and so do the tables that authenticate a request
  (keys, users, sessions, tenants): a new key or login works at once.

The settings refuse a lag bound that could outlast the sticky window (config/settings.py)."""

import hashlib
import logging
import random
import time
from collections import deque
from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from redis.exceptions import RedisError

from config.metrics import REPLICA_LAG, REPLICA_ROUTES
from config.redis_client import redis_client

LOG = logging.getLogger("config.replicas")
# The apps whose reads may come from a replica: the executions and what hangs off them.
REPLICA_APPS = frozenset({"executions", "webhooks"})
CHECK_INTERVAL = 1.0
UNREACHABLE_INTERVAL = 5.0
SAFE_METHODS = frozenset({"GET", "HEAD"})
# How far each server has got in the WAL, in bytes: the primary has written up to PRIMARY_LSN_SQL,
# a replica has replayed up to REPLICA_LSN_SQL (NULL: not a replica). A replica that has replayed
# what the primary had written at time t holds every commit made before t: its lag is the time
# since the newest such t (the replica's own clocks, such as its last replayed commit's time, say
# nothing of a primary that is merely idle, and its received position runs ahead of what it replays).
PRIMARY_LSN_SQL = "SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint"
REPLICA_LSN_SQL = "SELECT (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint"

# The replica the current request reads from; None: the primary.
_reading: ContextVar[str | None] = ContextVar("replica_reading", default=None)


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias != DEFAULT_DB_ALIAS]


class ReplicaRouter:
    """Sends a query to the request's replica when it reads an app of REPLICA_APPS outside any
    transaction; everything else to the primary. Migrations run on the primary only."""

    def db_for_read(self, model, **hints) -> str:
        alias = _reading.get()
        if alias is None or model._meta.app_label not in REPLICA_APPS \
                or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return alias

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the replicas hold the primary's rows

    def allow_migrate(self, db, app_label, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS


def _lsn(alias: str, sql: str) -> int | None:
    with connections[alias].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


class Health:
    """Whether each replica may take reads: checked at most once a CHECK_INTERVAL per process, or
    once an UNREACHABLE_INTERVAL while it cannot be reached (a replica whose host is down costs a
    connection time-out, 2 s, to the request that checks it).

    Each check notes the primary's WAL position with the time, then reads how far the replica has
    replayed; the notes of the last REPLICA_MAX_LAG_SECONDS + 2 are kept to date it."""

    def __init__(self, aliases: list[str]) -> None:
        self.aliases = aliases
        self._next: dict[str, tuple[float, bool]] = {}  # alias -> (when to check again, fit)
        self._written: deque[tuple[float, int]] = deque()  # (monotonic time, the primary's position)

    def pick(self) -> str | None:
        """A replica fit to read from, at random among them; None when there is none."""
        now = time.monotonic()
        fit = [alias for alias in self.aliases if self._fit(alias, now)]
        return random.choice(fit) if fit else None  # nosec B311: spreading load, not a secret

    def failed(self, alias: str) -> None:
        """A query on `alias` failed: skipped until its next check."""
        self._next[alias] = (time.monotonic() + CHECK_INTERVAL, False)
        connections[alias].close_if_unusable_or_obsolete()

    def state(self, alias: str, now: float) -> str:
        """'fit (lag 0.0 s)', or why `alias` is skipped, in words."""
        try:
            self._note_primary(now)
            replayed = _lsn(alias, REPLICA_LSN_SQL)
        except DatabaseError as error:
            connections[alias].close()  # reconnects at the next check
            REPLICA_LAG.labels(alias).set(float("inf"))
            first_line = (str(error).strip().splitlines() or ["no answer"])[0]
            return f"skipped: it cannot be reached ({first_line})"
        if replayed is None:
            REPLICA_LAG.labels(alias).set(float("inf"))
            return "skipped: it is not a replica (not in recovery)"
        current_as_of = max((at for at, written in self._written if written <= replayed), default=None)
        lag = float("inf") if current_as_of is None else now - current_as_of
        REPLICA_LAG.labels(alias).set(lag)
        if lag > settings.REPLICA_MAX_LAG_SECONDS:
            behind = "more than" if current_as_of is None else f"{lag:.1f} s,"
            return f"skipped: behind the primary by {behind} REPLICA_MAX_LAG_SECONDS " \
                   f"({settings.REPLICA_MAX_LAG_SECONDS})"
        return f"fit (lag {lag:.1f} s)"

    def _note_primary(self, now: float) -> None:
        if not self._written or self._written[-1][0] < now:
            self._written.append((now, _lsn(DEFAULT_DB_ALIAS, PRIMARY_LSN_SQL)))
        while self._written[0][0] < now - settings.REPLICA_MAX_LAG_SECONDS - 2:
            self._written.popleft()

    def _fit(self, alias: str, now: float) -> bool:
        check_at, fit = self._next.get(alias, (float("-inf"), False))
        if now >= check_at:
            state = self.state(alias, now)
            fit = state.startswith("fit")
            if not fit:
                LOG.warning("replica %s %s", alias, state)
            unreachable = "cannot be reached" in state
            self._next[alias] = (now + (UNREACHABLE_INTERVAL if unreachable else CHECK_INTERVAL), fit)
        return fit


def replica_state(alias: str, wait: float = 0.0) -> str:
    """What a check of `alias` finds now, in words, having given it up to `wait` seconds to
    replay what the primary has written."""
    health, started = Health([alias]), time.monotonic()
    state = health.state(alias, started)
    while state.startswith("skipped: behind") and time.monotonic() - started < wait:
        time.sleep(0.1)
        state = health.state(alias, started)  # dated from the start: the lag so far
        if state.startswith("fit"):
            state = f"fit (lag {time.monotonic() - started:.1f} s at most)"
    return state


def writer_of(request) -> str | None:
    """Who a request acts for, as remembered for read-your-writes: its API key (a digest of the
    header, never the key) or its staff user; None for an anonymous request."""
    raw = request.META.get("HTTP_X_API_KEY")
    if raw:
        return "key:" + hashlib.sha256(raw.encode()).hexdigest()[:32]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


class RecentWriters:
    """Who wrote in the last REPLICA_STICKY_SECONDS: in Redis with REDIS_URL (every server sees
    every write), else in this process's memory."""

    def __init__(self) -> None:
        self._local: dict[str, float] = {}

    def remember(self, writer: str) -> None:
        if settings.REDIS_URL:
            try:
                redis_client(settings.REDIS_URL).set(f"replica-sticky:{writer}", 1, ex=settings.REPLICA_STICKY_SECONDS)
            except RedisError:
                # Its next reads may then come from a replica a moment behind, unless Redis is still
                # away when they come (below): said in the log and the metrics.
                LOG.warning("a write could not be remembered for read-your-writes: Redis cannot be reached")
                REPLICA_ROUTES.labels("cache_error").inc()
            return
        now = time.monotonic()
        if len(self._local) > 10_000:  # bounded: the ended windows go
            self._local = {name: until for name, until in self._local.items() if until > now}
        self._local[writer] = now + settings.REPLICA_STICKY_SECONDS

    def recent(self, writer: str) -> bool:
        if settings.REDIS_URL:
            try:
                return bool(redis_client(settings.REDIS_URL).exists(f"replica-sticky:{writer}"))
            except RedisError:
                return True  # not knowing, the primary: never an older view of the client's own writes
        return self._local.get(writer, 0.0) > time.monotonic()


def _may_read_from_replica(request) -> bool:
    if request.method not in SAFE_METHODS:
        return False
    if request.path_info.startswith("/api/"):
        return True
    match = request.resolver_match  # the admin's list pages only, not the forms that edit a row
    return match is not None and match.namespace == "admin" and (match.url_name or "").endswith("_changelist")


class ReplicaMiddleware:
    """Routes a request's reads (see the module's docstring); not used without replicas."""

    def __init__(self, get_response):
        aliases = replica_aliases()
        if not aliases:
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.health = Health(aliases)
        self.writers = RecentWriters()

    def __call__(self, request):
        request.replica = None
        response = self.get_response(request)
        alias = request.replica
        if alias is not None:
            _reading.set(None)
            if connections[alias].errors_occurred:
                # The replica failed under this GET (stopped, a conflict with its recovery): the
                # same request again, from the primary.
                LOG.warning("replica %s failed during a read; answered from the primary", alias)
                self.health.failed(alias)
                REPLICA_ROUTES.labels("retried").inc()
                request.replica_failed = True
                response = self.get_response(request)
                _reading.set(None)
        elif request.method not in SAFE_METHODS:
            writer = writer_of(request)
            if writer is not None:
                self.writers.remember(writer)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        _reading.set(None)
        if getattr(request, "replica_failed", False) or not _may_read_from_replica(request):
            return None
        writer = writer_of(request)
        if writer is not None and self.writers.recent(writer):
            REPLICA_ROUTES.labels("sticky").inc()
            return None
        alias = self.health.pick()
        if alias is None:
            REPLICA_ROUTES.labels("no_replica").inc()
            return None
        REPLICA_ROUTES.labels("replica").inc()
        connections[alias].errors_occurred = False  # what is looked at after the view: this request's only
        request.replica = alias
        _reading.set(alias)
        return None
