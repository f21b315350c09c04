"""`vrhub hotspots ...` on real City of London street crimes in a test warehouse.

The warehouse is built here directly through DuckDB with the columns the hotspot queries
read (police_street, area_boundary, population, provenance), from the real files in
../shared/data: a year of City of London Police street files, the London borough
boundaries and the 2021 LSOA boundaries of the City.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq
import pyogrio
import pytest
import shapely
from pyproj import Transformer

from vrhub.reports.outputs import read_metadata
from vrhub.storage import warehouse_schema
from vrhub.storage.warehouse import copy_warehouse

CITY = "E09000001"
MONTHS = [f"2023-{m:02d}" for m in range(10, 13)] + [f"2024-{m:02d}" for m in range(1, 10)]


def _build_warehouse(path: Path, data: Path) -> dict[str, int]:
    boroughs = gpd.read_file(f"/vsigzip/{data}/boundaries/london_boroughs.geojson.gz")
    boroughs = boroughs.to_crs(27700)
    to_bng = Transformer.from_crs(4326, 27700, always_xy=True)
    frames = []
    provenance = []
    for month in MONTHS:
        file = data / "police-uk" / "city-of-london" / f"{month}-city-of-london-street.csv.gz"
        raw = pd.read_csv(file)
        sha = hashlib.sha256(file.read_bytes()).hexdigest()
        e, n = to_bng.transform(raw["Longitude"].to_numpy(), raw["Latitude"].to_numpy())
        frame = pd.DataFrame({"month": raw["Month"], "crime_type": raw["Crime type"],
                              "easting": e, "northing": n,
                              "lsoa21_code": raw["LSOA code"], "file_id": sha})
        frames.append(frame)
        provenance.append({"file_id": sha, "source": "police_street", "file_name": file.name,
                           "sha256": sha, "partition": f"city-of-london/{month}",
                           "rows_read": len(raw), "rows_loaded": len(raw),
                           "rows_quarantined": 0, "status": "loaded",
                           "loaded_at": pd.Timestamp("2025-01-01"), "vrhub_version": "test"})
    street = pd.concat(frames, ignore_index=True)
    points = shapely.points(street["easting"].fillna(0), street["northing"].fillna(0))
    tree = shapely.STRtree(boroughs.geometry.values)
    pi, bi = tree.query(points, predicate="within")
    codes = pd.Series([None] * len(street), dtype=object)
    codes.iloc[pi] = boroughs["GSS_CODE"].to_numpy()[bi]
    street["borough_code"] = codes.to_numpy()
    street["ward_code"] = None
    lsoa = gpd.read_file(f"zip://{data}/boundaries/london-2021-lsoa-gen20.zip")
    lsoa = lsoa[lsoa["LAD22CD"] == CITY]
    areas = pd.concat([
        pd.DataFrame({"level": "borough", "code": boroughs["GSS_CODE"],
                      "name": boroughs["NAME"], "borough_code": boroughs["GSS_CODE"],
                      "geometry": shapely.to_wkb(boroughs.geometry.values), "file_id": "b"}),
        pd.DataFrame({"level": "lsoa21", "code": lsoa["LSOA21CD"], "name": lsoa["LSOA21NM"],
                      "borough_code": CITY, "geometry": shapely.to_wkb(lsoa.geometry.values),
                      "file_id": "l"}),
    ])
    population = pd.DataFrame({"lsoa_code": lsoa["LSOA21CD"], "lsoa_vintage": "2021",
                               "year": 2021, "source": "census2021", "sex": "persons",
                               "age_band": "all", "count": 1500, "file_id": "p"})
    prov = pd.DataFrame(provenance)
    con = duckdb.connect(str(path))
    for name, frame in (("police_street", street), ("area_boundary", areas),
                        ("population", population), ("provenance", prov)):
        con.register("incoming", frame)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM incoming")
        con.unregister("incoming")
    # tables in their newest shape, so the warehouse is at the newest schema version
    warehouse_schema.stamp_new(con)
    con.close()
    inside = street[street["borough_code"] == CITY]
    return {"rows": len(street), "city_points": len(inside),
            "city_violence": int((inside["crime_type"] == "Violence and sexual offences").sum()),
            "no_location": int(street["easting"].isna().sum())}


@pytest.fixture(scope="module")
def warehouse_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    from tests.conftest import SHARED_DATA

    if not SHARED_DATA.exists():
        pytest.skip("../shared/data is not present")
    path = tmp_path_factory.mktemp("hotspots") / "warehouse.duckdb"
    return path, _build_warehouse(path, SHARED_DATA)


@pytest.fixture
def city(home: Path, warehouse_file: tuple[Path, dict[str, int]]) -> dict[str, int]:
    copy_warehouse(warehouse_file[0], home / "warehouse.duckdb")
    return warehouse_file[1]


def _json(run, *args: str) -> dict:
    code, out, err = run("hotspots", *args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_count_cells_sum_to_events_in_the_city(run, city, tmp_path: Path) -> None:
    out = tmp_path / "count.csv"
    summary = _json(run, "count", "--borough", CITY, "--cell-size", "100", "--output", str(out))
    assert summary["events"] + summary["events_outside_area"] == city["city_points"]
    # Points whose borough is the City lie inside the City boundary, so none are lost.
    assert summary["events_outside_area"] == 0
    frame = pd.read_csv(out)
    assert frame["n"].sum() == city["city_points"]
    assert list(frame.columns[:4]) == ["cell_id", "x", "y", "n"]
    meta = read_metadata(out)
    assert meta["parameters"]["cell_size"] == 100
    assert len(meta["provenance"]) == len(MONTHS)
    assert {p["file_name"] for p in meta["provenance"]} == {
        f"{m}-city-of-london-street.csv.gz" for m in MONTHS}


def test_gistar_json_summary_and_geopackage(run, city, tmp_path: Path) -> None:
    out = tmp_path / "gistar.gpkg"
    summary = _json(run, "gistar", "--borough", "City of London", "--category",
                    "Violence and sexual offences", "--cell-size", "100", "--output", str(out))
    assert summary["events"] == city["city_violence"]
    assert summary["hotspots_p_fdr_lt_0_05"] >= 1
    assert "distance" in summary["automatic"] and "bandwidth" in summary["automatic"]
    assert any("Neighbourhood distance" in n for n in summary["notes"])
    layer = gpd.read_file(out)
    assert layer.crs.to_epsg() == 27700
    assert {"gistar_z", "p_value", "p_fdr", "kde", "hotspot"} <= set(layer.columns)
    assert (layer["p_fdr"] >= layer["p_value"] - 1e-12).all()
    meta = json.loads(pyogrio.read_info(out)["layer_metadata"]["vrhub"])
    assert meta["automatic"]["distance"] == pytest.approx(100 * 2 ** 0.5, rel=1e-3)
    assert meta["data"]["categories"] == ["Violence and sexual offences"]


def test_kde_geojson_conserves_mass(run, city, tmp_path: Path) -> None:
    out = tmp_path / "kde.geojson"
    summary = _json(run, "kde", "--borough", CITY, "--cell-size", "50", "--bandwidth", "200",
                    "--kernel", "gaussian", "--output", str(out))
    collection = json.loads(out.read_text())
    assert collection["vrhub"]["parameters"]["kernel"] == "gaussian"
    kde = sum(f["properties"]["kde"] for f in collection["features"])
    assert kde * (50 / 1000) ** 2 == pytest.approx(summary["events"], rel=1e-6)


def test_change_parquet_and_weekday_refused_for_monthly_data(run, city, tmp_path: Path) -> None:
    out = tmp_path / "change.parquet"
    summary = _json(run, "change", "--borough", CITY, "--split-date", "2024-04-01",
                    "--output", str(out))
    frame = pq.read_table(out).to_pandas()
    assert frame["n_before"].sum() == summary["events_before"]
    assert frame["n_after"].sum() == summary["events_after"]
    assert (frame["change"] == frame["n_after"] - frame["n_before"]).all()
    assert "cell_size" in summary["automatic"]
    code, _, err = run("hotspots", "change", "--borough", CITY, "--group", "weekday-weekend")
    assert code == 2
    assert "months only" in err


def test_classify_by_quarter(run, city) -> None:
    summary = _json(run, "classify", "--borough", CITY, "--cell-size", "100",
                    "--slice-length", "3 months")
    assert summary["periods"] == 4
    assert sum(summary["categories"].values()) == summary["cells"]
    assert summary["categories"]["persistent hotspot"] >= 1


def test_rate_uses_lsoa_population(run, city) -> None:
    summary = _json(run, "rate", "--borough", CITY, "--cell-size", "100",
                    "--bandwidth", "400")
    assert summary["residents"] == 1500 * 6  # the six LSOAs of the City


def test_human_output_and_errors(run, city) -> None:
    code, out, err = run("hotspots", "count", "--borough", CITY, "--from", "2024-01",
                         "--to", "2024-03")
    assert code == 0, err
    assert "Top" in out and "Cell size set to" in err
    code, _, err = run("hotspots", "count", "--borough", "Atlantis")
    assert code == 2 and "no borough called 'Atlantis'" in err
    code, _, err = run("hotspots", "count", "--output", "x.shp")
    assert code == 2 and "unknown output format .shp" in err
    code, _, err = run("hotspots", "kde", "--borough", CITY, "--bandwidth", "-5")
    assert code == 2 and "bandwidth must be greater than zero" in err


def test_missing_table_is_a_clear_error(run) -> None:
    code, _, err = run("hotspots", "count")
    assert code == 2
    assert "police_street is empty" in err


def test_cli_constants_agree_with_the_library() -> None:
    # The CLI keeps its own copies so that `vrhub --help` need not import the analytics.
    from vrhub.analytics.result import ALPHA
    from vrhub.cli import hotspots
    from vrhub.reports.outputs import FORMATS

    assert tuple(FORMATS) == hotspots.FORMATS
    assert hotspots.ALPHA == ALPHA


def test_istv_source_weekday_weekend_change(run, city, home: Path) -> None:
    # ED assault records at real City street-crime locations, with day-level times.
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    con.execute(
        "CREATE TABLE istv_assault AS SELECT 'istv-0000000000000001' AS submission_id, "
        "CAST(month || '-01' AS TIMESTAMP) + to_days(CAST(hash(easting, northing) % 28 AS "
        "INTEGER)) AS assault_at, easting, northing, 'knife' AS assault_method, "
        "lsoa21_code, ward_code, borough_code, "
        "CASE WHEN hash(northing) % 10 = 0 THEN 0.3 ELSE 0.9 END AS geocode_confidence "
        "FROM police_street WHERE crime_type = 'Violence and sexual offences' "
        "AND easting IS NOT NULL")
    con.execute("CREATE TABLE istv_submission AS SELECT 'istv-0000000000000001' AS "
                "submission_id, 'current' AS status")
    expected = con.execute("SELECT count(*) FROM istv_assault WHERE borough_code = ?",
                           [CITY]).fetchone()[0]
    weekend = con.execute("SELECT count(*) FROM istv_assault WHERE borough_code = ? AND "
                          "dayofweek(assault_at) IN (0, 6)", [CITY]).fetchone()[0]
    con.close()
    code, out, err = run("hotspots", "change", "--source", "istv", "--borough", CITY,
                         "--group", "weekday-weekend", "--cell-size", "100", "--json",
                         "--from", "2000-01", "--to", "2099-12")  # every month
    assert code == 0, err
    summary = json.loads(out)
    assert summary["events"] == expected
    assert summary["events_after"] == weekend  # 'after' = weekend
    assert "disclosure control" in err
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        confident = con.execute(
            "SELECT count(*) FROM istv_assault WHERE borough_code = ? "
            "AND geocode_confidence >= 0.5", [CITY]).fetchone()[0]
    assert 0 < confident < expected
    summary = _json(run, "count", "--source", "istv", "--borough", CITY,
                    "--min-confidence", "0.5", "--period", "custom", "--from", "2000-01",
                    "--to", "2099-12")
    assert summary["events"] == confident
    assert summary["events_without_location"] == expected - confident


def test_the_period_defaults_to_the_latest_12_months_and_is_stated(run, city, home: Path,
                                                                  tmp_path: Path) -> None:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        def events(first: str, last: str) -> int:
            return int(con.execute(
                "SELECT count(*) FROM police_street WHERE borough_code = ? AND easting IS "
                "NOT NULL AND month BETWEEN ? AND ?", [CITY, first, last]).fetchone()[0])

        whole, half = events("2023-10", "2024-09"), events("2023-10", "2024-03")
    default = _json(run, "count", "--borough", CITY, "--cell-size", "250")
    assert default["events"] == whole  # the data's 12 months are its latest 12
    assert (default["period"]["from"], default["period"]["to"]) == ("2023-10", "2024-09")
    out = tmp_path / "fy.gpkg"
    # financial year 2023/24 is April 2023 to March 2024: the data's first six months
    fy = _json(run, "count", "--borough", "City of London", "--cell-size", "250",
               "--period", "financial-year", "--year", "2023", "-o", str(out))
    assert fy["events"] == half < whole
    assert fy["period"]["statement"] == "Financial year 2023/24 (April 2023 to March 2024)"
    assert read_metadata(out)["period"] == fy["period"]
    code, text, err = run("hotspots", "count", "--borough", CITY, "--period",
                          "calendar-year", "--year", "2024", "--cell-size", "250")
    assert code == 0, err
    assert "Period: Calendar year 2024 (January 2024 to December 2024)" in err
    assert "Calendar year 2024" in text
    code, _, err = run("hotspots", "count", "--borough", CITY, "--period", "custom",
                       "--from", "2024-01")
    assert code != 0 and "needs both 'from' and 'to'" in err
