"""Web fixtures: an app on a fresh workspace, and accounts of each role."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from vrhub.access.principal import console_administrator
from vrhub.settings import Settings
from vrhub.web.app import create_app

if TYPE_CHECKING:
    from tests.web.test_access_matrix import World

PASSWORD = "plum kettle orbit lantern 42"
ADMIN = console_administrator("tests")


@pytest.fixture
def web_settings(tmp_path: Path) -> Settings:
    return Settings.load({}, home=tmp_path / "home", environment="test")


@pytest.fixture
def app(web_settings: Settings) -> FastAPI:
    return create_app(web_settings)


@pytest.fixture
def make_user(app: FastAPI) -> Callable[..., str]:
    def make(email: str, role: str, *, boroughs: tuple[str, ...] = (),
             sites: tuple[str, ...] = (), organisation: str = "TEST") -> str:
        app.state.access.identity.create_user(
            ADMIN, email, role=role, organisation=organisation, boroughs=boroughs,
            sites=sites, password=PASSWORD,
        )
        return email

    return make


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """The access matrix's world (an app with an account of each role and a warehouse of
    two boroughs and two ED sites: tests.web.test_access_matrix) on a fresh workspace."""
    from tests.web.test_access_matrix import build_world

    home = tmp_path / "home"
    home.mkdir()
    w = build_world(Settings.load({}, home=home, environment="test"))
    yield w
    w.app.state.access.close()


@pytest.fixture
def demo_app(pages_template: Path, tmp_path: Path) -> FastAPI:
    from tests.web.pages_workspace import add_accounts, copy_workspace, settings_for

    app = create_app(settings_for(copy_workspace(pages_template, tmp_path / "home")))
    add_accounts(app)
    return app


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> None:
    token = csrf_from(client.get("/sign-in").text)
    response = client.post("/sign-in", data={"email": email, "password": password,
                                             "csrf_token": token, "next": "/"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text[:500]
