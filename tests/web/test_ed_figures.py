"""ED figures on every surface follow the one policy decision.

The dashboard workspace holds synthetic ED attendances in several boroughs. A borough
analyst (their borough: BOROUGH), an ED data lead, an administrator, a pan-London analyst
and two ICB analysts open a borough profile, the hour x day chart, the ED file list,
exports and the counts API for a borough inside and outside their scope. The ICBs: the
workspace's own (QZZ, whose ED sites lie in boroughs 1, 3 and 5, so BOROUGH is inside
and OTHER_BOROUGH outside) and a second one serving OTHER_BOROUGH only and running no ED.
Expected figures are counted here straight from the warehouse with SQL, and disclosure
control is applied here by hand (1-7 hidden, the rest to the nearest 5), independently of
the code under test.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import warehouse_sql
from tests.web.conftest import sign_in
from tests.web.html import error_hint, error_page, parse
from tests.web.html_tables import table_with, with_attribute
from tests.web.pages_workspace import BOROUGH, ED_SITE, OTHER_BOROUGH
from vrhub.storage.appdb.models import AuditEvent

HTML = {"accept": "text/html"}
SVG = {"accept": "image/svg+xml"}
PEOPLE = ("pan@example.org", "borough@example.org", "ed@example.org", "admin@example.org",
          "icb@example.org", "icb2@example.org")
ICB, ICB2 = "QZZ", "QZY"
ICB_SYSTEM = ({"E09990001", "E09990003", "E09990005"}, {"ZZ901", "ZZ902", "ZZ903"})
#: email -> (boroughs inside, boroughs outside), for the ICB analysts
ICB_USERS = {"icb@example.org": (BOROUGH, OTHER_BOROUGH),
             "icb2@example.org": (OTHER_BOROUGH, BOROUGH)}


@pytest.fixture
def demo_app(demo_app: FastAPI) -> FastAPI:
    """The dashboard app with two ICB analysts: QZZ as the warehouse's area directory gives
    it, and QZY, written out here, serving OTHER_BOROUGH."""
    from tests.web.pages_workspace import ADMIN, PASSWORD

    membership = demo_app.state.access.policy.membership
    now = dict(membership.members())
    assert (set(now[ICB][0]), set(now[ICB][1])) == ICB_SYSTEM
    assert BOROUGH in ICB_SYSTEM[0] and OTHER_BOROUGH not in ICB_SYSTEM[0]
    membership.use(lambda: {**now, ICB2: ((OTHER_BOROUGH,), ())})
    for email, icb in (("icb@example.org", ICB), ("icb2@example.org", ICB2)):
        demo_app.state.access.identity.create_user(
            ADMIN, email, role="icb_analyst", organisation=icb, icbs=[icb], password=PASSWORD)
    return demo_app


def query(app: FastAPI, sql: str, params: list[object] | None = None) -> list[tuple]:
    return warehouse_sql.rows(Path(app.state.settings.home), sql, params)


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
                                   "istv_assault_current WHERE assault_at IS NOT NULL")}
    mps = {m for (m,) in query(app, "SELECT DISTINCT month FROM mps_crime_count "
                                    "WHERE level = 'ward'")}
    months = sorted(ed & mps)
    marks = ", ".join("?" for _ in months)
    rows = query(app, "SELECT n.ward_name, count(*) FROM istv_assault_current a JOIN (SELECT "
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


OUTSIDE = [("borough@example.org", OTHER_BOROUGH), ("ed@example.org", OTHER_BOROUGH),
           ("admin@example.org", OTHER_BOROUGH),
           *((email, outside) for email, (_inside, outside) in ICB_USERS.items())]
INSIDE = [("borough@example.org", BOROUGH), ("pan@example.org", BOROUGH),
          *((email, inside) for email, (inside, _outside) in ICB_USERS.items())]


def test_a_borough_outside_the_scope_shows_disclosed_ed_figures_only(demo_app: FastAPI,
                                                                    ) -> None:
    for email, borough in OUTSIDE:
        exact = ed_by_ward(demo_app, borough)
        assert any(by_hand(n) != n for n in exact.values()), "the data would not show rounding"
        before = len(ed_events(demo_app))
        html = client_for(demo_app, email).get(f"/boroughs/{borough}", headers=HTML).text
        shown = comparison(html)
        assert shown == {ward: by_hand(n) for ward, n in exact.items()}, email
        assert with_attribute(html, "data-ed-withheld", "hourday"), email
        assert table_with(html, "ED assaults by day and hour") is None, email
        events = ed_events(demo_app)[before:]
        assert [(e.outcome, e.resource) for e in events] == [
            ("allowed", "ed_figures:borough_profile")], email
        assert events[0].detail.startswith("disclosed") and events[0].scope["boroughs"] == [
            borough], email


def test_inside_the_scope_ed_figures_are_exact(demo_app: FastAPI) -> None:
    for email, borough in INSIDE:
        exact = ed_by_ward(demo_app, borough)
        known_time = query(demo_app, "SELECT count(*) FROM istv_assault_current WHERE "
                                     "borough_code = ? AND assault_time_known",
                           [borough])[0][0]
        html = client_for(demo_app, email).get(f"/boroughs/{borough}", headers=HTML).text
        assert comparison(html) == exact, email
        table = table_with(html, "ED assaults by day and hour")
        assert table is not None, email
        assert sum(int(c) for row in table.rows[1:] for c in row[1:]) == known_time, email
        assert ed_events(demo_app)[-1].detail.startswith("exact"), email


def test_the_hour_day_chart_is_refused_outside_the_scope_and_audited(demo_app: FastAPI,
                                                                    ) -> None:
    for email, borough in [(None, OTHER_BOROUGH), *OUTSIDE]:
        before = len(ed_events(demo_app))
        response = client_for(demo_app, email).get(
            f"/charts/hourday.svg?borough={borough}", headers=SVG)
        assert response.status_code == 403, email
        assert "ED figures refused" in response.json()["error"]["message"]
        events = ed_events(demo_app)[before:]
        assert [(e.outcome, e.resource) for e in events] == [
            ("denied", "ed_figures:hourday_chart")], email
    for email, borough in INSIDE:
        own = client_for(demo_app, email).get(f"/charts/hourday.svg?borough={borough}")
        assert own.status_code == 200 and own.headers["content-type"].startswith(
            "image/svg"), email
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


@pytest.mark.parametrize("email", ["borough@example.org", "ed@example.org", *ICB_USERS])
def test_api_notes_about_unplaced_rows_are_disclosed(demo_app: FastAPI, email: str) -> None:
    unplaced = query(demo_app, "SELECT count(*) FROM istv_assault_current "
                               "WHERE borough_code IS NULL")[0][0]
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


def _system(email: str) -> tuple[set[str], set[str]]:
    """An ICB analyst's boroughs and ED sites, as written out above."""
    return ICB_SYSTEM if email == "icb@example.org" else ({OTHER_BOROUGH}, set())


