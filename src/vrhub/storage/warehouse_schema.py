"""The warehouse's schema version, checked whenever a warehouse is opened, and its
migrations (:mod:`vrhub.storage.warehouse_migrations`).

- A new, empty warehouse is created at the newest version.
- A warehouse at an older version is refused with a one-line error naming both versions
  and the fix (``vrhub warehouse upgrade``); one at a newer version (written by a newer
  vrhub) is refused too.
- ``vrhub warehouse upgrade`` applies the pending migrations in order, each in a
  transaction of its own with the row that records it, so an interrupted upgrade resumes
  where it stopped.

The version of a warehouse is the largest ``version`` in ``warehouse_schema``; a warehouse
without that table but with other tables was written before versions existed: version 0.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from vrhub.errors import OperationalError
from vrhub.versions import WAREHOUSE_MIGRATIONS, WAREHOUSE_MODULE, warehouse_head

SCHEMA_TABLE = "warehouse_schema"
MIGRATIONS = WAREHOUSE_MIGRATIONS
MODULE_NAME = WAREHOUSE_MODULE


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    description: str
    upgrade: Callable[[duckdb.DuckDBPyConnection], None]


def head() -> int:
    """The newest version this vrhub ships, from the migrations' file names (no import)."""
    return warehouse_head()


def migrations() -> list[Migration]:
    """Every migration shipped, in version order (checked: 1, 2, 3, ... without gaps)."""
    found: list[Migration] = []
    for path in sorted(MIGRATIONS.iterdir()):
        match = MODULE_NAME.fullmatch(path.name)
        if not match:
            continue
        module = importlib.import_module(f"vrhub.storage.warehouse_migrations.{path.stem}")
        found.append(Migration(int(match[1]), match[2], module.DESCRIPTION, module.upgrade))
    check_sequence(found)
    return found


def check_sequence(found: Sequence[Migration]) -> None:
    versions = [m.version for m in found]
    if versions != list(range(1, len(versions) + 1)):
        raise RuntimeError(f"warehouse migrations must be numbered 1, 2, 3, ...: {versions}")


def current(con: duckdb.DuckDBPyConnection) -> int | None:
    """The warehouse's version: None when it is empty, 0 when written before versions."""
    tables = {name for (name,) in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
    ).fetchall()}
    if SCHEMA_TABLE in tables:
        row = con.execute(f'SELECT max(version) FROM "{SCHEMA_TABLE}"').fetchone()
        return int(row[0]) if row and row[0] is not None else 0
    return 0 if tables else None


def _ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f'CREATE TABLE IF NOT EXISTS "{SCHEMA_TABLE}" (version INTEGER PRIMARY KEY, '
        "name VARCHAR NOT NULL, description VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL, "
        "vrhub_version VARCHAR NOT NULL)")


def _record(con: duckdb.DuckDBPyConnection, migration: Migration) -> None:
    from vrhub import __version__

    con.execute(f'INSERT INTO "{SCHEMA_TABLE}" VALUES (?, ?, ?, ?, ?)',
                [migration.version, migration.name, migration.description,
                 dt.datetime.now(dt.UTC).replace(tzinfo=None), __version__])


def stamp_new(con: duckdb.DuckDBPyConnection,
              available: Sequence[Migration] | None = None) -> None:
    """Record a new, empty warehouse as being at the newest version (its tables will be
    created in their newest declared shape)."""
    con.execute("BEGIN TRANSACTION")
    try:
        _ensure_table(con)
        for migration in available if available is not None else migrations():
            _record(con, migration)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def upgrade(con: duckdb.DuckDBPyConnection,
            available: Sequence[Migration] | None = None) -> list[Migration]:
    """Apply the pending migrations in order; returns those applied."""
    pending = list(available if available is not None else migrations())
    check_sequence(pending)
    at = current(con)
    if at is None:
        stamp_new(con, pending)
        return []
    newest = pending[-1].version if pending else 0
    if at > newest:
        raise newer_error(Path("the warehouse"), at, newest)
    applied = []
    for migration in pending:
        if migration.version <= at:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            _ensure_table(con)
            migration.upgrade(con)
            _record(con, migration)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        applied.append(migration)
    return applied


def check(con: duckdb.DuckDBPyConnection, path: Path, *, writable: bool,
          newest: int | None = None) -> int:
    """The version of the warehouse at ``path`` once it is usable: a new one is stamped at
    the newest version; an older or newer one is refused."""
    newest = head() if newest is None else newest
    at = current(con)
    if at is None:
        if writable:
            stamp_new(con)
        return newest
    if at < newest:
        raise OperationalError(
            f"the warehouse {path} is at schema version {at} and this version of vrhub "
            f"needs {newest}",
            hint="stop the web app and run `vrhub warehouse upgrade` (as the user owning "
            "the workspace; `vrhub backup create` first keeps a way back)",
        )
    if at > newest:
        raise newer_error(path, at, newest)
    return at


def newer_error(path: Path, at: int, newest: int) -> OperationalError:
    return OperationalError(
        f"the warehouse {path} is at schema version {at}, newer than this version of vrhub "
        f"knows ({newest}): a newer vrhub upgraded it",
        hint="install that newer version of vrhub (see CHANGELOG.md), or restore a backup "
        "taken before the upgrade",
    )


def version_of(path: Path) -> int | None:
    """The schema version of the warehouse file at ``path`` (opened read-only), or None
    when it has none yet."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return current(con)
    finally:
        con.close()
