"""Browser sessions that end: held in the database, checked on every request.

The signed session cookie carries only a random session key (256 bits); the database
keeps its SHA-256 in ``user_session``, and a request is signed in only while that row is
live and the account is enabled. A session ends when its user signs out or ends it from
their account page, when it has been idle for ``idle`` (8 hours, as long as the cookie
lives), and, by triggers in the database (migration 0006), when the account's password,
disabled flag, role, organisation, e-mail or scope changes. So a cookie copied before any
of those events is refused at its next request, in every worker.

A live session resolved before is reused while the accounts' version number is unchanged
(ending a session raises it); its last use is recorded to the minute.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, replace

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from vrhub.access.identity import principal_for, require_user
from vrhub.access.policy import Policy
from vrhub.access.principal import Principal
from vrhub.access.principal_cache import AccountVersions, Entry, PrincipalCache
from vrhub.access.ratelimit import Clock
from vrhub.errors import NotFound
from vrhub.storage.appdb.base import utc_now
from vrhub.storage.appdb.models import User, UserSession

IDLE = dt.timedelta(hours=8)
KEPT = dt.timedelta(days=30)  # how long ended sessions stay listed in the database
TOUCH_INTERVAL = dt.timedelta(minutes=1)
SIGNED_OUT = "signed out"
ENDED_BY_USER = "ended from the account page"


@dataclass(frozen=True)
class SessionView:
    """A session as its owner sees it on the account page."""

    id: int
    created_at: dt.datetime
    last_seen_at: dt.datetime
    client: str | None
    user_agent: str
    method: str
    current: bool


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class BrowserSessions:
    def __init__(self, sessions: sessionmaker[Session], policy: Policy, *,
                 clock: Clock = utc_now, versions: AccountVersions | None = None,
                 idle: dt.timedelta = IDLE) -> None:
        self.sessions = sessions
        self.policy = policy
        self.clock = clock
        self.versions = versions or AccountVersions.of(sessions)
        self.idle = idle
        self.cache = PrincipalCache()

    def start(self, principal: Principal, *, client: str | None = None,
              user_agent: str = "", method: str = "password") -> str:
        """A new live session for ``principal``'s account; returns the key for the cookie
        (shown nowhere else; the database keeps its hash)."""
        key = secrets.token_urlsafe(32)
        now = self.clock()
        with self.sessions() as session:
            user = require_user(session, principal.email)
            session.execute(delete(UserSession).where(UserSession.user_id == user.id,
                                                      UserSession.last_seen_at < now - KEPT))
            session.add(UserSession(user_id=user.id, key_hash=digest(key), created_at=now,
                                    last_seen_at=now, client=(client or None) and client[:100],
                                    user_agent=user_agent[:200], method=method[:64]))
            session.commit()
        return key

    def principal(self, key: str, *, channel: str = "web",
                  client: str | None = None) -> Principal | None:
        """The principal of the live session with ``key``, as its account is now; None when
        the session has ended, idled out or never existed, or the account is disabled."""
        hashed = digest(key)
        version = self.versions.current()
        now = self.clock()
        entry = self.cache.get(hashed, version, now)
        if entry is None:
            with self.sessions() as session:
                row = session.scalar(select(UserSession).where(UserSession.key_hash == hashed))
                if row is None or row.ended_at is not None:
                    return None
                if row.last_seen_at + self.idle <= now:
                    row.ended_at, row.ended_reason = now, "idle"
                    session.commit()
                    return None
                user = session.get(User, row.user_id)
                if user is None or user.disabled:
                    return None
                row.last_seen_at = now
                entry = Entry(principal_for(user), version, expires_at=now + self.idle,
                              token_id=row.id, touched_at=now)
                session.commit()
            self.cache.put(hashed, entry)
        elif entry.touched_at is None or now - entry.touched_at >= TOUCH_INTERVAL:
            with self.sessions() as session:
                session.execute(update(UserSession).where(UserSession.id == entry.token_id)
                                .values(last_seen_at=now))
                session.commit()
            entry = replace(entry, touched_at=now, expires_at=now + self.idle)
            self.cache.put(hashed, entry)
        # an ICB analyst's boroughs and sites as their ICBs' membership is now
        return self.policy.membership.expand(entry.principal.via(channel, client))

    def end(self, key: str, principal: Principal | None = None) -> None:
        """Sign out: the session with ``key`` ends (audited when it was live)."""
        with self.sessions() as session:
            row = session.scalar(select(UserSession).where(
                UserSession.key_hash == digest(key), UserSession.ended_at.is_(None)))
            ended = row is not None
            if row is not None:
                row.ended_at, row.ended_reason = self.clock(), SIGNED_OUT
                session.commit()
        if ended and principal is not None and not principal.is_public:
            self.policy.note_sign_in(principal, ok=True, detail=SIGNED_OUT)

    def list(self, principal: Principal, current_key: str | None = None) -> list[SessionView]:
        """The live sessions of ``principal``'s own account, newest first."""
        current = digest(current_key) if current_key else None
        limit = self.clock() - self.idle
        with self.sessions() as session:
            user = require_user(session, principal.email)
            rows = session.scalars(
                select(UserSession)
                .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None),
                       UserSession.last_seen_at > limit)
                .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc()))
            return [SessionView(r.id, r.created_at, r.last_seen_at, r.client, r.user_agent,
                                r.method, r.key_hash == current) for r in rows]

    def revoke(self, principal: Principal, session_id: int) -> SessionView:
        """End one of ``principal``'s own sessions (another account's is not found)."""
        with self.sessions() as session:
            user = require_user(session, principal.email)
            row = session.scalar(select(UserSession).where(UserSession.id == session_id,
                                                           UserSession.user_id == user.id))
            if row is None:
                self.policy.note_sign_in(principal, ok=False,
                                         detail=f"end session {session_id}: not yours")
                raise NotFound(f"you have no session {session_id}",
                               hint="reload your account page to see your sessions")
            if row.ended_at is None:
                row.ended_at, row.ended_reason = self.clock(), ENDED_BY_USER
            view = SessionView(row.id, row.created_at, row.last_seen_at, row.client,
                               row.user_agent, row.method, False)
            session.commit()
        self.policy.note_sign_in(principal, ok=True, detail=f"ended session {session_id}")
        return view
