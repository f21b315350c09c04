"""Sign-in, CSRF, sign-out and the account page, through the in-process client."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD, csrf_from, sign_in
from tests.web.html import error_messages, parse, summary_list


def test_sign_in_and_account_page(app: FastAPI, make_user: Callable[..., str]) -> None:
    make_user("ana@camden.example", "borough_analyst", boroughs=("E09000007",))
    client = TestClient(app)
    assert client.get("/account", follow_redirects=False).status_code == 303
    sign_in(client, "ana@camden.example")
    page = client.get("/account")
    assert page.status_code == 200
    account = summary_list(parse(page.text))
    assert account["Role"] == "Borough analyst"
    assert "E09000007" in account["Boroughs"]
    assert page.headers["cache-control"] == "no-store"


def test_wrong_password_shows_an_error_and_is_audited(
    app: FastAPI, make_user: Callable[..., str]
) -> None:
    make_user("ed@site.example", "ed_data_lead", sites=("RJ122",))
    client = TestClient(app)
    token = csrf_from(client.get("/sign-in").text)
    response = client.post("/sign-in", data={"email": "ed@site.example", "password": "nope",
                                             "csrf_token": token})
    assert response.status_code == 400
    assert error_messages(parse(response.text))  # the summary says what went wrong
    from vrhub.access import audit

    with app.state.access.sessions() as session:
        events = audit.query(session, action="sign_in")
    assert [e.outcome for e in events][-1] == "failed"


def test_form_without_csrf_token_is_refused(app: FastAPI, make_user: Callable[..., str]) -> None:
    make_user("ana@camden.example", "borough_analyst", boroughs=("E09000007",))
    client = TestClient(app)
    client.get("/sign-in")
    response = client.post("/sign-in", data={"email": "ana@camden.example",
                                             "password": PASSWORD})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_open_redirect_after_sign_in_is_refused(
    app: FastAPI, make_user: Callable[..., str]
) -> None:
    make_user("ana@camden.example", "borough_analyst", boroughs=("E09000007",))
    client = TestClient(app)
    token = csrf_from(client.get("/sign-in").text)
    response = client.post("/sign-in", data={"email": "ana@camden.example",
                                             "password": PASSWORD,
                                             "csrf_token": token,
                                             "next": "https://evil.example/"},
                           follow_redirects=False)
    assert response.headers["location"] == "/"


def test_session_cookie_flags(app: FastAPI, make_user: Callable[..., str]) -> None:
    make_user("ana@camden.example", "borough_analyst", boroughs=("E09000007",))
    client = TestClient(app)
    token = csrf_from(client.get("/sign-in").text)
    response = client.post("/sign-in", data={"email": "ana@camden.example",
                                             "password": PASSWORD,
                                             "csrf_token": token}, follow_redirects=False)
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_sign_out_ends_the_session(app: FastAPI, make_user: Callable[..., str]) -> None:
    make_user("ana@camden.example", "borough_analyst", boroughs=("E09000007",))
    client = TestClient(app)
    sign_in(client, "ana@camden.example")
    token = csrf_from(client.get("/account").text)
    client.post("/sign-out", data={"csrf_token": token})
    assert client.get("/account", follow_redirects=False).status_code == 303
