"""Who is asking, resolved once per request (:mod:`vrhub.web.deps`): an API token, else a
live browser session, else the public; and every refusal that no policy decision audited
written once (:mod:`vrhub.web.refusals`), naming the route and the credential presented,
never the token itself."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.middleware.sessions import SessionMiddleware

from tests.helpers_outcomes import ADMIN
from vrhub.access.identity import principal_for, require_user
from vrhub.access.principal import PUBLIC, Principal
from vrhub.access.services import AccessServices
from vrhub.errors import NotFound, UserError
from vrhub.storage.appdb.models import AuditEvent
from vrhub.web.deps import (
    SESSION_KEY,
    current_principal,
    end_session,
    session_key,
    signed_in,
    start_session,
)
from vrhub.web.refusals import audit_error, audit_refusal, who

CAMDEN = "E09000007"
ANA = "ana@camden.example"

pytestmark = pytest.mark.parametrize("services", ["sqlite"], indirect=True)


@pytest.fixture
def client(services: AccessServices) -> Iterator[TestClient]:
    services.identity.create_user(ADMIN, ANA, role="borough_analyst", organisation="TEST",
                                  boroughs=[CAMDEN])
    app = FastAPI()
    app.state.access = services
    app.add_middleware(SessionMiddleware, secret_key="k" * 40)

    @app.exception_handler(UserError)
    async def refused(request: Request, exc: UserError) -> JSONResponse:
        await audit_error(request, exc)
        return JSONResponse({"code": exc.code, "who": who(request).email},
                            status_code=exc.http_status)

    @app.get("/api/v1/whoami")
    def whoami(principal: Annotated[Principal, Depends(current_principal)]) -> dict[str, str]:
        return {"email": principal.email, "channel": principal.channel}

    @app.get("/private")
    def private(principal: Annotated[Principal, Depends(signed_in)]) -> dict[str, str]:
        return {"email": principal.email}

    @app.post("/sign-in")
    def sign_in(request: Request) -> dict[str, str | None]:
        start_session(request, account(services))
        return {"key": session_key(request)}

    @app.post("/sign-out")
    def sign_out(request: Request) -> dict[str, bool]:
        end_session(request)
        return {"signed_in": SESSION_KEY in request.session}

    @app.get("/missing")
    def missing() -> None:
        raise NotFound("there is no such thing")

    @app.get("/teapot")
    async def teapot(request: Request) -> dict[str, str]:
        await audit_refusal(request, 418, "teapot", "not a refusal of the caller")
        return {}

    yield TestClient(app)


def account(services: AccessServices) -> Principal:
    with services.sessions() as session:
        return principal_for(require_user(session, ANA))


def refusals(services: AccessServices) -> list[tuple[str, str, str, str]]:
    with services.sessions() as session:
        return [(e.actor_email, e.resource, e.outcome, e.detail) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "request").order_by(AuditEvent.id))]


def test_a_token_a_session_or_the_public(client: TestClient, services: AccessServices) -> None:
    assert client.get("/api/v1/whoami").json() == {"email": PUBLIC.email,
                                                   "channel": PUBLIC.channel}
    token, _ = services.tokens.create(ADMIN, ANA, "scripts")
    by_token = client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {token}"})
    assert by_token.json() == {"email": ANA, "channel": "api"}
    key = client.post("/sign-in").json()["key"]
    assert key and services.browser_sessions.principal(key) is not None
    assert client.get("/private").json() == {"email": ANA}
    assert client.get("/api/v1/whoami").json() == {"email": ANA, "channel": "api"}
    assert client.post("/sign-out").json() == {"signed_in": False}
    assert services.browser_sessions.principal(key) is None  # ended in the database
    assert refusals(services) == []


def test_refusals_are_audited_once_with_the_credential(client: TestClient,
                                                        services: AccessServices) -> None:
    anonymous = client.get("/private")
    assert anonymous.status_code == 401
    assert anonymous.json() == {"code": "authentication_required", "who": PUBLIC.email}
    fake = client.get("/api/v1/whoami", headers={"Authorization": "Bearer hello"})
    # the token resolved to nobody: the refusal is an anonymous caller's
    assert (fake.status_code, fake.json()["who"]) == (401, "(anonymous)")
    token, view = services.tokens.create(ADMIN, ANA, "old")
    services.tokens.revoke(ADMIN, ANA, view.prefix)
    revoked = client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {token}"})
    assert revoked.status_code == 401
    key = client.post("/sign-in").json()["key"]
    services.browser_sessions.end(key)
    ended = client.get("/private")  # the cookie of a session ended elsewhere
    assert ended.status_code == 401
    assert client.get("/missing").status_code == 404  # a mistake, not a refusal
    assert client.get("/teapot").status_code == 200
    events = refusals(services)
    assert [(e[1], e[2]) for e in events] == [
        ("GET /private", "denied"), ("GET /api/v1/whoami", "denied"),
        ("GET /api/v1/whoami", "denied"), ("GET /private", "denied")]
    details = [e[3] for e in events]
    assert details[0].endswith("(no credentials)")
    assert details[1].endswith("(bearer token (not a vrhub token))")
    assert details[2].endswith(f"(bearer token {token[:12]})")
    assert token not in " ".join(details)  # never the secret itself
    assert details[3].endswith("(session cookie of an ended session)")
    assert all(d.startswith("authentication_required: ") for d in details)
