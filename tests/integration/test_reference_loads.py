"""Reference-data loaders: MPS tables, boundaries, IoD, population, lookups, ED sites.

Small crafted files check the rules (quarantine with file/row/column/value/reason, refusal
naming the missing column, stub months, one publication per month, reload changes
nothing). The real open data in ../shared/data is loaded once and every count is checked
against the files themselves, read independently with the csv module.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.warehouse_sql import query, scalar
from vrhub.errors import InputError
from vrhub.ingest.inputs import discover
from vrhub.ingest.report import LoadReport
from vrhub.ingest.sources import get_source
from vrhub.progress import Recording
from vrhub.storage.warehouse import Warehouse


def load(wh: Warehouse, source: str, *paths: Path) -> LoadReport:
    src = get_source(source)
    return src.load(wh, discover(paths, src.patterns), Recording())


@pytest.fixture
def wh(tmp_path: Path) -> Iterator[Warehouse]:
    with Warehouse(tmp_path / "w.duckdb") as warehouse:
        yield warehouse


def write(path: Path, text: str, *, gz: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def csv_rows(path: Path) -> list[dict[str, str]]:
    """Data rows of a (possibly gzipped) CSV read independently of vrhub."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


# -- MPS -------------------------------------------------------------------------------
WARD = """majortext,minortext,wardname,wardcode,lookup_boroughname,202401,202402,202403,202404
THEFT,OTHER THEFT,Abbey,E05000026,Barking and Dagenham,0,30,31,29
THEFT,OTHER THEFT,Heathrow Villages,E05013570,Aviation Security (SO18),0,5,4,6
ROBBERY,ROBBERY OF PERSONAL PROPERTY,Abbey,E05000026,Barking and Dagenham,1,12,x,9
ROBBERY,ROBBERY OF PERSONAL PROPERTY,Nowhere,E05000027,Atlantis,0,1,1,1
"""


def test_mps_ward_table_long_rows_stub_month_and_quarantine(wh: Warehouse,
                                                             tmp_path: Path) -> None:
    report = load(wh, "mps", write(tmp_path / "recorded-crime-ward.csv", WARD))
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (4, 2, 2)
    assert report.quarantined_by_rule() == {"count:number": 1, "borough:unknown": 1}
    rows = query(wh, "SELECT * FROM mps_crime_count ORDER BY area_code, month")
    # 202401 is a stub (1 offence against a median of ~40): not loaded, recorded instead
    assert sorted(rows["month"].unique()) == ["2024-02", "2024-03", "2024-04"]
    assert rows["count"].sum() == 30 + 31 + 29 + 5 + 4 + 6
    heathrow = rows[rows["area_code"] == "E05013570"]
    assert heathrow["borough_code"].isna().all()
    assert set(heathrow["borough_name"]) == {"Aviation Security (SO18)"}
    assert set(rows["area_vintage"]) == {"ward22"}
    excluded = query(wh, "SELECT month, total, reason FROM mps_month_excluded")
    assert excluded.to_dict("records") == [{"month": "2024-01", "total": 0, "reason": "stub"}]
    bad = query(wh, "SELECT row_number, column_name, value, reason FROM quarantine "
                    "ORDER BY row_number")
    assert bad["row_number"].tolist() == [3, 4]
    assert bad.iloc[0]["column_name"] == "202403" and bad.iloc[0]["value"] == "x"
    assert "Atlantis" in bad.iloc[1]["reason"]
    again = load(wh, "mps", tmp_path / "recorded-crime-ward.csv")
    assert [f.status for f in again.files] == ["unchanged"]
    assert wh.count("mps_crime_count") == len(rows)


def test_mps_overlapping_publications_never_double_count(wh: Warehouse,
                                                         tmp_path: Path) -> None:
    historical = ("majortext,minortext,boroughname,202401,202402,202403\n"
                  "THEFT,OTHER THEFT,Camden,10,11,12\n")
    current = ("majortext,minortext,boroughname,202403,202404,202405\n"
               "THEFT,OTHER THEFT,Camden,13,14,15\n")
    load(wh, "mps", write(tmp_path / "recorded-crime-borough-historical.csv", historical))
    report = load(wh, "mps", write(tmp_path / "recorded-crime-borough.csv", current))
    series = query(wh, "SELECT month, count, area_code FROM mps_crime_count ORDER BY month")
    assert series["month"].tolist() == ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05"]
    assert series["count"].tolist() == [10, 11, 13, 14, 15]  # the later publication wins
    assert set(series["area_code"]) == {"E09000007"}
    assert any("superseded" in n for n in report.files[0].notes)
    superseded = query(wh, "SELECT file_name, month FROM mps_month_excluded")
    assert superseded.to_dict("records") == [
        {"file_name": "recorded-crime-borough-historical.csv", "month": "2024-03"}]


