"""The needs assessment on the real London open data: trend figures equal an independent
count of the MPS files, a borough with no ED data says so in its sections, the public
summary passes the disclosure module's own checks, and the HTML, PDF and XLSX are what a
reader (and a screen reader) needs."""

from __future__ import annotations

import io
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.conftest import SHARED_DATA, Runner
from vrhub.analytics import disclosure
from vrhub.cli import sna as sna_command
from vrhub.cli.main import main
from vrhub.partnership import sna, sna_people, sna_public, sna_trends
from vrhub.partnership.sna_model import SECTION_KEYS
from vrhub.storage.warehouse import Warehouse

MPS = SHARED_DATA / "london-datastore" / "mps-recorded-crime"
HACKNEY = "E09000012"
CROYDON = "E09000008"


def _cli(home: Path, *args: str) -> int:
    return main([*args], {"VRHUB_HOME": str(home), "VRHUB_ENVIRONMENT": "test"})


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """MPS borough (current and historical) and ward counts, the MPS Monthly Crime
    Dashboard (knife crime), population, IMD 2025,
    borough and ward boundaries and the LSOA-ward lookup: no ED data, no police.uk."""
    if not SHARED_DATA.exists():
        pytest.skip("../shared/data is not present")
    folder = tmp_path_factory.mktemp("sna") / "home"
    folder.mkdir()
    s = SHARED_DATA
    for args in (("load", "ward-lookup", str(s / "lookups/lsoa_to_ward.csv.gz")),
                 ("load", "mps", str(MPS / "recorded-crime-borough.csv.gz"),
                  str(MPS / "recorded-crime-borough-historical.csv.gz")),
                 ("load", "mps", str(MPS / "recorded-crime-ward.csv.gz")),
                 ("load", "mps-dashboard", str(MPS / "monthly-crime-dashboard.csv.gz")),
                 ("load", "population", str(s / "population/census2021-ts007a-lsoa.csv.gz")),
                 ("load", "imd", str(s / "imd2025/England-IMD-2025.csv.gz")),
                 ("load", "boundaries", str(s / "boundaries/london-2021-lad22-gen20.zip"),
                  str(s / "boundaries/london_wards.json.gz"))):
        assert _cli(folder, *args) == 0, args
    return folder


@pytest.fixture(scope="module")
def built(home: Path) -> dict[str, sna.NeedsAssessment]:
    with Warehouse(home / "warehouse.duckdb", read_only=True) as wh:
        found = sna.build_all(wh, ["Hackney", CROYDON, "City of London"], with_london=True)
    return {a.area_code: a for a in found}


def _independent(borough: str, column: str, value: str, months: list[str]) -> int:
    """Offences of an MPS category in a borough over months, read from the CSV files."""
    total = 0
    for name in ("recorded-crime-borough.csv.gz", "recorded-crime-borough-historical.csv.gz"):
        frame = pd.read_csv(MPS / name)
        rows = frame[(frame["boroughname"] == borough) & (frame[column] == value)]
        taken = [m.replace("-", "") for m in months
                 if m.replace("-", "") in frame.columns]
        total += int(rows[taken].sum().sum())
        months = [m for m in months if m.replace("-", "") not in frame.columns]
    return total


def _months(end: str) -> list[str]:
    return [str(p) for p in pd.period_range(end=end, periods=12, freq="M")]


@pytest.mark.parametrize(("code", "name"), [(HACKNEY, "Hackney"), (CROYDON, "Croydon")])
def test_trend_figures_equal_a_count_of_the_source_files(
        built: dict[str, sna.NeedsAssessment], code: str, name: str) -> None:
    assessment = built[code]
    assert assessment.period_to == "2025-11" and assessment.period_from == "2020-12"
    trends = assessment.section("trends")
    assert trends.available and trends.figures["years_with_data"] == 5
    latest = _months("2025-11")
    vwi = _independent(name, "minortext", "VIOLENCE WITH INJURY", latest)
    robbery = _independent(name, "majortext", "ROBBERY", latest)
    sexual = _independent(name, "majortext", "SEXUAL OFFENCES", latest)
    homicide = _independent(name, "minortext", "HOMICIDE", latest)
    assert trends.figures["violence_with_injury_count"] == vwi > 1000
    assert trends.figures["robbery_count"] == robbery
    assert trends.figures["sexual_offences_count"] == sexual
    assert trends.figures["serious_violence_count"] == vwi + robbery + sexual + homicide
    table = trends.tables["trends"]
    older = table[(table["category"] == "violence_with_injury")
                  & (table["year_to"] == "2021-11")]
    assert int(older["count"].iloc[0]) == _independent(name, "minortext",
                                                       "VIOLENCE WITH INJURY",
                                                       _months("2021-11"))
    before = _independent(name, "minortext", "VIOLENCE WITH INJURY", _months("2024-11"))
    assert trends.figures["violence_with_injury_change_pct"] == pytest.approx(
        (vwi / before - 1) * 100, abs=0.05)
    assert any(f"({vwi:,} against {before:,} the year before)" in t for t in trends.text)


