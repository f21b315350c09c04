"""The board summary of a borough: headline changes with exact intervals (checked against
scipy's Clopper-Pearson interval and plain SQL sums), named hotspots, the ward table, ED
figures through the one ED decision, and the PDF of one or two pages."""

from __future__ import annotations

import re
import zlib
from pathlib import Path

from fastapi import FastAPI
from scipy import stats

from tests.warehouse_sql import execute, query, scalar
from tests.web.html import parse, table
from tests.web.pages_workspace import BOROUGH, OTHER_BOROUGH
from tests.web.test_map_place import client_for, warehouse
from tests.web.test_pages_analysis import audit_events
from vrhub.standards.months import Month

HTML = {"accept": "text/html"}


def month_minus(month: str, n: int) -> str:
    year, m = int(month[:4]), int(month[5:])
    index = year * 12 + m - 1 - n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def sums(app: FastAPI, level: str, code_filter: str, category: str, first: str, last: str
         ) -> dict[str, int]:
    with warehouse(app) as wh:
        frame = query(
            wh, "SELECT c.area_code, sum(c.count) AS n FROM mps_crime_count c "
                f"WHERE c.level = ? AND {code_filter} AND (c.major_category = ? OR "
                "c.minor_category = ?) AND c.month BETWEEN ? AND ? GROUP BY 1",
            [level, category, category, first, last])
    return {str(c): int(n) for c, n in frame.itertuples(index=False)}


def latest_month(app: FastAPI) -> str:
    with warehouse(app) as wh:
        return str(scalar(wh, "SELECT max(month) FROM mps_crime_count"))


def pct(x: float) -> str:
    return f"{abs(x) * 100:.0f}%"


def test_headlines_give_the_change_with_an_exact_interval(demo_app: FastAPI) -> None:
    page = parse(client_for(demo_app).get(f"/boroughs/{BOROUGH}/profile", headers=HTML).text)
    sentences = [" ".join(li.get_text(" ").split())
                 for li in page.select(".vrhub-profile__headlines li")]
    end = latest_month(demo_app)
    assert sentences
    for category in ("VIOLENCE WITH INJURY", "ROBBERY", "POSSESSION OF WEAPONS"):
        where = "c.area_code = '" + BOROUGH + "'"
        now = sums(demo_app, "borough", where, category, month_minus(end, 11), end)[BOROUGH]
        before = sums(demo_app, "borough", where, category, month_minus(end, 23),
                      month_minus(end, 12))[BOROUGH]
        ci = stats.binomtest(now, now + before).proportion_ci(0.95, method="exact")
        low, high = ci.low / (1 - ci.low), ci.high / (1 - ci.high)
        ratio = now / before
        name = category.capitalize()
        sentence = next(s for s in sentences if s.startswith(name))
        year = f"in the year to {Month.parse(end).label}"
        assert f"({now:,} against {before:,} the year before)" in sentence
        if high < 1:
            assert sentence.startswith(f"{name} fell {pct(1 - ratio)} (95% CI {pct(1 - high)} "
                                       f"to {pct(1 - low)}) {year}")
        elif low > 1:
            assert sentence.startswith(f"{name} rose {pct(ratio - 1)} (95% CI {pct(low - 1)} "
                                       f"to {pct(high - 1)}) {year}")
        else:
            assert sentence.startswith(f"{name} was little changed {year}")
            assert f"{pct(low - 1)} lower to {pct(high - 1)} higher" in sentence or \
                "no change" in sentence
    period = page.select_one(".vrhub-profile__period")
    assert period is not None and period.get_text().startswith(
        f"{Month.parse(month_minus(end, 11)).label} to {Month.parse(end).label}")


def test_ward_table_and_named_hotspots(demo_app: FastAPI) -> None:
    page = parse(client_for(demo_app).get(f"/boroughs/{BOROUGH}/profile", headers=HTML).text)
    end = latest_month(demo_app)
    with warehouse(demo_app) as wh:
        names = dict(query(wh, "SELECT code, name FROM area_boundary WHERE level = 'ward22' "
                               "AND borough_code = ?", [BOROUGH]).itertuples(index=False))
    where = "c.area_code IN (" + ", ".join(f"'{c}'" for c in names) + ")"
    now = sums(demo_app, "ward", where, "VIOLENCE WITH INJURY", month_minus(end, 11), end)
    before = sums(demo_app, "ward", where, "VIOLENCE WITH INJURY", month_minus(end, 23),
                  month_minus(end, 12))
    rows = table(page, "Violence with injury by ward")
    assert {r[0]: (int(r[1].replace(",", "")), int(r[2].replace(",", ""))) for r in rows} == {
        names[c]: (now.get(c, 0), before.get(c, 0)) for c in names}
    spots = table(page, "Strongest violence hotspots")
    assert spots
    svg = page.select_one("svg.vrhub-profile-map")
    assert svg is not None and svg["role"] == "img"
    markers = [t.get_text() for t in svg.select("text.marker-number")]
    assert markers == [r[0] for r in spots]
    assert {t.get_text() for t in svg.select("text.ward-name")} == set(names.values())
    assert len(svg.select("rect.hot")) >= len(spots)
    for _number, place, events, _z in spots:
        assert int(events) > 0 and " ward, " in place


