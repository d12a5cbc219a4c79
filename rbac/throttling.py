"""The request rate limit of each API key (THROTTLE_RATE), in fixed windows counted in the shared
store of rbac/counters.py, in batches so that a request costs no store write."""

import math
import threading
import time

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from rbac.authentication import KeyContext
from rbac.counters import counters, window


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


_batched = BatchedCounters()


def _window(prefix: str) -> tuple[int, str, float, float]:
    """(limit, bucket, window end, now) of a key's current window."""
    return window(settings.THROTTLE_RATE, "THROTTLE_RATE", f"throttle:{prefix}")


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
        django_request = getattr(request, "_request", request)
        # A request dispatched again (config/replicas.py) is counted once.
        count = getattr(django_request, "rate_count", None)
        if count is None:
            count = django_request.rate_count = _batched.hit(counters(), bucket, window_end, limit)
        self._wait = window_end - now
        # Kept on the Django request, which the answer's finalize_response reads (ApiViewSet).
        django_request.rate_headers = rate_headers(context.prefix, count)
        return count <= limit

    def wait(self) -> float:
        return self._wait
