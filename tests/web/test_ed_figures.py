"""ED figures on every surface follow the one policy decision.

The dashboard workspace holds synthetic ED attendances in several boroughs. A borough
analyst (their borough: BOROUGH), an ED data lead, an administrator and a pan-London
analyst open a borough profile, the hour x day chart, the ED file list and the counts API
for a borough inside and outside their scope. Expected figures are counted here straight
from the warehouse with SQL, and disclosure control is applied here by hand (1-7 hidden,
the rest to the nearest 5), independently of the code under test.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web.conftest import sign_in
from tests.web.html_tables import table_with, with_attribute
from tests.web.pages_workspace import BOROUGH, ED_SITE, OTHER_BOROUGH
from vrhub.storage.appdb.models import AuditEvent
from vrhub.storage.warehouse import Warehouse

HTML = {"accept": "text/html"}
SVG = {"accept": "image/svg+xml"}
PEOPLE = ("pan@example.org", "borough@example.org", "ed@example.org", "admin@example.org")


def query(app: FastAPI, sql: str, params: list[object] | None = None) -> list[tuple]:
    with Warehouse(Path(app.state.settings.home) / "warehouse.duckdb", read_only=True) as wh:
        return [tuple(r) for r in wh.query(sql, params).itertuples(index=False)]


def by_hand(n: int) -> int | None:
    """The disclosure rule, written out here: 0 stays, 1-7 hidden, else nearest 5."""
    if n == 0:
        return 0
    if n <= 7:
        return None
    return 5 * math.floor(n / 5 + 0.5)


def ed_by_ward(app: FastAPI, borough: str) -> dict[str, int]:
    """ED assaults per ward of ``borough`` over the months both ED and MPS data cover."""
    ed = {m for (m,) in query(app, "SELECT DISTINCT strftime(assault_at, '%Y-%m') FROM "
                                   "istv_assault WHERE assault_at IS NOT NULL")}
    mps = {m for (m,) in query(app, "SELECT DISTINCT month FROM mps_crime_count "
                                    "WHERE level = 'ward'")}
    months = sorted(ed & mps)
    marks = ", ".join("?" for _ in months)
    rows = query(app, "SELECT n.ward_name, count(*) FROM istv_assault a JOIN (SELECT "
                      "ward_code, any_value(ward_name) AS ward_name FROM area_lookup GROUP BY 1)"
                      " n USING (ward_code) WHERE a.borough_code = ? AND "
                      f"strftime(a.assault_at, '%Y-%m') IN ({marks}) GROUP BY 1",
                 [borough, *months])
    return {str(name): int(n) for name, n in rows}


def client_for(app: FastAPI, email: str | None) -> TestClient:
    client = TestClient(app)
    if email:
        sign_in(client, email)
    return client


def ed_events(app: FastAPI) -> list[AuditEvent]:
    with app.state.access.sessions() as session:
        return list(session.scalars(select(AuditEvent).where(
            AuditEvent.action == "read_ed_figures").order_by(AuditEvent.id)))


def comparison(html: str) -> dict[str, int | None]:
    table = table_with(html, "ED assaults and police-recorded violence")
    assert table is not None, "the page has no ED-police table"
    out: dict[str, int | None] = {}
    for row in table.rows[1:]:
        out[row[0]] = None if row[1] == "[c]" else int(row[1].replace(",", ""))
    return out


def test_a_borough_outside_the_scope_shows_disclosed_ed_figures_only(demo_app: FastAPI,
                                                                    ) -> None:
    exact = ed_by_ward(demo_app, OTHER_BOROUGH)
    assert any(by_hand(n) != n for n in exact.values()), "the data would not show rounding"
    for email in ("borough@example.org", "ed@example.org", "admin@example.org"):
        before = len(ed_events(demo_app))
        html = client_for(demo_app, email).get(f"/boroughs/{OTHER_BOROUGH}",
                                               headers=HTML).text
        shown = comparison(html)
        assert shown == {ward: by_hand(n) for ward, n in exact.items()}, email
        assert with_attribute(html, "data-ed-withheld", "hourday"), email
        assert table_with(html, "ED assaults by day and hour") is None, email
        events = ed_events(demo_app)[before:]
        assert [(e.outcome, e.resource) for e in events] == [
            ("allowed", "ed_figures:borough_profile")], email
        assert events[0].detail.startswith("disclosed") and events[0].scope["boroughs"] == [
            OTHER_BOROUGH]


def test_inside_the_scope_ed_figures_are_exact(demo_app: FastAPI) -> None:
    exact = ed_by_ward(demo_app, BOROUGH)
    known_time = query(demo_app, "SELECT count(*) FROM istv_assault WHERE borough_code = ? "
                                 "AND assault_time_known", [BOROUGH])[0][0]
    for email in ("borough@example.org", "pan@example.org"):
        html = client_for(demo_app, email).get(f"/boroughs/{BOROUGH}", headers=HTML).text
        assert comparison(html) == exact, email
        table = table_with(html, "ED assaults by day and hour")
        assert table is not None
        assert sum(int(c) for row in table.rows[1:] for c in row[1:]) == known_time
    assert ed_events(demo_app)[-1].detail.startswith("exact")


def test_the_hour_day_chart_is_refused_outside_the_scope_and_audited(demo_app: FastAPI,
                                                                    ) -> None:
    for email in (None, "borough@example.org", "ed@example.org", "admin@example.org"):
        before = len(ed_events(demo_app))
        response = client_for(demo_app, email).get(
            f"/charts/hourday.svg?borough={OTHER_BOROUGH}", headers=SVG)
        assert response.status_code == 403, email
        assert "ED figures refused" in response.json()["error"]["message"]
        events = ed_events(demo_app)[before:]
        assert [(e.outcome, e.resource) for e in events] == [
            ("denied", "ed_figures:hourday_chart")], email
    own = client_for(demo_app, "borough@example.org").get(
        f"/charts/hourday.svg?borough={BOROUGH}")
    assert own.status_code == 200 and own.headers["content-type"].startswith("image/svg")
    assert own.headers["cache-control"] == "private, no-store"


def test_cache_files_never_hold_an_exact_ed_figure(demo_app: FastAPI) -> None:
    for email in PEOPLE:
        client = client_for(demo_app, email)
        for borough in (BOROUGH, OTHER_BOROUGH):
            client.get(f"/boroughs/{borough}", headers=HTML)
            client.get(f"/charts/hourday.svg?borough={borough}")
    cache = Path(demo_app.state.settings.home) / "cache" / "web"
    names = sorted(p.name for p in cache.iterdir())
    assert names, "nothing was cached"
    assert not [n for n in names if n.startswith(("hourday", "chart-hourday"))]
    ed_files = [p for p in cache.iterdir() if p.name.startswith("ed-police")]
    assert ed_files  # the disclosure-controlled tables are cached
    exact = set(ed_by_ward(demo_app, OTHER_BOROUGH).values()) | set(
        ed_by_ward(demo_app, BOROUGH).values())
    for path in ed_files:
        for row in json.loads(path.read_text(encoding="utf-8")):
            assert row["ed"] is None or (row["ed"] >= 8 and row["ed"] % 5 == 0), path.name
    assert any(by_hand(n) != n for n in exact)


def test_the_ed_file_list_follows_the_quality_scope(demo_app: FastAPI) -> None:
    sites = {(name, sha): {s for (s,) in query(
        demo_app, "SELECT DISTINCT site_code FROM istv_submission WHERE sha256 = ?", [sha])}
        for name, sha in query(demo_app, "SELECT file_name, sha256 FROM provenance "
                                         "WHERE source = 'istv'")}
    assert len({s for v in sites.values() for s in v}) > 1
    own = sorted(name for (name, _sha), s in sites.items() if s == {ED_SITE})
    url = "/api/v1/sources/istv/files?limit=500"
    lead = client_for(demo_app, "ed@example.org").get(url).json()
    assert sorted(f["file_name"] for f in lead["files"]) == own and lead["total"] == len(own)
    pan = client_for(demo_app, "pan@example.org").get(url).json()
    assert pan["total"] == len(sites)
    for email in (None, "borough@example.org"):
        before = len(_denied(demo_app))
        refused = client_for(demo_app, email).get(url)
        assert refused.status_code == 403, email
        assert len(_denied(demo_app)) == before + 1
    summary = client_for(demo_app, "borough@example.org").get("/api/v1/sources").json()
    assert "istv" not in {s["source"] for s in summary["sources"]}
    lead_summary = client_for(demo_app, "ed@example.org").get("/api/v1/sources").json()
    istv = next(s for s in lead_summary["sources"] if s["source"] == "istv")
    current = query(demo_app, "SELECT count(*) FROM provenance p WHERE source = 'istv' AND "
                              "status <> 'replaced' AND NOT EXISTS (SELECT 1 FROM "
                              "istv_submission s WHERE s.sha256 = p.sha256 AND "
                              "s.site_code <> ?)", [ED_SITE])[0][0]
    assert istv["files"] == current < len(sites)


def _denied(app: FastAPI) -> list[AuditEvent]:
    with app.state.access.sessions() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.outcome == "denied")))


@pytest.mark.parametrize("email", ["borough@example.org", "ed@example.org"])
def test_api_notes_about_unplaced_rows_are_disclosed(demo_app: FastAPI, email: str) -> None:
    unplaced = query(demo_app, "SELECT count(*) FROM istv_assault WHERE borough_code IS NULL"
                     )[0][0]
    assert unplaced % 5 and unplaced > 7, "the data would not show rounding"
    body = client_for(demo_app, email).get("/api/v1/counts?source=istv").json()
    notes = " ".join(body["notes"])
    assert f"{unplaced:,} istv_assault" not in notes
    assert f"about {by_hand(unplaced):,} istv_assault row(s) with no borough" in notes
    pan = client_for(demo_app, "pan@example.org").get("/api/v1/counts?source=istv").json()
    assert f"{unplaced:,} istv_assault row(s) with no borough" in " ".join(pan["notes"])


def test_an_ed_lead_sees_hotspots_of_their_own_site(demo_app: FastAPI) -> None:
    import csv
    import io

    from vrhub.standards.months import Period

    # The default period: the latest 12 complete months of the ED data.
    [(last,)] = query(demo_app, "SELECT max(strftime(assault_at, '%Y-%m')) FROM "
                                "istv_assault_current")
    period = Period.latest_complete(last)
    located = ("SELECT count(*) FROM istv_assault_current WHERE easting IS NOT NULL AND "
               f"northing IS NOT NULL AND CAST(assault_at AS DATE) BETWEEN "
               f"DATE '{period.first.first_day}' AND DATE '{period.last.last_day}'")
    [(own,)] = query(demo_app, located + " AND site_code = ?", [ED_SITE])
    [(everyone,)] = query(demo_app, located)
    assert 0 < own < everyone, "the workspace needs ED records of more than one site"

    def cell_total(email: str) -> int:
        client = client_for(demo_app, email)
        response = client.get("/hotspots/download.csv?source=istv&method=count")
        assert response.status_code == 200, response.text[:300]
        return sum(int(r["n"]) for r in csv.DictReader(io.StringIO(response.text)))

    assert cell_total("ed@example.org") == own  # their own site's records, all of them
    assert cell_total("pan@example.org") == everyone
    page = client_for(demo_app, "ed@example.org").get(
        "/hotspots?source=istv&method=gistar", headers=HTML)
    assert page.status_code == 200  # the Hotspots tab is no dead end
    events = [e for e in ed_events(demo_app) if e.resource == "ed_figures:hotspots_page"
              and e.outcome == "allowed"]
    scopes = [json.loads(e.scope) if isinstance(e.scope, str) else e.scope for e in events]
    assert [ED_SITE] in [s["sites"] for s in scopes]
    # Exact ED cells are never written to the web cache on disk.
    cache = Path(demo_app.state.settings.home) / "cache" / "web"
    assert not (cache.exists() and list(cache.rglob("hotspots-*")))
