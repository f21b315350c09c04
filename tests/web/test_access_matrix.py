"""The access matrix: every record-level way in x role x borough, on SQLite and PostgreSQL.

Users: borough analysts for Camden (E09000007) and Hackney (E09000012), an ED data lead
for a Camden ED site, a pan-London analyst, an administrator and the public. For each
endpoint that reaches record-level data (records search, one record, exports, ISTV
submission list / receipt / upload, ED counts and hotspots), every request outside the
caller's scope must be refused with 403 and the JSON error shape, and must write exactly
one audit event; requests inside the scope succeed. ED counts and trends by area outside
the caller's scope are answered disclosure-controlled instead (``detail: disclosed``, no
count between 1 and 7, every count a multiple of 5), also with one audit event. The audit
chain then verifies with ``vrhub audit verify``.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.warehouse_sql import scalar
from tests.web.conftest import ADMIN
from vrhub.access import audit
from vrhub.cli.main import main
from vrhub.settings import Settings
from vrhub.standards.istv import ISTV_ASSAULT, ISTV_SUBMISSION
from vrhub.standards.police_uk import POLICE_STREET
from vrhub.storage import sna_editions as sna_store
from vrhub.storage.queries.istv import ensure_current_view
from vrhub.storage.warehouse import Warehouse
from vrhub.web.app import create_app

CAMDEN, HACKNEY = "E09000007", "E09000012"
CAMDEN_SITE, HACKNEY_SITE = "RAL01", "RQX01"
PASSWORD = "plum kettle orbit lantern 42"
SUBMISSIONS = {CAMDEN_SITE: "istv-" + "a" * 16, HACKNEY_SITE: "istv-" + "b" * 16}


def seed_warehouse(path: Path) -> None:
    """Police street crimes and ED assaults in Camden and Hackney, 2023-01 to 2024-12."""
    police, assaults, submissions = [], [], []
    months = [f"{y}-{m:02d}" for y in (2023, 2024) for m in range(1, 13)]
    n = 0
    for borough, x0, lsoa, ward in ((CAMDEN, 528000.0, "E01000907", "E05013652"),
                                    (HACKNEY, 534000.0, "E01001704", "E05009367")):
        for i, month in enumerate(months):
            for k in range(8 + 4 * (i % 4)):
                n += 1
                police.append({
                    "file_id": "f" * 64, "row_number": n, "crime_id": f"c{n}",
                    "month": month, "force": "metropolitan", "series": "metropolitan-street",
                    "crime_id_duplicate": False,
                    "crime_type": "Violence and sexual offences" if k % 2 else "Burglary",
                    "location": "On or near X Road", "easting": x0 + 37.0 * k + i,
                    "northing": 184000.0 + 53.0 * k, "lsoa21_code": lsoa,
                    "ward_code": ward, "borough_code": borough})
    for site, borough, x0 in ((CAMDEN_SITE, CAMDEN, 528000.0), (HACKNEY_SITE, HACKNEY,
                                                                 534000.0)):
        sub = SUBMISSIONS[site]
        submissions.append({
            "submission_id": sub, "site_code": site, "period_start": dt.date(2024, 1, 1),
            "period_end": dt.date(2024, 12, 31), "received_at": dt.datetime(2025, 1, 10),
            "file_name": f"{site}.csv", "sha256": sub[-16:] * 4, "file_format": "csv",
            "header_source": "names", "codelist_version": "default-1", "status": "current",
            "rows_read": 24, "rows_accepted": 24, "rows_quarantined": 0,
            "redactions": "{}", "quality_score": 90.0, "receipt": "{}"})
        for row in range(24):
            month = row % 12 + 1
            assaults.append({
                "assault_id": f"{sub}:{row + 1}", "submission_id": sub, "site_code": site,
                "source_row": row + 1, "arrival_at": dt.datetime(2024, month, 3, 22),
                "assault_at": dt.datetime(2024, month, 3, 21), "assault_time_known": True,
                "assault_method": "BODY", "location_type": "STREET",
                "easting": x0 + 20.0 * row, "northing": 184000.0, "lsoa21_code": None,
                "ward_code": None, "borough_code": borough, "geocode_method": "test",
                "geocode_confidence": 0.9})
    with Warehouse(path) as wh:
        wh.ensure_tables([POLICE_STREET, ISTV_SUBMISSION, ISTV_ASSAULT])
        for table, rows in ((POLICE_STREET, police), (ISTV_SUBMISSION, submissions),
                            (ISTV_ASSAULT, assaults)):
            frame = pd.DataFrame(rows)
            wh.insert(table, frame[[c for c in frame.columns if c in table.column_names]])
        ensure_current_view(wh)


@dataclass
class World:
    app: FastAPI
    client: TestClient
    headers: dict[str, dict[str, str]]  # role key -> request headers
    home: Path

    def audit_count(self) -> int:
        with self.app.state.access.sessions() as session:
            return len(audit.query(session, limit=1_000_000))


USERS = {
    "camden": ("camden@example.org", "borough_analyst", (CAMDEN,), ()),
    "hackney": ("hackney@example.org", "borough_analyst", (HACKNEY,), ()),
    "ed": ("lead@ral.example", "ed_data_lead", (), (CAMDEN_SITE,)),
    "pan": ("pan@example.org", "pan_london_analyst", (), ()),
    "admin": ("admin@example.org", "administrator", (), ()),
}


def build_world(settings: Settings) -> World:
    seed_warehouse(settings.home / "warehouse.duckdb")
    app = create_app(settings)
    headers: dict[str, dict[str, str]] = {"public": {}}
    for key, (email, role, boroughs, sites) in USERS.items():
        app.state.access.identity.create_user(ADMIN, email, role=role, organisation="TEST",
                                              boroughs=boroughs, sites=sites,
                                              password=PASSWORD)
        token, _ = app.state.access.tokens.create(ADMIN, email, "matrix")
        headers[key] = {"Authorization": f"Bearer {token}"}
    seed_needs_assessments(app)
    return World(app, TestClient(app), headers, settings.home)


def seed_needs_assessments(app: FastAPI) -> None:
    """A full edition and a public summary of Camden's and Hackney's needs assessments."""
    with app.state.access.sessions() as session:
        for borough in (CAMDEN, HACKNEY):
            sna_store.save(session, *(sna_store.NewEdition(
                area_code=borough, area_name=borough, edition=kind, period_from="2024-01",
                period_to="2024-12", definition_version="svd-1",
                built_at=dt.datetime(2025, 1, 5), built_by=None, builder="console:ops",
                recommendations="", figures={"trends": {"offences": 10}},
                sections={"trends": {"title": "Trends", "available": True, "reason": None}},
                files={"pdf": b"%PDF-1.4 " + kind.encode()}) for kind in ("full", "public")))
        session.commit()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    home = tmp_path / "home"
    home.mkdir()
    overrides: dict[str, object] = {}
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        code = main(["db", "upgrade"], {"VRHUB_HOME": str(home),
                                        "VRHUB_DATABASE_URL": url})
        assert code == 0
        overrides["database_url"] = url
    settings = Settings.load({}, home=home, environment="test", **overrides)
    w = build_world(settings)
    yield w
    w.app.state.access.close()


@dataclass(frozen=True)
class Case:
    """One request: who, what, and whether it lies inside the caller's scope."""

    who: str
    method: str
    url: str
    allowed: bool
    upload_site: str | None = None
    audited: bool = True
    disclosed: bool = False

    @property
    def id(self) -> str:
        return f"{self.who}:{self.method} {self.url}"


