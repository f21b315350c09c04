"""Every refusal audited, whatever refused it: credentials (none, malformed, unknown,
revoked), an ended session, CSRF, pages and forms a role may not use, the policy layer and
the metrics endpoint. Each refusal writes exactly one audit event, naming what refused it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.web.conftest import ADMIN, PASSWORD, csrf_from, sign_in
from vrhub.settings import Settings
from vrhub.storage.appdb.models import AuditEvent
from vrhub.web.app import SESSION_COOKIE, create_app

ANA = "ana@camden.example"
CAMDEN, HACKNEY = "E09000007", "E09000012"
METRICS_TOKEN = "Zq3-mK8vR1xT6wPa0LbN4yHc7sJd2fGu9eQo5iUk"


@dataclass
class World:
    app: FastAPI
    token: str
    revoked: str


@pytest.fixture
def world(tmp_path) -> World:  # type: ignore[no-untyped-def]
    settings = Settings.load({}, home=tmp_path / "home", environment="test",
                             metrics_token=METRICS_TOKEN)
    app = create_app(settings)
    app.state.access.identity.create_user(ADMIN, ANA, role="borough_analyst",
                                          organisation="TEST", boroughs=[CAMDEN],
                                          password=PASSWORD)
    token, _ = app.state.access.tokens.create(ADMIN, ANA, "scripts",
                                              scopes=["read_aggregates"])
    revoked, view = app.state.access.tokens.create(ADMIN, ANA, "old")
    app.state.access.tokens.revoke(ADMIN, ANA, view.prefix)
    yield World(app, token, revoked)
    app.state.access.close()


def events(app: FastAPI) -> list[AuditEvent]:
    with app.state.access.sessions() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def anonymous(w: World) -> tuple[int, str]:
    response = TestClient(w.app).get("/api/v1/referrals")
    return response.status_code, "no credentials"


def malformed_token(w: World) -> tuple[int, str]:
    response = TestClient(w.app).get("/api/v1/referrals",
                                     headers={"Authorization": "Bearer not-a-token"})
    return response.status_code, "not a vrhub token"


def unknown_token(w: World) -> tuple[int, str]:
    forged = "vrh_0badf00d_" + "A" * 43
    response = TestClient(w.app).get("/api/v1/referrals",
                                     headers={"Authorization": f"Bearer {forged}"})
    return response.status_code, "bearer token vrh_0badf00d"


def revoked_token(w: World) -> tuple[int, str]:
    response = TestClient(w.app).get("/api/v1/referrals",
                                     headers={"Authorization": f"Bearer {w.revoked}"})
    return response.status_code, "bearer token " + w.revoked[:12]


def token_without_the_scope(w: World) -> tuple[int, str]:
    response = TestClient(w.app).get(f"/api/v1/records/police?borough={CAMDEN}",
                                     headers={"Authorization": f"Bearer {w.token}"})
    return response.status_code, "search police"  # the policy's own event


def page_needing_sign_in(w: World) -> tuple[int, str]:
    response = TestClient(w.app).get("/account", follow_redirects=False)
    assert response.headers["location"].startswith("/sign-in?next=")
    return response.status_code, "sign in to see your account"


def ended_session(w: World) -> tuple[int, str]:
    client = TestClient(w.app)
    sign_in(client, ANA)
    copied = client.cookies[SESSION_COOKIE]
    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/account").text)})
    replay = TestClient(w.app)
    replay.cookies.set(SESSION_COOKIE, copied)
    return (replay.get("/account", follow_redirects=False).status_code,
            "session cookie of an ended session")


def csrf_missing(w: World) -> tuple[int, str]:
    client = TestClient(w.app)
    sign_in(client, ANA)
    return (client.post("/account/tokens", data={"name": "x"}).status_code,
            "the form has expired or did not come from this site")


def csrf_wrong(w: World) -> tuple[int, str]:
    client = TestClient(w.app)
    sign_in(client, ANA)
    return (client.post("/sign-out", data={"csrf_token": "forged"}).status_code,
            "the form has expired or did not come from this site")


def page_refused_to_the_role(w: World) -> tuple[int, str]:
    client = TestClient(w.app)
    sign_in(client, ANA)
    return client.get("/upload").status_code, "may not upload ED submissions"


def policy_denial(w: World) -> tuple[int, str]:
    client = TestClient(w.app)
    sign_in(client, ANA)
    return (client.get(f"/api/v1/records/police?borough={HACKNEY}").status_code,
            "search police")  # the policy's own event


def metrics_without_the_token(w: World) -> tuple[int, str]:
    response = TestClient(w.app).get("/metrics", headers={"Authorization": "Bearer guess"})
    return response.status_code, "a metrics token that does not match"


REFUSALS: dict[str, tuple[Callable[[World], tuple[int, str]], int]] = {
    "anonymous API request": (anonymous, 401),
    "malformed token": (malformed_token, 401),
    "unknown token": (unknown_token, 401),
    "revoked token": (revoked_token, 401),
    "token without the scope": (token_without_the_scope, 403),
    "page needing sign-in": (page_needing_sign_in, 303),
    "ended session": (ended_session, 303),
    "CSRF token missing": (csrf_missing, 403),
    "CSRF token wrong": (csrf_wrong, 403),
    "page refused to the role": (page_refused_to_the_role, 403),
    "policy denial": (policy_denial, 403),
    "metrics without the token": (metrics_without_the_token, 401),
}


@pytest.mark.parametrize("kind", list(REFUSALS))
def test_each_refusal_writes_exactly_one_audit_event(world: World, kind: str) -> None:
    attempt, status = REFUSALS[kind]
    before = len(events(world.app))
    got, says = attempt(world)
    assert got == status
    after = events(world.app)
    # a sign-in or sign-out on the way writes its own (successful) events
    new = [e for e in after[before:] if e.outcome in ("denied", "failed")]
    assert len(new) == 1, [(e.action, e.detail) for e in after[before:]]
    assert says in new[0].detail, new[0].detail
    assert all(e.outcome == "success" for e in after[before:] if e is not new[0])


def test_a_refusal_event_names_the_route_not_the_query(world: World) -> None:
    TestClient(world.app).get(f"/api/v1/referrals?open_only=true&who={ANA}")
    event = events(world.app)[-1]
    assert (event.action, event.resource, event.outcome) == (
        "request", "GET /api/v1/referrals", "denied")
    assert ANA not in event.detail and event.actor_email == "public"


def test_refusal_events_keep_the_chain_intact(world: World) -> None:
    for attempt, _ in REFUSALS.values():
        attempt(world)
    from vrhub.access.audit import verify

    with world.app.state.access.sessions() as session:
        result = verify(session, world.app.state.access.audit.seal_key())
    assert result.ok and result.checked == len(events(world.app))
    with world.app.state.access.sessions() as session:
        refused = session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.outcome.in_(["denied", "failed"])))
    assert refused == len(REFUSALS)
