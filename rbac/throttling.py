import time
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
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
