"""A load of many files reads its source's provenance once (:class:`FileLedger`) instead
of asking the warehouse per file: the files found unchanged, the files each replaces, the
files and the partitions loaded and the provenance written are those of asking per file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.warehouse_sql import own_connection
from tests.warehouse_sql import rows as sql_rows
from vrhub.storage.file_load import FileLedger
from vrhub.storage.warehouse import Warehouse

# (file id, partition): two loads of one source
FIRST = [("a", "s/2024-01"), ("b", "s/2024-02"), ("a", "s/2024-01"), ("c", "s/2024-01")]
SECOND = [("a", "s/2024-01"), ("d", None), ("c", "s/2024-01"), ("b", "s/2024-02")]
PARTITIONS = ("s/2024-01", "s/2024-02", "s/2024-03")


def _loaded(wh: Warehouse, ledger: FileLedger | None) -> tuple[frozenset[str], set[str]]:
    """The files loaded and not replaced, and the partitions with a file loaded: the
    ledger's answers, or the provenance table's (inside the load's transaction)."""
    if ledger is not None:
        return ledger.loaded_files(), {p for p in PARTITIONS if ledger.partition_loaded(p)}
    con = own_connection(wh)
    files = frozenset(str(f) for (f,) in con.execute(
        "SELECT file_id FROM provenance WHERE source = 'police' "
        "AND status <> 'replaced'").fetchall())
    return files, {str(p) for (p,) in con.execute(
        "SELECT DISTINCT partition FROM provenance WHERE source = 'police' "
        "AND status = 'loaded' AND partition IS NOT NULL").fetchall()}


def _load(wh: Warehouse, steps: list[tuple[str, str | None]], *, ledger: str
          ) -> list[tuple[str, str, tuple[str, ...], tuple[str, ...]]]:
    """Load ``steps``: asking the provenance table per file (``ledger`` "none"), or with a
    ledger whose provenance rows are written after every file ("flushed", to compare its
    answers with the table's) or only when the files are done ("kept", as a loader
    does)."""
    done: list[tuple[str, str, tuple[str, ...], tuple[str, ...]]] = []
    with wh.atomic():
        kept = FileLedger.read(wh, "police") if ledger != "none" else None
        assert _loaded(wh, kept) == _loaded(wh, None)
        before = _loaded(wh, kept)[1]
        for file_id, partition in steps:
            with wh.load_file(source="police", file_name=f"{file_id}.csv", sha256=file_id,
                              ledger=kept) as load:
                if load.unchanged:
                    step = ("unchanged", file_id, ())
                else:
                    load.partition = partition
                    step = ("loaded", file_id, tuple(load.replace([])))
            if kept is not None and ledger == "flushed":
                kept.flush(wh)
            files, partitions = _loaded(wh, kept)
            if ledger != "kept":
                assert (files, partitions) == _loaded(wh, None)  # the ledger, in step
            assert partitions >= before  # a partition loaded stays loaded through a load
            before = partitions
            done.append((*step, tuple(sorted(partitions))))
        if kept is not None:
            kept.flush(wh)
    return done


@pytest.mark.parametrize("ledger", ["kept", "flushed", "none"])
def test_a_ledger_answers_as_the_provenance_table_does(tmp_path: Path, ledger: str) -> None:
    path = tmp_path / "warehouse.duckdb"
    jan, feb = "s/2024-01", "s/2024-02"
    with Warehouse(path) as wh:
        # another source's files, of the same id and partition or not, are not this source's
        with wh.atomic():
            for file_id, partition in (("a", jan), ("e", "s/2024-03")):
                with wh.load_file(source="istv", file_name=f"{file_id}.csv",
                                  sha256=file_id) as other:
                    other.partition = partition
        assert _load(wh, FIRST, ledger=ledger) == [
            ("loaded", "a", (), (jan,)), ("loaded", "b", (), (jan, feb)),
            ("unchanged", "a", (), (jan, feb)), ("loaded", "c", ("a",), (jan, feb))]
        assert _load(wh, SECOND, ledger=ledger) == [
            ("loaded", "a", ("c",), (jan, feb)),  # a was replaced: loading it again replaces c
            ("loaded", "d", (), (jan, feb)), ("loaded", "c", ("a",), (jan, feb)),
            ("unchanged", "b", (), (jan, feb))]
    assert sql_rows(path, "SELECT source, file_id, partition, status FROM provenance "
                          "ORDER BY source, file_id") == [
        ("istv", "a", "s/2024-01", "loaded"), ("istv", "e", "s/2024-03", "loaded"),
        ("police", "a", "s/2024-01", "replaced"), ("police", "b", "s/2024-02", "loaded"),
        ("police", "c", "s/2024-01", "loaded"), ("police", "d", None, "loaded")]


def test_a_ledger_writes_its_files_provenance_when_flushed_and_a_failed_load_none(
        tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    written = "SELECT file_id, partition, status FROM provenance ORDER BY file_id"
    with Warehouse(path) as wh:
        with pytest.raises(RuntimeError, match="the load fails"), wh.atomic():
            kept = FileLedger.read(wh, "police")
            with wh.load_file(source="police", file_name="a.csv", sha256="a",
                              ledger=kept) as load:
                load.partition = "s/2024-01"
            con = own_connection(wh)  # inside the load's transaction
            assert con.execute(written).fetchall() == []  # kept, not yet written
            kept.flush(wh)
            assert con.execute(written).fetchall() == [("a", "s/2024-01", "loaded")]
            with wh.load_file(source="police", file_name="b.csv", sha256="b",
                              ledger=kept) as load:
                load.partition = "s/2024-02"
            raise RuntimeError("the load fails")
        assert sql_rows(wh, written) == []  # rolled back, the kept row too
        assert kept.pending == [("b", "police", "b.csv", "b", "s/2024-02", 0, 0, 0, "loaded",
                                 kept.pending[0][9], kept.pending[0][10])]
        _load(wh, FIRST, ledger="kept")
    assert sql_rows(path, written) == [("a", "s/2024-01", "replaced"),
                                       ("b", "s/2024-02", "loaded"),
                                       ("c", "s/2024-01", "loaded")]