@pytest.mark.parametrize("email", list(ICB_USERS))
def test_an_icb_analysts_records_files_and_counts_follow_their_system(
        demo_app: FastAPI, email: str) -> None:
    inside, outside = ICB_USERS[email]
    boroughs, sites = _system(email)
    client = client_for(demo_app, email)
    marks = ", ".join("?" for _ in boroughs)
    in_system = f"(borough_code IN ({marks})" + (
        f" OR site_code IN ({', '.join('?' for _ in sites)}))" if sites else ")")
    [(expected,)] = query(demo_app, f"SELECT count(*) FROM istv_assault_current WHERE "
                          f"{in_system}", [*sorted(boroughs), *sorted(sites)])
    [(own,)] = query(demo_app, "SELECT count(*) FROM istv_assault_current WHERE "
                               "borough_code = ?", [inside])
    assert 0 < own <= expected
    assert client.get("/api/v1/records/istv?limit=1").json()["total"] == expected
    exported = client.get(f"/api/v1/exports/istv?borough={inside}&format=csv")
    assert exported.status_code == 200
    assert len(list(csv.DictReader(io.StringIO(exported.text)))) == own
    # counts: exact inside (as the pan-London analyst sees them), disclosed elsewhere
    pan = client_for(demo_app, "pan@example.org")
    for area, exact in ((inside, True), (outside, False)):
        before = len(ed_events(demo_app))
        body = client.get(f"/api/v1/counts?source=istv&area={area}").json()
        written = ed_events(demo_app)[before:]
        truth = {(r["area_code"], r["category"], r["month"]): r["count"] for r in pan.get(
            f"/api/v1/counts?source=istv&area={area}").json()["rows"]}
        shown = {(r["area_code"], r["category"], r["month"]): r["count"]
                 for r in body["rows"]}
        assert truth and {a for a, _c, _m in truth} == {area}
        if exact:
            assert body["detail"] == "exact" and shown == truth, area
        else:
            assert body["detail"] == "disclosed", body
            assert shown == {k: by_hand(v) for k, v in truth.items()}, area
        assert [(e.outcome, e.actor_email) for e in written] == [("allowed", email)], area
        assert written[0].detail.startswith("exact" if exact else "disclosed"), area
    # elsewhere: records, exports, the hotspots and the ED file list of another site refused
    for url in (f"/api/v1/records/istv?borough={outside}",
                f"/api/v1/exports/istv?borough={outside}&format=csv",
                f"/api/v1/hotspots?source=istv&borough={outside}",
                f"/charts/hourday.svg?borough={outside}",
                "/api/v1/quality/istv?site=ZZ999"):
        before = len(_denied(demo_app))
        refused = client.get(url, headers={"accept": "application/json"})
        assert refused.status_code == 403, url
        assert refused.json()["error"]["code"] == "forbidden", (url, refused.text[:300])
        written = _denied(demo_app)[before:]
        assert len(written) == 1, url
        assert (written[0].actor_email, written[0].actor_role) == (email, "icb_analyst")