def _knife(code: str, months: list[str]) -> int:
    """Knife crime offences of a borough over months, read from the dashboard CSV."""
    frame = pd.read_csv(MPS / "monthly-crime-dashboard.csv.gz")
    rows = frame[(frame["area_type"] == "Borough") & (frame["area_code"] == code)
                 & (frame["crime_type"] == "Knife Crime")
                 & (frame["crime_subtype"] == "Knife Crime") & (frame["measure"] == "Offences")
                 & frame["month_year"].str[:7].isin(months)]
    return int(rows["count"].sum())


def test_knife_crime_comes_from_the_monthly_crime_dashboard(
        built: dict[str, sna.NeedsAssessment]) -> None:
    trends = built[HACKNEY].section("trends")
    knife = _knife(HACKNEY, _months("2025-11"))
    before = _knife(HACKNEY, _months("2024-11"))
    assert trends.figures["knife_crime_count"] == knife > 100
    assert trends.figures["knife_crime_change_pct"] == pytest.approx(
        (knife / before - 1) * 100, abs=0.05)
    table = trends.tables["trends"]
    rows = table[table["category"] == "knife_crime"].set_index("year_to")
    population = float(rows.loc["2025-11", "population"])
    assert float(rows.loc["2025-11", "rate_per_1000"]) == pytest.approx(
        knife / population * 1000, rel=1e-9)
    # the dashboard begins in March 2022: the year to November 2022 has 9 months of it
    assert int(rows.loc["2022-11", "months_covered"]) == 9
    assert int(rows.loc["2022-11", "count"]) == _knife(HACKNEY, _months("2022-11"))
    assert "2021-11" not in rows.index
    assert not any("Not in the loaded MPS tables" in n for n in trends.notes)
    assert any("Counted from the MPS Monthly Crime Dashboard (borough offences): Knife crime "
               "(from March 2022)" in n for n in trends.notes)
    london = built["E12000007"].section("trends").figures["knife_crime_count"]
    boroughs = sum(_knife(f"E09{n:06d}", _months("2025-11")) for n in range(1, 34))
    assert london == boroughs


def test_london_is_the_sum_of_its_boroughs(built: dict[str, sna.NeedsAssessment]) -> None:
    london = built["E12000007"].section("trends").figures
    frame = pd.read_csv(MPS / "recorded-crime-borough.csv.gz")
    columns = [m.replace("-", "") for m in _months("2025-11")]
    # offences the MPS could not place in a borough ("Unknown") are in no area's figures
    rows = frame[(frame["minortext"] == "VIOLENCE WITH INJURY")
                 & (frame["boroughname"] != "Unknown")]
    assert london["violence_with_injury_count"] == int(rows[columns].sum().sum())


def test_a_borough_without_ed_data_says_so(built: dict[str, sna.NeedsAssessment]) -> None:
    assessment = built[HACKNEY]
    assert [s.key for s in assessment.sections] == list(SECTION_KEYS)
    who = assessment.section("who")
    assert not who.available and "no ED assault (ISTV) records" in (who.reason or "")
    assert "vrhub istv submit" in (who.reason or "")
    when = assessment.section("when")
    assert "Hour by day: no ED assault" in (when.reason or "")
    assert "hour_by_day" not in when.tables and "seasonal" in when.tables
    assert sna_people.AGE_ORDER[0] == "0-10"
    city = built[sna_trends.CITY_OF_LONDON].section("trends")
    assert not city.available and "City of London" in (city.reason or "")
    html = sna.to_html(built["E09000001"])
    assert "No data for this section." in html and "Trends" in html


