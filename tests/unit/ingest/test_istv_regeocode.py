"""Geocoding stored ED records again: nothing to do before any submission, and by default
only the records stored as 'geocoder not available' are taken (none in a workspace whose
geocoder was ready: checked against the table)."""

from __future__ import annotations

from pathlib import Path

from tests.warehouse_sql import execute, query
from tests.web.pages_workspace import copy_workspace
from vrhub.ingest.istv.geocoding import NOT_AVAILABLE
from vrhub.ingest.istv.regeocode import regeocode
from vrhub.storage.warehouse import Warehouse


def test_nothing_before_any_submission(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb") as wh:
        assert regeocode(wh) == {"records": 0, "geocoded": 0,
                                 "note": "no ISTV submissions received yet"}


def test_only_records_waiting_for_the_geocoder_are_taken(pages_template: Path,
                                                        tmp_path: Path) -> None:
    home = copy_workspace(pages_template, tmp_path / "home")
    with Warehouse(home / "warehouse.duckdb") as wh:
        assert regeocode(wh, site="zz903") == {"records": 0, "geocoded": 0, "note": None}
        placed = query(
            wh, "SELECT a.assault_id, a.easting, a.northing, a.lsoa21_code FROM "
                "istv_assault_current a WHERE a.site_code = 'ZZ903' AND a.easting IS NOT NULL "
                "ORDER BY 1 LIMIT 3")
        ids = placed["assault_id"].tolist()
        marks = ", ".join("?" for _ in ids)
        execute(wh, "UPDATE istv_assault SET easting = NULL, northing = NULL, "
                    "lsoa21_code = NULL, geocode_unresolved_reason = ? "
                    f"WHERE assault_id IN ({marks})", [NOT_AVAILABLE, *ids])
        assert regeocode(wh, site="ZZ902") == {"records": 0, "geocoded": 0, "note": None}
        done = regeocode(wh, site="zz903")
        again = query(wh, "SELECT assault_id, easting, northing, lsoa21_code FROM "
                          f"istv_assault WHERE assault_id IN ({marks}) ORDER BY 1", ids)
    assert done == {"records": 3, "geocoded": 3, "note": None}
    assert again.equals(placed)  # the same descriptions find the same places
