"""A public visitor's pages, maps and charts are drawn from the published outputs only.

The dashboard workspace is published by the demo builder; these tests compare the figures
on the pages and in the JSON with the published files, take the warehouse away to show
the public path never queries it, and check what a visitor sees before publication.
"""

from __future__ import annotations

import json
import re
import shutil
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.warehouse_sql import query
from tests.web.conftest import sign_in
from tests.web.html import inset_texts, parse, text
from tests.web.pages_workspace import add_accounts, settings_for
from vrhub.analytics import disclosure as sdc
from vrhub.reports import publish as pub
from vrhub.standards.months import Month
from vrhub.web.app import create_app

HTML = {"accept": "text/html"}
OVERVIEW_OUTPUTS = ("overview-headlines", "mps-london-month", "mps-borough-year",
                    "mps-ward-year", "violence-deprivation-ward", "boundaries-borough",
                    "boundaries-ward")
COUNT = re.compile(r"^(\[c\]|[\d,]+)$")


def public_folder(app: FastAPI) -> Path:
    return Path(app.state.workspace.public)


def rows_of(app: FastAPI, name: str) -> list[dict[str, Any]]:
    document = json.loads((public_folder(app) / f"{name}.json").read_text(encoding="utf-8"))
    if document.get("type") == "FeatureCollection":
        return [f["properties"] for f in document["features"]]
    rows: list[dict[str, Any]] = document["rows"]
    return rows


def shown(text: str) -> int | None:
    """A count as a page shows it: digits with commas, or [c] when suppressed."""
    text = unescape(text).strip()
    return None if text == "[c]" else int(text.replace(",", ""))


def table_after(html: str, caption: str) -> list[list[str]]:
    """Cells of the rows of the table whose caption contains ``caption``."""
    start = html.index(caption)
    body = html[start:html.index("</table>", start)]
    out = []
    for row in re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', body, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        out.append([re.sub(r"<[^>]+>", "", c).strip() for c in cells])
    return [r for r in out if r and not r[0].startswith(("Area", "Month", "Group", "Borough"))]


def headline_values(html: str) -> dict[str, int | None]:
    found = re.findall(r'<span class="govuk-body-s">([^,<]+), [A-Z][a-z]+ \d{4} to '
                       r'[A-Z][a-z]+ \d{4}</span>\s*'
                       r'<span class="vrhub-headline__value">([^<]+)</span>', html)
    return {name: shown(value) for name, value in found}


def only_public(app: FastAPI, home: Path) -> FastAPI:
    """A fresh app whose workspace holds the published outputs of ``app`` and nothing else
    (no warehouse at all)."""
    home.mkdir(parents=True)
    shutil.copytree(public_folder(app), home / "public")
    bare = create_app(settings_for(home))
    add_accounts(bare)
    return bare


def test_the_demo_publishes_every_overview_output(demo_app: FastAPI) -> None:
    manifest = json.loads((public_folder(demo_app) / pub.MANIFEST).read_text("utf-8"))
    assert set(OVERVIEW_OUTPUTS) <= set(manifest["outputs"])
    report = sdc.scan_public_tree(public_folder(demo_app))
    assert report.ok, [v.describe() for v in report.violations[:5]]
    for name in OVERVIEW_OUTPUTS:
        entry = manifest["outputs"][name]
        files = entry["files"]
        assert files["json"] == f"{name}.json"
        for file in files.values():
            assert sdc.scan_public_output(public_folder(demo_app) / file) == []
        rows = rows_of(demo_app, name)
        assert rows, name
        for column in entry["disclosure"]["counts"]:
            values = [r[column] for r in rows if r[column] is not None]
            assert values and all(v == 0 or (v > 7 and v % 5 == 0) for v in values), name
        for row in rows:
            code = str(row.get("area_code", ""))
            # no output area, LSOA or MSOA (E00/E01/E02, W00/W01/W02) is published
            assert not re.fullmatch(r"[EW]0[012]\d{6}", code), (name, code)
            for key in ("month", "period_from", "period_to", "current_from", "current_to"):
                if key in row:
                    assert re.fullmatch(r"\d{4}-\d{2}", str(row[key])), (name, key, row[key])


