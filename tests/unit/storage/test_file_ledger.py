"""A load of many files reads its source's provenance once (:class:`FileLedger`) instead
of asking the warehouse per file: the files found unchanged, the files each replaces and
the provenance written are those of asking per file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.warehouse_sql import rows as sql_rows
from vrhub.storage.warehouse import Warehouse

# (file id, partition): two loads of one source
FIRST = [("a", "s/2024-01"), ("b", "s/2024-02"), ("a", "s/2024-01"), ("c", "s/2024-01")]
SECOND = [("a", "s/2024-01"), ("d", None), ("c", "s/2024-01"), ("b", "s/2024-02")]


def _load(wh: Warehouse, steps: list[tuple[str, str | None]], *, ledger: bool
          ) -> list[tuple[str, str, tuple[str, ...]]]:
    done: list[tuple[str, str, tuple[str, ...]]] = []
    with wh.atomic():
        kept = wh.file_ledger("police") if ledger else None
        for file_id, partition in steps:
            with wh.load_file(source="police", file_name=f"{file_id}.csv", sha256=file_id,
                              ledger=kept) as load:
                if load.unchanged:
                    done.append(("unchanged", file_id, ()))
                    continue
                load.partition = partition
                done.append(("loaded", file_id, tuple(load.replace([]))))
    return done


@pytest.mark.parametrize("ledger", [True, False])
def test_a_ledger_answers_as_the_provenance_table_does(tmp_path: Path, ledger: bool) -> None:
    path = tmp_path / "warehouse.duckdb"
    with Warehouse(path) as wh:
        # another source's file of the same id and partition is not this source's
        with wh.atomic(), wh.load_file(source="istv", file_name="a.csv", sha256="a") as other:
            other.partition = "s/2024-01"
        assert _load(wh, FIRST, ledger=ledger) == [
            ("loaded", "a", ()), ("loaded", "b", ()), ("unchanged", "a", ()),
            ("loaded", "c", ("a",))]
        assert _load(wh, SECOND, ledger=ledger) == [
            ("loaded", "a", ("c",)),  # a was replaced: loading it again replaces c
            ("loaded", "d", ()), ("loaded", "c", ("a",)), ("unchanged", "b", ())]
    assert sql_rows(path, "SELECT source, file_id, partition, status FROM provenance "
                          "ORDER BY source, file_id") == [
        ("istv", "a", "s/2024-01", "loaded"),
        ("police", "a", "s/2024-01", "replaced"), ("police", "b", "s/2024-02", "loaded"),
        ("police", "c", "s/2024-01", "loaded"), ("police", "d", None, "loaded")]
