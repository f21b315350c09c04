"""Closing the warehouse while a query on it runs on another thread: the web app's write
path waits for the query instead of failing with DuckDB's "connection is busy"."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tests.warehouse_sql import own_connection
from vrhub.storage.warehouse import Warehouse, WarehouseBusy


def _busy(wh: Warehouse, seconds: float) -> tuple[threading.Thread, list[object]]:
    """Start a query that takes ``seconds`` on ``wh``'s own connection, on another thread."""
    con = own_connection(wh)
    con.create_function("nap", lambda s: time.sleep(s) or s, ["DOUBLE"], "DOUBLE")
    started, answers = threading.Event(), []

    def run() -> None:
        started.set()
        answers.append(con.execute("SELECT nap(?)", [seconds]).fetchone())

    thread = threading.Thread(target=run)
    thread.start()
    started.wait()
    time.sleep(0.1)  # the query is running now
    return thread, answers


def test_close_waits_for_a_running_query_to_end(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "warehouse.duckdb")
    thread, answers = _busy(wh, 0.6)
    wh.close(wait_seconds=10)
    thread.join()
    assert answers == [(0.6,)]  # the query finished with its answer; then the close
    assert not wh.is_open


def test_close_gives_up_as_busy_after_its_wait(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "warehouse.duckdb")
    thread, _ = _busy(wh, 1.0)
    with pytest.raises(WarehouseBusy, match=r"still busy with a query after 0\.2 s"):
        wh.close(wait_seconds=0.2)
    thread.join()
    wh.close()
    assert not wh.is_open