def test_violence_groups_follow_the_disclosed_counts(demo_app: FastAPI) -> None:
    for row in rows_of(demo_app, "violence-deprivation-ward"):
        high = (row["count"] or 0) > 350
        expected = ("both" if high and row["high_deprivation"] else "violence only" if high
                    else "deprivation only" if row["high_deprivation"] else "neither")
        assert row["group"] == expected


def test_public_overview_shows_the_published_figures(demo_app: FastAPI) -> None:
    html = TestClient(demo_app).get("/?category=ROBBERY&level=ward&from=2025-01",
                                    headers=HTML).text
    published = {r["category"].capitalize(): r["current"]
                 for r in rows_of(demo_app, "overview-headlines")}
    assert headline_values(html) == published
    # the map's table is the published ward table for the category
    wards = {r["area_name"]: r["count"] for r in rows_of(demo_app, "mps-ward-year")
             if r["category"] == "ROBBERY"}
    table = table_after(html, "Robbery by area")
    assert {r[0]: shown(r[1]) for r in table} == wards
    period = rows_of(demo_app, "mps-ward-year")[0]
    assert (f"{Month.parse(period['period_from']).label} to "
            f"{Month.parse(period['period_to']).label} (the latest 12 published months"
            in html)
    # the monthly table is the published London series within the chosen period
    monthly = {Month.parse(r["month"]).label: r["count"]  # months written in words
               for r in rows_of(demo_app, "mps-london-month")
               if r["category"] == "ROBBERY" and r["month"] >= "2025-01"}
    assert {r[0]: shown(r[1]) for r in table_after(html, "Robbery, London, by month")} \
        == monthly
    # the violence and deprivation groups are counted from the published wards
    groups: dict[str, list[int]] = {}
    for r in rows_of(demo_app, "violence-deprivation-ward"):
        groups.setdefault(r["group"].capitalize(), []).append(r["count"] or 0)
    vxd = table_after(html, "Wards and offences in each group")
    for name, areas, events in vxd:
        assert int(areas) == len(groups.get(name, []))
        assert shown(events) == sum(groups.get(name, []))


def test_public_maps_and_chart_are_the_published_figures(demo_app: FastAPI) -> None:
    client = TestClient(demo_app)
    areas = client.get("/maps/areas.geojson?level=borough&category=ROBBERY").json()
    published = {r["area_code"]: r["count"] for r in rows_of(demo_app, "mps-borough-year")
                 if r["category"] == "ROBBERY"}
    assert len(areas["features"]) == len(published) == 6
    for feature in areas["features"]:
        label = feature["properties"]["label"]
        value = re.search(r": ([\d,]+|suppressed)", label)
        assert value
        expected = published[feature["properties"]["code"]]
        assert (None if value.group(1) == "suppressed" else int(value.group(1).replace(
            ",", ""))) == expected
    vxd = client.get("/maps/deprivation.geojson").json()
    groups = {r["area_code"]: r["group"] for r in rows_of(demo_app, "violence-deprivation-ward")}
    assert {f["properties"]["code"]: f["properties"]["label"].split(": ")[1]
            for f in vxd["features"]} == groups
    chart = client.get("/charts/trend.svg?category=ROBBERY&from=2025-01")
    assert chart.status_code == 200
    svg = parse(chart.text)
    assert "Robbery, London, by month" in [text(t) for t in svg.find_all(["title", "text"])]
    refused = client.get("/maps/areas.geojson?level=ward&borough=E09990001")
    assert refused.status_code == 400


def test_public_pages_never_touch_the_warehouse(demo_app: FastAPI, tmp_path: Path) -> None:
    bare = only_public(demo_app, tmp_path / "only-public")
    warehouse = Path(bare.state.workspace.warehouse_path)
    assert not warehouse.exists()
    client = TestClient(bare)
    html = client.get("/?category=ROBBERY", headers=HTML).text
    assert headline_values(html) == {r["category"].capitalize(): r["current"]
                                     for r in rows_of(demo_app, "overview-headlines")}
    boroughs = {r["area_name"]: r["count"] for r in rows_of(demo_app, "mps-borough-year")
                if r["category"] == "ROBBERY"}
    assert {r[0]: shown(r[1]) for r in table_after(html, "Robbery by area")} == boroughs
    areas = client.get("/maps/areas.geojson?level=ward&category=ROBBERY").json()
    assert len(areas["features"]) == 24
    assert len(client.get("/maps/deprivation.geojson").json()["features"]) == 24
    assert client.get("/charts/trend.svg?category=ROBBERY").status_code == 200
    public = client.get("/public", headers=HTML).text
    assert "Violence against the person by borough" in public
    assert client.get("/api/v1/public/mps-ward-year.csv").status_code == 200
    assert not warehouse.exists()
    # a partner gets no figures from the same workspace: there is no warehouse
    sign_in(client, "pan@example.org")
    partner = client.get("/", headers=HTML).text
    assert "No data has been loaded yet" in partner
    assert "vrhub-headline__value" not in partner
    assert client.get("/maps/areas.geojson?level=ward").json()["features"] == []
    assert not warehouse.exists()


