"""The access matrix of the referral pathway and the opportunities directory: every page
and API route x every role, on SQLite and PostgreSQL.

Roles: two case workers in one team (ana made and holds the referral, ben does not), the
team's lead, a worker and lead of another team, a provider (keeps a listing) and another
provider, a directory curator, a pan-London and a borough analyst, an ED data lead, an
administrator, a programme lead and the public. The expected outcome of every case is
written out here, independently of the policy code: refused requests are 403 (401 for the
public on signed-in routes) with exactly one audit event each, and the audit chain
verifies at the end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.directory_support import populate
from tests.web.conftest import ADMIN
from vrhub.access import audit
from vrhub.cli.main import main
from vrhub.pathways.curation import ListingForm, save_listing
from vrhub.pathways.referral_forms import ConsentInput, Identity, NewReferral
from vrhub.settings import Settings
from vrhub.storage import referrals as store
from vrhub.web.app import create_app
from vrhub.web.pathway_deps import pathway

PASSWORD = "plum kettle orbit lantern 42"
ACCOUNTS = {
    "ana": ("case_worker", "TEST"), "ben": ("case_worker", "TEST"),
    "lee": ("team_lead", "TEST"), "cat": ("case_worker", "TEST"),
    "kim": ("team_lead", "TEST"), "prov": ("provider", "PROV1"),
    "other_prov": ("provider", "PROV2"), "curator": ("directory_curator", "VRU"),
    "pan": ("pan_london_analyst", "VRU"), "admin": ("administrator", "VRU"),
}
ROLES = [*ACCOUNTS, "borough", "ed", "public"]


@dataclass
class World:
    app: FastAPI
    client: TestClient
    headers: dict[str, dict[str, str]]
    referral: str
    listing: str
    home: Path

    def audit_count(self) -> int:
        with self.app.state.access.sessions() as session:
            return len(audit.query(session, limit=1_000_000))


def build(settings: Settings) -> World:
    app = create_app(settings.model_copy(update={"oruk_rate_limit": 1_000_000}))
    populate(app, 30)
    identity = app.state.access.identity
    headers: dict[str, dict[str, str]] = {"public": {}}
    extra = {"borough": ("borough_analyst", "TEST", ("E09000007",), ()),
             "ed": ("ed_data_lead", "TEST", (), ("RAL01",))}
    for key, (role, org) in ACCOUNTS.items():
        identity.create_user(ADMIN, f"{key}@example.org", role=role, organisation=org,
                             password=PASSWORD)
    for key, (role, org, boroughs, sites) in extra.items():
        identity.create_user(ADMIN, f"{key}@example.org", role=role, organisation=org,
                             boroughs=boroughs, sites=sites, password=PASSWORD)
    for key in [*ACCOUNTS, *extra]:
        token, _ = app.state.access.tokens.create(ADMIN, f"{key}@example.org", "matrix")
        headers[key] = {"Authorization": f"Bearer {token}"}
    users = {k: identity.sign_in(f"{k}@example.org", PASSWORD) for k in ACCOUNTS}
    with app.state.access.sessions() as session, session.begin():
        hospital = store.create_team(session, name="Hospital", kind="hospital_youth_work",
                                     organisation_code="TEST")
        link = store.create_team(session, name="Link", kind="social_prescribing",
                                 organisation_code="TEST")
        for key, team, lead in (("ana", hospital, False), ("ben", hospital, False),
                                ("lee", hospital, True), ("cat", link, False),
                                ("kim", link, True)):
            store.set_member(session, team.id, users[key].user_id or 0, lead=lead)
        team_id = hospital.id
    from starlette.requests import Request

    service = pathway(Request({"type": "http", "app": app, "headers": []}))
    case = service.create(users["ana"], NewReferral(
        team_id=team_id, identity=Identity("Sam", "Jones", dt.date(2009, 2, 3)),
        reachable_moment="ed_attendance", moment_at=dt.datetime.now() - dt.timedelta(hours=1),
        referrer_kind="hospital_youth_worker",
        consent=ConsentInput("given", "young_person", "verbal", ["referral", "contact"]),
        allocate_to_me=True))
    from tests.directory_support import app_directory

    listing, _ = save_listing(app_directory(app), ListingForm(
        name="Boxing Academy", description="Boxing for 12 to 18s",
        organisation_name="Provider One", postcode=_a_postcode(app)), owner_code="PROV1")
    return World(app, TestClient(app), headers, case.reference, listing, settings.home)


def _a_postcode(app: FastAPI) -> str:
    from tests.directory_support import postcodes

    return postcodes()[0].postcode


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("vrhub.access.passwords.hasher",
                        lambda: PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    home = tmp_path / "home"
    home.mkdir()
    overrides: dict[str, object] = {}
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        assert main(["db", "upgrade"], {"VRHUB_HOME": str(home),
                                        "VRHUB_DATABASE_URL": url}) == 0
        overrides["database_url"] = url
    w = build(Settings.load({}, home=home, environment="test", **overrides))
    yield w
    w.app.state.access.close()


# (method, path, roles allowed). Everyone else is refused.
CASE_READERS = {"ana", "lee"}
FIGURE_READERS = {"lee", "kim", "curator", "pan", "borough"}
LISTING_KEEPERS = {"prov", "curator"}
PUBLIC_ROUTES = set(ROLES)


def matrix(w: World) -> list[tuple[str, str, set[str], bool]]:
    """(method, path, allowed roles, whether a refusal is audited)."""
    r, lid = w.referral, w.listing
    return [
        ("GET", "/referrals", {"ana", "ben", "lee", "cat", "kim"}, True),
        ("GET", f"/referrals/{r}", CASE_READERS, True),
        ("GET", f"/referrals/{r}/fhir.json", CASE_READERS, True),
        ("GET", "/referrals/figures", FIGURE_READERS, True),
        ("GET", "/api/v1/referrals", {"ana", "ben", "lee", "cat", "kim"}, True),
        ("GET", f"/api/v1/referrals/{r}", CASE_READERS, True),
        ("GET", f"/api/v1/referrals/{r}/fhir", CASE_READERS, True),
        ("POST", f"/api/v1/referrals/{r}/contacts", CASE_READERS, True),
        ("POST", f"/api/v1/referrals/{r}/safeguarding", CASE_READERS, True),
        ("GET", "/api/v1/referral-figures", FIGURE_READERS, True),
        ("POST", "/api/v1/subject-access", {"lee", "kim"}, True),
        ("GET", "/listings", LISTING_KEEPERS | {"other_prov"}, True),
        ("GET", f"/listings/{lid}", LISTING_KEEPERS, True),
        ("GET", "/listings/feeds", {"curator"}, True),
        ("GET", "/opportunities", PUBLIC_ROUTES, False),
        ("GET", f"/opportunities/{lid}", PUBLIC_ROUTES, False),
        ("GET", "/oruk/services", PUBLIC_ROUTES, False),
        ("GET", f"/oruk/services/{lid}", PUBLIC_ROUTES, False),
    ]


BODIES = {
    "/contacts": {"mode": "phone", "outcome": "spoke"},
    "/safeguarding": {"category": "other", "level": "concern"},
    "/subject-access": {"given_name": "Sam", "family_name": "Jones",
                        "date_of_birth": "2009-02-03"},
}


def send(w: World, role: str, method: str, path: str) -> int:
    headers = {**w.headers[role], "Accept": "application/json"}
    if method == "POST":
        body = next(v for k, v in BODIES.items() if path.endswith(k))
        return w.client.post(path, headers=headers, json=body).status_code
    return w.client.get(path, headers=headers, follow_redirects=False).status_code


def test_every_pathway_route_for_every_role(world: World) -> None:
    failures: list[str] = []
    refused = 0
    for method, path, allowed, audited in matrix(world):
        for role in ROLES:
            before = world.audit_count()
            status = send(world, role, method, path)
            written = world.audit_count() - before
            if role in allowed:
                if status not in (200, 201):
                    failures.append(f"{role} {method} {path}: expected 200, got {status}")
                continue
            # the public: asked to sign in (401), except where the form check refuses an
            # anonymous post first (403, no one to audit) and where figures are refused by
            # role (403, audited)
            expected = 401 if role == "public" and method == "GET" and not path.startswith(
                "/api/v1/referral-figures") else 403
            if status != expected:
                failures.append(f"{role} {method} {path}: expected {expected}, got {status}")
            elif audited and (role != "public" or (expected == 403 and method == "GET")) \
                    and written != 1:
                failures.append(f"{role} {method} {path}: {written} audit events, expected 1")
            refused += role != "public"
    assert not failures, "\n".join(failures)
    assert refused >= 100
    env = {"VRHUB_HOME": str(world.home), "VRHUB_ENVIRONMENT": "test"}
    if world.app.state.settings.database_url:
        env["VRHUB_DATABASE_URL"] = world.app.state.settings.database_url
    assert main(["audit", "verify"], env) == 0


def test_reading_a_case_is_audited_and_names_no_one(world: World) -> None:
    before = world.audit_count()
    body = world.client.get(f"/api/v1/referrals/{world.referral}",
                            headers=world.headers["ana"]).json()
    assert body["name"] == "Sam Jones"
    assert world.audit_count() == before + 1
    with world.app.state.access.sessions() as session:
        event = audit.query(session, limit=1)[0]
    assert event.action == "read_case" and event.outcome == "allowed"
    assert event.resource == f"referral:{world.referral}"
    assert "Sam" not in event.detail and "Jones" not in event.detail
