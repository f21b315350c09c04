"""One sense of time: the same default period (the latest 12 complete months the data
holds) on signed-in pages, maps, charts and downloads; presets; months written
"October 2024"; the period stated on the page; chart axes that thin their labels."""

from __future__ import annotations

import io

import pandas as pd
from fastapi import FastAPI

from tests.web.html import error_messages, parse, table, text
from tests.web.pages_workspace import BOROUGH
from tests.web.test_pages_analysis import query, signed_in_client
from vrhub.standards.months import Month, Period

HTML = {"accept": "text/html"}


def latest(app: FastAPI) -> Period:
    last = query(app, "SELECT max(month) FROM mps_crime_count").iloc[0, 0]
    return Period.latest_complete(str(last))


def test_signed_in_maps_default_to_the_latest_12_complete_months(demo_app: FastAPI) -> None:
    client = signed_in_client(demo_app, "pan@example.org")
    period = latest(demo_app)
    first = query(demo_app, "SELECT min(month) FROM mps_crime_count").iloc[0, 0]
    assert str(first) < period.first.iso, "the data must span more than the default"
    default = client.get("/maps/areas.geojson?level=borough&category=ROBBERY").json()
    chosen = client.get(f"/maps/areas.geojson?level=borough&category=ROBBERY"
                        f"&from={period.first}&to={period.last}").json()
    assert default == chosen
    expected = query(demo_app, "SELECT borough_code, sum(count) AS n FROM mps_crime_count "
                     "WHERE level = 'borough' AND major_category = 'ROBBERY' AND month "
                     "BETWEEN ? AND ? GROUP BY 1", [period.first.iso, period.last.iso])
    labels = {f["properties"]["code"]: f["properties"]["label"] for f in default["features"]}
    for code, n in zip(expected["borough_code"], expected["n"], strict=True):
        assert f"{int(n):,}" in labels[code]


def test_overview_and_profile_state_the_period_and_write_months(demo_app: FastAPI) -> None:
    client = signed_in_client(demo_app, "pan@example.org")
    period = latest(demo_app)
    for url in ("/", f"/boroughs/{BOROUGH}"):
        page = parse(client.get(url, headers=HTML).text)
        statement = text(page.select_one("#period-statement"))
        assert statement == f"Period: 12 months to {period.last.label} ({period.label})"
        assert page.select_one("#period option[selected]")["value"] == "latest"  # type: ignore[index]
    page = parse(client.get(f"/boroughs/{BOROUGH}", headers=HTML).text)
    months = [r[0] for r in table(page, "by month")]
    assert months == [m.label for m in period.months]


def test_presets_financial_and_calendar_year(demo_app: FastAPI) -> None:
    client = signed_in_client(demo_app, "pan@example.org")
    page = parse(client.get(f"/boroughs/{BOROUGH}?period=financial-year&year=2024",
                            headers=HTML).text)
    assert text(page.select_one("#period-statement")) == (
        "Period: Financial year 2024/25 (April 2024 to March 2025)")
    months = [r[0] for r in table(page, "by month")]
    assert months[0] == "April 2024" and months[-1] == "March 2025" and len(months) == 12
    page = parse(client.get(f"/boroughs/{BOROUGH}?period=calendar-year&year=2024",
                            headers=HTML).text)
    assert "Calendar year 2024 (January 2024 to December 2024)" in text(
        page.select_one("#period-statement"))
    # Months typed while the default is chosen make a custom period; names are accepted.
    page = parse(client.get(f"/boroughs/{BOROUGH}?period=latest&from=January+2025"
                            "&to=2025-03", headers=HTML).text)
    assert text(page.select_one("#period-statement")) == "Period: January 2025 to March 2025"
    bad = client.get(f"/boroughs/{BOROUGH}?period=financial-year&year=20x4", headers=HTML)
    assert bad.status_code == 400
    assert any("is not a year" in m for m in error_messages(parse(bad.text)))


def test_downloads_cover_and_name_the_same_period(demo_app: FastAPI) -> None:
    client = signed_in_client(demo_app, "pan@example.org")
    period = latest(demo_app)
    response = client.get(f"/boroughs/{BOROUGH}/monthly.csv?category=ROBBERY")
    assert f"{period.first}-to-{period.last}" in response.headers["content-disposition"]
    frame = pd.read_csv(io.StringIO(response.text))
    assert sorted(frame["month"].unique()) == [m.iso for m in period.months]


def test_long_chart_axes_thin_their_labels() -> None:
    import re

    from vrhub.web import charts

    months = Month.span("2010-04", "2025-11")
    assert len(months) == 188
    svg = charts.to_svg(charts.monthly_line(
        [{"month": m.iso, "count": i} for i, m in enumerate(months)], title="Long"))
    shown = re.findall(r">((?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4})<", svg)
    assert 6 <= len(shown) <= charts.MAX_LABELS
    assert shown[-1] == "Nov 2025"  # the latest month is always labelled
    short = charts.to_svg(charts.monthly_line(
        [{"month": m.iso, "count": 1} for m in months[-12:]], title="Year"))
    assert len(re.findall(r">(?:[A-Z][a-z]{2}) \d{4}<", short)) == 12


