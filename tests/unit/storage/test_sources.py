"""What the warehouse holds, per source: replaced files left out of the totals, and an ED
file shown only to a caller who may see every site whose rows it carried."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from tests.warehouse_sql import execute
from vrhub.standards.provenance import PROVENANCE
from vrhub.storage.sources import source_files, source_summaries
from vrhub.storage.warehouse import Warehouse

KINGS, PRUH, HOMERTON = "RJ122", "RJ224", "RQXM1"
# (source, file, status, rows loaded, rows quarantined, ED sites of its submissions)
FILES = [("police_street", "2024-01-metropolitan-street.csv", "replaced", 90, 1, ()),
         ("police_street", "2024-01-metropolitan-street-v2.csv", "loaded", 100, 2, ()),
         ("police_street", "2024-02-metropolitan-street.csv", "loaded", 110, 0, ()),
         ("istv", "RJ122_2024-01.csv", "loaded", 40, 1, (KINGS,)),
         ("istv", "trust_2024-01.csv", "loaded", 70, 3, (KINGS, PRUH)),
         ("istv", "RQXM1_2024-01.csv", "loaded", 20, 0, (HOMERTON,))]


@pytest.fixture
def wh(tmp_path: Path) -> Iterator[Warehouse]:
    rows = [{"file_id": f"{n:064x}", "source": source, "file_name": name, "sha256": f"{n:064x}",
             "partition": name[:7], "rows_read": loaded + bad, "rows_loaded": loaded,
             "rows_quarantined": bad, "status": status,
             "loaded_at": dt.datetime(2024, 3, 1) + dt.timedelta(hours=n),
             "vrhub_version": "test"}
            for n, (source, name, status, loaded, bad, _) in enumerate(FILES, start=1)]
    with Warehouse(tmp_path / "w.duckdb") as warehouse:
        warehouse.ensure_tables([PROVENANCE])
        frame = pd.DataFrame(rows)
        warehouse.insert(PROVENANCE, frame[[c for c in frame.columns
                                            if c in PROVENANCE.column_names]])
        execute(warehouse, "CREATE TABLE istv_submission (sha256 VARCHAR, site_code VARCHAR)")
        execute(warehouse, "INSERT INTO istv_submission VALUES (?, ?)",
                many=[(f"{n:064x}", site) for n, (*_, sites) in enumerate(FILES, start=1)
                      for site in sites])
        yield warehouse


def totals(wh: Warehouse, sites: set[str] | None) -> dict[str, tuple[int, int, int]]:
    frame = source_summaries(wh, ed_sites=sites)
    return {r.source: (int(r.files), int(r.rows_loaded), int(r.rows_quarantined))
            for r in frame.itertuples()}


def test_every_source_in_full_for_a_caller_who_sees_every_site(wh: Warehouse) -> None:
    assert totals(wh, None) == {"police_street": (2, 210, 2), "istv": (3, 130, 4)}


def test_ed_files_are_shown_only_when_every_site_they_carried_is_the_callers(
        wh: Warehouse) -> None:
    assert totals(wh, {KINGS}) == {"police_street": (2, 210, 2), "istv": (1, 40, 1)}
    assert totals(wh, {KINGS, PRUH}) == {"police_street": (2, 210, 2), "istv": (2, 110, 4)}
    assert totals(wh, set()) == {"police_street": (2, 210, 2)}


def test_files_of_a_source_are_paged_oldest_first_with_the_replaced_ones(
        wh: Warehouse) -> None:
    total, page = source_files(wh, "police_street", ed_sites=None, limit=2, offset=0)
    assert total == 3
    assert page["file_name"].tolist() == ["2024-01-metropolitan-street.csv",
                                          "2024-01-metropolitan-street-v2.csv"]
    assert page["status"].tolist() == ["replaced", "loaded"]
    total, page = source_files(wh, "police_street", ed_sites=None, limit=2, offset=2)
    assert (total, page["file_name"].tolist()) == (3, ["2024-02-metropolitan-street.csv"])
    total, page = source_files(wh, "istv", ed_sites={HOMERTON}, limit=10, offset=0)
    assert (total, page["file_name"].tolist()) == (1, ["RQXM1_2024-01.csv"])


def test_a_warehouse_without_load_records_holds_nothing(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "empty.duckdb") as empty:
        assert source_summaries(empty, ed_sites=None).empty
        assert source_files(empty, "istv", ed_sites=None, limit=5, offset=0)[0] == 0