def test_mps_refuses_a_table_missing_a_column(wh: Warehouse, tmp_path: Path) -> None:
    path = write(tmp_path / "recorded-crime-lsoa.csv",
                 "lsoa_code,lsoa_name,major_category,minor_category,202403\n"
                 "E01000006,B 016A,THEFT,OTHER THEFT,1\n")
    with pytest.raises(InputError, match=r"recorded-crime-lsoa\.csv") as info:
        load(wh, "mps", path)
    assert "recorded-crime-lsoa.csv" in str(info.value)
    assert "'borough'" in str(info.value) and "How to fix" in str(info.value)
    assert not wh.has_table("mps_crime_count") or wh.count("mps_crime_count") == 0


# -- boundaries --------------------------------------------------------------------------
def _feature(props: dict[str, str], lon: float, lat: float) -> dict[str, object]:
    d = 0.004
    ring = [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]
    return {"type": "Feature", "properties": props,
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_geojson_gz_wards_are_stored_in_british_national_grid(wh: Warehouse,
                                                              tmp_path: Path) -> None:
    features = [_feature({"WD22CD": "E05000001", "WD22NM": "One", "LAD22CD": "E09000001"},
                         -0.1, 51.5),
                _feature({"WD22CD": "E05000002", "WD22NM": "Two", "LAD22CD": "E09000001"},
                         -0.09, 51.5),
                {"type": "Feature", "properties": {"WD22CD": "E05000003", "WD22NM": "Three",
                                                   "LAD22CD": "E09000001"}, "geometry": None}]
    path = write(tmp_path / "wards.json.gz",
                 json.dumps({"type": "FeatureCollection", "features": features}), gz=True)
    report = load(wh, "boundaries", path)
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (3, 2, 1)
    stored = query(wh, "SELECT level, code, borough_code, area_m2, geometry FROM area_boundary")
    assert set(stored["level"]) == {"ward22"}
    geom = shapely.from_wkb(bytes(stored["geometry"].iloc[0]))
    from pyproj import Transformer

    xs, ys = Transformer.from_crs(4326, 27700, always_xy=True).transform(
        [-0.1, -0.096, -0.096, -0.1], [51.5, 51.5, 51.504, 51.504])
    x0, y0, x1, y1 = geom.bounds  # BNG metres, not degrees
    assert (x0, y0, x1, y1) == pytest.approx((min(xs), min(ys), max(xs), max(ys)), abs=1)
    assert 100_000 < stored["area_m2"].iloc[0] < 200_000  # ~0.004 degrees square
    assert "geometry" in query(wh, "SELECT column_name FROM quarantine")["column_name"].tolist()


def test_boundaries_without_a_code_field_are_refused(wh: Warehouse, tmp_path: Path) -> None:
    path = write(tmp_path / "areas.geojson", json.dumps({
        "type": "FeatureCollection",
        "features": [_feature({"id": "1", "label": "x"}, -0.1, 51.5)]}))
    with pytest.raises(InputError, match="LSOA21CD"):
        load(wh, "boundaries", path)


# -- lookups, IoD, population --------------------------------------------------------------
def test_lsoa_lookup_missing_chgind_names_the_column(wh: Warehouse, tmp_path: Path) -> None:
    path = write(tmp_path / "lsoa11_lsoa21.csv",
                 "\ufeffLSOA11CD,LSOA11NM,LSOA21CD,LSOA21NM,LAD22CD,LAD22NM\n"
                 "E01000001,a,E01000001,a,E09000001,City\n")
    with pytest.raises(InputError, match="CHGIND"):
        load(wh, "lsoa-lookup", path)


def test_imd_file_quarantines_bad_cells_and_reads_thousands_separators(
    wh: Warehouse, tmp_path: Path
) -> None:
    path = write(tmp_path / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv",
                 "\ufeffLSOA code (2011),LSOA name (2011),Index of Multiple Deprivation (IMD) "
                 "Rank,Index of Multiple Deprivation (IMD) Decile\n"
                 'E01000001,a,"29,199",9\nE01000002,b,30379,11\nE0100003,c,5,1\n')
    report = load(wh, "imd", path)
    assert (report.rows_loaded, report.rows_quarantined) == (1, 2)
    imd = query(wh, "SELECT * FROM imd")
    assert imd[["edition", "lsoa_code", "lsoa_vintage", "imd_rank", "imd_decile"]].to_dict(
        "records") == [{"edition": "2019", "lsoa_code": "E01000001", "lsoa_vintage": "2011",
                        "imd_rank": 29199, "imd_decile": 9}]
    assert pd.isna(imd["imd_score"].iloc[0])
    rules = set(query(wh, "SELECT rule FROM quarantine")["rule"])
    assert rules == {"decile:range", "lsoa_code:pattern"}


def test_population_quarantines_a_bad_count(wh: Warehouse, tmp_path: Path) -> None:
    path = write(tmp_path / "london-mid2020-pop.csv",
                 "LSOA11CD,LSOA11NM,Persons_All-Ages,Persons_0-15\n"
                 "E01000001,a,1636,258\nE01000002,b,n/a,243\n")
    report = load(wh, "population", path)
    assert (report.rows_loaded, report.rows_quarantined) == (1, 1)
    stored = query(wh, "SELECT year, source, age_band, count FROM population ORDER BY age_band")
    assert stored.to_dict("records") == [
        {"year": 2020, "source": "mye", "age_band": "0-15", "count": 258},
        {"year": 2020, "source": "mye", "age_band": "all", "count": 1636}]


# -- the real open data ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Warehouse, Path, dict]]:
    from tests.conftest import SHARED_DATA

    if not SHARED_DATA.exists():
        pytest.skip("../shared/data is not present")
    data = SHARED_DATA
    warehouse = Warehouse(tmp_path_factory.mktemp("real") / "w.duckdb")
    reports = {
        "population": load(warehouse, "population", data / "population"),
        "lsoa-lookup": load(warehouse, "lsoa-lookup", data / "lookups"),
        "ward-lookup": load(warehouse, "ward-lookup", data / "lookups"),
        "boundaries": load(warehouse, "boundaries", data / "boundaries"),
        "imd": load(warehouse, "imd", data / "imd2019", data / "imd2025"),
        "ed-sites": load(warehouse, "ed-sites", data / "nhs"),
        "mps": load(warehouse, "mps", data / "london-datastore" / "mps-recorded-crime"),
    }
    yield warehouse, data, reports
    warehouse.close()


@pytest.mark.slow
def test_real_mps_counts_match_the_files(real) -> None:  # type: ignore[no-untyped-def]
    wh, data, reports = real
    folder = data / "london-datastore" / "mps-recorded-crime"
    expected_long = 0
    for name, level in (("recorded-crime-lsoa", "lsoa"), ("recorded-crime-ward", "ward"),
                        ("recorded-crime-borough", "borough"),
                        ("recorded-crime-ward-historical", "ward"),
                        ("recorded-crime-borough-historical", "borough")):
        rows = csv_rows(folder / f"{name}.csv.gz")
        entry = next(f for f in reports["mps"].files if f.file == f"{name}.csv.gz")
        assert entry.rows_read == entry.rows_loaded == len(rows)
        months = [c for c in rows[0] if c.isdigit()]
        stub = [m for m in months if m == "202402" and not name.endswith("historical")
                and level != "borough"]
        kept = [m for m in months if m not in stub]
        expected_long += len(rows) * len(kept)
        total = sum(int(r[m]) for r in rows for m in kept)
        got = scalar(wh, "SELECT sum(count) FROM mps_crime_count WHERE file_id = ?",
                         [entry.sha256])
        assert got == total, name
    assert wh.count("mps_crime_count") == expected_long
    assert reports["mps"].rows_quarantined == 0
    stubs = query(wh, "SELECT level, month, total FROM mps_month_excluded ORDER BY level")
    assert stubs.to_dict("records") == [{"level": "lsoa", "month": "2024-02", "total": 39},
                                        {"level": "ward", "month": "2024-02", "total": 40}]
    # the LSOA table has every London LSOA 2021 except the six City of London ones
    missing = query(wh, "SELECT code FROM area_boundary WHERE level = 'lsoa21' AND code NOT IN "
                        "(SELECT area_code FROM mps_crime_count WHERE level = 'lsoa')")
    assert len(missing) == 6
    assert set(query(wh, "SELECT borough_code FROM area_boundary WHERE code IN "
                         f"({','.join(repr(c) for c in missing['code'])})")["borough_code"]) == {
        "E09000001"}


@pytest.mark.slow
def test_real_boundaries_lookups_population_imd_and_sites(real) -> None:  # type: ignore[no-untyped-def]
    wh, data, reports = real
    levels = dict(query(wh, "SELECT level, count(*) FROM area_boundary GROUP BY level"
                            ).itertuples(index=False))
    uk = json.loads(gzip.decompress(
        (data / "boundaries" / "uk-lad-may2023-buc.geojson.gz").read_bytes()))["features"]
    # London's fine borough layer places points; the ultra-generalised UK district layer is
    # the outline layer of any study area, never taken for the boroughs
    assert levels == {"lsoa11": 4835, "lsoa21": 4994, "ward22": 704, "borough": 33,
                      "district": len(uk)}
    districts = query(wh, "SELECT code, name FROM area_boundary WHERE level = 'district'")
    assert dict(zip(districts["code"], districts["name"], strict=True)) == {
        f["properties"]["LAD23CD"]: f["properties"]["LAD23NM"] for f in uk}
    assert set(query(wh, "SELECT code FROM area_boundary WHERE level = 'borough'")["code"]) == {
        f"E09{n:06d}" for n in range(1, 34)}
    files = {f.file: f for f in reports["boundaries"].files}
    skipped = [name for name, f in files.items() if f.status == "skipped"]
    assert skipped == ["london-2021-lad22-gen20.zip!london-2021-lad22-gen20.shp"]
    assert "london_boroughs.geojson.gz" in files[skipped[0]].notes[0]
    outline = files["uk-lad-may2023-buc.geojson.gz"]
    assert any("district outline layer" in n for n in outline.notes)
    assert any("1 invalid geometr" in n for n in outline.notes)  # one is invalid as published
    assert reports["boundaries"].notes == [
        "study area London (33 districts): boundaries for 33 of 33 districts"]
    bounds = query(wh, "SELECT geometry FROM area_boundary WHERE level = 'ward22' LIMIT 50")
    xs = [shapely.from_wkb(bytes(g)).centroid.x for g in bounds["geometry"]]
    assert all(500_000 < x < 570_000 for x in xs)  # British National Grid
    lookup_rows = csv_rows(data / "lookups" / "lsoa11_lsoa21.csv.gz")
    assert wh.count("lsoa_change") == len(lookup_rows)
    changes = dict(query(wh, "SELECT change, count(*) FROM lsoa_change GROUP BY change"
                             ).itertuples(index=False))
    assert changes == dict(pd.Series([r["CHGIND"] for r in lookup_rows]).value_counts())
    # weights conserve totals: each LSOA's outgoing weights sum to 1
    for column, key in (("weight_11_to_21", "lsoa11_code"), ("weight_21_to_11", "lsoa21_code")):
        worst = scalar(wh, f"SELECT max(abs(s - 1)) FROM (SELECT sum({column}) AS s FROM "
                           f"lsoa_change GROUP BY {key})")
        assert worst < 1e-9
    assert scalar(wh, "SELECT count(*) FROM lsoa_change WHERE weight_basis LIKE '%equal%' "
                      "AND borough_code LIKE 'E09%'") == 0  # London has population
    assert wh.count("area_lookup") == len(csv_rows(data / "lookups" / "lsoa_to_ward.csv.gz"))
    ts007 = csv_rows(data / "population" / "census2021-ts007a-lsoa.csv.gz")
    census_total = scalar(wh, "SELECT sum(count) FROM population WHERE source = 'census2021' "
                              "AND age_band = 'all'")
    assert census_total == sum(int(r["Age: Total"]) for r in ts007)
    mye = csv_rows(data / "population" / "london-mid2020-pop.csv.gz")
    assert scalar(wh, "SELECT sum(count) FROM population WHERE source = 'mye' AND year = 2020 "
                      "AND sex = 'persons' AND age_band = 'all'") == sum(
        int(r["Persons_All-Ages"]) for r in mye)
    assert wh.count("population_density") == len(
        csv_rows(data / "population" / "census2021-ts006-lsoa.csv.gz"))
    imd = dict(query(wh, "SELECT edition, count(*) FROM imd GROUP BY edition"
                         ).itertuples(index=False))
    assert imd == {
        "2019": len(csv_rows(data / "imd2019" / "File_1_-_IMD2019_Index_of_Multiple_"
                             "Deprivation.csv.gz")),
        "2025": len(csv_rows(data / "imd2025" / "England-IMD-2025.csv.gz"))}
    # London rows get their score from the GLA workbook; ranks agree across files
    assert scalar(wh, "SELECT count(imd_score) FROM imd WHERE edition = '2019'") == 4835
    assert scalar(wh, "SELECT count(*) FROM (SELECT edition, lsoa_code, domain FROM imd_value "
                      "WHERE rank IS NOT NULL GROUP BY ALL HAVING count(DISTINCT rank) > 1)") == 0
    london = csv_rows(data / "imd2019" / "ID_2019_for_London__IMD_2019.csv.gz")
    first = london[0]
    score = scalar(wh, "SELECT imd_score FROM imd WHERE lsoa_code = ? AND edition = '2019'",
                       [first["geography code"]])
    assert score == pytest.approx(float(first["Index of Multiple Deprivation (IMD) Score"]))
    sites = csv_rows(data / "nhs" / "site_xy.csv.gz")
    assert wh.count("ed_site") == len(sites)
    placed = scalar(wh, "SELECT count(lsoa21_code) FROM ed_site")
    assert len(sites) - 2 <= placed < len(sites)  # Epsom (Surrey) lies outside London
    for source, report in reports.items():
        assert report.rows_quarantined == 0, source


@pytest.mark.slow
def test_real_reload_changes_nothing(real) -> None:  # type: ignore[no-untyped-def]
    wh, data, _ = real
    before = {t: wh.count(t) for t in ("mps_crime_count", "area_boundary", "imd", "population",
                                        "lsoa_change", "provenance", "quarantine")}
    for source, folder in (("imd", data / "imd2019"), ("boundaries", data / "boundaries"),
                           ("population", data / "population")):
        report = load(wh, source, folder)
        assert {f.status for f in report.files} <= {"unchanged", "skipped"}
        assert not any(f.rows_loaded for f in report.files)
    assert {t: wh.count(t) for t in before} == before


def test_quality_reports_flag_the_stub_month_and_quarantine(wh: Warehouse,
                                                            tmp_path: Path) -> None:
    from vrhub.quality.reference import build_mps, build_reference

    empty = build_mps(wh)
    assert empty.data == {"loaded": False}
    assert build_reference(wh).data["rows"]["imd"] == 0
    load(wh, "mps", write(tmp_path / "recorded-crime-ward.csv", WARD))
    result = build_mps(wh)
    assert result.data["levels"]["ward"]["first_month"] == "2024-02"
    assert result.data["levels"]["ward"]["missing_months"] == []
    assert [(e["month"], e["reason"]) for e in result.data["excluded_months"]] == [
        ("2024-01", "stub")]
    assert result.data["quarantine"] == {"count:number": 1, "borough:unknown": 1}
    titles = [s.title for s in result.sections]
    assert any("stub" in t for t in titles)


@settings(max_examples=12, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["Camden", "Barnet", "Unknown", "Atlantis"]),
                          st.lists(st.one_of(st.integers(0, 50), st.sampled_from(["", "-1",
                                                                                  "2.5", "x"])),
                                   min_size=4, max_size=4)),
                min_size=1, max_size=12))