class Outline(HTMLParser):
    """Headings, captions, header cells and SVG titles of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, Any]]] = []
        self.text: dict[str, list[str]] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            while self._open and self._open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self._open and data.strip():
            self.text.setdefault(self._open[-1], []).append(data.strip())


def test_the_html_is_accessible_and_the_files_open(
        built: dict[str, sna.NeedsAssessment]) -> None:
    assessment = built[HACKNEY]
    page = Outline()
    page.feed(sna.to_html(assessment))
    tags = [t for t, _ in page.tags]
    assert ("html", {"lang": "en-GB"}) in page.tags
    assert page.text["h1"] == ["Serious violence strategic needs assessment: Hackney"]
    assert [h.split(". ", 1)[1] for h in page.text["h2"][1:]] == [
        s.title for s in assessment.sections]
    assert tags.count("table") == tags.count("caption") >= 5
    assert all(a.get("scope") in ("col", "row") for t, a in page.tags if t == "th")
    svgs = [a for t, a in page.tags if t == "svg"]
    assert len(svgs) == 1 and svgs[0]["role"] == "img"
    assert any("Map of Hackney's wards" in t for t in page.text["title"])
    pdf = sna.to_pdf(assessment)
    assert pdf.startswith(b"%PDF")
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(sna.to_xlsx(assessment)))
    tables = [(s.key, n) for s in assessment.sections for n in s.tables]
    assert len(book.sheetnames) == 2 + len(tables)
    assert "trends" in book.sheetnames and "where wards" in book.sheetnames
    sheet = book["trends"]
    header = [c.value for c in sheet[1]]
    counts = [r[header.index("count")] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert sum(counts) == int(assessment.section("trends").tables["trends"]["count"].sum())


def test_the_public_summary_passes_disclosure_control(
        built: dict[str, sna.NeedsAssessment]) -> None:
    public = sna.public_summary(built[HACKNEY])
    assert public.edition == "public"
    checked = 0
    for section in public.sections:
        assert not section.maps
        for name, frame in section.tables.items():
            counts = frame.attrs["vrhub"]["disclosure"]["counts"]
            assert disclosure.scan_frame(frame, name=name, counts=counts) == []
            for column in counts:
                values = frame[column].dropna().astype(int)
                assert not values.between(1, 7).any() and (values % 5 == 0).all()
                checked += len(values)
        for text in section.text:
            assert disclosure.counts_breaking_rule(text) == []
    assert checked > 50
    where = public.section("where")
    assert ("where", "lsoas") not in sna_public.PUBLIC_TABLES
    assert "lsoas" not in where.tables and "hotspots" not in where.tables
    assert "deprivation" in where.tables
    homicide = public.section("trends").tables["trends"]
    assert homicide["count"].isna().any()  # Hackney has years of 1 to 7 homicides
    assert "[c]" in sna.to_html(public)


def test_one_section_is_refreshed_and_the_others_kept(
        home: Path, built: dict[str, sna.NeedsAssessment]) -> None:
    first = built[CROYDON]
    with Warehouse(home / "warehouse.duckdb", read_only=True) as wh:
        again = sna.refresh(first, wh, "risk")
    assert [s.key for s in again.sections] == list(SECTION_KEYS)
    for old, new in zip(first.sections, again.sections, strict=True):
        if old.key != "risk":
            assert new is old
    assert again.section("risk").figures == first.section("risk").figures
    written = sna.refresh(first, None, "recommendations",  # type: ignore[arg-type]
                          recommendations="Fund detached youth work in Thornton Heath.")
    assert written.section("recommendations").text == (
        "Fund detached youth work in Thornton Heath.",)
    assert sna.figures(written)["trends"] == sna.figures(first)["trends"]


def test_the_command_builds_files_and_refuses_unknown_boroughs(
        home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert {p.name for p in sna_command.build.params} >= {"boroughs", "every", "london",
                                                           "edition", "formats", "end"}
    run = Runner(home, capsys)
    code, _, err = run("sna", "build", "--borough", "Hakney", "-o", tmp_path)
    assert code != 0 and "no borough called 'Hakney'" in err and "Hackney" in err
    notes = tmp_path / "recommendations.txt"
    notes.write_text("=HYPERLINK(\"http://example.org\")\n", encoding="utf-8")
    code, _, err = run("sna", "build", "--borough", "Hackney", "--recommendations", notes,
                       "-o", tmp_path)
    assert code == 4 and "line 1 of the recommendations starts with '='" in err
    notes.write_text("* Extend the hospital youth work service to Homerton.\n",
                     encoding="utf-8")
    code, out, err = run("sna", "build", "--borough", "Hackney", "--edition", "public",
                         "--format", "html,xlsx", "--recommendations", notes,
                         "-o", tmp_path / "out", "--json")
    assert code == 0, err
    summary = json.loads(out)["assessments"]
    assert [Path(p).name for p in summary[0]["files"]] == [
        "sna-E09000012-hackney-2025-11-public.html", "sna-E09000012-hackney-2025-11-public.xlsx"]
    page = (tmp_path / "out" / "sna-E09000012-hackney-2025-11-public.html").read_text()
    assert "Extend the hospital youth work service to Homerton." in page
    assert "Public summary" in page
