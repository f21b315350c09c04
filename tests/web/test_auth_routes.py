"""Where sign-in sends people afterwards, and single sign-on with an unknown provider
(vrhub.web.routes.auth)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from bs4 import Tag
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD, csrf_from
from tests.web.route_paths import path_of
from vrhub.web.routes import auth


@pytest.mark.parametrize(("target", "kept"), [
    ("/boroughs/E09000007?from=2024-01", "/boroughs/E09000007?from=2024-01"),
    (None, "/"), ("", "/"),
    ("https://evil.example/", "/"),       # another site
    ("//evil.example/path", "/"),         # scheme-relative: another site
    ("boroughs", "/"),                    # not a path from the root
    ("javascript:alert(1)", "/"),
])
def test_only_same_site_paths_are_kept_as_where_to_go_next(target: str | None,
                                                          kept: str) -> None:
    assert auth._safe_next(target) == kept


def _next_field(html: str) -> str:
    from tests.web.html import parse

    field = parse(html).find("input", attrs={"name": "next"})
    assert isinstance(field, Tag)
    return str(field["value"])


def test_the_sign_in_form_carries_a_safe_next_and_signing_in_goes_there(
        app: FastAPI, make_user: Callable[..., str]) -> None:
    make_user("ana@camden.example", "borough_analyst", boroughs=("E09000007",))
    client = TestClient(app)
    url = path_of(auth, auth.sign_in_page)
    assert _next_field(client.get(url, params={"next": "https://evil.example/"}).text) == "/"
    page = client.get(url, params={"next": "/account"}).text
    assert _next_field(page) == "/account"
    done = client.post(path_of(auth, auth.sign_in), data={
        "email": "ana@camden.example", "password": PASSWORD, "csrf_token": csrf_from(page),
        "next": "//evil.example/"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/"


def test_single_sign_on_with_an_unknown_provider_is_refused(app: FastAPI) -> None:
    response = TestClient(app).get(path_of(auth, auth.sso_begin, provider="nowhere"),
                                   headers={"accept": "application/json"},
                                   follow_redirects=False)
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "there is no sign-in provider called 'nowhere'"