def test_every_mps_row_is_loaded_or_quarantined(rows: list[tuple[str, list[object]]]) -> None:
    import tempfile

    lines = ["majortext,minortext,boroughname,202401,202402,202403,202404"]
    for i, (borough, cells) in enumerate(rows):
        lines.append(f"THEFT,CAT{i},{borough}," + ",".join(str(c) for c in cells))
    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp) / "recorded-crime-borough.csv", "\n".join(lines) + "\n")
        with Warehouse(Path(tmp) / "w.duckdb") as wh:
            report = load(wh, "mps", path)
            assert report.rows_read == len(rows)
            assert report.rows_read == report.rows_loaded + report.rows_quarantined
            good = [cells for borough, cells in rows if borough != "Atlantis"
                    and all(isinstance(c, int) for c in cells)]
            assert report.rows_loaded == len(good)
            excluded = set(query(wh, "SELECT month FROM mps_month_excluded")["month"])
            keep = [j for j, m in enumerate(["2024-01", "2024-02", "2024-03", "2024-04"])
                    if m not in excluded]
            expected = sum(int(c[j]) for c in good for j in keep)  # type: ignore[call-overload]
            assert (scalar(wh, "SELECT coalesce(sum(count), 0) FROM mps_crime_count")
                    == expected)
            assert wh.count("mps_crime_count") == len(good) * len(keep)


