"""Writing to the warehouse while another process reads it (vrhub.storage.warehouse_swap):
the write goes to a copy swapped in whole when it succeeds; the reader keeps its old file
until it reopens; a failed write leaves the live file as it was; writers take turns."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.warehouse_sql import own_connection
from vrhub.errors import OperationalError
from vrhub.standards.police_uk import POLICE_STREET
from vrhub.storage import parts, warehouse_swap
from vrhub.storage.warehouse import Warehouse

READER = """
import duckdb, sys, time
path = sys.argv[1]
con = duckdb.connect(path, read_only=True, config={"file_search_path": sys.argv[2]})
print(con.execute("SELECT count(*) FROM police_street").fetchone()[0], flush=True)
sys.stdin.readline()  # hold the file open until told
print(con.execute("SELECT count(*) FROM police_street").fetchone()[0], flush=True)
"""

LOCKER = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
sys.stdin.readline()
"""


def rows(n: int, month: str, start: int = 0) -> pd.DataFrame:
    return pd.DataFrame([{
        "file_id": f"{month}".ljust(64, "0"), "row_number": start + i + 1,
        "crime_id": f"{month}-{i}", "month": month, "force": "city-of-london",
        "series": "city-of-london-street", "crime_id_duplicate": False,
        "crime_type": "Robbery", "location": "On or near X Road", "easting": 532000.0,
        "northing": 181000.0, "lsoa21_code": "E01000001", "borough_code": "E09000001"}
        for i in range(n)])


def load(wh: Warehouse, frame: pd.DataFrame) -> None:
    with wh.atomic():
        wh.ensure_tables([POLICE_STREET])
        wh.insert(POLICE_STREET, frame[[c for c in frame.columns
                                        if c in POLICE_STREET.column_names]])


@pytest.fixture
def path(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    with Warehouse(path) as wh:
        load(wh, rows(5, "2024-01"))
    return path


@pytest.fixture
def reader(path: Path) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen([sys.executable, "-c", READER, str(path), str(path.parent)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "5"
    yield process
    process.kill()
    process.wait()


def count(path: Path) -> int:
    con = duckdb.connect(str(path), read_only=True,
                         config={"file_search_path": str(path.parent)})
    try:
        return int(con.execute("SELECT count(*) FROM police_street").fetchone()[0])  # type: ignore[index]
    finally:
        con.close()


def test_a_write_beside_a_reader_is_swapped_in_and_the_reader_keeps_its_file(
        path: Path, reader: subprocess.Popen[str]) -> None:
    before = warehouse_swap.file_identity(path)
    wh = Warehouse(path, beside_readers=True)
    load(wh, rows(3, "2024-02"))
    assert wh.swapping
    assert warehouse_swap.file_identity(path) == before  # nothing visible before close
    wh.close()
    assert warehouse_swap.file_identity(path) != before
    assert not warehouse_swap.copy_path(path).exists()
    assert count(path) == 8
    assert reader.stdin is not None and reader.stdout is not None
    reader.stdin.write("\n")
    reader.stdin.flush()
    assert reader.stdout.readline().strip() == "5"  # its old file, whole


def test_a_failed_write_beside_a_reader_leaves_the_warehouse_as_it_was(
        path: Path, reader: subprocess.Popen[str]) -> None:
    before = warehouse_swap.file_identity(path)
    wh = Warehouse(path, beside_readers=True)
    load(wh, rows(3, "2024-02"))
    wh.discard()
    assert warehouse_swap.file_identity(path) == before
    assert not warehouse_swap.copy_path(path).exists()
    assert count(path) == 5
    # and a new part it wrote is gone with it, or never listed
    listed = duckdb.connect(str(path), read_only=True).execute(
        "SELECT count(*) FROM warehouse_part").fetchone()
    assert listed is not None and listed[0] == 1


def test_without_consent_to_write_beside_readers_the_file_in_use_is_an_error(
        path: Path, reader: subprocess.Popen[str]) -> None:
    with pytest.raises(duckdb.IOException, match="Could not set lock on file"):
        Warehouse(path).open()
    # the write lock was given back: a write beside the reader still goes ahead
    with Warehouse(path, beside_readers=True) as wh:
        load(wh, rows(1, "2024-03"))
    assert count(path) == 6


def test_parts_a_swapped_write_replaces_stay_until_readers_cannot_need_them(
        path: Path, reader: subprocess.Popen[str]) -> None:
    folder = path.with_name("warehouse.parts") / "police_street"
    (old_part,) = list(folder.glob("*.parquet"))
    with Warehouse(path, beside_readers=True) as wh:
        with wh.atomic():
            replaced = wh.parts.unlist(own_connection(wh), POLICE_STREET,
                                       ["2024-01".ljust(64, "0")])
        assert replaced
    assert old_part.exists()  # the reader's file still lists it
    assert count(path) == 0
    with Warehouse(path, beside_readers=True) as wh:  # too soon to sweep it
        wh.open()
    assert old_part.exists()
    retired_file = folder.parent / parts.RETIRED
    retired = json.loads(retired_file.read_text())
    assert list(retired) == [f"police_street/{old_part.name}"]
    retired_file.write_text(json.dumps({k: v - parts.RETIRED_KEEP_SECONDS - 5
                                        for k, v in retired.items()}))
    with Warehouse(path, beside_readers=True) as wh:
        wh.open()
    assert not old_part.exists()
    assert not retired_file.exists()


def test_writers_take_turns_and_a_waiting_one_says_why(path: Path) -> None:
    process = subprocess.Popen([sys.executable, "-c", LOCKER,
                                str(warehouse_swap.lock_path(path))],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "locked"
        with pytest.raises(OperationalError, match="another process is writing to the "
                           "warehouse"):
            Warehouse(path, lock_wait_seconds=0.2).open()
    finally:
        process.kill()
        process.wait()
    with Warehouse(path, lock_wait_seconds=5) as wh:
        wh.open()