def ed_cells(page: object) -> list[int | None]:
    rows = table(page, "ED assaults against police")  # type: ignore[arg-type]
    return [None if r[1] == "suppressed" else int(r[1].replace(",", "")) for r in rows]


def test_ed_figures_follow_the_one_ed_decision(demo_app: FastAPI) -> None:
    analyst = client_for(demo_app, "borough@example.org")
    own = parse(analyst.get(f"/boroughs/{BOROUGH}/profile", headers=HTML).text)
    other = parse(analyst.get(f"/boroughs/{OTHER_BOROUGH}/profile", headers=HTML).text)
    mine = ed_cells(own)
    assert mine and any(v is not None and v % 5 for v in mine)  # exact in scope
    caption = other.find("caption", string=re.compile("ED assaults against police"))
    if caption is not None:  # outside scope: disclosure-controlled or absent
        assert "disclosure-controlled" in caption.get_text()
        assert all(v is None or (v % 5 == 0 and v >= 10) for v in ed_cells(other))
    events = audit_events(demo_app, "read_ed_figures")
    assert {OTHER_BOROUGH in str(e.scope) for e in events} == {True, False}


def pdf_pages(data: bytes) -> int:
    """Pages of a PDF, counted from its page objects (compressed object streams too)."""
    pattern = rb"/Type\s*/Page(?![s\w])"
    count = len(re.findall(pattern, data))
    for match in re.finditer(rb"stream\r?\n", data):
        end = data.find(b"endstream", match.end())
        try:
            count += len(re.findall(pattern, zlib.decompress(data[match.end():end])))
        except zlib.error:
            continue
    return count


def test_pdf_is_one_or_two_pages(demo_app: FastAPI) -> None:
    client = client_for(demo_app)
    page = parse(client.get(f"/boroughs/{BOROUGH}/profile", headers=HTML).text)
    link = page.find("a", string=re.compile("Download as PDF"))
    assert link is not None
    response = client.get(str(link["href"]))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert 1 <= pdf_pages(response.content) <= 2
    assert "board-summary" in response.headers["content-disposition"]
    borough_page = parse(client.get(f"/boroughs/{BOROUGH}", headers=HTML).text)
    assert borough_page.find("a", href=f"/boroughs/{BOROUGH}/profile") is not None


def test_board_summary_is_for_partners(demo_app: FastAPI) -> None:
    from fastapi.testclient import TestClient

    public = TestClient(demo_app)
    response = public.get(f"/boroughs/{BOROUGH}/profile.pdf", follow_redirects=False)
    assert response.status_code in (303, 401)
    assert response.headers.get("content-type") != "application/pdf"
    if response.status_code == 303:
        assert response.headers["location"].startswith("/sign-in?next=")
    assert client_for(demo_app).get("/boroughs/E09000999/profile",
                                    headers=HTML).status_code == 404


def test_under_25_ed_assaults_where_records_carry_ages(demo_app: FastAPI) -> None:
    bands = ["0-10", "11-15", "16-17", "18-24", "25-34", "35-44"]
    home = Path(demo_app.state.settings.home)
    # ED records with ages, as in ECDS
    execute(home, "UPDATE istv_assault SET age_band = (['" + "', '".join(bands)
            + "'])[1 + (hash(assault_id) % 6)::INTEGER]")
    end = latest_month(demo_app)
    start = month_minus(end, 11)
    with warehouse(demo_app) as wh:
        young = query(
            wh, "SELECT ward_code, count(*) AS n FROM istv_assault_current WHERE "
                "borough_code = ? AND age_band IN ('0-10', '11-15', '16-17', '18-24') AND "
                "strftime(assault_at, '%Y-%m') BETWEEN ? AND ? GROUP BY 1", [BOROUGH, start, end])
        names = dict(query(wh, "SELECT code, name FROM area_boundary WHERE level = 'ward22'")
                     .itertuples(index=False))
    expected = {names[c]: int(n) for c, n in young.itertuples(index=False)}
    analyst = client_for(demo_app, "borough@example.org")
    page = parse(analyst.get(f"/boroughs/{BOROUGH}/profile", headers=HTML).text)
    rows = table(page, "ED assaults against police")
    got = {r[0]: int(r[2].replace(",", "")) for r in rows}
    assert got == {name: expected.get(name, 0) for name in got}
    assert any(v % 5 for v in got.values())  # exact inside the analyst's borough
    other = parse(analyst.get(f"/boroughs/{OTHER_BOROUGH}/profile", headers=HTML).text)
    caption = other.find("caption", string=re.compile("ED assaults against police"))
    if caption is not None:
        for r in table(other, "ED assaults against police"):
            assert r[2] == "suppressed" or int(r[2]) % 5 == 0