def cases(camden_record: str, hackney_record: str) -> list[Case]:
    out: list[Case] = []
    for who, own, other in (("camden", CAMDEN, HACKNEY), ("hackney", HACKNEY, CAMDEN)):
        own_rec, other_rec = ((camden_record, hackney_record) if own == CAMDEN
                              else (hackney_record, camden_record))
        out += [
            Case(who, "GET", f"/api/v1/records/police?borough={own}", True),
            Case(who, "GET", f"/api/v1/records/police?borough={other}", False),
            Case(who, "GET", f"/api/v1/records/istv?borough={other}", False),
            Case(who, "GET", f"/api/v1/records/police/{own_rec}", True),
            Case(who, "GET", f"/api/v1/records/police/{other_rec}", False),
            Case(who, "GET", f"/api/v1/exports/police?borough={own}&format=csv", True),
            Case(who, "GET", f"/api/v1/exports/police?borough={other}&format=csv", False),
            Case(who, "GET", f"/api/v1/exports/istv?borough={other}&format=xlsx", False),
            Case(who, "GET", f"/api/v1/counts?source=istv&area={own}", True),
            Case(who, "GET", f"/api/v1/counts?source=istv&area={other}", True,
                 disclosed=True),
            Case(who, "GET", f"/api/v1/trends?source=istv&area={other}", True,
                 disclosed=True),
            Case(who, "GET", f"/api/v1/counts?source=istv&level=lsoa&area={other}", False),
            Case(who, "GET", f"/api/v1/hotspots?source=istv&method=count&borough={other}",
                 False),
            Case(who, "GET", f"/api/v1/nearrepeat?source=istv&borough={other}", False),
            Case(who, "GET", "/api/v1/istv/submissions", False),
            Case(who, "GET", f"/api/v1/istv/submissions/{SUBMISSIONS[CAMDEN_SITE]}", False),
            Case(who, "POST", "/api/v1/istv/submissions", False, upload_site=CAMDEN_SITE),
            Case(who, "GET", "/api/v1/quality/istv", False),
            # needs assessments: a full edition is its borough's; the public summary public
            Case(who, "GET", f"/api/v1/sna/{own}/editions", True),
            Case(who, "GET", f"/api/v1/sna/{own}/editions/1.pdf", True),
            Case(who, "GET", f"/api/v1/sna/{other}/editions", False),
            Case(who, "GET", f"/api/v1/sna/{other}/editions/1.pdf", False),
            Case(who, "GET", f"/api/v1/sna/{other}/editions/1.json", False),
            Case(who, "GET", "/api/v1/sna/E12000007/editions", False),
            Case(who, "GET", f"/api/v1/sna/{other}/editions/1.pdf?edition=public", True,
                 audited=False),
        ]
    out += [
        Case("ed", "GET", f"/api/v1/records/istv?site={CAMDEN_SITE}", True),
        Case("ed", "GET", f"/api/v1/records/istv?site={HACKNEY_SITE}", False),
        Case("ed", "GET", f"/api/v1/records/istv?borough={HACKNEY}", False),
        Case("ed", "GET", f"/api/v1/records/istv/{SUBMISSIONS[HACKNEY_SITE]}:1", False),
        Case("ed", "GET", f"/api/v1/records/istv/{SUBMISSIONS[CAMDEN_SITE]}:1", True),
        Case("ed", "GET", f"/api/v1/exports/istv?site={HACKNEY_SITE}", False),
        Case("ed", "GET", f"/api/v1/istv/submissions?site={HACKNEY_SITE}", False),
        Case("ed", "GET", f"/api/v1/istv/submissions/{SUBMISSIONS[HACKNEY_SITE]}", False),
        Case("ed", "GET", f"/api/v1/istv/submissions/{SUBMISSIONS[CAMDEN_SITE]}", True),
        Case("ed", "POST", "/api/v1/istv/submissions", False, upload_site=HACKNEY_SITE),
        Case("ed", "GET", f"/api/v1/counts?source=istv&area={HACKNEY}", True, disclosed=True),
        Case("ed", "GET", "/api/v1/counts?source=istv", True, disclosed=True),
        Case("ed", "GET", f"/api/v1/hotspots?source=istv&borough={CAMDEN}", False),
        Case("ed", "GET", f"/api/v1/quality/istv?site={HACKNEY_SITE}", False),
        Case("ed", "GET", "/api/v1/quality/istv", True),
    ]
    for who in ("admin", "public"):
        out += [
            Case(who, "GET", f"/api/v1/records/police?borough={CAMDEN}", False),
            Case(who, "GET", "/api/v1/records/istv", False),
            Case(who, "GET", f"/api/v1/records/police/{camden_record}", False),
            Case(who, "GET", "/api/v1/exports/police", False),
            Case(who, "GET", f"/api/v1/istv/submissions/{SUBMISSIONS[CAMDEN_SITE]}", False),
            # an anonymous form post has no session, so the CSRF check refuses it before
            # anyone is identified: refused (403) and audited as an anonymous request
            Case(who, "POST", "/api/v1/istv/submissions", False, upload_site=CAMDEN_SITE),
            Case(who, "GET", f"/api/v1/counts?source=istv&area={CAMDEN}", who == "admin",
                 disclosed=True),
            Case(who, "GET", "/api/v1/hotspots?source=istv&method=count", False),
            Case(who, "GET", f"/api/v1/sna/{CAMDEN}/editions", False),
            Case(who, "GET", f"/api/v1/sna/{CAMDEN}/editions/1.pdf", False),
            Case(who, "GET", f"/api/v1/sna/{CAMDEN}/editions/1.pdf?edition=public", True,
                 audited=False),
        ]
    out += [
        Case("pan", "GET", "/api/v1/records/istv", True),
        Case("pan", "GET", f"/api/v1/records/police/{hackney_record}", True),
        Case("pan", "GET", "/api/v1/exports/istv?format=csv", True),
        Case("pan", "GET", "/api/v1/counts?source=istv", True),
        Case("pan", "GET", "/api/v1/istv/submissions", True),
        Case("pan", "GET", "/api/v1/quality/istv", True),
        Case("pan", "GET", f"/api/v1/sna/{HACKNEY}/editions/1.pdf", True),
        Case("pan", "GET", "/api/v1/sna/E12000007/editions", True),
        Case("ed", "GET", f"/api/v1/sna/{CAMDEN}/editions/1.pdf", False),
        Case("ed", "GET", f"/api/v1/sna/{CAMDEN}/editions", False),
        Case("admin", "GET", "/api/v1/quality/istv", True),
    ]
    return out


