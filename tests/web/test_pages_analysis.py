"""Borough profiles, trends and the hotspot explorer: figures against independent SQL,
scope of record-level content, audit events, downloads."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import warehouse_sql
from tests.web.conftest import sign_in
from tests.web.html import error_links, error_page, parse, summary_list, table, text
from tests.web.pages_workspace import (
    BOROUGH,
    OTHER_BOROUGH,
)
from vrhub.standards.months import Month, Period
from vrhub.storage.appdb.models import AuditEvent
from vrhub.storage.warehouse import Warehouse

HTML = {"accept": "text/html"}


def query(app: FastAPI, sql: str, params: list[object] | None = None) -> pd.DataFrame:
    return warehouse_sql.query(Path(app.state.settings.home), sql, params)


def audit_events(app: FastAPI, action: str) -> list[AuditEvent]:
    with app.state.access.sessions() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def signed_in_client(app: FastAPI, email: str) -> TestClient:
    client = TestClient(app)
    sign_in(client, email)
    return client


def test_borough_list_links_every_borough(demo_app: FastAPI) -> None:
    html = signed_in_client(demo_app, "pan@example.org").get("/boroughs", headers=HTML).text
    codes = query(demo_app, "SELECT DISTINCT borough_code FROM area_lookup")["borough_code"]
    for code in codes:
        assert f'href="/boroughs/{code}"' in html


def test_borough_profile_top_locations_are_scoped_and_audited(demo_app: FastAPI) -> None:
    client = signed_in_client(demo_app, "pan@example.org")
    html = client.get(f"/boroughs/{BOROUGH}", headers=HTML).text
    period = Period.latest_complete(str(query(demo_app, "SELECT max(month) FROM "
                                              "mps_crime_count").iloc[0, 0]))
    top = query(demo_app, "SELECT location, count(*) AS n FROM police_street WHERE "
                "borough_code = ? AND crime_type = 'Violence and sexual offences' AND "
                "CAST(month AS VARCHAR) BETWEEN ? AND ? GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1",
                [BOROUGH, period.first.iso, period.last.iso])
    rows = table(parse(html), "Most frequent police.uk locations of violence")
    assert rows[0] == [top["location"][0], f"{int(top['n'][0]):,}"]
    events = audit_events(demo_app, "read_records")
    assert [e.outcome for e in events] == ["allowed"]
    assert events[0].resource == "records:police_street"


def test_borough_analyst_sees_aggregates_but_not_records_of_another_borough(
        demo_app: FastAPI) -> None:
    client = signed_in_client(demo_app, "borough@example.org")
    own = client.get(f"/boroughs/{BOROUGH}", headers=HTML).text
    other = client.get(f"/boroughs/{OTHER_BOROUGH}", headers=HTML)
    assert other.status_code == 200
    assert table(parse(own), "Most frequent police.uk locations of violence")
    refused = parse(other.text)
    assert not refused.find("caption", string=re.compile("Most frequent police.uk locations"))
    assert text(refused.find(id="locations-empty")) == (
        "Top locations are record-level data; your access does not include this borough.")
    outcomes = sorted(e.outcome for e in audit_events(demo_app, "read_records"))
    assert outcomes == ["allowed", "denied"]


def test_borough_period_filter_and_download(demo_app: FastAPI) -> None:
    client = signed_in_client(demo_app, "pan@example.org")
    html = client.get(f"/boroughs/{BOROUGH}?category=ROBBERY&from=2025-01&to=2025-03",
                      headers=HTML).text
    assert 'value="2025-01"' in html and 'value="2025-03"' in html
    csv = client.get(f"/boroughs/{BOROUGH}/monthly.csv?category=ROBBERY&from=2025-01"
                     "&to=2025-03")
    assert csv.headers["content-type"].startswith("text/csv")
    frame = pd.read_csv(io.StringIO(csv.text))
    assert sorted(frame["month"].unique()) == ["2025-01", "2025-02", "2025-03"]
    expected = query(demo_app, "SELECT sum(count) FROM mps_crime_count WHERE level = 'ward' "
                     "AND borough_code = ? AND major_category = 'ROBBERY' AND month "
                     "BETWEEN '2025-01' AND '2025-03'", [BOROUGH]).iloc[0, 0]
    assert frame["count"].sum() == expected


def test_unknown_borough_is_a_404_page(demo_app: FastAPI) -> None:
    response = signed_in_client(demo_app, "pan@example.org").get("/boroughs/E09000999",
                                                                  headers=HTML)
    assert response.status_code == 404
    title, message = error_page(parse(response.text))
    assert title == "Page not found"
    assert "there is no borough" in message.lower() and "E09000999" in message


def test_trends_compare_each_borough_with_the_year_before(demo_app: FastAPI) -> None:
    html = signed_in_client(demo_app, "pan@example.org").get(
        "/trends?category=ROBBERY", headers=HTML).text
    current = query(demo_app, "SELECT area_code, sum(count) AS n FROM mps_crime_count WHERE "
                    "level = 'borough' AND major_category = 'ROBBERY' AND month BETWEEN "
                    "'2024-10' AND '2025-09' GROUP BY 1")
    for code, n in current.itertuples(index=False):
        assert f'href="/boroughs/{code}?' in html
        assert f'numeric">{int(n):,}</td>' in html


def test_hotspot_explorer_runs_and_downloads(demo_app: FastAPI) -> None:
    client = signed_in_client(demo_app, "pan@example.org")
    form = parse(client.get("/hotspots", headers=HTML).text)
    assert [text(b) for b in form.find_all("button")] == ["Run analysis"]
    assert not [h for h in form.find_all("h2") if text(h).startswith("Result:")]
    params = "source=police&category=Robbery&method=gistar&cell_size=250"
    page = parse(client.get(f"/hotspots?{params}", headers=HTML).text)
    assert "Result: Gi* hotspots (significant clusters)" in [text(h) for h in page.find_all("h2")]
    # the default period: the latest 12 complete months of the police data
    period = Period.latest_complete(str(query(
        demo_app, "SELECT max(CAST(month AS VARCHAR)) FROM police_street").iloc[0, 0])[:7])
    events = int(query(demo_app, "SELECT count(*) FROM police_street WHERE crime_type = "
                       "'Robbery' AND easting IS NOT NULL AND CAST(month AS VARCHAR) "
                       "BETWEEN ? AND ?", [period.first.iso, period.last.iso]).iloc[0, 0])
    assert summary_list(page)["Events analysed"] == f"{events:,}"
    cells = pd.read_csv(io.StringIO(client.get(f"/hotspots/download.csv?{params}").text))
    assert cells["n"].sum() == events  # every event lands in exactly one cell
    assert set(cells["hotspot"]) <= {"none", "hotspot", "coldspot"}
    geo = client.get(f"/hotspots/download.geojson?{params}").json()
    assert geo["metadata"]["method"] == "gistar"
    assert geo["metadata"]["parameters"]["cell_size"] == 250
    shown = client.get(f"/maps/hotspots.geojson?{params}").json()["features"]
    assert len(shown) == (cells["hotspot"] != "none").sum()


def test_hotspot_form_errors_are_explained(demo_app: FastAPI) -> None:
    client = signed_in_client(demo_app, "pan@example.org")
    response = client.get("/hotspots?method=kde&cell_size=5&from=2025-99", headers=HTML)
    assert response.status_code == 400
    summary = error_links(parse(response.text))
    assert summary["#cell_size"].startswith("Enter a cell size from 25 to 2000 metres")
    assert "found '2025-99'" in summary["#from"]


@pytest.mark.parametrize("method", ["kde", "count", "change", "classify"])
def test_each_hotspot_method_renders(demo_app: FastAPI, method: str) -> None:
    client = signed_in_client(demo_app, "pan@example.org")
    response = client.get(f"/hotspots?method={method}&category=Burglary", headers=HTML)
    assert response.status_code == 200
    assert [text(h) for h in parse(response.text).find_all("h2")
            if text(h).startswith("Result: ")], method
    data = client.get(f"/maps/hotspots.geojson?method={method}&category=Burglary").json()
    features = data["features"]
    assert features, f"the {method} map draws no cells"
    fills = [f["properties"]["fill"] for f in features]
    assert all(re.fullmatch(r"#[0-9a-f]{6}", fill) for fill in fills), fills[:5]
    assert all(f["geometry"]["type"] == "Polygon" for f in features)


def test_ed_hotspots_need_a_borough_in_scope(demo_app: FastAPI) -> None:
    client = signed_in_client(demo_app, "borough@example.org")
    response = client.get(f"/hotspots?source=istv&borough={OTHER_BOROUGH}", headers=HTML)
    assert response.status_code == 403
    title, message = error_page(parse(response.text))
    assert title == "You do not have access to this"
    assert "outside your boroughs" in message
    denied = [e for e in audit_events(demo_app, "read_ed_figures") if e.outcome == "denied"]
    assert denied and json.dumps(denied[0].scope).find(OTHER_BOROUGH) >= 0


def test_public_visitors_are_sent_to_sign_in(demo_app: FastAPI) -> None:
    client = TestClient(demo_app)
    for path in ("/boroughs", f"/boroughs/{BOROUGH}", "/trends", "/hotspots"):
        response = client.get(path, headers=HTML, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/sign-in?next=")
    cells = client.get("/maps/hotspots.geojson", headers={"accept": "application/geo+json"})
    assert cells.status_code == 401
    assert cells.json()["error"]["code"] == "authentication_required"


def test_top_locations_say_why_they_are_empty(demo_app: FastAPI) -> None:
    from tests.web.html import parse, text
    from vrhub.storage import catalogue
    from vrhub.web.pages_support import Filters
    from vrhub.web.routes.pages_boroughs import empty_locations_reason

    violence = ["Violence and sexual offences"]
    with Warehouse(Path(demo_app.state.settings.home) / "warehouse.duckdb",
                   read_only=True) as wh:
        coverage = catalogue.street_coverage(wh, borough=BOROUGH, categories=violence)
    expected = query(demo_app, "SELECT count(*) AS n, min(CAST(month AS VARCHAR)) AS a, "
                     "max(CAST(month AS VARCHAR)) AS b FROM police_street WHERE borough_code "
                     "= ? AND crime_type = ?", [BOROUGH, violence[0]]).iloc[0]
    assert coverage["matching"] == expected["n"] > 0
    assert (coverage["first"], coverage["last"]) == (expected["a"][:7], expected["b"][:7])
    # A period outside the police data: the page says so and which months it covers.
    client = signed_in_client(demo_app, "pan@example.org")
    page = parse(client.get(f"/boroughs/{BOROUGH}?from=2012-01&to=2012-12", headers=HTML).text)
    note = text(page.select_one("#locations-empty"))
    assert "January 2012 to December 2012" in note and "Choose a period" in note
    assert Month.parse(expected["a"]).label in note
    assert "No police.uk street crime is loaded" not in note
    # Only burglaries loaded (as when one crime type was fetched): named as such.
    only_burglary = {"loaded": True, "crimes": 2147, "matching": 0, "common": "Burglary"}
    reason = empty_locations_reason(only_burglary, Filters())
    assert "2,147 crimes, mostly burglary" in reason and "no violence" in reason
    assert "vrhub load police" in empty_locations_reason({"loaded": False}, Filters())


def test_the_hotspot_map_fallback_points_at_what_is_there(demo_app: FastAPI) -> None:
    from tests.web.html import parse, text

    client = signed_in_client(demo_app, "pan@example.org")
    page = parse(client.get("/hotspots?source=police&method=count", headers=HTML).text)
    fallback = text(page.select_one("#map-result .vrhub-map__fallback"))
    if page.select_one("#named-hotspots") is not None:
        assert "named in the table below" in fallback
    else:
        assert "table below" not in fallback and "downloads" in fallback
    assert page.find("a", href=lambda h: bool(h) and h.startswith("/hotspots/download.csv"))
