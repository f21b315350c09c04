"""Sessions that end: a session cookie copied before sign-out, a password change,
disabling, or a change of role or scope is refused at its next request, whichever process
made the change, on SQLite and PostgreSQL; users list and end their own sessions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web.conftest import ADMIN, PASSWORD, csrf_from, sign_in
from tests.web.html import parse, summary_list
from vrhub.access import audit
from vrhub.access.services import AccessServices
from vrhub.cli.main import main
from vrhub.settings import Settings
from vrhub.storage.appdb.models import UserSession
from vrhub.web.app import SESSION_COOKIE, create_app

EMAIL = "ana@camden.example"
CAMDEN, HACKNEY = "E09000007", "E09000012"
NEW_PASSWORD = "violet harbour pencil meadow 77"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    home = tmp_path / "home"
    home.mkdir()
    overrides: dict[str, object] = {}
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        assert main(["db", "upgrade"], {"VRHUB_HOME": str(home),
                                        "VRHUB_DATABASE_URL": url}) == 0
        overrides["database_url"] = url
    return Settings.load({}, home=home, environment="test", **overrides)


@pytest.fixture
def site(settings: Settings) -> Iterator[FastAPI]:
    app = create_app(settings)
    app.state.access.identity.create_user(ADMIN, EMAIL, role="borough_analyst",
                                          organisation="TEST", boroughs=[CAMDEN],
                                          password=PASSWORD)
    yield app
    app.state.access.close()


@pytest.fixture
def console(settings: Settings) -> Iterator[AccessServices]:
    """A second process on the same database (`vrhub users` at the console)."""
    services = AccessServices.from_settings(settings)
    yield services
    services.close()


def signed_in(app: FastAPI, cookie: str) -> bool:
    """Whether a browser presenting only ``cookie`` is signed in."""
    client = TestClient(app)
    client.cookies.set(SESSION_COOKIE, cookie)
    response = client.get("/account", follow_redirects=False)
    return response.status_code == 200 and \
        summary_list(parse(response.text)).get("Email") == EMAIL


def ended_reasons(app: FastAPI) -> list[str | None]:
    with app.state.access.sessions() as session:
        return list(session.scalars(select(UserSession.ended_reason).order_by(UserSession.id)))


def browser(app: FastAPI) -> tuple[TestClient, str]:
    client = TestClient(app)
    sign_in(client, EMAIL)
    cookie = client.cookies[SESSION_COOKIE]
    assert signed_in(app, cookie)
    return client, cookie


def post(client: TestClient, url: str, **data: str) -> int:
    token = csrf_from(client.get("/account").text)
    return client.post(url, data={"csrf_token": token, **data},
                       follow_redirects=False).status_code


def test_signing_out_ends_the_session_for_every_copy_of_the_cookie(site: FastAPI) -> None:
    client, copied = browser(site)
    assert post(client, "/sign-out") == 303
    assert not signed_in(site, copied)
    assert ended_reasons(site) == ["signed out"]
    with site.state.access.sessions() as session:
        events = audit.query(session, action="sign_in")
    assert (events[0].outcome, events[0].detail) == ("success", "signed out")


def test_a_password_change_ends_every_other_session(site: FastAPI) -> None:
    client, copied = browser(site)
    _, elsewhere = browser(site)
    assert post(client, "/account/password", current=PASSWORD, new=NEW_PASSWORD) == 200
    assert not signed_in(site, copied)  # this browser's own cookie from before the change
    assert not signed_in(site, elsewhere)
    assert client.get("/account").status_code == 200  # this browser carries on, new session
    assert ended_reasons(site)[:2] == ["password changed", "password changed"]


def test_a_password_set_at_the_console_ends_the_sessions(site: FastAPI,
                                                         console: AccessServices) -> None:
    _, copied = browser(site)
    console.identity.set_password(ADMIN, EMAIL, NEW_PASSWORD)
    assert not signed_in(site, copied)


def test_disabling_ends_the_session_and_enabling_does_not_revive_it(
        site: FastAPI, console: AccessServices) -> None:
    _, copied = browser(site)
    console.identity.set_disabled(ADMIN, EMAIL, True)
    assert not signed_in(site, copied)
    console.identity.set_disabled(ADMIN, EMAIL, False)
    assert not signed_in(site, copied)
    assert ended_reasons(site) == ["account disabled or enabled"]


@pytest.mark.parametrize(("role", "boroughs", "reason"), [
    ("pan_london_analyst", [], "role changed"),
    ("borough_analyst", [CAMDEN, HACKNEY], "scope changed"),
    ("borough_analyst", [HACKNEY], "scope changed"),
])
def test_a_change_of_role_or_scope_ends_the_session(site: FastAPI, console: AccessServices,
                                                    role: str, boroughs: list[str],
                                                    reason: str) -> None:
    _, copied = browser(site)
    console.identity.set_role(ADMIN, EMAIL, role, boroughs=boroughs)
    assert not signed_in(site, copied)
    assert ended_reasons(site) == [reason]


def test_a_change_of_an_icb_analysts_icb_ends_the_session(site: FastAPI,
                                                          console: AccessServices) -> None:
    console.identity.set_role(ADMIN, EMAIL, "icb_analyst", icbs=["QMJ"])
    _, copied = browser(site)
    assert signed_in(site, copied)
    console.identity.set_role(ADMIN, EMAIL, "icb_analyst", icbs=["QMJ"])  # the same again
    assert signed_in(site, copied)
    console.identity.set_role(ADMIN, EMAIL, "icb_analyst", icbs=["QMF"])
    assert not signed_in(site, copied)
    assert ended_reasons(site)[-1] == "scope changed"


def test_setting_the_same_role_and_scope_again_leaves_sessions_alone(
        site: FastAPI, console: AccessServices) -> None:
    _, copied = browser(site)
    console.identity.set_role(ADMIN, EMAIL, "borough_analyst", boroughs=[CAMDEN])
    assert signed_in(site, copied)


def test_a_cookie_carrying_only_the_email_signs_nobody_in(site: FastAPI) -> None:
    """The form cookies had before sessions were held in the database."""
    import base64
    import json

    from itsdangerous import TimestampSigner

    from vrhub.web.session_secret import session_secret

    signer = TimestampSigner(session_secret(site.state.settings))
    forged = signer.sign(base64.b64encode(json.dumps({"user": EMAIL}).encode())).decode()
    assert not signed_in(site, forged)


def test_users_list_and_end_their_own_sessions(site: FastAPI,
                                               make_other: Callable[..., None]) -> None:
    client, _ = browser(site)
    _, phone = browser(site)
    page = client.get("/account").text
    assert page.count('action="/account/sessions/') == 2 and "This browser" in page
    views = site.state.access.browser_sessions.list(
        site.state.access.identity.sign_in(EMAIL, PASSWORD))
    other = next(v for v in views if v.id != min(v.id for v in views))
    assert post(client, f"/account/sessions/{other.id}/end") == 200
    assert not signed_in(site, phone)
    assert client.get("/account").status_code == 200
    # another account's session is not found, and the attempt is on the audit trail
    make_other(site)
    intruder, _ = TestClient(site), None
    sign_in(intruder, "bo@hackney.example")
    assert post(intruder, f"/account/sessions/{min(v.id for v in views)}/end") == 404
    assert signed_in(site, client.cookies[SESSION_COOKIE])
    with site.state.access.sessions() as session:
        events = audit.query(session, action="sign_in")
    assert any(e.actor_email == "bo@hackney.example" and e.outcome == "failed"
               and "not yours" in e.detail for e in events)


@pytest.fixture
def make_other() -> Callable[..., None]:
    def make(app: FastAPI) -> None:
        app.state.access.identity.create_user(ADMIN, "bo@hackney.example",
                                              role="borough_analyst", organisation="TEST",
                                              boroughs=[HACKNEY], password=PASSWORD)
    return make
