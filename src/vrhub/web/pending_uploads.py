"""Uploads held in memory between a check (or a held replacement) and the sender's
confirmation, so nobody has to choose the file again.

The raw bytes can carry identifiers the guard has not yet removed, so they are never
written to disk: they live in this process's memory, for one person, for
:data:`KEEP_SECONDS`, and at most :data:`MAX_HELD` at a time (the oldest goes first). A
confirmation that finds nothing (expired, another person's, a restarted server) asks for
the file again.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

KEEP_SECONDS = 15 * 60
MAX_HELD = 32


@dataclass(frozen=True)
class PendingUpload:
    owner: str
    site: str
    file_name: str
    data: bytes = field(repr=False)
    held_at: float = 0.0


class PendingUploads:
    """Held uploads by a random token (one store per app)."""

    def __init__(self, *, clock: Callable[[], float] | None = None) -> None:
        self._held: dict[str, PendingUpload] = {}
        self._lock = threading.Lock()
        self._clock = clock or time.monotonic

    def hold(self, owner: str, site: str, file_name: str, data: bytes) -> str:
        token = secrets.token_urlsafe(18)
        with self._lock:
            self._expire()
            while len(self._held) >= MAX_HELD:
                del self._held[next(iter(self._held))]
            self._held[token] = PendingUpload(owner, site, file_name, data, self._clock())
        return token

    def get(self, token: str, owner: str) -> PendingUpload | None:
        """The upload held under ``token`` for ``owner`` (None when there is none)."""
        with self._lock:
            self._expire()
            held = self._held.get(token)
        return held if held is not None and held.owner == owner else None

    def drop(self, token: str) -> None:
        with self._lock:
            self._held.pop(token, None)

    def _expire(self) -> None:
        now = self._clock()
        for token in [t for t, h in self._held.items() if now - h.held_at > KEEP_SECONDS]:
            del self._held[token]
