"""Window counters shared by every worker process: in Redis with REDIS_URL (several machines), else
in an SQLite file under CACHE_DIR (the processes of one machine). The rate limit
(rbac/throttling.py) and the limit of failed authentications (rbac/brute_force.py) count here."""

import fcntl
import logging
import sqlite3
import threading
import time
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from redis.exceptions import RedisError

from config.metrics import RATE_STORE_ERRORS
from config.redis_client import redis_client

LOG = logging.getLogger("rbac.counters")
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@lru_cache
def parse_rate(rate: str, name: str = "THROTTLE_RATE") -> tuple[int, int]:
    """'6000/min' as (6000 requests, 60 seconds)."""
    try:
        count, period = rate.split("/")
        return int(count), PERIODS[period.strip()[0].lower()]
    except (ValueError, KeyError, IndexError):
        raise ImproperlyConfigured(f"{name} must look like 6000/min, not {rate!r}") from None


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
    """Window counters in Redis (REDIS_URL), which counts atomically: one INCRBY and the window's
    end as the key's expiry, in one round trip.

    Redis away fails open: the request is counted by this process alone (the limit then holds per
    process, not across them), the error is logged and counted, and the next batch tries again, so
    the service answers through an outage of Redis and shares its counts again once it is back."""

    def add(self, bucket: str, hits: int, expires: float) -> int:
        try:
            with redis_client(settings.REDIS_URL).pipeline() as pipe:
                # The expiry is the window's end (a second after it), the same at every add.
                count, _ = pipe.incrby(bucket, hits).expireat(bucket, int(expires) + 1).execute()
            return count
        except (RedisError, OSError) as error:
            RATE_STORE_ERRORS.inc()
            LOG.warning("The rate-limit store cannot be reached; counting in this process only: %s", error,
                        extra={"error": str(error)})
            return hits


_sqlite_counters = SqliteCounters()


def counters() -> "SqliteCounters | CacheCounters":
    return CacheCounters() if settings.REDIS_URL else _sqlite_counters


def window(rate: str, name: str, key: str) -> tuple[int, str, float, float]:
    """(limit, bucket, window end, now) of `key`'s current fixed window of `rate`."""
    limit, period = parse_rate(rate, name)
    now = time.time()
    current = int(now // period)
    return limit, f"{key}:{period}:{current}", (current + 1) * period, now
