"""The needs assessment's parts that need no warehouse: the recommendations guard, the
definition file, the maps and the rendering of a section without data."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from vrhub.errors import UserError
from vrhub.partnership import sna, sna_context, sna_maps, sna_render, sna_where
from vrhub.partnership.sna_data import SourceData
from vrhub.partnership.sna_definition import load_definition, parse_definition
from vrhub.partnership.sna_model import SECTION_KEYS, Area, Section, unavailable
from vrhub.reports import printing


@pytest.mark.parametrize(("text", "match"), [
    ('=HYPERLINK("http://example.org","Click")', r"line 1 .* starts with '='"),
    ("Invest in youth work.\n+cmd|' /C calc'!A0", r"line 2 .* starts with '\+'"),
    ("Invest in youth work.\n  @SUM(A1)", r"line 2 .* starts with '@'"),
    ("- Fund mentors", r"starts with '-'"),
    ("Fund mentors <script>alert(1)</script>", "markup or script"),
    ("See <a href='javascript:x'>here</a>", "markup or script"),
    ("Ask Jo on 07700 900123 about referrals", r"personal details \(phone\)"),
    ("Email lead@example.org", r"personal details \(email\)"),
])
def test_recommendations_with_a_formula_script_or_personal_details_are_refused(
        text: str, match: str) -> None:
    with pytest.raises(sna.RecommendationError, match=match):
        sna.check_recommendations(text)


def test_plain_recommendations_are_kept_trimmed() -> None:
    text = "  * Fund detached youth work.\r\n\r\nReview ED referrals (-5% is the target).\n"
    assert sna.check_recommendations(text) == (
        "* Fund detached youth work.\n\nReview ED referrals (-5% is the target).")
    assert sna.check_recommendations("") == ""
    with pytest.raises(sna.RecommendationError, match="at most 20,000 are kept"):
        sna.check_recommendations("word " * 5000)


def test_the_london_definition_ships_and_a_partnership_can_replace_it(tmp_path: Path) -> None:
    london = load_definition()
    assert london.version == "london-2"
    assert [c.key for c in london.total_categories] == [
        "homicide", "violence_with_injury", "sexual_offences", "robbery"]
    assert {c.key for c in london.categories} - {c.key for c in london.total_categories} == {
        "violence_without_injury", "knife_crime"}
    knife = next(c for c in london.categories if c.key == "knife_crime")
    assert knife.dashboard is not None and (
        knife.dashboard.crime_subtype, knife.dashboard.measure) == ("Knife Crime", "Offences")
    data = {"version": "p-2", "name": "Ours", "description": "Only robbery.",
            "place_category": "ROBBERY", "hotspot_category": "Robbery",
            "categories": [{"key": "robbery", "label": "Robbery", "mps": "ROBBERY",
                            "in_total": True}]}
    path = tmp_path / "ours.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert load_definition(path).categories[0].mps == "ROBBERY"
    with pytest.raises(UserError, match=r"category 1 has key 'Bad Key'"):
        parse_definition({**data, "categories": [{**data["categories"][0], "key": "Bad Key"}]})
    with pytest.raises(UserError, match=r"category 1 \(robbery\) needs 'in_total'"):
        parse_definition({**data, "categories": [{**data["categories"][0], "in_total": 1}]})
    with pytest.raises(UserError, match="category keys repeat"):
        parse_definition({**data, "categories": data["categories"] * 2})
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(UserError, match=r"ours.json is not a JSON document \(line 1"):
        load_definition(path)


def test_a_map_shades_areas_and_names_itself() -> None:
    areas = gpd.GeoDataFrame({"area_code": ["A", "B", "C"]}, geometry=[
        shapely.box(0, 0, 1000, 1000), shapely.box(1000, 0, 2000, 1000),
        shapely.box(2000, 0, 3000, 1000)], crs=27700)
    svg = sna_maps.choropleth(areas, {"A": 1.0, "B": 5.0, "C": None}, title="Map of <wards>",
                              map_id="m", cells=[(500.0, 500.0, "persistent hotspot")],
                              cell_size=250.0, legend="per 1,000")
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert "<title id=\"m-title\">Map of &lt;wards&gt;</title>" in svg
    assert sna_maps.SHADES[0] in svg and sna_maps.SHADES[-1] in svg
    assert sna_maps.NO_DATA in svg and sna_maps.CELL_COLOURS["persistent hotspot"] in svg
    assert sna_maps.classes([1.0, 2.0, 3.0, 4.0, 5.0]) == [1.8, 2.6, 3.4, 4.2, 5.0]


def test_a_section_without_data_still_renders_saying_why() -> None:
    sections = [unavailable(key, f"nothing loaded for {key}") for key in SECTION_KEYS]
    sections[2] = Section("trends", "Trends", True, None, {"robbery_count": 12},
                          {"table": pd.DataFrame({"ward": ["A"], "count": [12.0]})},
                          ("Robbery rose.",))
    assessment = sna.NeedsAssessment("E09000012", "Hackney", "full", "2020-12", "2025-11",
                                     "london-1", "", tuple(sections),
                                     dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    html = sna.to_html(assessment, comparison=[
        {"section": "trends", "figure": "robbery_count", "previous": 10, "current": 12,
         "change": 2}])
    assert html.count("No data for this section.") == len(SECTION_KEYS) - 1
    assert "nothing loaded for who" in html and "Robbery rose." in html
    assert "Changes since the last edition" in html and ">robbery_count<" in html
    assert "<td class=\"num\">12</td>" in html
    assert sna.file_name(assessment, "pdf") == "sna-E09000012-hackney-2025-11-full.pdf"
    assert sna.figures(assessment)["trends"] == {"robbery_count": 12}
    with pytest.raises(UserError, match="unknown format 'doc'"):
        sna.check_formats(["html", "doc"])


def test_unknown_areas_are_refused_with_a_suggestion() -> None:
    names = {"E09000012": "Hackney", "E09000014": "Haringey"}
    assert [a.code for a in sna.resolve_areas(names, ["hackney", "E09000014"])] == [
        "E09000012", "E09000014"]
    london = sna.resolve_areas(names, ["London"])[0]
    assert london.code == "E12000007" and london.boroughs == ("E09000012", "E09000014")
    with pytest.raises(UserError, match=r"no borough called 'Hakney'.*Hackney"):
        sna.resolve_areas(names, ["Hakney"])


def _four_wards() -> SourceData:
    data = SourceData(load_definition(), "2025-11", {"E09000012": "Hackney"},
                      pd.DataFrame(columns=["area_code", "category", "month", "count"]), {})
    codes = ["E05000001", "E05000002", "E05000003", "E05000004"]
    data.ward_counts = pd.DataFrame({
        "area_code": codes * 2, "area_name": ["A", "B", "C", "D"] * 2,
        "category": "VIOLENCE WITH INJURY", "month": ["2025-06"] * 4 + ["2024-06"] * 4,
        "count": [10.0, 20.0, 30.0, 90.0, 5.0, 5.0, 5.0, 5.0]})
    data.ward_borough = dict.fromkeys(codes, "E09000012")
    data.ward_names = dict(zip(codes, ["A", "B", "C", "D"], strict=True))
    data.population["ward"] = pd.Series(10_000.0, index=codes)
    data.geometries["ward"] = gpd.GeoDataFrame(
        {"area_code": codes},
        geometry=[shapely.box(i * 1000, 0, (i + 1) * 1000, 1000) for i in range(4)],
        crs=27700)
    return data


def test_wards_with_high_violence_and_little_provision_are_named() -> None:
    data = _four_wards()
    area = Area("E09000012", "Hackney", ("E09000012",))
    wards = sna_where.ward_table(data, area)
    assert wards["ward"].tolist() == ["D", "C", "B", "A"]
    assert wards["rate_per_1000"].tolist() == [9.0, 3.0, 2.0, 1.0]
    assert wards["previous"].tolist() == [5, 5, 5, 5]
    places = sna_context.opportunities_from_rows(
        [("s1", "Boxing club", "", "active"), ("s2", "Closed club", "", "inactive")],
        [("l1", "s1", "x", "", 500.0, 500.0), ("l2", "s1", "y", "", 600.0, 500.0),
         ("l3", "s2", "z", "", 3500.0, 500.0), ("l4", "s1", "w", "", None, None)])
    assert places["name"].tolist() == ["Boxing club", "Boxing club"]
    section = sna_context.services(data, area, places)
    assert section.available and section.figures["gap_wards"] == 1
    assert section.figures["opportunity_places"] == 2
    assert "little provision (at most 1 place): D." in section.text[1]
    assert not sna_context.services(data, area, None).available
    assert "directory holds no listings" in (sna_context.services(data, area, None).reason
                                             or "")


def test_printed_documents_fetch_nothing() -> None:
    with pytest.raises(ValueError, match="load nothing from elsewhere"):
        printing.no_fetch("https://example.org/logo.png")
    css = sna_render.PRINT_CSS
    document = printing.pdf('<p>Hi</p><img src="https://example.org/x.png" alt="">', css)
    assert document.startswith(b"%PDF")


def test_a_caveat_reported_by_several_queries_is_said_once() -> None:
    pseudo = "247 MPS offences recorded against pseudo-areas are not in area results"
    section = Section("sources", "Sources", True, None, {}, {}, notes=(
        pseudo, "Knife crime: not loaded", pseudo, pseudo))
    assert section.notes == (pseudo, "Knife crime: not loaded")
    sections = [unavailable(key, "nothing") for key in SECTION_KEYS]
    sections[1] = section
    html = sna.to_html(sna.NeedsAssessment(
        "E09000012", "Hackney", "full", "2020-12", "2025-11", "london-1", "",
        tuple(sections), dt.datetime(2026, 1, 1, tzinfo=dt.UTC)))
    assert html.count(pseudo) == 1


def test_a_year_before_the_ward_counts_only_partly_cover_is_said_so() -> None:
    data = _four_wards()  # ward counts for June 2024 and June 2025 only
    assert sna_where.previous_months_covered(data) == 1
    notes = sna_where.section(data, Area("E09000012", "Hackney", ("E09000012",))).notes
    assert any("the year before covers 1 of its 12 months" in n for n in notes)
