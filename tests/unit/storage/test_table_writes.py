"""Loaders' changes beside appending: deleting the rows of a key (or all), setting columns
from a frame matched on keys, and finding a partition's earlier files still current."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from tests.warehouse_sql import query, scalar
from vrhub.standards.provenance import PROVENANCE
from vrhub.storage.table_writes import delete_rows, older_files, update_from
from vrhub.storage.warehouse import Warehouse

# (file_id, source, partition, status)
FILES = [("f1", "imd", "imd/2019", "replaced"), ("f2", "imd", "imd/2019", "loaded"),
         ("f3", "imd", "imd/2025", "loaded"), ("f4", "population", "mye/2020", "loaded"),
         ("f5", "imd", "imd/2019", "loaded")]


@pytest.fixture
def wh(tmp_path: Path) -> Iterator[Warehouse]:
    frame = pd.DataFrame([
        {"file_id": file_id, "source": source, "file_name": f"{file_id}.csv", "sha256": file_id,
         "partition": partition, "rows_read": 1, "rows_loaded": 1, "rows_quarantined": 0,
         "status": status, "loaded_at": dt.datetime(2024, 1, 1), "vrhub_version": "test"}
        for file_id, source, partition, status in FILES])
    with Warehouse(tmp_path / "w.duckdb") as warehouse:
        warehouse.ensure_tables([PROVENANCE])
        warehouse.insert(PROVENANCE, frame[[c for c in frame.columns
                                            if c in PROVENANCE.column_names]])
        yield warehouse


def statuses(wh: Warehouse) -> dict[str, str]:
    return dict(query(wh, "SELECT file_id, status FROM provenance ORDER BY 1").itertuples(
        index=False))


def test_rows_of_a_key_are_deleted_and_the_rest_kept(wh: Warehouse) -> None:
    delete_rows(wh, PROVENANCE, source="imd", partition="imd/2019")
    assert sorted(statuses(wh)) == ["f3", "f4"]
    delete_rows(wh, PROVENANCE)
    assert statuses(wh) == {}


def test_columns_are_set_on_the_rows_matching_the_frame(wh: Warehouse) -> None:
    update_from(wh, PROVENANCE, pd.DataFrame({"file_id": ["f2", "f4", "nope"],
                                              "status": ["replaced", "replaced", "loaded"],
                                              "rows_loaded": [9, 9, 9]}),
                keys=["file_id"], columns=["status"])
    assert statuses(wh) == {"f1": "replaced", "f2": "replaced", "f3": "loaded",
                            "f4": "replaced", "f5": "loaded"}
    assert scalar(wh, "SELECT sum(rows_loaded) FROM provenance") == 5  # not a column asked


def test_a_partitions_earlier_files_still_current_are_found(wh: Warehouse) -> None:
    load = SimpleNamespace(warehouse=wh, source="imd", partition="imd/2019", file_id="f5")
    assert older_files(load) == ["f2"]  # type: ignore[arg-type]
    first = SimpleNamespace(warehouse=wh, source="population", partition="mye/2020",
                            file_id="f4")
    assert older_files(first) == []  # type: ignore[arg-type]
