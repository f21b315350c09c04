"""The warehouse memory limit (``VRHUB_WAREHOUSE_MEMORY_LIMIT``): DuckDB keeps no more than
it for the warehouse and spills the rest of a large question to disk, in the command line
and the web app alike; a value that is not a size is refused, naming the setting."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.warehouse_sql import own_connection
from vrhub.cli.context import AppContext
from vrhub.errors import ConfigError
from vrhub.settings import Settings
from vrhub.standards import memory_size
from vrhub.storage.warehouse import Warehouse
from vrhub.web.data import open_shared_warehouse
from vrhub.workspace import Workspace

MIB = 1024**2


def _limit_bytes(wh: Warehouse) -> int:
    """DuckDB's memory limit on ``wh``'s database, in bytes."""
    found = own_connection(wh).execute(
        "SELECT value FROM duckdb_settings() WHERE name = 'memory_limit'").fetchone()
    assert found is not None
    number, unit = str(found[0]).split()
    return int(float(number) * {"KiB": 1024, "MiB": MIB, "GiB": 1024**3}[unit])


def test_the_limit_holds_and_a_larger_question_spills_to_disk(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "warehouse.duckdb", memory_limit="64MB") as wh:
        assert abs(_limit_bytes(wh) - 64e6) < 1 * MIB
        con = own_connection(wh)
        con.execute("SET threads = 1")  # the smallest limit DuckDB accepts per thread
        # some 3 million distinct 40-character keys: a hash table of several times the limit
        distinct = con.execute(
            "SELECT count(*) FROM (SELECT DISTINCT md5(i::VARCHAR) || lpad(i::VARCHAR, 8, '0') "
            "FROM range(3000000) t(i))").fetchone()
        assert distinct == (3_000_000,)
        peak = con.execute("SELECT max(memory_usage_bytes) FROM duckdb_memory()").fetchone()
        assert peak is not None and peak[0] <= 64e6


def test_no_limit_leaves_duckdbs_default(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "warehouse.duckdb") as wh:
        assert _limit_bytes(wh) > 256 * MIB


@pytest.mark.parametrize(("value", "expected"), [
    ("512MB", 512e6), ("1.5GiB", 1.5 * 1024**3), ("2 GB", 2e9), ("800KiB", None)])
def test_sizes_as_duckdb_takes_them_are_accepted(tmp_path: Path, value: str,
                                                 expected: float | None) -> None:
    assert re.fullmatch(memory_size.PATTERN, value)
    assert Settings.load({"VRHUB_WAREHOUSE_MEMORY_LIMIT": value},
                         home=tmp_path).warehouse_memory_limit == value
    if expected is not None:
        with Warehouse(tmp_path / "warehouse.duckdb", memory_limit=value) as wh:
            assert abs(_limit_bytes(wh) - expected) < 0.05 * expected  # shown to 0.1 GiB


@pytest.mark.parametrize("value", ["lots", "3", "3 GBs", "'; DROP TABLE x; --"])
def test_a_limit_that_is_not_a_size_is_refused(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match=r"warehouse memory limit .* is not a size"):
        Warehouse(tmp_path / "warehouse.duckdb", memory_limit=value)
    with pytest.raises(ConfigError, match=r"VRHUB_WAREHOUSE_MEMORY_LIMIT: .* is not a memory "
                       r"size: give a number and a unit"):
        Settings.load({"VRHUB_WAREHOUSE_MEMORY_LIMIT": value}, home=tmp_path)


def test_the_setting_reaches_the_command_line_and_the_web_app(tmp_path: Path) -> None:
    environ = {"VRHUB_WAREHOUSE_MEMORY_LIMIT": "300MB"}
    settings = Settings.load(environ, home=tmp_path, environment="test")
    assert settings.warehouse_memory_limit == "300MB"
    app = AppContext(environ, settings=settings)
    wh = app.warehouse()
    try:
        assert abs(_limit_bytes(wh) - 300e6) < 1 * MIB
    finally:
        app.close()
    state = SimpleNamespace(settings=settings, workspace=Workspace(tmp_path))
    shared = open_shared_warehouse(state)
    try:
        assert shared.read_only
        assert abs(_limit_bytes(shared) - 300e6) < 1 * MIB
    finally:
        shared.close()
