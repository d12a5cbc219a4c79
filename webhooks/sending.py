"""One POST of a delivery: resolved and checked now (targets.py), sent to the checked address with
the URL's host as Host header and TLS server name, through a small pool of kept-alive connections,
never following a redirect, cut at WEBHOOK_TIMEOUT_SECONDS. Touches no database: the worker calls
it outside any transaction, from several threads."""

import threading
import time
from collections import OrderedDict

import urllib3
from urllib3.exceptions import HTTPError, TimeoutError

from webhooks.exceptions import TargetRefused
from webhooks.services import EXCERPT_CHARS, AttemptResult
from webhooks.targets import Target, target_for

USER_AGENT = "execution-tracking-webhooks/1"
MAX_POOLS = 64  # one per (scheme, address, port, host); the least recently used is closed beyond it
POOL_SIZE = 8  # as many as the worker has sending threads (worker.CONCURRENCY)


class Sender:
    """Sends signed bodies; keeps a small connection pool per checked address."""

    def __init__(self, *, timeout: float):
        self.timeout = urllib3.Timeout(total=timeout, connect=timeout, read=timeout)
        self.seconds = timeout
        self._pools: OrderedDict[tuple, urllib3.HTTPConnectionPool] = OrderedDict()
        self._lock = threading.Lock()

    def _pool(self, target: Target) -> urllib3.HTTPConnectionPool:
        key = (target.scheme, target.address, target.port, target.host)
        with self._lock:
            pool = self._pools.get(key)
            if pool is not None:
                self._pools.move_to_end(key)
                return pool
            options = {"maxsize": POOL_SIZE, "block": False, "retries": False, "timeout": self.timeout}
            if target.scheme == "https":
                pool = urllib3.HTTPSConnectionPool(target.address, target.port, server_hostname=target.host,
                                                   assert_hostname=target.host, cert_reqs="CERT_REQUIRED",
                                                   **options)
            else:
                pool = urllib3.HTTPConnectionPool(target.address, target.port, **options)
            self._pools[key] = pool
            while len(self._pools) > MAX_POOLS:
                self._pools.popitem(last=False)[1].close()
            return pool

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> AttemptResult:
        started = time.monotonic()

        def took() -> int:
            return int((time.monotonic() - started) * 1000)

        try:
            target = target_for(url)
        except TargetRefused as exc:
            return AttemptResult(None, took(), f"Refused: {exc.reason}")
        try:
            response = self._pool(target).urlopen(
                "POST", target.path, body=body, redirect=False, retries=False, preload_content=False,
                assert_same_host=False, timeout=self.timeout,
                headers={**headers, "Host": target.host_header, "Content-Type": "application/json",
                         "User-Agent": USER_AGENT},
            )
        except TimeoutError:
            return AttemptResult(None, took(), f"Timed out after {self.seconds:g} s.")
        except HTTPError as exc:
            reason = getattr(exc, "reason", None) or exc
            return AttemptResult(None, took(), f"Connection failed: {type(reason).__name__}.")
        try:
            raw = response.read(EXCERPT_CHARS * 4, decode_content=True)
        except (TimeoutError, HTTPError):
            response.close()
            return AttemptResult(response.status, took(), f"Timed out after {self.seconds:g} s reading the answer.")
        if response.length_remaining == 0 or response.isclosed():
            response.release_conn()
        else:  # more than the excerpt: not worth reading, and the connection cannot be reused unread
            response.close()
        excerpt = raw.decode("utf-8", "replace")[:EXCERPT_CHARS]
        code = response.status
        error = None
        if 300 <= code < 400:
            error = f"Answered {code} (a redirect, never followed)."
        elif not 200 <= code < 300:
            error = f"Answered {code}."
        return AttemptResult(code, took(), error, excerpt)

    def close(self) -> None:
        with self._lock:
            for pool in self._pools.values():
                pool.close()
            self._pools.clear()
