"""Disclosure control: the rule, its application to frames, and the public-output scanner."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from vrhub.analytics import disclosure
from vrhub.analytics.disclosure import Rate, apply, disclose_count, scan_frame
from vrhub.analytics.suppression_markers import SUPPRESSION_MARKERS, as_numbers
from vrhub.errors import DisclosureError
from vrhub.reports.outputs import output_metadata, write_result

WARDS = ["E05009288", "E05009289", "E05009290", "E05009291"]


def _independent_rule(n: int) -> int | None:
    """The rule written out another way: suppress 1-7; otherwise the multiple of 5 within
    2 of n (unique, since n is whole)."""
    if n == 0:
        return 0
    if n < 8:
        return None
    return next(m for m in range(n - 2, n + 3) if m % 5 == 0)


@pytest.mark.parametrize(("raw", "shown"), [
    (0, 0), (1, None), (5, None), (7, None), (8, 10), (10, 10), (12, 10), (13, 15), (17, 15),
    (18, 20), (22, 20), (23, 25), (1002, 1000), (1003, 1005),
])
def test_the_rule(raw: int, shown: int | None) -> None:
    assert disclose_count(raw) == shown == _independent_rule(raw)


@given(st.lists(st.one_of(st.integers(0, 12), st.integers(0, 10**7)), min_size=1, max_size=60))
def test_no_disclosed_count_is_small_or_unrounded(counts: list[int]) -> None:
    out = disclosure.suppress_and_round(counts)
    assert str(out.dtype) == "Int64"
    for raw, shown in zip(counts, out.tolist(), strict=True):
        expected = _independent_rule(raw)
        assert (None if shown is pd.NA else shown) == expected
        if shown is not pd.NA:
            assert shown == 0 or (shown % 5 == 0 and shown >= 10)


def _ward_month(counts: list[int], population: list[int] | None = None) -> pd.DataFrame:
    n = len(counts)
    return pd.DataFrame({
        "ward_code": [WARDS[i % len(WARDS)] for i in range(n)],
        "month": [f"2024-{1 + i // len(WARDS) % 12:02d}" for i in range(n)],
        "attendances": counts,
        "assaults": [c // 2 for c in counts],
        "population": population or [5000 + i for i in range(n)],
    })


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.integers(0, 9), st.integers(0, 5000)), min_size=1, max_size=40),
       st.sampled_from([".csv", ".parquet", ".geojson", ".gpkg"]))
def test_every_public_output_passes_the_scanner(tmp_path: Path, counts: list[int],
                                                suffix: str) -> None:
    frame = _ward_month(counts)
    out = apply(frame, ["attendances", "assaults"], rates={
        "assault_share_pct": Rate("assaults", "attendances", 100),
        "rate_per_1000": Rate("attendances", "population", 1000)})
    for column in ("attendances", "assaults"):
        values = out[column].dropna().astype(int)
        assert ((values == 0) | ((values % 5 == 0) & (values >= 10))).all()
    if suffix in (".geojson", ".gpkg"):
        out = gpd.GeoDataFrame(out, geometry=[box(i, 0, i + 1, 1) for i in range(len(out))],
                               crs=27700)
    path = tmp_path / f"public-{len(list(tmp_path.iterdir()))}{suffix}"
    write_result(out, path, output_metadata({}, disclosure=disclosure.disclosure_metadata(out)))
    assert disclosure.scan_public_output(path) == []


def test_rates_are_recomputed_from_disclosed_counts_and_suppressed_with_them() -> None:
    frame = pd.DataFrame({"ward_code": WARDS, "month": ["2024-05"] * 4,
                          "assaults": [3, 12, 40, 9], "attendances": [20, 5, 80, 0],
                          "population": [1000, 2000, 4000, 0]})
    out = apply(frame, ["assaults", "attendances"], rates={
        "pct": Rate("assaults", "attendances", 100),
        "per_1000": Rate("assaults", "population", 1000)})
    assert out["assaults"].tolist() == [pd.NA, 10, 40, 10]
    assert out["attendances"].tolist() == [20, pd.NA, 80, 0]
    assert out["pct"].tolist() == [pd.NA, pd.NA, 50.0, pd.NA]  # numerator; denominator; /0
    assert out["per_1000"].tolist()[1:3] == [5.0, 10.0]
    assert out["per_1000"].isna().tolist() == [True, False, False, True]
    meta = disclosure.disclosure_metadata(out)
    assert meta["suppressed_cells"] == 2 and meta["counts"] == ["assaults", "attendances"]


@pytest.mark.parametrize(("extra", "rule"), [
    ({"lsoa21_code": ["E01000001"] * 4}, "finer_than_ward"),
    ({"msoa": ["E02000001"] * 4}, "finer_than_ward"),
    ({"easting": [530000] * 4}, "coordinates"),
    ({"arrival_time": ["21:40"] * 4}, "time_of_day"),
    ({"location_description": ["near the bus stop"] * 4}, "free_text"),
    ({"when": pd.to_datetime(["2024-05-03"] * 4)}, "finer_than_month"),
])
def test_apply_refuses_outputs_finer_than_ward_by_month(extra: dict, rule: str) -> None:
    frame = pd.DataFrame({"ward_code": WARDS, "month": ["2024-05"] * 4, "n": [1, 2, 30, 0],
                          **extra})
    with pytest.raises(DisclosureError, match="cannot be published") as info:
        apply(frame, ["n"])
    assert disclosure.RULES[rule] in str(info.value)


def test_derived_measures_are_suppressed_with_their_counts(tmp_path: Path) -> None:
    frame = pd.DataFrame({"ward_code": WARDS, "month": ["2024-05"] * 4,
                          "offences": [4, 30, 0, 9], "gi_z": [2.5, 3.1, -0.4, 1.2]})
    out = apply(frame, ["offences"], derived_from={"gi_z": ["offences"]})
    assert out["gi_z"].isna().tolist() == [True, False, False, False]
    path = tmp_path / "z.parquet"
    write_result(out, path, output_metadata({}, disclosure=disclosure.disclosure_metadata(out)))
    assert disclosure.scan_public_output(path) == []
    leaked = out.assign(gi_z=frame["gi_z"])
    leaked.attrs = out.attrs
    write_result(leaked, path, output_metadata({},
                                               disclosure=disclosure.disclosure_metadata(out)))
    assert [(v.rule, v.row) for v in disclosure.scan_public_output(path)] == [
        ("rate_of_suppressed", 1)]
    with pytest.raises(DisclosureError, match="not a declared count"):
        apply(frame, [], derived_from={"gi_z": ["offences"]})


def test_apply_refuses_bad_counts() -> None:
    with pytest.raises(DisclosureError, match="-3"):
        apply(pd.DataFrame({"n": [5, -3]}), ["n"])
    with pytest.raises(DisclosureError, match=r"2\.5"):
        apply(pd.DataFrame({"n": [5, 2.5]}), ["n"])
    with pytest.raises(DisclosureError, match="not a declared count"):
        apply(pd.DataFrame({"n": [5], "m": [10]}), ["n"], rates={"r": Rate("m", "n")})
    with pytest.raises(DisclosureError, match="not been through"):
        disclosure.disclosure_metadata(pd.DataFrame({"n": [1]}))


# -- the scanner, every violation in every format ---------------------------------------
VIOLATIONS: dict[str, dict[str, list]] = {
    "small_count": {"count": [10, 3, 0, 15]},
    "unrounded_count": {"count": [10, 12, 0, 15]},
    "finer_than_ward": {"area": ["E01000001", "E01000002", "E01000003", "E01000004"]},
    "coordinates": {"latitude": [51.5, 51.5, 51.5, 51.5]},
    "time_of_day": {"hour": [1, 2, 3, 4]},
    "finer_than_month": {"period": ["2024-05-13", "2024-05-14", "2024-05-15", "2024-05-16"]},
    "free_text": {"place": ["he was hit outside the chicken shop on the high road by a "
                            "man he knows"] * 4},
    "point_geometry": {},
}
FORMATS = [".csv", ".json", ".geojson", ".xlsx", ".parquet", ".gpkg"]


def _clean() -> pd.DataFrame:
    return pd.DataFrame({"ward_code": WARDS, "month": ["2024-05"] * 4, "count": [10, 0, 20, 15]})


def _write(frame: pd.DataFrame, path: Path, points: bool) -> None:
    suffix = path.suffix
    if suffix in (".geojson", ".gpkg"):
        geometry = ([Point(530000 + i, 180000) for i in range(len(frame))] if points
                    else [box(i, 0, i + 1, 1) for i in range(len(frame))])
        geo = gpd.GeoDataFrame(frame, geometry=geometry, crs=27700)
        if suffix == ".gpkg":
            pyogrio.write_dataframe(geo, path, driver="GPKG", layer="layer")
        else:
            path.write_text(geo.to_crs(4326).to_json(), encoding="utf-8")
        return
    if points:
        frame = frame.assign(geometry_wkt=[f"POINT ({530000 + i} 180000)"
                                           for i in range(len(frame))])
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".json":
        path.write_text(json.dumps({"title": "x", "rows": frame.to_dict("records")}),
                        encoding="utf-8")
    elif suffix == ".xlsx":
        frame.to_excel(path, index=False, sheet_name="ward-month")
    else:
        frame.to_parquet(path, index=False)


@pytest.mark.parametrize("suffix", FORMATS)
def test_scanner_passes_a_clean_output(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"clean{suffix}"
    _write(_clean(), path, points=False)
    assert disclosure.scan_public_output(path) == []


@pytest.mark.parametrize("suffix", FORMATS)
@pytest.mark.parametrize("rule", sorted(VIOLATIONS))
def test_scanner_catches_each_violation_in_each_format(tmp_path: Path, rule: str,
                                                       suffix: str) -> None:
    frame = _clean()
    for column, values in VIOLATIONS[rule].items():
        frame[column] = values
    path = tmp_path / f"bad{suffix}"
    _write(frame, path, points=rule == "point_geometry")
    found = disclosure.scan_public_output(path)
    assert rule in {v.rule for v in found}, [v.describe() for v in found]
    first = next(v for v in found if v.rule == rule)
    assert path.name in first.source
    if rule in ("small_count", "unrounded_count"):
        assert (first.column, first.row, first.value) == ("count", 2, frame["count"][1])


def test_scanner_catches_datetimes_and_leaking_rates(tmp_path: Path) -> None:
    frame = _clean().assign(day=pd.to_datetime(["2024-05-01", "2024-05-02", "2024-06-01",
                                                 "2024-07-01"]))
    path = tmp_path / "days.parquet"
    frame.to_parquet(path)
    assert [(v.rule, v.row) for v in disclosure.scan_public_output(path)] == [
        ("finer_than_month", 2)]
    leaky = pd.DataFrame({"ward_code": WARDS, "month": ["2024-05"] * 4,
                          "n": [None, 10, 0, 15], "n_rate": [1.5, 2.0, 0.0, 3.0]})
    found = scan_frame(leaky, counts=["n"], rates={"n_rate": ["n"]})
    assert [(v.rule, v.row) for v in found] == [("rate_of_suppressed", 1)]


def test_polygons_without_area_codes_are_refused(tmp_path: Path) -> None:
    grid = gpd.GeoDataFrame({"count": [10, 20]}, geometry=[box(0, 0, 250, 250),
                                                            box(250, 0, 500, 250)], crs=27700)
    path = tmp_path / "grid.gpkg"
    pyogrio.write_dataframe(grid, path, driver="GPKG", layer="grid")
    assert {v.rule for v in disclosure.scan_public_output(path)} == {"unidentified_geometry"}


def test_declared_counts_and_markers(tmp_path: Path) -> None:
    frame = pd.DataFrame({"ward_code": WARDS, "year": [2024] * 4, "n": ["[c]", "10", "0", "5"]})
    path = tmp_path / "declared.csv"
    write_result(frame, path, output_metadata({}, disclosure={"counts": ["n"], "rates": {}}))
    found = disclosure.scan_public_output(path)
    assert [(v.rule, v.column, v.row, v.value) for v in found] == [("small_count", "n", 4, 5)]
    # without a declaration every whole-number column but year-like ones is a count
    frame2 = pd.DataFrame({"ward_code": WARDS, "year": [2024] * 4, "decile": [1, 2, 3, 4],
                           "offences": [10, 20, 3, 0]})
    found2 = scan_frame(frame2)
    assert [(v.rule, v.column) for v in found2] == [("small_count", "offences")]


def test_scan_public_tree(tmp_path: Path) -> None:
    _write(_clean(), tmp_path / "a.csv", points=False)
    (tmp_path / "a.csv.json").write_text(json.dumps({"parameters": {"n": 3}}))
    (tmp_path / "sub").mkdir()
    _write(_clean().assign(count=[1, 0, 0, 0]), tmp_path / "sub" / "b.parquet", points=False)
    (tmp_path / "chart.png").write_bytes(b"\x89PNG")
    (tmp_path / "broken.json").write_text("{not json")
    report = disclosure.scan_public_tree(tmp_path)
    assert not report.ok
    assert len(report.checked) == 3 and report.skipped == [str(tmp_path / "chart.png")]
    assert sorted(v.rule for v in report.violations) == ["small_count", "unreadable"]
    assert json.loads(json.dumps(report.to_dict()))["ok"] is False


def test_numpy_counts_and_missing_values() -> None:
    out = disclosure.suppress_and_round(pd.Series([np.int64(9), None, 7.0], dtype="Float64"))
    assert out.tolist() == [10, pd.NA, pd.NA]


@pytest.mark.parametrize(("text", "expected"), [
    ("1,369 istv_assault row(s) with no borough", "about 1,370 istv_assault row(s) with no "
     "borough"),
    ("3 rows with no ward", "fewer than eight rows with no ward"),
    ("12 MPS offences", "about 10 MPS offences"),
    ("0 rows quarantined", "0 rows quarantined"),
    ("40 offences", "40 offences"),
    ("the latest 12 months, per 1,000 residents, IMD 2025, 2022 wards, 20% most deprived",
     "the latest 12 months, per 1,000 residents, IMD 2025, 2022 wards, 20% most deprived"),
])
def test_counts_written_in_text_follow_the_rule(text: str, expected: str) -> None:
    assert disclosure.disclose_text(text) == expected
    assert disclosure.scan_text(expected, field_name="notes") == []


def test_scan_text_names_the_count_that_breaks_the_rule() -> None:
    found = disclosure.scan_text("1,369 istv_assault row(s) with no borough; 5 rows late",
                                 field_name="notes[0]", source="x.json")
    assert [(v.rule, v.column, v.value) for v in found] == [
        ("count_in_text", "notes[0]", "1,369 istv_assault row(s)"),
        ("count_in_text", "notes[0]", "5 rows")]
    assert "must be 0, or 8 or more" in found[0].describe()


def test_a_long_text_column_reports_its_first_20_breaking_rows_in_order() -> None:
    names = ["Bethnal Green", "E01000907", "Weavers", "near the bus stop by the shops on the "
             "high road at night", "Spitalfields"]
    column = [names[(i * 7) % len(names)] for i in range(2000)]
    column[5] = None
    frame = pd.DataFrame({"area_name": column})
    found = scan_frame(frame, counts=[])
    # the rule judged row by row, written out here
    expected = []
    for row, value in enumerate(column, start=1):
        if value == "E01000907":
            expected.append(("finer_than_ward", row, value))
        elif value is not None and value.startswith("near"):
            expected.append(("free_text", row, value[:80]))
    assert [(v.rule, v.row, v.value) for v in found] == expected[:20]
    assert all(v.column == "area_name" for v in found)


def test_counts_in_the_text_of_a_json_output_are_each_named_where_they_are(
        tmp_path: Path) -> None:
    rows = [{"area_code": WARDS[i % 4], "note": "13 offences" if i % 3 == 0 else "none",
             "nested": {"why": "3 patients seen"} if i == 4 else None} for i in range(9)]
    document = {"vrhub": {"title": "12 files", "notes": ["no counts", "1,369 rows"]},
                "rows": rows, "": "7 crimes"}
    path = tmp_path / "notes.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    found = [(v.column, v.value) for v in disclosure.scan_public_output(path)
             if v.rule == "count_in_text"]
    assert found == [("vrhub.title", "12 files"), ("vrhub.notes[1]", "1,369 rows"),
                     ("rows[0].note", "13 offences"), ("rows[3].note", "13 offences"),
                     ("rows[4].nested.why", "3 patients"), ("rows[6].note", "13 offences"),
                     ("text", "7 crimes")]


@pytest.mark.parametrize("values", [
    ["10", "[c]", None, " 15 ", "0", "10", "x", "25"],
    [10, 15, None, 10, 0, 5000],
    [1.5, 2.0, None, 1.5],
    ["E05009288", "10", "10"],
    ["[c]", None, "c"],
    [True, 1, 0],
])
def test_numbers_read_from_text_cells(values: list[object]) -> None:
    column = pd.Series(values, dtype=object)
    # each cell read on its own, written out here
    readings = []
    for value in values:
        if value is None:
            readings.append(np.nan)
            continue
        text = str(value).strip()
        if text.lower() in SUPPRESSION_MARKERS:
            readings.append(np.nan)
            continue
        try:
            readings.append(float(text))
        except ValueError:
            readings.append(None)  # not a number: the column is not numeric
    found = as_numbers(column)
    if None in readings or all(np.isnan(r) for r in readings):
        assert found is None
    else:
        assert found is not None and found.dtype == "float64"
        assert np.array_equal(found.to_numpy(), np.array(readings), equal_nan=True)