def test_the_hotspot_explorer_defaults_to_the_same_period(demo_app: FastAPI) -> None:
    client = signed_in_client(demo_app, "pan@example.org")
    last = query(demo_app, "SELECT max(CAST(month AS VARCHAR)) FROM police_street").iloc[0, 0]
    period = Period.latest_complete(str(last)[:7])
    page = parse(client.get("/hotspots?source=police&method=count", headers=HTML).text)
    assert text(page.select_one("#period-statement")) == (
        f"Period: 12 months to {period.last.label} ({period.label})")
    assert page.select_one("#from")["value"] == period.first.iso  # type: ignore[index]
    download = client.get("/hotspots/download.csv?source=police&method=count")
    assert f"{period.first}-to-{period.last}" in download.headers["content-disposition"]
    cells = pd.read_csv(io.StringIO(download.text))
    assert set(cells["period_from"]) == {period.first.iso}  # stated in the file itself
    assert set(cells["period_to"]) == {period.last.iso}
    total = sum(int(n) for n in cells["n"])
    located = query(demo_app, "SELECT count(*) FROM police_street WHERE easting IS NOT NULL "
                    "AND CAST(month AS VARCHAR) BETWEEN ? AND ?",
                    [period.first.iso, period.last.iso]).iloc[0, 0]
    assert total == located


def test_trends_page_offers_the_presets_and_compares_their_months(demo_app: FastAPI) -> None:
    client = signed_in_client(demo_app, "pan@example.org")
    period = latest(demo_app)
    page = parse(client.get("/trends?category=ROBBERY", headers=HTML).text)
    assert text(page.select_one("#period-statement")) == (
        f"Period: 12 months to {period.last.label} ({period.label})")
    assert [o["value"] for o in page.select("#period option")] == [
        "latest", "rolling-12", "financial-year", "calendar-year", "custom"]
    # financial year 2024/25 against 2023/24, per borough, from the table itself
    page = parse(client.get("/trends?category=ROBBERY&period=financial-year&year=2024",
                            headers=HTML).text)
    assert text(page.select_one("#period-statement")) == (
        "Period: Financial year 2024/25 (April 2024 to March 2025)")
    assert "April 2024 to March 2025 against the same months a year before" in text(
        page.select_one("caption"))
    sums = query(demo_app, "SELECT area_name, sum(CASE WHEN month BETWEEN '2024-04' AND "
                 "'2025-03' THEN count END) AS now, sum(CASE WHEN month BETWEEN '2023-04' "
                 "AND '2024-03' THEN count END) AS before FROM mps_crime_count WHERE level = "
                 "'borough' AND major_category = 'ROBBERY' GROUP BY 1")
    shown = {r[0]: (r[1], r[2]) for r in table(page, "against the same months")}
    assert len(shown) == len(sums)
    for name, now, before in sums.itertuples(index=False):
        assert shown[name] == (f"{int(now):,}", f"{int(before):,}")
    calendar = parse(client.get("/trends?category=ROBBERY&period=calendar-year&year=2024",
                                headers=HTML).text)
    assert "January 2024 to December 2024 against" in text(calendar.select_one("caption"))
    bad = client.get("/trends?category=ROBBERY&period=custom&from=2023-01&to=2025-06",
                     headers=HTML)
    assert bad.status_code == 400
    assert any("at most 12 months" in m for m in error_messages(parse(bad.text)))


def test_public_overview_offers_the_presets_for_its_monthly_series(demo_app: FastAPI) -> None:
    from fastapi.testclient import TestClient

    client = TestClient(demo_app)  # not signed in: the published figures only
    page = parse(client.get("/?category=ROBBERY&period=financial-year&year=2024",
                            headers=HTML).text)
    assert [o["value"] for o in page.select("#period option")] == [
        "latest", "rolling-12", "financial-year", "calendar-year", "custom"]
    assert text(page.select_one("#period-statement")) == (
        "Period: Financial year 2024/25 (April 2024 to March 2025)")
    months = [r[0] for r in table(page, "by month")]
    assert months == [m.label for m in Period.financial_year(2024).months]
    # the published monthly figures, disclosure-controlled, as the table shows them
    exact = query(demo_app, "SELECT month, sum(count) AS n FROM mps_crime_count WHERE level "
                  "= 'borough' AND major_category = 'ROBBERY' AND month BETWEEN '2024-04' "
                  "AND '2025-03' GROUP BY 1 ORDER BY 1")
    shown = [int(r[1].replace(",", "")) for r in table(page, "by month")]
    assert all(abs(s - int(n)) <= 2.5 and s % 5 == 0
               for s, n in zip(shown, exact["n"], strict=True))
    # the map says plainly that it is published for the latest 12 months only
    assert "the public map is published for those months only" in text(page)
    default = parse(client.get("/?category=ROBBERY", headers=HTML).text)
    statement = text(default.select_one("#period-statement"))
    assert statement.startswith("Period: 12 months to ")
