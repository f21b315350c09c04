"""A sliding-window rate limiter for sign-in attempts.

Kept in memory, per process: it slows down guessing from one address or against one
account quickly and cheaply. When several processes serve one address, the same limiter
is kept in Redis instead (:mod:`vrhub.access.shared_limits`), so the limit holds across
them. The durable control is the account lockout, which lives in the app database and so
holds across processes and restarts.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import deque
from collections.abc import Callable
from typing import Protocol

from vrhub.storage.appdb.base import utc_now

Clock = Callable[[], dt.datetime]


class Limiter(Protocol):
    def hit(self, key: str) -> dt.timedelta | None: ...


class SlidingWindowLimiter:
    """At most ``limit`` hits per key in any ``window``."""

    def __init__(self, limit: int, window: dt.timedelta, clock: Clock = utc_now) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._hits: dict[str, deque[dt.datetime]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> dt.timedelta | None:
        """Record an attempt for ``key``. None when allowed, else how long to wait."""
        now = self.clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and now - hits[0] >= self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return self.window - (now - hits[0])
            hits.append(now)
            if len(self._hits) > 100_000:  # bound memory under a spray of keys
                self._forget_idle(now)
            return None

    def _forget_idle(self, now: dt.datetime) -> None:
        for key in [k for k, v in self._hits.items() if not v or now - v[-1] >= self.window]:
            del self._hits[key]
