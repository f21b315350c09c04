"""Loading real data.police.uk files: counts against the files themselves, idempotence,
revised months, atomic rollback, places, and the quality report's ledger."""

from __future__ import annotations

import csv
import gzip
import json
import shutil
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from tests.helpers_geography import install_boundaries
from tests.warehouse_sql import query, scalar
from vrhub.errors import ConfigError
from vrhub.ingest import police_uk
from vrhub.ingest.inputs import discover
from vrhub.places import placement
from vrhub.storage.parts import parts_folder
from vrhub.storage.warehouse import Warehouse
from vrhub.workspace import Workspace


def data_rows(paths: list[Path]) -> int:
    """Count data rows independently: decompress and read with the csv module."""
    total = 0
    for path in paths:
        with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as handle:
            total += sum(1 for _ in csv.reader(handle)) - 1
    return total


def quality(run) -> dict:
    code, out, err = run("quality", "--json")
    assert code == 0, err
    return json.loads(out)["sources"]


def warehouse(home: Path) -> Warehouse:
    return Warehouse(Workspace(home).warehouse_path)


@pytest.fixture
def city(shared_data: Path) -> Path:
    return shared_data / "police-uk" / "city-of-london"


def test_city_of_london_loads_every_row_and_reloading_changes_nothing(run, city: Path):
    files = sorted(city.glob("*-street.csv.gz"))
    expected = data_rows(files)
    assert expected > 25_000

    code, out, err = run("load", "police", city)
    assert code == 0, err
    report = quality(run)["police"]
    assert report["rows_read"] == expected
    assert report["rows_loaded"] == expected
    assert report["rows_in_table"] == expected
    assert report["rows_quarantined"] == 0
    assert report["balanced"] is True
    assert report["files"] == len(files)
    city_force = report["forces"]["city-of-london"]
    assert city_force["months_missing"] == []
    assert city_force["months_loaded"] == len(files)
    # blank LSOA <-> blank coordinates in these files, counted independently
    frame = pd.concat(pd.read_csv(f, dtype=str, keep_default_na=False) for f in files)
    assert report["blank_lsoa"]["rows"] == int((frame["LSOA code"] == "").sum())
    assert report["coordinates"]["missing"] == int((frame["Longitude"] == "").sum())
    nonblank = frame[frame["Crime ID"] != ""]
    assert report["duplicate_crime_id_rows"] == int(
        nonblank.duplicated(["Month", "Crime ID"]).sum())
    assert set(report["lsoa_vintage_published"]) == {"2011", "2021", "(blank)"}

    code, out, err = run("load", "police", city, "--json")
    assert code == 0, err
    again = json.loads(out)
    assert {f["status"] for f in again["files"]} == {"unchanged"}
    assert quality(run)["police"]["rows_loaded"] == expected
    with warehouse(run.home) as w:
        assert w.count("police_street") == expected


def test_met_burglary_extracts_load_with_forces_from_falls_within(run, shared_data: Path):
    folder = shared_data / "police-uk" / "metropolitan" / "burglary"
    files = sorted(folder.glob("*.csv.gz"))[:3]
    code, _, err = run("load", "police", *files)
    assert code == 0, err
    report = quality(run)["police"]
    assert report["rows_loaded"] == data_rows(files)
    assert report["rows_quarantined"] == 0
    assert set(report["forces"]) == {"metropolitan", "city-of-london"}
    with warehouse(run.home) as w:
        series = query(w, "SELECT DISTINCT series FROM police_street")["series"].tolist()
        assert series == ["burglary_cleaned"]
        # context column is absent from the extract: stored as null
        assert scalar(w, "SELECT count(*) FROM police_street WHERE context IS NOT NULL") == 0


@pytest.mark.slow
def test_all_met_burglary_files(run, shared_data: Path):
    folder = shared_data / "police-uk" / "metropolitan" / "burglary"
    files = sorted(folder.glob("*.csv.gz"))
    code, _, err = run("load", "police", folder)
    assert code == 0, err
    report = quality(run)["police"]
    assert report["rows_loaded"] == data_rows(files) == report["rows_read"]
    assert report["forces"]["metropolitan"]["months_missing"] == []


def test_btp_rows_without_crime_id_all_load(run, shared_data: Path):
    path = shared_data / "police-uk" / "btp" / "2024-01-btp-street.csv.gz"
    code, _, err = run("load", "police", path)
    assert code == 0, err
    report = quality(run)["police"]
    assert report["rows_loaded"] == data_rows([path])
    assert report["blank_crime_id"] == report["rows_loaded"]
    assert report["duplicate_crime_id_rows"] == 0
    assert list(report["forces"]) == ["btp"]


