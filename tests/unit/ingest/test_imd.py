"""IMD 2025 (LSOA 2021): every LSOA's rank and decile as published (read here with the csv
module), a rank that is not a whole number set aside, and loading the file again changing
nothing."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

from tests.warehouse_sql import query
from vrhub.ingest.imd import load_imd
from vrhub.ingest.inputs import InputFile
from vrhub.progress import Recording
from vrhub.storage.warehouse import Warehouse


def test_the_published_ranks_and_deciles(shared_data: Path, tmp_path: Path) -> None:
    path = shared_data / "imd2025" / "England-IMD-2025.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8-sig") as fh:
        published = {r["lsoa21cd"]: (int(r["imd_rank"]), int(r["imd_dec"]))
                     for r in csv.DictReader(fh)}
    with Warehouse(tmp_path / "w.duckdb") as wh:
        report = load_imd(wh, [InputFile(path)], Recording())
        stored = query(wh, "SELECT lsoa_code, imd_rank, imd_decile FROM imd "
                           "WHERE edition = '2025' AND lsoa_vintage = '2021'")
        again = load_imd(wh, [InputFile(path)], Recording())
        assert wh.count("imd") == len(stored)
    assert report.rows_read == report.rows_loaded == len(published)
    assert {c: (int(r), int(d)) for c, r, d in stored.values.tolist()} == published
    assert published["E01000001"] == (26525, 8)
    assert [f.status for f in again.files] == ["unchanged"]


def test_a_rank_that_is_not_a_whole_number_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "imd2025-extract.csv"
    path.write_text("lsoa21cd,imd_rank,imd_dec\nE01000001,26525,8\nE01000002,12.5,4\n",
                    encoding="utf-8")
    with Warehouse(tmp_path / "w.duckdb") as wh:
        report = load_imd(wh, [InputFile(path)], Recording())
        stored = query(wh, "SELECT lsoa_code, imd_rank FROM imd")
        bad = query(wh, "SELECT row_number, column_name, value FROM quarantine")
    assert (report.rows_read, report.rows_quarantined) == (2, 1)
    assert stored.values.tolist() == [["E01000001", 26525]]
    assert bad.values.tolist() == [[2, "imd_rank", "12.5"]]
