"""The demo's synthetic postcodes: placed inside the workspace's boroughs, one district
per borough, loaded through the ONSPD importer, replaced on a second run, and never made
when the workspace holds real postcodes or no boroughs."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import shapely

from tests.warehouse_sql import query
from vrhub.access.services import AccessServices
from vrhub.demo_pathways import (
    ACCOUNTS,
    PROVIDER_ORG,
    SERVICES,
    demo_postcodes,
    ensure_demo_pathways,
)
from vrhub.settings import Settings
from vrhub.standards.gazetteer import GAZETTEER_POSTCODE
from vrhub.standards.geography_tables import AREA_BOUNDARY
from vrhub.storage.appdb.directory_models import DirectoryService
from vrhub.storage.appdb.models import AuditEvent, User
from vrhub.storage.appdb.pathway_models import PathwayTeam, Referral
from vrhub.storage.warehouse import Warehouse

# two square boroughs, 1 km a side, far apart
BOXES = {"E09000007": ("Camden", 528000, 184000), "E09000012": ("Hackney", 533000, 186000)}


def _boroughs(wh: Warehouse) -> None:
    wh.ensure_tables([AREA_BOUNDARY])
    wh.insert(AREA_BOUNDARY, pd.DataFrame([
        {"level": "borough", "code": code, "name": name, "borough_code": code,
         "area_m2": 1e6, "geometry": shapely.to_wkb(shapely.box(x, y, x + 1000, y + 1000)),
         "file_id": "test"} for code, (name, x, y) in BOXES.items()]))


def _postcodes(wh: Warehouse) -> pd.DataFrame:
    return query(wh, "SELECT postcode, easting, northing FROM gazetteer_postcode "
                     "ORDER BY postcode")


def test_synthetic_postcodes_fall_in_their_borough_one_district_each(
        tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb") as wh:
        _boroughs(wh)
        # 40 tries per borough, every one inside a square borough: 40 postcodes each
        assert demo_postcodes(wh, tmp_path / "demo", seed=7) == 80
        rows = _postcodes(wh)
        assert len(rows) == 80 and rows["postcode"].is_unique
        for district, code in (("ZZ1", "E09000007"), ("ZZ2", "E09000012")):  # by code
            mine = rows[rows["postcode"].str.match(f"{district}[0-9][A-Z]{{2}}$")]
            assert len(mine) == 40
            _, x, y = BOXES[code]
            # each is within 40 m of a point drawn inside the borough
            assert mine["easting"].between(x - 40, x + 1040).all()
            assert mine["northing"].between(y - 40, y + 1040).all()
        written = tmp_path / "demo" / "onspd" / "synthetic-postcodes.csv"
        assert len(pd.read_csv(written)) == 80
        # synthetic postcodes only: a second run makes them again, replacing the first
        assert demo_postcodes(wh, tmp_path / "demo", seed=7) == 80
        assert wh.count("gazetteer_postcode") == 80


def test_no_synthetic_postcodes_beside_real_ones_or_without_boroughs(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb") as wh:
        assert demo_postcodes(wh, tmp_path / "demo", seed=7) == 0  # no boroughs loaded
        assert not (tmp_path / "demo").exists()
        _boroughs(wh)
        wh.ensure_tables([GAZETTEER_POSTCODE])
        wh.insert(GAZETTEER_POSTCODE, pd.DataFrame([{
            "postcode": "N89JS", "easting": 530100.0, "northing": 189100.0,
            "lsoa21_code": None, "ward_code": None, "borough_code": None}]))
        assert demo_postcodes(wh, tmp_path / "demo", seed=7) == 0
        assert _postcodes(wh)["postcode"].tolist() == ["N89JS"]


def test_the_pathway_demo_goes_in_through_the_services_once(tmp_path: Path) -> None:
    """Accounts, teams, a directory and referrals in every state, made by the pathway
    service (so each referral's audit trail is there); a second run adds nothing."""
    settings = Settings.load({}, home=tmp_path, environment="test")
    accounts_file = tmp_path / "demo-accounts.txt"
    accounts_file.write_text("analyst@example.org  (analyst)\npassword: pw\n", encoding="utf-8")
    with Warehouse(tmp_path / "warehouse.duckdb") as wh:
        _boroughs(wh)
        accounts = ensure_demo_pathways(settings, wh, "a long enough passphrase 1", seed=5)
        assert [a.email for a in accounts] == [a.email for a in ACCOUNTS]
        services = AccessServices.from_settings(settings)
        try:
            with services.sessions() as session:
                roles = {u.email: u.role for u in session.query(User)}
                statuses = Counter(r.status for r in session.query(Referral))
                references = {r.reference for r in session.query(Referral)}
                teams = sorted(t.kind for t in session.query(PathwayTeam))
                listings = session.query(DirectoryService).count()
                created = session.query(AuditEvent).filter(
                    AuditEvent.action == "write_case", AuditEvent.resource.like("team:%"),
                    AuditEvent.actor_email == "youthworker@example.org",
                    AuditEvent.outcome == "allowed").count()
        finally:
            services.close()
        assert {a.email: a.role for a in ACCOUNTS}.items() <= roles.items()
        assert teams == ["hospital_youth_work", "social_prescribing"]
        assert listings == SERVICES
        # the plan: 39 referrals, each state several times
        assert sum(statuses.values()) == 39 == len(references)
        assert statuses["completed"] == 12 and statuses["rejected"] == 3
        assert {"accepted", "cancelled", "failed", "completed", "rejected"} <= set(statuses)
        assert created == 39  # each referral's creation audited, as a real one is
        # again: nothing new, the accounts listed once, before the password
        ensure_demo_pathways(settings, wh, "a long enough passphrase 1", seed=5)
        services = AccessServices.from_settings(settings)
        try:
            with services.sessions() as session:
                assert session.query(Referral).count() == 39
                assert session.query(DirectoryService).count() == SERVICES
        finally:
            services.close()
    lines = accounts_file.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "analyst@example.org  (analyst)" and lines[-1] == "password: pw"
    assert lines[1:-1] == [f"{a.email}  ({a.role}, {a.scope})" for a in ACCOUNTS]
    assert any(PROVIDER_ORG in a.scope for a in ACCOUNTS)
