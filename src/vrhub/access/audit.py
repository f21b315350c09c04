"""The audit trail: one append-only event per audited action, chained by SHA-256.

Each event stores who (id, email, role, organisation, channel, client), what (action and
resource), in which scope, when and with what outcome, plus a short detail that never
holds the data itself. ``hash = sha256(prev_hash + canonical JSON of the event)``, and
``prev_hash`` is unique, so a changed, removed or reordered row breaks the chain at that
row: :func:`verify` finds it. Rows cannot be changed through the app (triggers on both
backends; on PostgreSQL the app role has no UPDATE or DELETE right either).

Someone who can write the database itself can switch the triggers off, change a row and
re-hash every row after it. Two defences hold outside the database: each event carries a
*seal*, HMAC-SHA256 of its hash under the audit key (:mod:`vrhub.access.audit_seal`),
which cannot be remade without the key; and ``vrhub audit anchor`` writes the head hash
and count to a file elsewhere, which a later ``vrhub audit verify --anchors`` (or
``--expect-head``) checks is still in the chain: that also shows newest rows cut off.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from vrhub.access.principal import Principal
from vrhub.storage.appdb import statements
from vrhub.storage.appdb.base import utc_now
from vrhub.storage.appdb.models import AuditEvent

if TYPE_CHECKING:
    from vrhub.access.audit_seal import AuditSeal, SealKey

GENESIS = "0" * 64
OUTCOMES = ("allowed", "denied", "success", "failed")
_ADVISORY_LOCK = 0x76726875622D61  # "vrhub-a": serialises appends on PostgreSQL
_DETAIL_LIMIT = 500


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    problem: str | None = None
    head_hash: str = GENESIS
    #: the id from which every event must carry a seal (None: seals were not checked)
    sealed_from: int | None = None
    #: anchored heads (hashes) checked and found in the chain
    anchors: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "checked": self.checked, "first_bad_id": self.first_bad_id,
                "problem": self.problem, "head_hash": self.head_hash,
                "sealed_from": self.sealed_from, "anchors_found": self.anchors}


def canonical(fields: dict[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def event_fields(event: AuditEvent | Any) -> dict[str, Any]:
    """The hashed content of an event (everything but its id and hashes)."""
    return {
        "occurred_at": event.occurred_at.isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_email": event.actor_email,
        "actor_role": event.actor_role,
        "actor_organisation": event.actor_organisation,
        "channel": event.channel,
        "client": event.client,
        "action": event.action,
        "resource": event.resource,
        "scope": event.scope,
        "outcome": event.outcome,
        "detail": event.detail,
    }


def chain_hash(prev_hash: str, event: AuditEvent | Any) -> str:
    return hashlib.sha256((prev_hash + canonical(event_fields(event))).encode()).hexdigest()


class AuditLog:
    """Writes audit events, each committed before :meth:`record` returns, in a transaction
    of its own, so that a denial is recorded even when the request that caused it is
    rolled back.

    Events recorded at the same moment by concurrent requests are appended by one writer
    thread in one transaction (group commit): the chain is locked, read and extended once
    for the whole group instead of once per event, which is what keeps record-level
    requests quick under load. Each caller still waits until its own event is committed,
    and gets the error if it could not be."""

    BATCH = 500

    def __init__(self, sessions: sessionmaker[Session], *,
                 written: Callable[[str], None] | None = None,
                 seal: AuditSeal | None = None) -> None:
        self.sessions = sessions
        #: the audit key that seals each event (None: events are chained but not sealed)
        self.seal = seal
        #: told the outcome of each event committed (the web app's metrics)
        self.written = written
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._lock = threading.Lock()

    def record(self, principal: Principal, action: str, resource: str, *, outcome: str,
               scope: dict[str, Any] | None = None, detail: str = "",
               occurred_at: dt.datetime | None = None) -> AuditEvent:
        """Append one event; returns once it is committed."""
        pending = _Pending(new_event(principal, action, resource, outcome=outcome,
                                     scope=scope, detail=detail, occurred_at=occurred_at))
        self._start()
        self._queue.put(pending)
        pending.done.wait()
        if pending.error is not None:
            raise RuntimeError("could not append to the audit trail") from pending.error
        return pending.event

    def seal_key(self) -> SealKey | None:
        return self.seal.key() if self.seal is not None else None

    def committed(self, outcome: str) -> None:
        """Count an event committed (here or in a caller's transaction)."""
        if self.written is not None:
            self.written(outcome)

    def close(self) -> None:
        """Stop the writer thread (after the events already queued)."""
        with self._lock:
            writer, self._writer = self._writer, None
        if writer is not None:
            self._queue.put(None)
            writer.join(timeout=30)

    def _start(self) -> None:
        with self._lock:
            if self._writer is None or not self._writer.is_alive():
                self._writer = threading.Thread(target=self._run, name="vrhub-audit-writer",
                                                daemon=True)
                self._writer.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group = [first]
            while len(group) < self.BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._queue.put(None)  # stop after this group
                    break
                group.append(more)
            self._write(group)

    def _write(self, group: list[_Pending]) -> None:
        error: BaseException | None = None
        try:
            key = self.seal_key()
        except Exception as exc:  # no usable audit key: handed to every waiting caller
            for pending in group:
                pending.error = exc
                pending.done.set()
            return
        for _ in range(10):
            events = [_copy(p.event) for p in group]
            try:
                with self.sessions() as session, session.begin():
                    append_many(session, events, key)
            except IntegrityError as exc:  # another process took this link: try again
                error = exc
                continue
            except Exception as exc:  # handed to every waiting caller
                error = exc
                break
            for pending, event in zip(group, events, strict=True):
                pending.event = event
                pending.done.set()
                self.committed(event.outcome)
            return
        for pending in group:
            pending.error = error
            pending.done.set()


@dataclass
class _Pending:
    event: AuditEvent
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


def _copy(event: AuditEvent) -> AuditEvent:
    """A fresh, unsaved event with the same content (a failed attempt leaves the old
    object attached to a rolled-back session)."""
    return AuditEvent(**event_fields(event) | {"occurred_at": event.occurred_at})


def new_event(principal: Principal, action: str, resource: str, *, outcome: str,
              scope: dict[str, Any] | None = None, detail: str = "",
              occurred_at: dt.datetime | None = None) -> AuditEvent:
    if outcome not in OUTCOMES:
        raise ValueError(f"audit outcome {outcome!r} is not one of {OUTCOMES}")
    return AuditEvent(
        occurred_at=(occurred_at or utc_now()).replace(tzinfo=None),
        actor_id=principal.user_id,
        actor_email=principal.email,
        actor_role=principal.role.value,
        actor_organisation=principal.organisation,
        channel=principal.channel,
        client=(principal.client or None) and principal.client[:100],
        action=str(action),
        resource=resource[:200],
        scope=_plain_scope(scope or {}),
        outcome=outcome,
        detail=detail[:_DETAIL_LIMIT],
    )


def append(session: Session, event: AuditEvent, key: SealKey | None = None) -> AuditEvent:
    """Chain ``event`` to the newest one (sealed with ``key``) and add it to ``session``'s
    transaction, so that it commits (or rolls back) together with whatever else the
    transaction changed."""
    append_many(session, [event], key)
    return event


def append_many(session: Session, events: list[AuditEvent],
                key: SealKey | None = None) -> None:
    """Chain ``events``, in order, after the newest one, in ``session``'s transaction.

    Appenders are serialised so that no other writer can slip in between reading the
    newest hash and committing: on PostgreSQL by an advisory lock, on SQLite by taking the
    database's write lock first. Either way the unique ``prev_hash`` refuses a fork.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(statements.AUDIT_ADVISORY_LOCK), {"key": _ADVISORY_LOCK})
    else:  # a write statement that touches no row: takes SQLite's write lock
        session.execute(text(statements.AUDIT_SQLITE_WRITE_LOCK))
    prev = session.scalar(
        select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ) or GENESIS
    rows = []
    for event in events:
        event.prev_hash = prev
        event.hash = prev = chain_hash(prev, event)
        event.seal = key.seal(event.hash) if key is not None else None
        rows.append({name: getattr(event, name) for name in _COLUMNS})
    # one statement for the whole group (a plain table insert, not the ORM's); ids come
    # back in the order the rows were given
    table = AUDIT_TABLE
    ids = session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                          rows).scalars().all()
    for event, event_id in zip(events, ids, strict=True):
        event.id = event_id


AUDIT_TABLE: Table = AuditEvent.__table__  # type: ignore[assignment]
_COLUMNS = [c.name for c in AUDIT_TABLE.columns if c.name != "id"]


def _plain_scope(scope: dict[str, Any]) -> dict[str, Any]:
    """Scope as plain JSON with sorted lists, so it hashes the same after a round trip."""
    out: dict[str, Any] = {}
    for key, value in scope.items():
        if isinstance(value, set | frozenset | list | tuple):
            out[key] = sorted(str(v) for v in value)
        else:
            out[key] = value
    return out


def verify(session: Session, key: SealKey | None = None,
           anchors: Iterable[str] = ()) -> VerifyResult:
    """Walk the whole chain in id order; report the first row that does not fit.

    With ``key`` (the audit key), every event from the key's first sealed id on must carry
    the seal of its hash. Each hash in ``anchors`` (heads recorded outside the database by
    ``vrhub audit anchor``) must still be in the chain."""
    expected_prev = GENESIS
    checked = 0
    wanted = {a.strip().lower() for a in anchors if a.strip()}
    found: set[str] = set()
    sealed_from = key.sealed_from if key is not None else None
    for event in _iter_events(session):
        if event.prev_hash != expected_prev:
            return VerifyResult(False, checked, event.id,
                                "prev_hash does not match the previous row's hash "
                                "(a row before it was removed, inserted or changed)",
                                expected_prev, sealed_from)
        if chain_hash(event.prev_hash, event) != event.hash:
            return VerifyResult(False, checked, event.id,
                                "the row's content does not match its hash (it was changed)",
                                expected_prev, sealed_from)
        if key is not None and event.id >= key.sealed_from and not key.fits(event.hash,
                                                                            event.seal):
            return VerifyResult(False, checked, event.id,
                                "the row's seal does not fit its hash under the audit key "
                                "(the trail was rewritten and re-hashed by someone without "
                                "the key)" if event.seal else
                                "the row carries no seal though every event from "
                                f"{key.sealed_from} on is sealed (the trail was rewritten)",
                                expected_prev, sealed_from)
        if event.hash in wanted:
            found.add(event.hash)
        expected_prev = event.hash
        checked += 1
    missing = sorted(wanted - found)
    if missing:
        return VerifyResult(False, checked, None,
                            f"the anchored head {missing[0]} is not in the chain (events up "
                            "to it were rewritten or removed)", expected_prev, sealed_from,
                            len(found))
    return VerifyResult(True, checked, None, None, expected_prev, sealed_from, len(found))


def head(session: Session) -> tuple[int, int | None, str]:
    """(number of events, id of the newest, its hash) as the database holds them now."""
    count = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    newest = session.execute(select(AuditEvent.id, AuditEvent.hash)
                             .order_by(AuditEvent.id.desc()).limit(1)).first()
    return int(count), (newest[0] if newest else None), (newest[1] if newest else GENESIS)


def _iter_events(session: Session) -> Iterator[Any]:
    """Rows (not ORM objects: several times faster over a long trail), in id order."""
    table = AuditEvent.__table__
    stmt = select(table).order_by(table.c.id).execution_options(yield_per=2000)
    yield from session.execute(stmt)


def query(session: Session, *, actor: str | None = None, action: str | None = None,
          outcome: str | None = None, since: dt.datetime | None = None,
          until: dt.datetime | None = None, resource: str | None = None,
          limit: int = 100) -> list[AuditEvent]:
    """Events matching every given filter, newest first."""
    stmt = select(AuditEvent)
    if actor:
        stmt = stmt.where(AuditEvent.actor_email == actor.strip().lower())
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if outcome:
        stmt = stmt.where(AuditEvent.outcome == outcome)
    if resource:
        stmt = stmt.where(AuditEvent.resource.startswith(resource))
    if since:
        stmt = stmt.where(AuditEvent.occurred_at >= _naive_utc(since))
    if until:
        stmt = stmt.where(AuditEvent.occurred_at < _naive_utc(until))
    stmt = stmt.order_by(AuditEvent.id.desc()).limit(limit)
    return list(session.scalars(stmt))


def _naive_utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def event_dict(event: AuditEvent) -> dict[str, Any]:
    return {"id": event.id, **event_fields(event), "prev_hash": event.prev_hash,
            "hash": event.hash}
