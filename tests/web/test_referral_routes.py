"""A worker's caseload and a provider's listings through their route modules
(vrhub.web.routes.api_referrals, pages_referrals, pages_listings): each sees their own,
others are refused with the reason, and every read and refusal is audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from tests.web.html import parse, table, text
from tests.web.route_paths import path_of
from tests.web.test_pathways_access_matrix import World, build
from vrhub.settings import Settings
from vrhub.web.routes import api_referrals, pages_listings, pages_referrals

JSON = {"accept": "application/json"}


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("vrhub.access.passwords.hasher",
                        lambda: PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    home = tmp_path / "home"
    home.mkdir()
    w = build(Settings.load({}, home=home, environment="test"))
    yield w
    w.app.state.access.close()


def _age_today(born: dt.date) -> int:
    today = dt.date.today()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def test_the_allocated_worker_reads_the_case_and_a_colleague_is_refused(world: World) -> None:
    mine = world.client.get(path_of(api_referrals, api_referrals.caseload),
                            headers=world.headers["ana"]).json()
    assert [r["reference"] for r in mine["referrals"]] == [world.referral]
    assert mine["referrals"][0]["age"] == _age_today(dt.date(2009, 2, 3))
    colleague = world.client.get(path_of(api_referrals, api_referrals.caseload),
                                 headers=world.headers["ben"]).json()
    assert colleague == {"total": 0, "referrals": []}
    one = path_of(api_referrals, api_referrals.read, key=world.referral)
    before = world.audit_count()
    case = world.client.get(one, headers=world.headers["ana"]).json()
    assert case["identity"]["family_name"] == "Jones" and world.audit_count() == before + 1
    refused = world.client.get(one, headers=world.headers["ben"])
    assert refused.status_code == 403
    assert "this referral is not on your caseload" in refused.json()["error"]["message"]
    assert world.audit_count() == before + 2
    fhir = world.client.get(path_of(api_referrals, api_referrals.fhir, key=world.referral),
                            headers=world.headers["ana"]).json()
    assert fhir["resourceType"] == "Bundle"
    assert fhir["identifier"]["value"] == world.referral


def test_the_caseload_page_lists_the_workers_case_and_refuses_a_provider(
        world: World) -> None:
    url = path_of(pages_referrals, pages_referrals.caseload_page)
    page = parse(world.client.get(url, headers=world.headers["ana"]).text)
    rows = table(page, "open first")
    assert [r[0] for r in rows] == [world.referral]
    assert rows[0][1] == f"Sam Jones, {_age_today(dt.date(2009, 2, 3))}"
    before = world.audit_count()
    refused = world.client.get(url, headers=world.headers["prov"])
    assert refused.status_code == 403
    assert "the provider role may not read case" in text(parse(refused.text).find("main"))
    assert world.audit_count() == before + 1


def test_a_provider_keeps_only_their_own_listings(world: World) -> None:
    url = path_of(pages_listings, pages_listings.listings_page)
    own = table(parse(world.client.get(url, headers=world.headers["prov"]).text), "listing")
    assert [r[0] for r in own] == ["Boxing Academy"]
    other = parse(world.client.get(url, headers=world.headers["other_prov"]).text)
    assert "Boxing Academy" not in {text(a) for a in other.select("main table a")}
    edit = path_of(pages_listings, pages_listings.edit_listing, listing_id=world.listing)
    assert world.client.get(edit, headers=world.headers["prov"]).status_code == 200
    before = world.audit_count()
    refused = world.client.get(edit, headers={**world.headers["other_prov"], **JSON})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert world.audit_count() == before + 1