@pytest.mark.parametrize("email", list(ICB_USERS))
def test_an_icb_analysts_ed_file_list_and_hotspots_follow_their_sites(
        demo_app: FastAPI, email: str) -> None:
    from vrhub.standards.months import Period

    _boroughs, sites = _system(email)
    client = client_for(demo_app, email)
    files = {(name, sha): {s for (s,) in query(
        demo_app, "SELECT DISTINCT site_code FROM istv_submission WHERE sha256 = ?", [sha])}
        for name, sha in query(demo_app, "SELECT file_name, sha256 FROM provenance "
                                         "WHERE source = 'istv'")}
    response = client.get("/api/v1/sources/istv/files?limit=500")
    if sites:
        own = sorted(name for (name, _sha), s in files.items() if s <= sites)
        body = response.json()
        assert sorted(f["file_name"] for f in body["files"]) == own and body["total"] == len(own)
    else:  # an ICB running no ED has no ED files: an empty list, not every site's
        body = response.json()
        assert (body["total"], body["files"]) == (0, [])
    [(last,)] = query(demo_app, "SELECT max(strftime(assault_at, '%Y-%m')) FROM "
                                "istv_assault_current")
    period = Period.latest_complete(last)
    located = ("SELECT count(*) FROM istv_assault_current WHERE easting IS NOT NULL AND "
               "northing IS NOT NULL AND CAST(assault_at AS DATE) BETWEEN "
               f"DATE '{period.first.first_day}' AND DATE '{period.last.last_day}' AND "
               "borough_code = ?")
    inside, outside = ICB_USERS[email]
    [(expected,)] = query(demo_app, located, [inside])
    assert expected > 0
    # an ICB serves several boroughs: its ED hotspots are asked for one of them at a time
    whole = client.get("/hotspots/download.csv?source=istv&method=count")
    assert whole.status_code == 400
    page = parse(whole.text)
    assert error_page(page)[1].startswith("An ED hotspot analysis needs a borough")
    assert "choose one of your boroughs" in error_hint(page)
    download = client.get(f"/hotspots/download.csv?source=istv&method=count&borough={inside}")
    assert download.status_code == 200, (email, download.text[:300])
    before = len(_denied(demo_app))
    refused = client.get(f"/hotspots/download.csv?source=istv&method=count&borough={outside}")
    assert refused.status_code == 403 and len(_denied(demo_app)) == before + 1
    assert sum(int(r["n"]) for r in csv.DictReader(io.StringIO(download.text))) == expected