def test_public_page_lists_the_published_files_and_the_borough_table(
    demo_app: FastAPI,
) -> None:
    client = TestClient(demo_app)
    html = client.get("/public", headers=HTML).text
    manifest = json.loads((public_folder(demo_app) / pub.MANIFEST).read_text("utf-8"))
    files = {f for entry in manifest["outputs"].values() for f in entry["files"].values()}
    links = set(re.findall(r'href="/public/files/([^"]+)"', html))
    assert links == files
    download = client.get("/public/files/mps-borough-year.csv")
    assert download.status_code == 200
    assert download.content == (public_folder(demo_app) / "mps-borough-year.csv").read_bytes()
    assert client.get("/public/files/manifest.json").status_code == 404
    boroughs = {r["area_name"]: r["count"] for r in rows_of(demo_app, "mps-borough-year")
                if r["category"] == "VIOLENCE AGAINST THE PERSON"}
    table = table_after(html, "Offences recorded by the Metropolitan Police")
    assert {r[0]: shown(r[1]) for r in table} == boroughs


def test_before_publishing_public_pages_say_so(demo_app: FastAPI) -> None:
    shutil.rmtree(public_folder(demo_app))
    client = TestClient(demo_app)
    overview = client.get("/", headers=HTML)
    assert overview.status_code == 200
    page = parse(overview.text)
    [told] = inset_texts(page)
    assert told.startswith("Nothing has been published yet") and "vrhub publish" in told
    assert page.find(class_="vrhub-headline__value") is None
    public = client.get("/public", headers=HTML).text
    assert "Nothing has been published" in public and "vrhub publish" in public
    assert "Violence against the person by borough" not in public
    assert client.get("/maps/areas.geojson").json()["features"] == []
    assert client.get("/maps/deprivation.geojson").json()["features"] == []
    assert client.get("/charts/trend.svg").status_code == 404
    # partners still see the live figures
    sign_in(client, "pan@example.org")
    assert "vrhub-headline__value" in client.get("/", headers=HTML).text


@pytest.mark.parametrize("path", ["/charts/hourday.svg?borough=E09990001",
                                  "/charts/quality.svg", "/maps/hotspots.geojson"])
def test_partner_charts_are_refused_to_the_public_without_a_warehouse(
    demo_app: FastAPI, tmp_path: Path, path: str
) -> None:
    bare = only_public(demo_app, tmp_path / "only-public")
    response = TestClient(bare).get(path, follow_redirects=False)
    assert response.status_code in (303, 401, 403)
    assert not Path(bare.state.workspace.warehouse_path).exists()


def test_published_area_totals_are_the_warehouse_figures_disclosed(demo_app: FastAPI) -> None:
    from vrhub.storage.warehouse import Warehouse

    rows = rows_of(demo_app, "mps-borough-year")
    start, end = rows[0]["period_from"], rows[0]["period_to"]
    with Warehouse(Path(demo_app.state.settings.home) / "warehouse.duckdb",
                   read_only=True) as wh:
        exact = {(str(c), str(k)): int(n) for c, k, n in query(
            wh, "SELECT area_code, major_category, sum(count) FROM mps_crime_count "
                "WHERE level = 'borough' AND month BETWEEN ? AND ? GROUP BY 1, 2",
            [start, end]).itertuples(index=False)}
    majors = [r for r in rows if (r["area_code"], r["category"]) in exact]
    assert len(majors) == len(exact)
    for r in majors:
        n = exact[(r["area_code"], r["category"])]
        if 1 <= n <= 7:
            assert r["count"] is None and r["rate_per_1000"] is None
        else:
            assert abs(r["count"] - n) <= 2.5
            assert r["rate_per_1000"] == round(r["count"] / r["population"] * 1000, 2)