def test_revised_month_replaces_the_old_one(run, city: Path, tmp_path: Path):
    original = city / "2024-01-city-of-london-street.csv.gz"
    code, _, err = run("load", "police", original)
    assert code == 0, err
    before = quality(run)["police"]["rows_loaded"]

    with gzip.open(original, "rt", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[1][10] = "Offender sent to prison"  # a later download updates an outcome
    del rows[2]  # ... and drops a row
    revised = tmp_path / "revised" / "2024-01-city-of-london-street.csv"
    revised.parent.mkdir()
    with revised.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)

    code, out, err = run("load", "police", revised, "--json")
    assert code == 0, err
    loaded = json.loads(out)
    assert loaded["files"][0]["status"] == "replaced-older"
    report = quality(run)["police"]
    assert report["rows_loaded"] == before - 1 == report["rows_in_table"]
    assert report["files"] == 1 and report["files_replaced"] == 1
    with warehouse(run.home) as w:
        outcome = scalar(w, "SELECT last_outcome FROM police_street WHERE row_number = 1")
        assert outcome == "Offender sent to prison"


def test_a_failure_mid_load_leaves_the_warehouse_as_it_was(
    run, city: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    first = city / "2023-01-city-of-london-street.csv.gz"
    code, _, err = run("load", "police", first)
    assert code == 0, err
    before = quality(run)["police"]
    parts = parts_folder(Workspace(run.home).warehouse_path)
    parts_before = sorted(parts.rglob("*.parquet"))
    assert len(parts_before) == 1

    calls = {"n": 0}
    real = police_uk.place_rows

    def crash_on_third_file(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("simulated crash")
        return real(*args, **kwargs)

    monkeypatch.setattr(police_uk, "place_rows", crash_on_third_file)
    code, _, _ = run("load", "police", city)
    assert code != 0
    after = quality(run)["police"]
    assert after["rows_loaded"] == before["rows_loaded"]
    assert after["provenance"] == before["provenance"]
    assert sorted(parts.rglob("*.parquet")) == parts_before  # the new parts are gone


@pytest.mark.timeout(60)
def test_boundaries_failing_while_files_are_read_stop_the_load_cleanly(
    run, city: Path, monkeypatch: pytest.MonkeyPatch
):
    """The workers start reading before the boundaries are prepared; when preparing them
    fails, the workers stop, the error reaches the user and nothing is stored."""
    def broken(_warehouse):
        raise ConfigError("simulated boundary failure")

    monkeypatch.setattr(police_uk, "boundaries", broken)
    code, _, err = run("load", "police", city)
    assert code != 0 and "simulated boundary failure" in err
    parts = parts_folder(Workspace(run.home).warehouse_path)
    assert not list(parts.rglob("*.parquet"))
    monkeypatch.undo()
    assert quality(run)["police"]["rows_loaded"] == 0


def test_places_agree_with_an_independent_spatial_join(tmp_path: Path, shared_data: Path):
    w = Warehouse(tmp_path / "w.duckdb")
    install_boundaries(w, shared_data)
    files = discover([shared_data / "police-uk" / "city-of-london"], police_uk.PATTERNS)
    police_uk.load_street(w, [f for f in files if f.logical_name[:6] in ("2023-0", "2024-0")])
    frame = query(w, "SELECT easting, northing, lsoa21_code, ward_code, borough_code, "
                     "place_flag, lsoa_code_published, lsoa_vintage_published "
                     "FROM police_street")
    located = frame[frame["easting"].notna()].reset_index(drop=True)
    assert (frame["easting"].isna() == (frame["place_flag"] == "no_point")).all()
    # independent: geopandas sjoin against the same LSOA 2021 polygons
    lsoa = gpd.read_file(f"zip://{shared_data / 'boundaries' / 'london-2021-lsoa-gen20.zip'}")
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(located["easting"],
                                                           located["northing"]), crs=27700)
    joined = gpd.sjoin(points, lsoa[["LSOA21CD", "geometry"]], predicate="within", how="left")
    joined = joined[~joined.index.duplicated()]
    from_point = located["place_flag"].isin(["pip_assigned", "disagree", "vintage_2011"])
    assert from_point.any()
    assert (located.loc[from_point, "lsoa21_code"].to_numpy()
            == joined.loc[from_point.to_numpy(), "LSOA21CD"].to_numpy()).all()
    agree = located["place_flag"] == "agree"
    assert agree.mean() > 0.8
    assert (located.loc[agree, "lsoa21_code"].to_numpy()
            == joined.loc[agree.to_numpy(), "LSOA21CD"].to_numpy()).all()
    # every located City point gets a ward and a borough
    assert located["ward_code"].notna().all()
    assert located["borough_code"].str.startswith("E09").all()
    # published 2021 codes (2023-10 on) are kept and agree with the point
    pub21 = located["lsoa_vintage_published"] == "2021"
    kept = located.loc[pub21 & located["place_flag"].isin(["agree", "agree_near_edge"])]
    assert (kept["lsoa21_code"] == kept["lsoa_code_published"]).all()


def test_refresh_assigns_places_after_boundaries_arrive(tmp_path: Path, shared_data: Path):
    w = Warehouse(tmp_path / "w.duckdb")
    files = discover([shared_data / "police-uk" / "city-of-london" /
                      "2022-07-city-of-london-street.csv.gz"], police_uk.PATTERNS)
    police_uk.load_street(w, files)
    flags = query(w, "SELECT DISTINCT place_flag FROM police_street")["place_flag"].tolist()
    assert flags == ["no_boundaries"]
    # 2022 files publish 2011 codes: no LSOA 2021 until boundaries are loaded
    assert scalar(w, "SELECT count(lsoa21_code) FROM police_street") == 0

    install_boundaries(w, shared_data)
    updated = placement.refresh(w)
    assert updated["police_street"] == w.count("police_street")
    frame = query(w, "SELECT * FROM police_street")
    located = frame["easting"].notna()
    assert frame.loc[located, "lsoa21_code"].notna().all()
    assert not (frame["place_flag"] == "no_boundaries").any()
    assert set(frame.loc[located, "lsoa_vintage_published"]) == {"2011"}


def test_zip_and_plain_csv_inputs(run, city: Path, tmp_path: Path):
    source = city / "2023-05-city-of-london-street.csv.gz"
    plain = tmp_path / "2023-05-city-of-london-street.csv"
    with gzip.open(source) as src, plain.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(plain, "2023-05/2023-05-city-of-london-street.csv")
    code, out, err = run("load", "police", archive, "--json")  # zip member
    assert code == 0, err
    assert json.loads(out)["rows_loaded"] == data_rows([source])
    # the same bytes as a plain file: unchanged
    code, out, err = run("load", "police", plain, "--json")
    assert code == 0, err
    assert json.loads(out)["files"][0]["status"] == "unchanged"


def test_stop_and_search_loads_every_row(run, shared_data: Path):
    folder = shared_data / "police-uk" / "metropolitan" / "stop-and-search"
    files = sorted(folder.glob("*.csv.gz"))[:2]
    code, _, err = run("load", "stop-search", *files)
    assert code == 0, err
    report = quality(run)["stop-search"]
    expected = data_rows(files)
    assert report["rows_loaded"] == expected == report["rows_read"]
    assert report["balanced"] is True
    frame = pd.concat(pd.read_csv(f, dtype=str, keep_default_na=False) for f in files)
    assert report["coordinates"]["missing"] == int((frame["Latitude"] == "").sum())
    with warehouse(run.home) as w:
        stored = query(w, "SELECT datetime, easting FROM police_stop_search ORDER BY "
                          "file_id, row_number")
    assert stored["datetime"].notna().all()
    assert np.isfinite(stored["easting"]).sum() == int((frame["Latitude"] != "").sum())
    code, out, _ = run("load", "stop-search", *files, "--json")
    assert {f["status"] for f in json.loads(out)["files"]} == {"unchanged"}


def test_load_without_boundaries_keeps_published_2021_codes(run, city: Path):
    path = city / "2024-06-city-of-london-street.csv.gz"
    code, _, err = run("load", "police", path)
    assert code == 0, err
    with warehouse(run.home) as w:
        frame = query(w, "SELECT lsoa_code_published, lsoa21_code, place_flag "
                         "FROM police_street")
    assert (frame["place_flag"] == "no_boundaries").all()
    published = frame["lsoa_code_published"].notna()
    assert (frame.loc[published, "lsoa21_code"] == frame.loc[published,
                                                              "lsoa_code_published"]).all()
