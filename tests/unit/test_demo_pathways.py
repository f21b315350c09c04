"""The demo's synthetic postcodes: placed inside the workspace's boroughs, one district
per borough, loaded through the ONSPD importer, replaced on a second run, and never made
when the workspace holds real postcodes or no boroughs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import shapely

from tests.warehouse_sql import query
from vrhub.demo_pathways import demo_postcodes
from vrhub.standards.gazetteer import GAZETTEER_POSTCODE
from vrhub.standards.geography_tables import AREA_BOUNDARY
from vrhub.storage.warehouse import Warehouse

# two square boroughs, 1 km a side, far apart
BOXES = {"E09000007": ("Camden", 528000, 184000), "E09000012": ("Hackney", 533000, 186000)}


def _boroughs(wh: Warehouse) -> None:
    wh.ensure_tables([AREA_BOUNDARY])
    wh.insert(AREA_BOUNDARY, pd.DataFrame([
        {"level": "borough", "code": code, "name": name, "borough_code": code,
         "area_m2": 1e6, "geometry": shapely.to_wkb(shapely.box(x, y, x + 1000, y + 1000)),
         "file_id": "test"} for code, (name, x, y) in BOXES.items()]))


def _postcodes(wh: Warehouse) -> pd.DataFrame:
    return query(wh, "SELECT postcode, easting, northing FROM gazetteer_postcode "
                     "ORDER BY postcode")


def test_synthetic_postcodes_fall_in_their_borough_one_district_each(
        tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb") as wh:
        _boroughs(wh)
        # 40 tries per borough, every one inside a square borough: 40 postcodes each
        assert demo_postcodes(wh, tmp_path / "demo", seed=7) == 80
        rows = _postcodes(wh)
        assert len(rows) == 80 and rows["postcode"].is_unique
        for district, code in (("ZZ1", "E09000007"), ("ZZ2", "E09000012")):  # by code
            mine = rows[rows["postcode"].str.match(f"{district}[0-9][A-Z]{{2}}$")]
            assert len(mine) == 40
            _, x, y = BOXES[code]
            # each is within 40 m of a point drawn inside the borough
            assert mine["easting"].between(x - 40, x + 1040).all()
            assert mine["northing"].between(y - 40, y + 1040).all()
        written = tmp_path / "demo" / "onspd" / "synthetic-postcodes.csv"
        assert len(pd.read_csv(written)) == 80
        # synthetic postcodes only: a second run makes them again, replacing the first
        assert demo_postcodes(wh, tmp_path / "demo", seed=7) == 80
        assert wh.count("gazetteer_postcode") == 80


def test_no_synthetic_postcodes_beside_real_ones_or_without_boroughs(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb") as wh:
        assert demo_postcodes(wh, tmp_path / "demo", seed=7) == 0  # no boroughs loaded
        assert not (tmp_path / "demo").exists()
        _boroughs(wh)
        wh.ensure_tables([GAZETTEER_POSTCODE])
        wh.insert(GAZETTEER_POSTCODE, pd.DataFrame([{
            "postcode": "N89JS", "easting": 530100.0, "northing": 189100.0,
            "lsoa21_code": None, "ward_code": None, "borough_code": None}]))
        assert demo_postcodes(wh, tmp_path / "demo", seed=7) == 0
        assert _postcodes(wh)["postcode"].tolist() == ["N89JS"]
