"""The main navigation: each role's links all open for that role, the page a link leads
to is marked as the current one, and the last link is Sign in or Account."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import sign_in
from tests.web.html import nav_labels, parse, text
from tests.web.pages_workspace import ACCOUNTS
from vrhub.access.principal import Principal
from vrhub.access.roles import Role
from vrhub.web.navigation import NAVIGATION, active_href, nav_items


def current(page: BeautifulSoup) -> list[str]:
    nav = page.find("nav", attrs={"aria-label": "Main"})
    assert isinstance(nav, Tag)
    return [text(a) for a in nav.find_all("a", attrs={"aria-current": "page"})]


def test_every_role_has_a_navigation_starting_with_the_overview() -> None:
    assert set(NAVIGATION) == set(Role)
    for role, items in NAVIGATION.items():
        assert items[0] == ("/", "Overview"), role
        assert len({href for href, _ in items}) == len(items), role


def test_the_last_link_is_sign_in_for_the_public_and_account_for_everyone_else() -> None:
    public = Principal("(anonymous)", Role.PUBLIC)
    assert nav_items(public)[-1] == ("/sign-in", "Sign in")
    lead = Principal("lead@example.org", Role.TEAM_LEAD, user_id=3)
    assert nav_items(lead)[-1] == ("/account", "Account")
    assert nav_items(lead)[:-1] == list(NAVIGATION[Role.TEAM_LEAD])


def test_a_page_belongs_to_the_longest_link_it_lies_under() -> None:
    items = nav_items(Principal("lead@example.org", Role.TEAM_LEAD, user_id=3))
    assert active_href("/referrals/figures", items) == "/referrals/figures"
    assert active_href("/referrals/figures/2024", items) == "/referrals/figures"
    assert active_href("/referrals/42", items) == "/referrals"
    assert active_href("/referrals-archive", items) == "/"  # a prefix of the name only
    assert active_href("/", items) == "/"


@pytest.mark.parametrize("email", sorted(ACCOUNTS))
def test_every_link_a_role_is_shown_opens_and_is_marked_current(demo_app: FastAPI,
                                                                email: str) -> None:
    role = Role(ACCOUNTS[email][0])
    with TestClient(demo_app) as client:
        sign_in(client, email)
        for href, label in NAVIGATION[role]:
            response = client.get(href)
            assert response.status_code == 200, (role, href, response.status_code)
            page = parse(response.text)
            assert nav_labels(page) == [lab for _, lab in NAVIGATION[role]] + ["Account"]
            assert current(page) == [label], (role, href)


def test_the_public_navigation_opens_without_signing_in(demo_app: FastAPI) -> None:
    with TestClient(demo_app) as client:
        for href, label in NAVIGATION[Role.PUBLIC]:
            response = client.get(href)
            assert response.status_code == 200, (href, response.status_code)
            page = parse(response.text)
            assert nav_labels(page)[-1] == "Sign in"
            assert current(page) == [label], href
