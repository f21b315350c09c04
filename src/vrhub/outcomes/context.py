"""What every outcomes service function is handed: the app database's sessions, the policy
layer (decides and audits), the settings that shape returns, and a clock.

Built once per web app (``create_app``) and once per CLI command from the
:class:`~vrhub.access.services.AccessServices` already there; nothing is created at import.
The framework in force is read from the app database (the newest loaded version, else the
shipped default) and kept parsed while its version is unchanged.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from sqlalchemy.orm import Session, sessionmaker

from vrhub.access.policy import Policy
from vrhub.outcomes import framework as framework_mod
from vrhub.outcomes.framework import Framework
from vrhub.storage.appdb.base import utc_now
from vrhub.storage.outcomes.reference import latest_reference

FRAMEWORK = "framework"

T = TypeVar("T")


@dataclass(frozen=True)
class OutcomesConfig:
    """The settings of the outcomes side (see :class:`vrhub.settings.Settings`)."""

    return_due_days: int = 30
    max_upload_bytes: int = 20 * 1024 * 1024
    max_rows: int = 100_000

    @classmethod
    def from_settings(cls, settings: Any) -> OutcomesConfig:
        return cls(return_due_days=settings.outcomes_return_due_days,
                   max_upload_bytes=settings.outcomes_max_upload_bytes,
                   max_rows=settings.outcomes_max_rows)


@dataclass
class Outcomes:
    sessions: sessionmaker[Session]
    policy: Policy
    config: OutcomesConfig = field(default_factory=OutcomesConfig)
    clock: Callable[[], dt.datetime] = utc_now
    _framework: tuple[int, Framework] | None = field(default=None, repr=False)
    #: figures computed from participant-level rows, keyed by what they were computed
    #: from (the rows' data version): kept in memory only, never on disk
    figure_cache: dict[Any, Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _computing: dict[Any, threading.Lock] = field(default_factory=dict, repr=False)

    def remember(self, key: tuple[Any, ...], compute: Callable[[], T], *,
                 replaces: str | None = None, limit: int = 512) -> T:
        """``compute()`` kept in :attr:`figure_cache` under ``key``, computed once when
        many requests ask at the same moment (the others wait for it rather than compute
        it again). ``replaces``: drop the entries whose key starts with that word (an
        older version of the same rows); ``limit``: clear the cache when it grows past it."""
        found = self.figure_cache.get(key)
        if found is not None:
            return cast(T, found)
        with self._lock:
            gate = self._computing.setdefault(key, threading.Lock())
        with gate:
            found = self.figure_cache.get(key)
            if found is None:
                found = compute()
                with self._lock:
                    if replaces is not None:
                        for old in [k for k in self.figure_cache if k[0] == replaces]:
                            del self.figure_cache[old]
                    if len(self.figure_cache) >= limit:
                        self.figure_cache.clear()
                    self.figure_cache[key] = found
        with self._lock:
            self._computing.pop(key, None)
        return cast(T, found)

    @classmethod
    def from_access(cls, access: Any, settings: Any) -> Outcomes:
        """From the app's :class:`~vrhub.access.services.AccessServices` and settings."""
        return cls(access.sessions, access.policy, OutcomesConfig.from_settings(settings))

    def framework(self, session: Session | None = None) -> Framework:
        """The framework in force: the newest an administrator loaded, else the default."""
        if session is None:
            with self.sessions() as own:
                return self.framework(own)
        row = latest_reference(session, FRAMEWORK)
        key = row.id if row is not None else 0
        with self._lock:
            if self._framework is not None and self._framework[0] == key:
                return self._framework[1]
        parsed = (framework_mod.parse(row.document, f"framework {row.version}")
                  if row is not None else framework_mod.default())
        with self._lock:
            self._framework = (key, parsed)
        return parsed

    def now(self) -> dt.datetime:
        return self.clock()

    def today(self) -> dt.date:
        return self.clock().date()