def test_mps_repeated_area_and_category_is_quarantined_not_double_counted(
    wh: Warehouse, tmp_path: Path
) -> None:
    text = ("majortext,minortext,boroughname,202401,202402,202403\n"
            "THEFT,OTHER THEFT,Camden,10,11,12\n"
            "THEFT,OTHER THEFT,Camden,10,11,12\n")
    report = load(wh, "mps", write(tmp_path / "recorded-crime-borough.csv", text))
    assert (report.rows_loaded, report.rows_quarantined) == (1, 1)
    assert report.quarantined_by_rule() == {"row:duplicate": 1}
    assert scalar(wh, "SELECT sum(count) FROM mps_crime_count") == 33


def test_load_list_needs_no_paths_and_load_needs_them(run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("load", "list")
    assert code == 0, err
    for source in ("police", "mps", "boundaries", "imd", "population", "ed-sites", "istv"):
        assert source in out
    code, out, err = run("load", "list", "--json")
    assert code == 0, err
    listed = {s["source"]: s for s in json.loads(out[out.index("{"):])["sources"]}
    assert "*-street*.csv" in listed["police"]["patterns"]
    assert listed["istv"]["options"] == ["period", "site"]
    code, _, err = run("load", "police")
    assert code != 0
    assert "at least one PATH" in err and "Traceback" not in err


def test_named_study_areas_are_ons_districts(shared_data: Path) -> None:
    """Every named area's districts exist in the ONS UK district boundaries, under the
    names the area lists (read independently of vrhub)."""
    from vrhub.standards.study_area import NAMED

    uk = json.loads(gzip.decompress(
        (shared_data / "boundaries" / "uk-lad-may2023-buc.geojson.gz").read_bytes()))
    names = {f["properties"]["LAD23CD"]: f["properties"]["LAD23NM"] for f in uk["features"]}
    for key, (_name, districts) in NAMED.items():
        assert {code: names.get(code) for code, _ in districts} == dict(districts), key
    assert len(NAMED["london"][1]) == 33 and len(NAMED["merseyside"][1]) == 5
    assert len(NAMED["south-wales"][1]) == 7


@pytest.mark.slow
def test_real_district_layer_outlines_a_study_area_outside_london(real) -> None:  # type: ignore[no-untyped-def]
    from pyproj import Transformer

    from vrhub.standards.study_area import study_area
    from vrhub.storage.points import load_study_area
    from vrhub.storage.study_area import boundary_coverage

    wh, _, _ = real
    to_bng = Transformer.from_crs(4326, 27700, always_xy=True)
    places = {"Liverpool": (-2.9779, 53.4084), "Cardiff": (-3.1791, 51.4816),
              "Manchester": (-2.2426, 53.4808), "Westminster": (-0.1357, 51.4975)}
    for key, inside in (("merseyside", "Liverpool"), ("south-wales", "Cardiff"),
                        ("london", "Westminster")):
        area = study_area(key)
        coverage = boundary_coverage(wh, area)
        assert not coverage.missing
        if key == "london":  # London's boroughs have fine boundaries
            assert coverage.fine == area.districts and not coverage.outline_only
        else:
            assert coverage.outline_only == area.districts and not coverage.fine
        view = wh.cursor()
        view.use_study_area(area, record=False)
        outline = load_study_area(view)
        assert outline.name == area.name and outline.code is None
        for place, (lon, lat) in places.items():
            x, y = to_bng.transform(lon, lat)
            assert outline.geometry.contains(shapely.Point(x, y)) == (place == inside), (
                key, place)
    assert wh.recorded_study_area() is None  # nothing recorded by a handle told not to
