"""The audit key: a secret held outside the database that seals each audit event.

Each event's ``seal`` is HMAC-SHA256 of its chain hash under this key. Someone who can
write the database but not read the key file can drop the append-only trigger, change an
event and re-hash every row after it, but cannot make seals that fit, so
:func:`vrhub.access.audit.verify` finds the rewrite. The chain hash of the first sealed
event covers every event before it, so events written before the key existed are covered
too.

The key file (``VRHUB_AUDIT_KEY_FILE``, by default ``audit.key`` in the workspace, mode
0600) holds the key and the id of the first event it sealed. It is made on first use,
unless the trail already carries seals: then a missing key file is an error (another key
would fail every seal), and the fix is to point the setting at the deployment's key. Keep
it, and a copy, where database administrators cannot read it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from vrhub.errors import OperationalError
from vrhub.storage.appdb.models import AuditEvent

KEY_BYTES = 32


@dataclass(frozen=True)
class SealKey:
    key: bytes
    #: the id of the first event this key sealed; every event from it on must carry a seal
    sealed_from: int

    def seal(self, chain_hash: str) -> str:
        return hmac.new(self.key, chain_hash.encode(), hashlib.sha256).hexdigest()

    def fits(self, chain_hash: str, seal: str | None) -> bool:
        return seal is not None and hmac.compare_digest(self.seal(chain_hash), seal)


class AuditSeal:
    """The key file at ``path``, read (or made) on first use."""

    def __init__(self, path: Path, sessions: sessionmaker[Session]) -> None:
        self.path = path
        self.sessions = sessions
        self._key: SealKey | None = None
        self._lock = threading.Lock()

    def key(self, *, create: bool = True) -> SealKey | None:
        """The key; made now when there is none yet and the trail carries no seal (None
        when ``create`` is false and there is no key file)."""
        with self._lock:
            if self._key is None:
                self._key = self._read() or (self._make() if create else None)
            return self._key

    def _read(self) -> SealKey | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            data = json.loads(text)
            return SealKey(bytes.fromhex(data["key"]), int(data["sealed_from"]))
        except (ValueError, KeyError, TypeError):
            raise OperationalError(
                f"the audit key file {self.path} is not one vrhub wrote (JSON with 'key' "
                "and 'sealed_from')",
                hint="restore it from your backup of the key; never edit it") from None

    def _make(self) -> SealKey:
        with self.sessions() as session:
            sealed = session.scalar(select(func.count()).select_from(AuditEvent)
                                    .where(AuditEvent.seal.is_not(None)))
            newest = session.scalar(select(func.max(AuditEvent.id))) or 0
        if sealed:
            raise OperationalError(
                f"the audit trail is sealed with a key, and there is no audit key file at "
                f"{self.path}",
                hint="set VRHUB_AUDIT_KEY_FILE to the deployment's audit key file (or "
                "restore it from its backup); a new key would not fit the existing seals")
        key = SealKey(secrets.token_bytes(KEY_BYTES), newest + 1)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            made = self._read()
            if made is None:
                raise OperationalError(f"the audit key file {self.path} vanished as it "
                                       "was made", hint="run the command again") from None
            return made
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"key": key.key.hex(), "sealed_from": key.sealed_from}, handle)
        return key
