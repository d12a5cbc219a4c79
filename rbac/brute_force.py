"""A limit on failed API-key authentications per client address (AUTH_FAILURE_RATE, default
30/min), so that keys cannot be guessed: past it, every key from that address is refused with 429
and Retry-After, before it is looked at, until the window ends.

The counts live in the rate limit's shared store (rbac/counters.py); only failures write there, so
a valid key costs nothing here. Each worker remembers the addresses it found over the limit; one
that has not seen them yet checks (and counts) at most one more attempt before it learns."""

import threading
import time

from django.conf import settings
from rest_framework.exceptions import Throttled

from rbac.counters import counters, window


class TooManyFailures(Throttled):
    default_detail = "Too many failed authentications from this address; wait before trying a key again."
    default_code = "too_many_failures"


class AuthFailureLimit:
    def __init__(self) -> None:
        self._blocked: dict[str, float] = {}  # address -> until when
        self._lock = threading.Lock()

    def wait(self, address: str) -> float | None:
        """Seconds the address must wait before trying a key again, or None."""
        until = self._blocked.get(address)
        if until is None:
            return None
        left = until - time.time()
        if left > 0:
            return left
        with self._lock:
            self._blocked.pop(address, None)
        return None

    def failed(self, address: str) -> float | None:
        """Counts a failed authentication from the address; the wait when that puts it over."""
        limit, bucket, window_end, now = window(settings.AUTH_FAILURE_RATE, "AUTH_FAILURE_RATE",
                                                f"authfail:{address}")
        count = counters().add(bucket, 1, window_end)
        if count <= limit:
            return None
        with self._lock:
            if len(self._blocked) > 10_000:  # addresses of ended windows go first
                self._blocked = {a: u for a, u in self._blocked.items() if u > now}
            self._blocked[address] = window_end
        return window_end - now


auth_failures = AuthFailureLimit()


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, or behind one of TRUSTED_PROXIES the last address of
    X-Forwarded-For that is not one of them (the address the proxy saw)."""
    address = request.META.get("REMOTE_ADDR", "")
    trusted = settings.TRUSTED_PROXIES
    if address in trusted:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        for hop in reversed(forwarded):
            if hop not in trusted:
                return hop
    return address