def send(world: World, case: Case) -> tuple[int, dict[str, object] | None]:
    headers = world.headers[case.who]
    if case.method == "POST":
        body = io.BytesIO(b"not,a,real,extract\n")
        response = world.client.post(case.url, headers=headers,
                                     data={"site": case.upload_site or ""},
                                     files={"file": ("x.csv", body, "text/csv")})
    else:
        response = world.client.get(case.url, headers=headers)
    try:
        payload = response.json()
    except ValueError:
        payload = None
    return response.status_code, payload if isinstance(payload, dict) else None


def first_record(world: World, borough: str) -> str:
    body = world.client.get(f"/api/v1/records/police?borough={borough}&limit=1",
                            headers=world.headers["pan"]).json()
    return str(body["records"][0]["record_id"]) if "record_id" in body["records"][0] else \
        _id_of(world, borough)


def _id_of(world: World, borough: str) -> str:
    with Warehouse(world.home / "warehouse.duckdb", read_only=True) as wh:
        value = scalar(wh, "SELECT substr(file_id, 1, 16) || '-' || CAST(min(row_number) AS "
                           "VARCHAR) FROM police_street WHERE borough_code = ? GROUP BY file_id",
                           [borough])
    return str(value)


def test_every_cross_scope_request_is_refused_and_audited_once(world: World) -> None:
    camden_record = first_record(world, CAMDEN)
    hackney_record = first_record(world, HACKNEY)
    failures: list[str] = []
    refused = 0
    for case in cases(camden_record, hackney_record):
        before = world.audit_count()
        status, body = send(world, case)
        written = world.audit_count() - before
        if case.allowed:
            if status != 200:
                failures.append(f"{case.id}: expected 200, got {status} {body}")
            elif case.disclosed:
                counts = [r["count"] for r in (body or {}).get("rows", [])] + [
                    r["count"] for r in (body or {}).get("series", [])]
                if (body or {}).get("detail") != "disclosed" or any(
                        c is not None and (0 < c < 8 or c % 5) for c in counts):
                    failures.append(f"{case.id}: not disclosure-controlled: {body}")
                if written != 1:
                    failures.append(f"{case.id}: {written} audit events written, expected 1")
            continue
        refused += case.audited
        error = (body or {}).get("error") if body else None
        if status != 403:
            failures.append(f"{case.id}: expected 403, got {status} {body}")
        elif not (isinstance(error, dict) and error.get("code") == "forbidden"
                  and error.get("message")):
            failures.append(f"{case.id}: not the JSON error shape: {body}")
        if written != (1 if case.audited else 0):
            failures.append(f"{case.id}: {written} audit events written, expected 1")
    assert not failures, "\n".join(failures)
    assert refused >= 45  # audited refusals
    with world.app.state.access.sessions() as session:
        denied = [e for e in audit.query(session, limit=1_000_000) if e.outcome == "denied"]
    assert len(denied) >= refused
    settings: Settings = world.app.state.settings
    env = {"VRHUB_HOME": str(world.home), "VRHUB_ENVIRONMENT": "test"}
    if settings.database_url:
        env["VRHUB_DATABASE_URL"] = settings.database_url
    assert main(["audit", "verify"], env) == 0


def test_allowed_scoped_search_returns_only_own_borough(world: World) -> None:
    body = world.client.get("/api/v1/records/police", headers=world.headers["camden"]).json()
    assert body["total"] > 0
    assert {r["borough_code"] for r in body["records"]} == {CAMDEN}
    counts = world.client.get("/api/v1/counts?source=istv",
                              headers=world.headers["hackney"]).json()
    assert {r["area_code"] for r in counts["rows"]} == {HACKNEY}

