"""The warehouse's schema versions: a new warehouse starts at the newest, an older or newer
one is refused in one line naming the fix, `vrhub warehouse upgrade` applies migrations in
order (adding and altering tables and views), each atomically, and resumes after a
failure; an upgraded warehouse ends like a new one."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.warehouse_sql import connection, execute
from vrhub.errors import OperationalError
from vrhub.storage import warehouse_schema
from vrhub.storage.warehouse import Warehouse
from vrhub.storage.warehouse_schema import Migration
from vrhub.storage.warehouse_upgrade import upgrade_file


def _columns(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str, str]]:
    return set(con.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'main'").fetchall())


def _as_written_by_0_1(home: Path) -> None:
    """A warehouse as vrhub 0.1 left it: tables, no version."""
    with Warehouse(home / "warehouse.duckdb") as wh:
        execute(wh, "DROP TABLE warehouse_schema")


def test_a_new_warehouse_starts_at_the_newest_version(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb") as wh, connection(wh) as con:
        assert warehouse_schema.current(con) == warehouse_schema.head() >= 1


def test_an_old_warehouse_is_refused_until_upgraded_and_keeps_its_data(
        run, home: Path, shared_data: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run("load", "police", shared_data / "police-uk" / "city-of-london")
    assert code == 0, err
    with Warehouse(home / "warehouse.duckdb") as wh:
        rows = wh.count("police_street")
        with connection(wh) as con:
            fresh_columns = _columns(con)
    assert rows > 1000
    _as_written_by_0_1(home)

    code, _, err = run("quality")
    assert code == 13
    assert err.strip() == (
        f"error: the warehouse {home / 'warehouse.duckdb'} is at schema version 0 and this "
        f"version of vrhub needs {warehouse_schema.head()}; to fix: stop the web app and run "
        "`vrhub warehouse upgrade` (as the user owning the workspace; `vrhub backup create` "
        "first keeps a way back)")
    code, out, _ = run("warehouse", "status", "--json")
    assert code == 0 and '"version": 0' in out and '"current": false' in out

    code, _, err = run("warehouse", "upgrade")
    assert code == 0, err
    assert f"schema version 0 -> {warehouse_schema.head()}" in err
    assert run("quality")[0] == 0
    with Warehouse(home / "warehouse.duckdb", read_only=True) as wh:
        assert wh.count("police_street") == rows
        with connection(wh) as con:
            assert _columns(con) == fresh_columns  # upgraded ends like new
    code, _, err = run("warehouse", "upgrade")
    assert code == 0 and f"schema version {warehouse_schema.head()} -> " in err  # idempotent


def test_upgrading_a_warehouse_file_applies_every_pending_migration_once(
        tmp_path: Path) -> None:
    shipped = sorted(Path(warehouse_schema.__file__).parent.glob(
        "warehouse_migrations/m[0-9][0-9][0-9][0-9]_*.py"))
    newest = len(shipped)
    assert newest >= 1
    path = tmp_path / "warehouse.duckdb"
    _as_written_by_0_1(tmp_path)
    before, applied, after = upgrade_file(path)
    assert (before, [m.version for m in applied], after) == (
        0, list(range(1, newest + 1)), newest)
    assert upgrade_file(path) == (newest, [], newest)  # nothing left to apply
    with Warehouse(path, read_only=True) as wh, connection(wh) as con:
        assert warehouse_schema.current(con) == newest


def test_a_warehouse_from_a_newer_vrhub_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with Warehouse(path) as wh:
        execute(wh, "INSERT INTO warehouse_schema VALUES (99, 'future', 'x', now(), '9')")
    with pytest.raises(OperationalError, match=r"at schema version 99, newer than this "
                       r"version of vrhub knows \(\d+\)"):
        Warehouse(path, read_only=True).open()


# -- the mechanism, with migrations of its own ---------------------------------------------
def _v2(con: duckdb.DuckDBPyConnection) -> None:  # alter a table, backfill it
    con.execute("ALTER TABLE site ADD COLUMN region VARCHAR")
    con.execute("UPDATE site SET region = CASE WHEN code LIKE 'R%' THEN 'London' END")


def _v3(con: duckdb.DuckDBPyConnection) -> None:  # redefine a view
    con.execute("CREATE OR REPLACE VIEW site_names AS SELECT code, name, region FROM site")


def _v4(con: duckdb.DuckDBPyConnection) -> None:  # add a table
    con.execute("CREATE TABLE site_alias (code VARCHAR, alias VARCHAR)")
    con.execute("INSERT INTO site_alias SELECT code, lower(name) FROM site")


def _broken(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE half_done (x INTEGER)")
    raise RuntimeError("the migration failed halfway")


BASE = Migration(1, "base", "the first shape", lambda con: None)


def _old_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    warehouse_schema.stamp_new(con, [BASE])
    con.execute("CREATE TABLE site (code VARCHAR, name VARCHAR)")
    con.execute("INSERT INTO site VALUES ('RJ122', 'St Thomas'), ('X1', 'Other')")
    con.execute("CREATE VIEW site_names AS SELECT code, name FROM site")
    return con


def test_migrations_add_and_alter_tables_and_views_in_order(tmp_path: Path) -> None:
    con = _old_warehouse(tmp_path / "w.duckdb")
    steps = [BASE, Migration(2, "region", "add region", _v2),
             Migration(3, "view", "view shows region", _v3),
             Migration(4, "alias", "aliases", _v4)]
    with pytest.raises(OperationalError, match="at schema version 1 and this version of "
                       "vrhub needs 4"):
        warehouse_schema.check(con, tmp_path / "w.duckdb", writable=True, newest=4)
    applied = warehouse_schema.upgrade(con, steps)
    assert [m.version for m in applied] == [2, 3, 4]
    assert con.execute("SELECT * FROM site_names ORDER BY code").fetchall() == [
        ("RJ122", "St Thomas", "London"), ("X1", "Other", None)]
    assert con.execute("SELECT alias FROM site_alias ORDER BY code").fetchall() == [
        ("st thomas",), ("other",)]
    assert con.execute("SELECT version, name FROM warehouse_schema ORDER BY version"
                       ).fetchall() == [(1, "base"), (2, "region"), (3, "view"), (4, "alias")]
    assert warehouse_schema.check(con, tmp_path / "w.duckdb", writable=True, newest=4) == 4


def test_a_failed_migration_leaves_nothing_and_the_upgrade_resumes(tmp_path: Path) -> None:
    con = _old_warehouse(tmp_path / "w.duckdb")
    failing = [BASE, Migration(2, "region", "add region", _v2),
               Migration(3, "broken", "fails", _broken)]
    with pytest.raises(RuntimeError, match="failed halfway"):
        warehouse_schema.upgrade(con, failing)
    assert warehouse_schema.current(con) == 2  # version 2 committed, 3 rolled back
    tables = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables"
                                        ).fetchall()}
    assert "half_done" not in tables
    fixed = [*failing[:2], Migration(3, "view", "view shows region", _v3)]
    assert [m.version for m in warehouse_schema.upgrade(con, fixed)] == [3]


def test_migrations_are_numbered_without_gaps() -> None:
    shipped = warehouse_schema.migrations()
    assert [m.version for m in shipped] == list(range(1, len(shipped) + 1))
    with pytest.raises(RuntimeError, match=r"numbered 1, 2, 3, \.\.\.: \[1, 3\]"):
        warehouse_schema.check_sequence([BASE, Migration(3, "x", "x", lambda con: None)])
