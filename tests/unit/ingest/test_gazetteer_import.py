"""Importing OS Open Names and ONSPD into the gazetteer tables: only London's rows of the
kinds vrhub uses, names normalised and grouped, postcodes without spaces, and files that
are not these products refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.warehouse_sql import query
from vrhub.errors import InputError
from vrhub.ingest.gazetteer import import_onspd, import_open_names
from vrhub.storage.warehouse import Warehouse

OPEN_NAMES = """NAME1,LOCAL_TYPE,GEOMETRY_X,GEOMETRY_Y
Alexandra Road,Named Road,530000,189000
Alexandra Rd,Section Of Named Road,530400,189300
Hornsey,Railway Station,530500,188500
Crouch End,Suburban Area,529800,188000
River Thames,River,530000,180000
Far Road,Named Road,400000,300000
"""

ONSPD = """pcds,oseast1m,osnrth1m,lsoa21,osward,oslaua
N8 9JS,530100,189100,E01002000,E05000268,E09000014
n8 9js,530100,189100,E01002000,E05000268,E09000014
EH1 1AA,325000,673000,S01008677,S13002929,S12000036
BADCODE,530000,180000,E01000001,E05000001,E09000001
E1 6AN,533800,181900,,,
"""


def test_open_names_keeps_london_streets_stations_and_places(tmp_path: Path) -> None:
    (tmp_path / "names.csv").write_text(OPEN_NAMES)
    with Warehouse(tmp_path / "w.duckdb") as wh:
        counts = import_open_names(wh, [tmp_path / "names.csv"])
        # the river is not a kind vrhub uses and Far Road lies outside London;
        # 'Alexandra Rd' is the same name as 'Alexandra Road'
        assert counts == {"rows_read": 6, "names": 3, "points": 4}
        names = query(wh, "SELECT name, display_name, kind, core, n_points, source "
                          "FROM gazetteer_name ORDER BY name").to_dict("records")
        assert [(n["name"], n["kind"], n["n_points"]) for n in names] == [
            ("alexandra road", "street", 2), ("crouch end", "place", 1),
            ("hornsey", "station", 1)]
        assert names[0]["display_name"] == "Alexandra Road"
        assert names[0]["core"] == "alexandra"
        assert {n["source"] for n in names} == {"os_open_names"}
        points = query(wh, "SELECT n.name, p.easting, p.northing FROM gazetteer_point p "
                           "JOIN gazetteer_name n USING (name_id) ORDER BY p.easting")
        assert points.values.tolist() == [
            ["crouch end", 529800.0, 188000.0], ["alexandra road", 530000.0, 189000.0],
            ["alexandra road", 530400.0, 189300.0], ["hornsey", 530500.0, 188500.0]]
        # a new import replaces the previous one rather than adding to it
        assert import_open_names(wh, [tmp_path / "names.csv"])["names"] == 3
        assert wh.count("gazetteer_name") == 3 and wh.count("gazetteer_point") == 4


def test_open_names_without_a_header_needs_all_its_columns(tmp_path: Path) -> None:
    (tmp_path / "short.csv").write_text("1,x,Alexandra Road\n")
    with Warehouse(tmp_path / "w.duckdb") as wh, pytest.raises(
            InputError, match="not an OS Open Names file: 3 columns, expected 34"):
        import_open_names(wh, [tmp_path / "short.csv"])


def test_onspd_keeps_each_london_postcode_once_without_spaces(tmp_path: Path) -> None:
    (tmp_path / "onspd.csv").write_text(ONSPD)
    with Warehouse(tmp_path / "w.duckdb") as wh:
        # Edinburgh is outside London and 'BADCODE' is not a postcode
        assert import_onspd(wh, [tmp_path / "onspd.csv"]) == {"rows_read": 5, "postcodes": 2}
        rows = query(wh, "SELECT postcode, easting, northing, coalesce(lsoa21_code, '-'), "
                         "coalesce(ward_code, '-'), coalesce(borough_code, '-') "
                         "FROM gazetteer_postcode ORDER BY postcode")
        assert rows.values.tolist() == [
            ["E16AN", 533800.0, 181900.0, "-", "-", "-"],  # no codes, no boundaries
            ["N89JS", 530100.0, 189100.0, "E01002000", "E05000268", "E09000014"]]


def test_files_that_are_not_onspd_or_are_missing_are_refused(tmp_path: Path) -> None:
    (tmp_path / "other.csv").write_text("pcds,oseast1m\nN8 9JS,530100\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    with Warehouse(tmp_path / "w.duckdb") as wh:
        with pytest.raises(InputError, match="not an ONS Postcode Directory file: no "
                           "'osnrth1m' column"):
            import_onspd(wh, [tmp_path / "other.csv"])
        with pytest.raises(InputError, match="no CSV files found"):
            import_onspd(wh, [empty])
