"""Key rows kept in each worker process for API_KEY_CACHE_SECONDS, so that most requests make no
key query.

A change of a key, a user, a role or a role assignment (a save or delete through the ORM, in this
process or another) touches a marker file under CACHE_DIR; every process checks its time on each
request (one stat) and forgets its rows when it moved, so such changes take effect at once on this
machine. On other machines they take effect within API_KEY_CACHE_SECONDS. A key's expiry is
checked against the clock on every request, and a usage limit is counted in the database."""

import os
import threading
import time
from pathlib import Path

from django.conf import settings
from django.db import transaction

MARKER = "keys.changed"


class KeyCache:
    def __init__(self) -> None:
        self._rows: dict[str, tuple[object, float]] = {}
        self._marker_time: int | None = None
        self._lock = threading.Lock()

    def get(self, prefix: str):
        """The row kept for `prefix`, or None when there is none still fresh."""
        seconds = settings.API_KEY_CACHE_SECONDS
        if not seconds:
            return None
        self._forget_if_changed()
        entry = self._rows.get(prefix)
        if entry is None or time.monotonic() - entry[1] >= seconds:
            return None
        return entry[0]

    def put(self, prefix: str, row) -> None:
        if not settings.API_KEY_CACHE_SECONDS:
            return
        with self._lock:
            if len(self._rows) > 10_000:  # prefixes are chosen by clients: bound what they can fill
                self._rows.clear()
            self._rows[prefix] = (row, time.monotonic())

    def replace(self, prefix: str, row) -> None:
        """Keeps a changed row (its last use) without making it fresher than it was."""
        with self._lock:
            entry = self._rows.get(prefix)
            if entry is not None:
                self._rows[prefix] = (row, entry[1])

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()

    def _forget_if_changed(self) -> None:
        try:
            marker_time = os.stat(_marker()).st_mtime_ns
        except FileNotFoundError:
            marker_time = None
        if marker_time != self._marker_time:
            with self._lock:
                self._rows.clear()
                self._marker_time = marker_time


def _marker() -> Path:
    return Path(settings.CACHE_DIR) / MARKER


key_cache = KeyCache()


def keys_changed(**_) -> None:
    """Makes every process on this machine read keys again (a signal receiver): this one at once,
    the others once the change is committed (before that they would read the old row again)."""
    key_cache.clear()
    transaction.on_commit(_touch_marker)


def _touch_marker() -> None:
    marker = _marker()
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
    # Two changes within the file system's time resolution would leave the same time: move it on.
    stat = marker.stat()
    os.utime(marker, ns=(stat.st_atime_ns, max(stat.st_mtime_ns + 1, time.time_ns())))
