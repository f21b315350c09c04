"""Resolved principals, kept between requests until an account changes.

Resolving who is asking (an API token or a signed-in session) means reading the account,
its organisation, boroughs, sites and the token's scopes. The answer only changes when one
of those rows changes, and the database raises ``account_version`` whenever one does
(migration 0002, triggers on both backends, whichever process makes the change). So each
request reads that one number; a principal resolved at the same number is still exactly
right and is reused, anything else is resolved afresh. Token expiry is checked against the
clock on every use.

Entries are keyed by the SHA-256 of the token, or by the session's email: never by a
secret in the clear.
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import psycopg
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from vrhub.access.principal import Principal
from vrhub.storage.appdb import statements
from vrhub.storage.appdb.models import AccountVersion

MAX_ENTRIES = 10_000
_QUERY = select(AccountVersion.version).where(AccountVersion.id == 1)
_SQL = statements.ACCOUNT_VERSION


class AccountVersions:
    """Reads the version number on every request, as cheaply as it can be read.

    On PostgreSQL that is one prepared statement on a few connections of its own, kept
    open in autocommit mode (no transaction to open and roll back, no pool checkout and
    no ping): a connection found broken is replaced and the read tried once more. On
    SQLite the read is local and goes through the app's engine."""

    CONNECTIONS = 4

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._postgres = engine.dialect.name == "postgresql"
        self._idle: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._open: list[Any] = []

    def current(self) -> int:
        if not self._postgres:
            with self.engine.connect() as connection:
                return int(connection.scalar(_QUERY) or 0)
        for attempt in (1, 2):
            connection = self._checkout()
            try:
                row = connection.execute(_SQL, prepare=True).fetchone()
            except psycopg.OperationalError:
                self._discard(connection)
                if attempt == 2:
                    raise
                continue
            self._idle.put(connection)
            return int(row[0]) if row else 0
        raise AssertionError("unreachable")  # pragma: no cover

    def _checkout(self) -> Any:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if len(self._open) < self.CONNECTIONS:
                url = self.engine.url.set(drivername="postgresql")
                connection = psycopg.connect(url.render_as_string(hide_password=False),
                                             autocommit=True)
                self._open.append(connection)
                return connection
        return self._idle.get()  # all in use: wait for one (each read is one statement)

    def _discard(self, connection: Any) -> None:
        with self._lock:
            if connection in self._open:
                self._open.remove(connection)
        connection.close()

    @classmethod
    def of(cls, sessions: sessionmaker[Session]) -> AccountVersions:
        """A reader on the database ``sessions`` are bound to."""
        bind = sessions.kw["bind"]
        if not isinstance(bind, Engine):
            raise TypeError("sessions must be bound to an engine")
        return cls(bind)

    def close(self) -> None:
        with self._lock:
            connections, self._open = self._open, []
        for connection in connections:
            connection.close()


@dataclass(frozen=True)
class Entry:
    principal: Principal
    version: int
    expires_at: dt.datetime | None = None
    token_id: int | None = None
    touched_at: dt.datetime | None = None


class PrincipalCache:
    """A bounded, thread-safe map from key to the principal resolved at a version."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, version: int, now: dt.datetime) -> Entry | None:
        """The entry for ``key`` if it was resolved at ``version`` and has not expired."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.version != version or (entry.expires_at is not None
                                            and entry.expires_at <= now):
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: Entry) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
