"""Browser sessions held in the app database (SQLite and PostgreSQL): a key resolves to its
account while the session is live; idling out, signing out, ending it from the account
page and disabling the account end it; ending another account's session is refused and
audited."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.helpers_outcomes import ADMIN
from vrhub.access.browser_sessions import (
    ENDED_BY_USER,
    IDLE,
    SIGNED_OUT,
    BrowserSessions,
    digest,
)
from vrhub.access.identity import principal_for, require_user
from vrhub.access.principal import Principal
from vrhub.access.services import AccessServices
from vrhub.errors import NotFound
from vrhub.storage.appdb.models import AuditEvent, UserSession

CAMDEN = "E09000007"
START = dt.datetime(2025, 6, 2, 9, 0)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now


def account(services: AccessServices, email: str) -> Principal:
    services.identity.create_user(ADMIN, email, role="borough_analyst", organisation="TEST",
                                  boroughs=[CAMDEN])
    with services.sessions() as session:
        return principal_for(require_user(session, email))


def sign_ins(services: AccessServices) -> list[tuple[str, str, str]]:
    with services.sessions() as session:
        return [(e.actor_email, e.outcome, e.detail) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "sign_in").order_by(AuditEvent.id))]


def test_a_live_session_resolves_until_it_idles_out(services: AccessServices) -> None:
    clock = Clock()
    sessions = BrowserSessions(services.sessions, services.policy, clock=clock)
    ana = account(services, "ana@camden.example")
    key = sessions.start(ana, client="10.0.0.1" + "9" * 200, user_agent="Firefox",
                         method="password")
    seen = sessions.principal(key, channel="api", client="10.0.0.2")
    assert seen is not None
    assert (seen.email, seen.boroughs, seen.channel, seen.client) == (
        "ana@camden.example", frozenset({CAMDEN}), "api", "10.0.0.2")
    assert sessions.principal("not-a-key") is None
    [listed] = sessions.list(ana, current_key=key)
    assert (listed.current, listed.user_agent, listed.method, len(listed.client or "")) == (
        True, "Firefox", "password", 100)  # the client address is cut to its column
    with services.sessions() as session:
        row = session.scalar(select(UserSession))
        assert row is not None and row.key_hash == digest(key) != key  # only the hash is kept
    clock.now = START + IDLE - dt.timedelta(minutes=1)
    assert sessions.principal(key) is not None  # used again: idle counts from here
    clock.now += IDLE
    assert sessions.principal(key) is None
    assert sessions.list(ana) == []
    with services.sessions() as session:
        row = session.scalar(select(UserSession))
        assert row is not None and (row.ended_at, row.ended_reason) == (clock.now, "idle")


def test_signing_out_ending_and_disabling_end_sessions(services: AccessServices) -> None:
    clock = Clock()
    sessions = BrowserSessions(services.sessions, services.policy, clock=clock)
    ana = account(services, "ana@camden.example")
    ben = account(services, "ben@camden.example")
    first = sessions.start(ana)
    clock.now += dt.timedelta(minutes=5)
    second = sessions.start(ana, user_agent="phone")
    bens = sessions.start(ben)
    assert [v.user_agent for v in sessions.list(ana, current_key=second)] == ["phone", ""]
    sessions.end(first, ana)
    sessions.end(first, ana)  # a second sign-out of an ended session is not audited again
    assert sessions.principal(first) is None
    [live] = sessions.list(ana)
    with pytest.raises(NotFound) as refused:
        sessions.revoke(ben, live.id)
    assert refused.value.message == f"you have no session {live.id}"
    assert refused.value.http_status == 404
    assert sessions.principal(second) is not None  # Ben could not end Ana's session
    ended = sessions.revoke(ana, live.id)
    assert (ended.id, ended.user_agent) == (live.id, "phone")
    assert sessions.principal(second) is None
    with services.sessions() as session:
        reasons = [r.ended_reason for r in session.scalars(
            select(UserSession).where(UserSession.user_id == ana.user_id)
            .order_by(UserSession.id))]
    assert reasons == [SIGNED_OUT, ENDED_BY_USER]
    assert sessions.principal(bens) is not None
    services.identity.set_disabled(ADMIN, "ben@camden.example", True)
    assert sessions.principal(bens) is None  # the account's change ends its sessions
    assert sign_ins(services) == [
        ("ana@camden.example", "success", SIGNED_OUT),
        ("ben@camden.example", "failed", f"end session {live.id}: not yours"),
        ("ana@camden.example", "success", f"ended session {live.id}")]
