import fcntl
import logging
import math
import sqlite3
import threading
import time
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from redis.exceptions import RedisError
from rest_framework.throttling import BaseThrottle

from config.metrics import RATE_STORE_ERRORS
from rbac.authentication import KeyContext

LOG = logging.getLogger("rbac.throttling")
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@lru_cache
def parse_rate(rate: str) -> tuple[int, int]:
    """'6000/min' as (6000 requests, 60 seconds)."""
    try:
        count, period = rate.split("/")
        return int(count), PERIODS[period.strip()[0].lower()]
    except (ValueError, KeyError, IndexError):
        raise ImproperlyConfigured(f"THROTTLE_RATE must look like 6000/min, not {rate!r}") from None


class SqliteCounters:
    """Window counters in one SQLite file shared by the worker processes of a machine.

    One upsert per request counts atomically across processes (the file cache's read-then-write
    lost counts and cost a rename per request). The counts are disposable: no fsync."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        path = Path(settings.CACHE_DIR) / "throttle.sqlite3"
        connection = getattr(self._local, "connection", None)
        if connection is None or self._local.path != path:
            path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
            # Switching to WAL takes an exclusive lock that a busy timeout does not wait for: one
            # process at a time sets the file up.
            with open(path.with_suffix(".lock"), "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("CREATE TABLE IF NOT EXISTS counters "
                                   "(bucket TEXT PRIMARY KEY, count INTEGER NOT NULL, expires REAL NOT NULL)")
            connection.execute("PRAGMA synchronous=OFF")
            self._local.connection, self._local.path = connection, path
        return connection

    def add(self, bucket: str, hits: int, expires: float) -> int:
        """Adds `hits` to the bucket's count and returns the new count."""
        connection = self._connection()
        # IMMEDIATE takes the write lock first (waiting for it), so that no other writer can
        # commit between this one's read and its write.
        connection.execute("BEGIN IMMEDIATE")
        try:
            (count,) = connection.execute(
                "INSERT INTO counters (bucket, count, expires) VALUES (?, ?, ?) "
                "ON CONFLICT (bucket) DO UPDATE SET count = count + excluded.count RETURNING count",
                (bucket, hits, expires),
            ).fetchone()
            if count == hits:  # a new window: drop the ended ones
                connection.execute("DELETE FROM counters WHERE expires < ?", (time.time(),))
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        return count


class CacheCounters:
    """Window counters in the Django cache (Redis counts atomically).

    Redis away fails open: the request is counted by this process alone (the limit then holds per
    process, not across them), the error is logged and counted, and the next batch tries again, so
    the service answers through an outage of Redis and shares its counts again once it is back."""

    def add(self, bucket: str, hits: int, expires: float) -> int:
        timeout = max(1, int(expires - time.time()) + 1)
        try:
            cache.add(bucket, 0, timeout=timeout)
            try:
                return cache.incr(bucket, hits)
            except ValueError:  # expired between add and incr
                cache.set(bucket, hits, timeout=timeout)
                return hits
        except (RedisError, OSError) as error:
            RATE_STORE_ERRORS.inc()
            LOG.warning("The rate-limit store cannot be reached; counting in this process only: %s", error,
                        extra={"error": str(error)})
            return hits


class BatchedCounters:
    """Counts a process's hits in memory and adds them to the shared store in batches of 1 % of
    the limit (every hit under a limit of 100 or less), so that a request costs no store write.

    A process sees the others' hits when it adds its own batch, so each may admit up to one batch
    beyond the limit before it learns that the limit is reached: with W processes the rate holds
    within W % of the limit (exactly, for limits up to 100)."""

    def __init__(self) -> None:
        # bucket -> [count the store last gave, hits not yet added, window end]
        self._buckets: dict[str, list] = {}
        self._lock = threading.Lock()

    def hit(self, store, bucket: str, expires: float, limit: int) -> int:
        """Counts one hit; returns the bucket's count as far as this process knows it."""
        batch = max(1, limit // 100)
        with self._lock:
            state = self._buckets.get(bucket)
            if state is None:
                self._forget_ended()
                state = self._buckets[bucket] = [0, 0, expires]
            state[1] += 1
            if state[1] < batch:
                return state[0] + state[1]
            hits, state[1] = state[1], 0
        shared = store.add(bucket, hits, expires)
        with self._lock:
            state[0] = max(state[0], shared)
            return state[0] + state[1]

    def known(self, bucket: str) -> int:
        """The bucket's count as far as this process knows it, counting nothing."""
        state = self._buckets.get(bucket)
        return 0 if state is None else state[0] + state[1]

    def _forget_ended(self) -> None:
        now = time.time()
        for bucket in [b for b, (_, _, expires) in self._buckets.items() if expires < now]:
            del self._buckets[bucket]


_sqlite_counters = SqliteCounters()
_batched = BatchedCounters()


def counters() -> SqliteCounters | CacheCounters:
    return CacheCounters() if settings.REDIS_URL else _sqlite_counters


def _window(prefix: str) -> tuple[int, str, float, float]:
    """(limit, bucket, window end, now) of a key's current window."""
    limit, period = parse_rate(settings.THROTTLE_RATE)
    now = time.time()
    window = int(now // period)
    return limit, f"throttle:{prefix}:{period}:{window}", (window + 1) * period, now


def rate_headers(prefix: str, count: int | None = None) -> dict[str, str]:
    """The IETF draft's RateLimit-Limit, -Remaining and -Reset of a key's window: after `count`
    requests, or as far as this worker knows the count (a request that the throttle did not see)."""
    limit, bucket, window_end, now = _window(prefix)
    if count is None:
        count = _batched.known(bucket)
    return {"RateLimit-Limit": str(limit), "RateLimit-Remaining": str(max(0, limit - count)),
            "RateLimit-Reset": str(max(1, math.ceil(window_end - now)))}


class ApiKeyRateThrottle(BaseThrottle):
    """A fixed-window request count per key, shared by every worker process."""

    def allow_request(self, request, view) -> bool:
        context = request.auth
        if not isinstance(context, KeyContext):
            return True
        limit, bucket, window_end, now = _window(context.prefix)
        count = _batched.hit(counters(), bucket, window_end, limit)
        self._wait = window_end - now
        # Kept on the Django request, which the answer's finalize_response reads (ApiViewSet).
        getattr(request, "_request", request).rate_headers = rate_headers(context.prefix, count)
        return count <= limit

    def wait(self) -> float:
        return self._wait
