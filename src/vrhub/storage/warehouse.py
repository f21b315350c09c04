"""The embedded analytical warehouse: one DuckDB file in the workspace, and a folder of
Parquet parts beside it for the tables stored as parts (see :mod:`vrhub.storage.parts`).

Loads are atomic. A loader wraps a whole ``vrhub load`` in :meth:`Warehouse.atomic` and
each input file in :meth:`Warehouse.load_file`: canonical rows, quarantined rows and
provenance records commit together, or nothing does (an exception rolls back, and DuckDB's
write-ahead log discards an uncommitted transaction after a crash).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd
import pyarrow as pa

from vrhub.errors import ConfigError, OperationalError
from vrhub.standards import memory_size
from vrhub.standards.provenance import PROVENANCE
from vrhub.standards.provenance import TABLES as BOOKKEEPING_TABLES
from vrhub.standards.schema import Table
from vrhub.standards.study_area import STUDY_AREA, StudyArea, study_area
from vrhub.storage import warehouse_schema, warehouse_swap
from vrhub.storage.ddl import create_table
from vrhub.storage.engines import DuckDBEngine, Engine
from vrhub.storage.engines.tables import ranged_tables
from vrhub.storage.file_load import FileLedger, FileLoad
from vrhub.storage.parts import Part, PartStore, conform, parts_folder
from vrhub.storage.registered import registered

T = TypeVar("T")

class WarehouseBusy(OperationalError):
    """The warehouse could not be closed for a write: a query on it did not finish in time."""


class Warehouse:
    """A DuckDB warehouse at ``path`` (created on first use)."""

    def __init__(self, path: Path | str, *, read_only: bool = False,
                 upgrading: bool = False, beside_readers: bool = False,
                 lock_wait_seconds: float = warehouse_swap.LOCK_WAIT_SECONDS,
                 memory_limit: str | None = None) -> None:
        self.path = Path(path)
        self.read_only = read_only
        #: opened by `vrhub warehouse upgrade`: an older schema version is not refused
        self.upgrading = upgrading
        #: when other processes are reading the file (the web app), write to a copy and
        #: swap it in at :meth:`close` (:mod:`vrhub.storage.warehouse_swap`) instead of
        #: stopping at "in use"
        self.beside_readers = beside_readers
        #: how long opening read-write waits for another process's write to end
        self.lock_wait_seconds = lock_wait_seconds
        #: DuckDB's memory limit for this process (e.g. "3GB"); None: DuckDB's default
        if memory_limit is not None and not re.fullmatch(memory_size.PATTERN, memory_limit):
            raise ConfigError(f"warehouse memory limit {memory_limit!r} is not a size",
                              hint="give a number and a unit, e.g. 3GB or 512MB")
        self.memory_limit = memory_limit
        self._swap: warehouse_swap.Swap | None = None
        self._write_lock: Path | None = None
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._depth = 0
        self.parts = PartStore(self.path)
        self._study_area: StudyArea | None = None
        self._engine: Engine | None = None
        #: read-only: answers kept while open (:meth:`remembered`, the table names among
        #: them: nothing can create one meanwhile), shared with cursors
        self._memo: dict[str, Any] = {}

    # -- connection ---------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        """Whether the database is open now (asking does not open it)."""
        return self._connection is not None

    @property
    def _con(self) -> duckdb.DuckDBPyConnection:
        if self._connection is None:
            if not self.read_only:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            # the views over parts name them relative to the warehouse's folder
            config: dict[str, str | bool | int | float | list[str]] = {
                "file_search_path": str(self.path.parent)}
            if self.read_only:
                self._connection = duckdb.connect(str(self.path), read_only=True, config=config)
            else:
                self._connection = self._connect_for_writing(config)
            # parts never change once written (a new part gets a new name), so their
            # Parquet footers are read once per process, not on every query
            self._connection.execute("SET GLOBAL parquet_metadata_cache = true")
            if self.memory_limit is not None:  # checked to be a size in __init__
                self._connection.execute(f"SET GLOBAL memory_limit = '{self.memory_limit}'")
            if not self.upgrading:
                try:
                    warehouse_schema.check(self._connection, self.path,
                                           writable=not self.read_only)
                except BaseException:
                    self.discard()
                    raise
            if not self.read_only:
                self.ensure_tables(BOOKKEEPING_TABLES)
                self.parts.sweep(self._connection)
                self.parts.fill_ranges(self._connection, ranged_tables())
            self.parts.check(self._connection)
        return self._connection

    def _connect_for_writing(self, config: dict[str, str | bool | int | float | list[str]]
                             ) -> duckdb.DuckDBPyConnection:
        """Open the file read-write holding the write lock; when only readers hold it and
        :attr:`beside_readers` is set, open a copy to be swapped in at :meth:`close`."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._write_lock = warehouse_swap.acquire_write_lock(self.path,
                                                             self.lock_wait_seconds)
        try:
            try:
                return duckdb.connect(str(self.path), config=config)
            except duckdb.IOException as exc:
                if not (self.beside_readers and warehouse_swap.held_by_readers(exc)):
                    raise
            self._swap = warehouse_swap.Swap.begin(self.path)
            self.parts.keep_unlisted = True
            try:
                return duckdb.connect(str(self._swap.copy), config=config)
            except BaseException:
                self._swap.discard()
                self._swap = None
                raise
        except BaseException:
            warehouse_swap.release_write_lock(self._write_lock)
            self._write_lock = None
            raise

    @property
    def swapping(self) -> bool:
        """True when this handle writes to a copy that :meth:`close` swaps in."""
        return self._swap is not None

    def discard(self) -> None:
        """Close without swapping in what was written to a copy (after a failed write);
        a write to the file itself is unaffected (its transactions decided already)."""
        swap, self._swap = self._swap, None
        try:
            self.close()
        finally:
            if swap is not None:
                swap.discard()

    @property
    def engine(self) -> Engine:
        """What answers named queries: DuckDB over this warehouse unless another engine
        was chosen with :meth:`use_engine`."""
        if self._engine is None:
            self._engine = DuckDBEngine(self)
        return self._engine

    def use_engine(self, engine: Engine | None) -> None:
        """Answer named queries with ``engine`` (None: this warehouse's DuckDB)."""
        self._engine = engine

    def open(self) -> Warehouse:
        """Open (and check) the database now rather than at the first question, to learn
        early whether another process holds it."""
        self._con  # noqa: B018 - opening is the point
        return self

    def cursor(self) -> Warehouse:
        """A handle on the same open database through a new cursor, for one thread or one
        request (DuckDB cursors are cheap; the database stays open in the parent)."""
        view = Warehouse(self.path, read_only=self.read_only, memory_limit=self.memory_limit)
        view._connection = self._con.cursor()
        view.parts = self.parts
        view._study_area = self._study_area
        view._memo = self._memo
        if self._engine is not None and self._engine.name != "duckdb":
            view._engine = self._engine
        return view

    def close(self, *, wait_seconds: float = 0.0) -> None:
        """Close the connection. With ``wait_seconds``, a connection still busy with a call
        on another thread (DuckDB refuses to close it then) is tried again until that call
        ends, for up to that long; :class:`WarehouseBusy` if it never does."""
        if self._connection is None:
            return
        if self._swap is not None:  # the copy is swapped in whole, with no log beside it
            self._connection.execute("CHECKPOINT")
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                self._connection.close()
                break
            except duckdb.ResourceInUseException:
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(
                        f"the warehouse is still busy with a query after {wait_seconds:g} s"
                    ) from None
                time.sleep(0.02)
        self._connection = None
        self._memo = {}  # opened again, it may have changed
        swap, self._swap = self._swap, None
        try:
            if swap is not None:
                swap.publish()
        finally:
            if self._write_lock is not None:
                warehouse_swap.release_write_lock(self._write_lock)
                self._write_lock = None

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the study area -----------------------------------------------------------------
    @property
    def study_area(self) -> StudyArea:
        """The districts this warehouse reports on: the one given to this handle by
        :meth:`use_study_area`, else the one recorded in the warehouse, else London."""
        if self._study_area is None:
            self._study_area = self.recorded_study_area() or study_area(None)
        return self._study_area

    def recorded_study_area(self) -> StudyArea | None:
        if not self.has_table(STUDY_AREA.name):
            return None
        rows = self._con.execute(
            f'SELECT district_code, area_key, area_name FROM "{STUDY_AREA.name}" '
            "ORDER BY district_code").fetchall()
        if not rows:
            return None
        return StudyArea(rows[0][1], rows[0][2], tuple(r[0] for r in rows))

    def use_study_area(self, area: StudyArea, *, record: bool = True) -> bool:
        """Report on ``area`` from now on; recorded in the warehouse (unless it is open
        read-only, or ``record`` is false) so that later commands without the setting use
        it too. True when it differs from the one recorded before."""
        self._study_area = area
        before = self.recorded_study_area()
        changed = before != area
        if changed and record and not self.read_only:
            with self.atomic():
                con = self._con
                self.ensure_tables([STUDY_AREA])
                con.execute(f'DELETE FROM "{STUDY_AREA.name}"')
                now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
                con.executemany(
                    f'INSERT INTO "{STUDY_AREA.name}" VALUES (?, ?, ?, ?)',
                    [[code, area.key, area.name, now] for code in area.districts])
        return changed

    # -- schema -------------------------------------------------------------------------
    def ensure_tables(self, tables: Iterable[Table]) -> None:
        for table in tables:
            if table.stored_as == "parts":
                self.parts.ensure_view(self._con, table)
                continue
            self._con.execute(create_table(table))
            for cols in table.indexes:
                name = f"idx_{table.name}_{'_'.join(cols)}"
                column_list = ", ".join(f'"{c}"' for c in cols)
                self._con.execute(
                    f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table.name}" ({column_list})'
                )

    def ping(self) -> None:
        """A trivial query: raises when the warehouse cannot answer."""
        self._con.execute("SELECT 1").fetchall()

    def has_table(self, name: str) -> bool:
        """Whether a table or view called ``name`` exists. Opened read-only, the warehouse
        cannot change while it is open (DuckDB locks the file against writers), so the
        names are read once and shared with its cursors: a page asks this dozens of times,
        and a server makes a cursor for each request it serves at once."""
        if self.read_only:
            return name in self.remembered("table_names", lambda: frozenset(
                str(n) for (n,) in self._con.execute(
                    "SELECT DISTINCT table_name FROM information_schema.tables").fetchall()))
        row = _first(self._con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
        ))
        return bool(row and row[0])

    def columns(self, name: str) -> frozenset[str]:
        """The columns of the table or view ``name`` (none when it is missing); read once
        while a read-only warehouse stays open."""
        return self.remembered(f"columns.{name}", lambda: frozenset(
            str(c) for (c,) in self._con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?",
                [name]).fetchall()))

    def remembered(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()``, kept under ``key`` while a read-only warehouse stays open (it
        cannot change meanwhile) and shared with its cursors; computed every time when
        writable. For small answers that scan a big table, such as its category list."""
        if not self.read_only:
            return compute()
        if key not in self._memo:
            self._memo[key] = compute()
        value: T = self._memo[key]
        return value

    # -- queries ------------------------------------------------------------------------
    def _query(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        return self._con.execute(sql, params or []).df()

    def _scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        row = _first(self._con.execute(sql, params or []))
        return row[0] if row else None

    def count(self, table: str) -> int:
        if not self.has_table(table):
            return 0
        return int(self.remembered(f"count:{table}",
                                   lambda: self._scalar(f'SELECT count(*) FROM "{table}"')))

    # -- loading ------------------------------------------------------------------------
    @contextmanager
    def atomic(self) -> Iterator[None]:
        """One transaction: everything inside commits together or not at all. Nested
        calls join the outer transaction. (Storage's own writes inside it use
        :attr:`_con`; the connection is never handed out.)"""
        con = self._con
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        con.execute("BEGIN TRANSACTION")
        self._depth = 1
        try:
            yield
            self.parts.flush(con)  # the parts listed inside, before the commit
        except BaseException:
            self._depth = 0
            try:
                con.execute("ROLLBACK")
            finally:
                self.parts.rolled_back()
            raise
        self._depth = 0
        try:
            con.execute("COMMIT")
        except BaseException:
            self.parts.rolled_back()
            raise
        self.parts.committed()

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    def insert(
        self, table: Table, data: pd.DataFrame | pa.Table,
        constants: Mapping[str, Any] | None = None,
    ) -> int:
        """Append rows (columns matched by name; undeclared columns are an error).

        ``constants`` gives columns that hold one value on every row (a file's month or
        file id): they are filled in by the database rather than sent row by row.

        A table stored as parts gets a new part (in a transaction of its own when none is
        open), named after the ``file_id`` constant.
        """
        arrow = data if isinstance(data, pa.Table) else pa.Table.from_pandas(
            data, preserve_index=False
        )
        if arrow.num_rows == 0:
            return 0
        constants = dict(constants or {})
        unknown = (set(arrow.column_names) | set(constants)) - set(table.column_names)
        if unknown:
            raise ValueError(f"columns not declared for {table.name}: {sorted(unknown)}")
        repeated = set(arrow.column_names) & set(constants)
        if repeated:
            raise ValueError(f"columns given twice for {table.name}: {sorted(repeated)}")
        if table.stored_as == "parts":
            with self.atomic():
                self.parts.ensure_view(self._con, table)
                file_id = constants.get("file_id")
                if file_id is None and "file_id" in arrow.column_names:
                    ids = arrow["file_id"].unique()
                    file_id = ids[0].as_py() if len(ids) == 1 else None
                self.parts.write(self._con, table, conform(table, arrow, constants), file_id)
            return arrow.num_rows
        cols = ", ".join(f'"{c}"' for c in arrow.column_names)
        targets = ", ".join([cols, *(f'"{c}"' for c in constants)])
        values = ", ".join([cols, *("?" for _ in constants)])
        with registered(self._con, "_vrhub_incoming", arrow) as incoming:
            self._con.execute(
                f'INSERT INTO "{table.name}" ({targets}) SELECT {values} FROM {incoming}',
                list(constants.values()))
        return arrow.num_rows

    def rewrite_parts(self, table: Table, change: Callable[[pa.Table], pa.Table | None], *,
                      file_id: str | None = None) -> None:
        """Pass every part of ``table`` (of ``file_id`` only, when given) through
        ``change``; a part it returns a table for is rewritten (inside a transaction)."""
        self.parts.rewrite(self._con, table, change, file_id=file_id)

    @contextmanager
    def unordered_appends(self) -> Iterator[None]:
        """Let DuckDB append blocks in parallel, in any physical order, while loading (rows
        carry their file and row number, so storage order carries no meaning)."""
        con = self._con
        con.execute("SET preserve_insertion_order = false")
        try:
            yield
        finally:
            con.execute("RESET preserve_insertion_order")

    def refresh_parts_view(self, table: Table) -> None:
        """Show the parts added with ``refresh=False`` in ``table``'s view."""
        self.parts.refresh_view(self._con, table)

    def part_names(self, table: Table) -> list[str]:
        """The part files listed for ``table``, in the order written."""
        self.parts.flush(self._con)
        return [row[0] for row in self._con.execute(
            'SELECT part FROM "warehouse_part" WHERE table_name = ? ORDER BY written_at, part',
            [table.name]).fetchall()]

    def export_parquet(self, name: str, target: Path) -> None:
        """Write table (or view) ``name`` to the Parquet file ``target``."""
        quoted = str(target).replace("'", "''")
        self._con.execute(f"COPY (SELECT * FROM \"{name}\") TO '{quoted}' (FORMAT parquet)")

    def add_part(self, table: Table, part: Part, *, refresh: bool = True) -> int:
        """List a part written by ``self.parts.prepare`` (a table stored as parts): its
        rows join the table when the transaction commits. With ``refresh=False`` the
        table's view shows them only once ``self.parts.refresh_view`` is called (a loader
        adding many parts refreshes it once, at the end)."""
        with self.atomic():
            self.parts.ensure_view(self._con, table)
            self.parts.add(self._con, table, part, refresh=refresh)
        return part.rows

    def load_file(
        self,
        *,
        source: str,
        file_name: str,
        sha256: str,
        partition: str | None = None,
        tables: Iterable[Table] = (),
        ledger: FileLedger | None = None,
    ) -> FileLoad:
        """A context manager for loading one file inside :meth:`atomic`. See
        :class:`FileLoad`; a load of many files of one source may read its provenance
        once (:meth:`FileLedger.read`, inside :meth:`atomic`, the load being the one
        writer of it) and give it to each."""
        self.ensure_tables(tables)
        return FileLoad(self, source=source, file_name=file_name, sha256=sha256,
                        partition=partition, ledger=ledger)

    def provenance(self, source: str | None = None) -> pd.DataFrame:
        sql = f'SELECT * FROM "{PROVENANCE.name}"'
        params: list[Any] = []
        if source:
            sql += " WHERE source = ?"
            params.append(source)
        return self._query(sql + " ORDER BY loaded_at, file_name", params)


def copy_warehouse(source: Path | str, target: Path | str) -> None:
    """Copy a closed warehouse: the DuckDB file (with its write-ahead log, if any) and its
    parts folder. Copying the DuckDB file alone leaves the tables stored as parts
    unreadable."""
    source, target = Path(source), Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, target)
    wal = source.with_name(source.name + ".wal")
    if wal.exists():
        shutil.copy(wal, target.with_name(target.name + ".wal"))
    if parts_folder(source).is_dir():
        shutil.copytree(parts_folder(source), parts_folder(target), dirs_exist_ok=True)


def _first(result: duckdb.DuckDBPyConnection) -> Any:
    """First row of a result, fetching it to the end (DuckDB refuses to register a frame
    while an earlier result is still open)."""
    rows = result.fetchall()
    return rows[0] if rows else None
