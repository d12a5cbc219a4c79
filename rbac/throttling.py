import fcntl
import os
import time
from contextlib import contextmanager
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.filebased import FileBasedCache
from django.core.exceptions import ImproperlyConfigured
from rest_framework.throttling import BaseThrottle

from rbac.authentication import KeyContext

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@lru_cache
def parse_rate(rate: str) -> tuple[int, int]:
    """'6000/min' as (6000 requests, 60 seconds)."""
    try:
        count, period = rate.split("/")
        return int(count), PERIODS[period.strip()[0].lower()]
    except (ValueError, KeyError, IndexError):
        raise ImproperlyConfigured(f"THROTTLE_RATE must look like 6000/min, not {rate!r}") from None


@contextmanager
def counter_lock():
    """Holds an exclusive lock across processes while a count is read and written back.

    The file cache's add() and incr() each read a file and then write it, so workers counting at
    once lose each other's counts (two processes passed 1.4x the rate). Redis counts atomically
    and needs no lock."""
    backend = caches["default"]
    if not isinstance(backend, FileBasedCache):
        yield
        return
    os.makedirs(backend._dir, 0o700, exist_ok=True)
    with open(os.path.join(backend._dir, "throttle.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        yield


class ApiKeyRateThrottle(BaseThrottle):
    """A fixed-window request count per key, kept in the shared cache so it holds across workers."""

    def allow_request(self, request, view) -> bool:
        context = request.auth
        if not isinstance(context, KeyContext):
            return True
        limit, period = parse_rate(settings.THROTTLE_RATE)
        now = time.time()
        window = int(now // period)
        bucket = f"throttle:{context.prefix}:{period}:{window}"
        with counter_lock():
            cache.add(bucket, 0, timeout=period * 2)
            try:
                count = cache.incr(bucket)
            except ValueError:  # expired between add and incr
                cache.set(bucket, 1, timeout=period * 2)
                count = 1
        self._wait = (window + 1) * period - now
        return count <= limit

    def wait(self) -> float:
        return self._wait
