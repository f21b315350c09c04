"""Tables stored as Parquet parts behind a view.

A table declared ``stored_as="parts"`` (``police_street``) keeps its rows in Parquet files,
one or more per loaded file, in the warehouse's parts folder (``warehouse.parts/<table>/``
beside ``warehouse.duckdb``). The bookkeeping table ``warehouse_part`` lists them, and a view
of the table's name reads exactly the listed parts, with every column cast to its declared
type. Queries do not see the difference.

Why: appending a Met-sized year (1.1 million rows, 27 columns) to a DuckDB table costs about
two CPU-seconds, most of it DuckDB compressing and indexing its own storage; writing the
same rows as Parquet costs about a quarter of that, and DuckDB reads Parquet directly.

Atomicity is the warehouse transaction's:

* a part is written, then listed in ``warehouse_part`` and the view recreated, inside the
  load's transaction; the rows become visible when it commits, with their provenance
  (listings are kept and written together, in one statement, before anything reads
  ``warehouse_part`` and before the commit: a national load lists 5,160 parts, and one
  statement each cost a second of the caller's thread per thousand);
* a replaced part is unlisted in the same transaction and its file deleted after commit;
* on rollback the parts the transaction wrote are deleted;
* after a crash, files not listed (written by a transaction that never committed, or
  unlisted by one that did) are deleted the next time the warehouse is opened for writing.

A table may declare ``part_ranges``: each part's range of those columns is written and
removed with its listing, and a question bounded on them reads only the parts that may hold
its rows (:meth:`PartStore.narrowed`, :mod:`vrhub.storage.part_ranges`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from vrhub.errors import ConfigError
from vrhub.standards.provenance import PART, PART_RANGE
from vrhub.standards.schema import Table
from vrhub.storage import part_layout, part_ranges
from vrhub.storage.ddl import typed_select
from vrhub.storage.registered import append_rows

SUFFIX = ".parts"
#: The parts folder's note of parts unlisted by a write swapped in while other processes
#: read an older copy of the warehouse (:mod:`vrhub.storage.warehouse_swap`), and how long
#: they are kept after (by then every reader has reopened the new copy).
RETIRED = "retired.json"
RETIRED_KEEP_SECONDS = 600

#: Parts written by open transactions of this process: never swept, whichever warehouse
#: handle opens the folder (two handles on one file share its transaction state in DuckDB).
_IN_FLIGHT: set[Path] = set()
_LOCK = threading.Lock()


def parts_folder(warehouse_path: Path) -> Path:
    """``warehouse.duckdb`` -> ``warehouse.parts`` beside it."""
    return warehouse_path.with_name(warehouse_path.stem + SUFFIX)


def conform(table: Table, data: pa.Table, constants: Mapping[str, Any]) -> pa.Table:
    """``data`` with ``constants`` added as columns, every declared column present (null
    where not given) in declared order, and each of its declared type (dictionary-encoded
    text stays encoded: Parquet stores it as text; text of columns declared ``repeated``
    is encoded here)."""
    n = data.num_rows
    columns: list[pa.Array | pa.ChunkedArray] = []
    for column in table.columns:
        target = column.arrow_type
        if column.name in constants:
            columns.append(_constant(constants[column.name], target, n))
            continue
        if column.name not in data.column_names:
            columns.append(pa.nulls(n, target))
            continue
        values = data[column.name]
        kind = values.type
        if pa.types.is_dictionary(kind):
            values = _stored_dictionary(values) if kind.value_type == target else \
                pc.cast(values, target)
        elif kind != target:
            values = pc.cast(values, target)
        if column.repeated and pa.types.is_string(values.type):
            values = pc.dictionary_encode(values)
        columns.append(values)
    return pa.Table.from_arrays(columns, names=table.column_names)


#: Dictionaries longer than this are stored cut to the entries their rows use.
COMPACT_DICTIONARY_FROM = 64


def _stored_dictionary(values: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
    """Dictionary-encoded text as a part stores it: nulls as null indices, not null
    dictionary entries (Parquet cannot write the latter), and a long dictionary cut to the
    entries used. A dictionary shared by a whole load (places: every LSOA code seen, 39,008
    nationally) would otherwise be written into every part, and its range recorded as the
    part's (:mod:`vrhub.storage.part_ranges`)."""
    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    out = []
    for chunk in chunks:
        dictionary = chunk.dictionary
        if len(dictionary) > COMPACT_DICTIONARY_FROM:
            used = pc.unique(chunk.indices).drop_null()
            if len(used) < len(dictionary) or dictionary.null_count:
                used = used.take(pc.array_sort_indices(used))  # in the dictionary's order
                kept = used.filter(pc.is_valid(dictionary.take(used)))
                chunk = pa.DictionaryArray.from_arrays(
                    pc.cast(pc.index_in(chunk.indices, value_set=kept), chunk.indices.type),
                    dictionary.take(kept))
        elif dictionary.null_count:
            missing = pc.take(pc.is_null(dictionary), chunk.indices)
            indices = pc.if_else(pc.fill_null(missing, True), pa.scalar(None, chunk.indices.type),
                                 chunk.indices)
            chunk = pa.DictionaryArray.from_arrays(indices, pc.fill_null(dictionary, ""))
        out.append(chunk)
    return pa.chunked_array(out, values.type)


def _constant(value: Any, target: pa.DataType, n: int) -> pa.Array:
    """``value`` on every row (text dictionary-encoded, one entry: cheap to write)."""
    if value is not None and pa.types.is_string(target):
        return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)),
                                              pa.array([value], target))
    return pa.repeat(pa.scalar(value, target), n)


@dataclass(frozen=True)
class Part:
    """A part file written for ``table``: its file name, the rows it holds and the range
    of each of its table's ``part_ranges`` columns."""

    table: str
    name: str
    file_id: str | None
    rows: int
    ranges: part_ranges.Ranges = ()


class PartStore:
    """The parts of one warehouse, and what its open transaction has done to them."""

    def __init__(self, warehouse_path: Path) -> None:
        self.folder = parts_folder(warehouse_path)
        self._written: list[Path] = []  # by the open transaction (listed or not yet)
        self._listed: set[Path] = set()  # of those, the ones listed
        self._unlisted: list[Path] = []  # by the open transaction: deleted once it commits
        self._pending: list[tuple[str, str, str | None, int, dt.datetime]] = []  # to list
        self._pending_ranges: list[tuple[str, str, str, str | None, str | None]] = []
        self._views: set[str] = set()  # tables whose view is known to exist
        #: written to a copy other processes' readers do not see yet: parts a commit
        #: unlists are kept (dated now) for :meth:`sweep` to delete later
        self.keep_unlisted = False

    def relative(self, table: str, part: str) -> str:
        """A part's path as the view names it: relative to the warehouse's folder (DuckDB
        resolves it through ``file_search_path``, so a moved workspace still reads)."""
        return f"{self.folder.name}/{table}/{part}"

    def path(self, table: str, part: str) -> Path:
        return self.folder / table / part

    # -- the view ---------------------------------------------------------------------
    def ensure_view(self, con: duckdb.DuckDBPyConnection, table: Table) -> None:
        """Create the table's view when there is none; a DuckDB table of that name (from
        a warehouse written before the table was stored as parts) becomes parts first."""
        if table.name in self._views:
            return
        kind = con.execute(
            "SELECT table_type FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_name = ?", [table.name]).fetchall()
        if kind and kind[0][0] != "VIEW":
            self._adopt_table(con, table)
        if not kind or kind[0][0] != "VIEW":
            self.refresh_view(con, table)
        self._views.add(table.name)

    def refresh_view(self, con: duckdb.DuckDBPyConnection, table: Table) -> None:
        self.flush(con)
        parts = [row[0] for row in con.execute(
            f'SELECT part FROM "{PART.name}" WHERE table_name = ? ORDER BY written_at, part',
            [table.name]).fetchall()]
        con.execute(f'CREATE OR REPLACE VIEW "{table.name}" AS '
                    f"{typed_select(table, self._source(table, parts))}")

    def rows_of(self, con: duckdb.DuckDBPyConnection, table: Table,
                file_ids: Iterable[str | None]) -> str | None:
        """The rows of the parts listed now (in the open transaction) for ``file_ids``, as
        an SQL relation typed as the view is (None when no such part is listed): a
        question about a few files' rows reads their parts only, not every part."""
        ids = set(file_ids)
        known = sorted(i for i in ids if i is not None)
        marks = ", ".join("?" for _ in known)
        conditions = [f"file_id IN ({marks})"] if known else []
        if None in ids:
            conditions.append("file_id IS NULL")
        if not conditions:
            return None
        self.flush(con)
        parts = [row[0] for row in con.execute(
            f'SELECT part FROM "{PART.name}" WHERE table_name = ? AND '
            f"({' OR '.join(conditions)}) ORDER BY written_at, part",
            [table.name, *known]).fetchall()]
        source = self._source(table, parts)
        return None if source is None else f"({typed_select(table, source)})"

    def _source(self, table: Table, parts: list[str]) -> str | None:
        if not parts:
            return None
        files = ", ".join(_quote(self.relative(table.name, p)) for p in parts)
        return f"read_parquet([{files}])"

    def _adopt_table(self, con: duckdb.DuckDBPyConnection, table: Table) -> None:
        file_ids = [row[0] for row in con.execute(
            f'SELECT DISTINCT file_id FROM "{table.name}"').fetchall()]
        for file_id in file_ids:
            rows = con.sql(f'SELECT * FROM "{table.name}" WHERE file_id IS NOT DISTINCT '
                           "FROM ?", params=[file_id]).to_arrow_table()
            self.write(con, table, conform(table, rows, {}), file_id, refresh=False)
        con.execute(f'DROP TABLE "{table.name}"')

    # -- writing ------------------------------------------------------------------------
    def prepare(self, table: Table, data: pa.Table, file_id: str | None) -> Part:
        """Write ``data`` (conformed) as a part file, not yet listed: it becomes part of
        the table when :meth:`add` lists it. Needs no connection, so a loader's worker
        threads may write parts while the transaction goes on; the transaction deletes
        the file if it rolls back, or commits without listing it."""
        folder = self.folder / table.name
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{(file_id or 'rows')[:16]}-{uuid.uuid4().hex[:16]}.parquet"
        path = folder / name
        with _LOCK:
            _IN_FLIGHT.add(path)
            self._written.append(path)
        pq.write_table(data, path, **part_layout.write_options(data))
        return Part(table.name, name, file_id, data.num_rows, part_ranges.ranges_of(table, data))

    def add(self, con: duckdb.DuckDBPyConnection, table: Table, part: Part, *,
            refresh: bool = True) -> None:
        """List a prepared part (inside a transaction): its rows join the table. The
        listing is written with the others kept (:meth:`flush`) before anything reads the
        listings, and before the transaction commits."""
        self._pending.append((table.name, part.name, part.file_id, part.rows,
                              dt.datetime.now(dt.UTC).replace(tzinfo=None)))
        self._pending_ranges.extend((table.name, part.name, column, least, greatest)
                                    for column, least, greatest in part.ranges)
        with _LOCK:
            self._listed.add(self.path(table.name, part.name))
        if refresh:
            self.refresh_view(con, table)

    def flush(self, con: duckdb.DuckDBPyConnection) -> None:
        """Write the listings :meth:`add` kept, in one statement (inside the transaction
        that added them)."""
        if not self._pending:
            return
        append_rows(con, PART, self._pending)
        append_rows(con, PART_RANGE, self._pending_ranges)
        self._pending = []
        self._pending_ranges = []

    def write(self, con: duckdb.DuckDBPyConnection, table: Table, data: pa.Table,
              file_id: str | None, *, refresh: bool = True) -> str:
        """Write ``data`` (conformed) as a new part and list it (inside a transaction)."""
        part = self.prepare(table, data, file_id)
        self.add(con, table, part, refresh=refresh)
        return part.name

    def unlist(self, con: duckdb.DuckDBPyConnection, table: Table,
               file_ids: Iterable[str]) -> int:
        """Unlist the parts holding rows of ``file_ids``; their files go once the
        transaction commits. Returns the rows they held."""
        ids = list(file_ids)
        if not ids:
            return 0
        self.flush(con)
        marks = ", ".join("?" for _ in ids)
        rows = con.execute(
            f'SELECT part, row_count FROM "{PART.name}" WHERE table_name = ? '
            f"AND file_id IN ({marks})", [table.name, *ids]).fetchall()
        if not rows:
            return 0
        con.execute(f'DELETE FROM "{PART.name}" WHERE table_name = ? AND file_id IN ({marks})',
                    [table.name, *ids])
        part_ranges.forget(con, table, [part for part, _ in rows])
        self._unlisted.extend(self.path(table.name, part) for part, _ in rows)
        self.refresh_view(con, table)
        return sum(int(n) for _, n in rows)

    def rewrite(self, con: duckdb.DuckDBPyConnection, table: Table,
                change: Callable[[pa.Table], pa.Table | None], *,
                file_id: str | None = None) -> int:
        """Pass each part (of ``file_id``, or all) through ``change``; a part it returns a
        table for is replaced by a new part holding that table. Returns parts replaced."""
        sql = f'SELECT part, file_id FROM "{PART.name}" WHERE table_name = ?'
        params: list[Any] = [table.name]
        if file_id is not None:
            sql += " AND file_id = ?"
            params.append(file_id)
        replaced = 0
        self.flush(con)
        for part, part_file_id in con.execute(sql + " ORDER BY written_at, part",
                                              params).fetchall():
            path = self.path(table.name, part)
            changed = change(pq.read_table(path))
            if changed is None:
                continue
            self.write(con, table, conform(table, changed, {}), part_file_id, refresh=False)
            con.execute(f'DELETE FROM "{PART.name}" WHERE table_name = ? AND part = ?',
                        [table.name, part])
            part_ranges.forget(con, table, [part])
            self._unlisted.append(path)
            replaced += 1
        if replaced:
            self.refresh_view(con, table)
        return replaced

    def fill_ranges(self, con: duckdb.DuckDBPyConnection, tables: Iterable[Table]) -> int:
        """Record the ranges of parts listed without them (:func:`vrhub.storage.
        part_ranges.fill`); returns how many parts."""
        return part_ranges.fill(con, tables, self.relative)

    # -- questions bounded on recorded ranges -------------------------------------------
    def listed_ranges(self, con: duckdb.DuckDBPyConnection, table: Table
                      ) -> list[tuple[str, part_ranges.Recorded]]:
        """``table``'s parts listed now (in the open transaction), in the view's order,
        with their recorded ranges."""
        self.flush(con)
        return part_ranges.listed(con, table)

    def narrowed(self, table: Table, parts: list[tuple[str, part_ranges.Recorded]],
                 bounds: Mapping[str, tuple[Any, Any]]) -> str | None:
        """The rows of those of ``parts`` (:meth:`listed_ranges`) that may hold rows within
        ``bounds`` (column -> least, greatest; None on a side: unbounded), as an SQL
        relation typed as the view is; None when nothing is narrowed (no range recorded
        for the columns, or every part may hold such rows)."""
        if not any(column in table.part_ranges for column in bounds):
            return None
        chosen = [part for part, ranges in parts if part_ranges.meets(ranges, bounds)]
        if len(chosen) == len(parts):
            return None
        return typed_select(table, self._source(table, chosen))

    # -- the transaction's end ----------------------------------------------------------
    def committed(self) -> None:
        with _LOCK:
            never_listed = [path for path in self._written if path not in self._listed]
        for path in never_listed:
            path.unlink(missing_ok=True)
        if self.keep_unlisted:
            self._retire(self._unlisted)
        else:
            for path in self._unlisted:
                path.unlink(missing_ok=True)
        self._forget()

    # -- parts unlisted while other processes read an older copy ------------------------
    @property
    def _retired_file(self) -> Path:
        return self.folder / RETIRED

    def _retired(self) -> dict[str, float]:
        try:
            return {str(k): float(v) for k, v in
                    json.loads(self._retired_file.read_text(encoding="utf-8")).items()}
        except (FileNotFoundError, ValueError):
            return {}

    def _save_retired(self, retired: dict[str, float]) -> None:
        if not retired:
            self._retired_file.unlink(missing_ok=True)
            return
        temporary = self._retired_file.with_suffix(".tmp")
        temporary.write_text(json.dumps(retired), encoding="utf-8")
        os.replace(temporary, self._retired_file)

    def _retire(self, paths: Iterable[Path]) -> None:
        """Note when ``paths`` were unlisted, so that :meth:`sweep` keeps them for
        :data:`RETIRED_KEEP_SECONDS` (readers of the older copy may still read them)."""
        retired = self._retired()
        now = time.time()
        for path in paths:
            retired[str(path.relative_to(self.folder))] = now
        self._save_retired(retired)

    def rolled_back(self) -> None:
        self._pending = []
        self._pending_ranges = []
        for path in self._written:
            path.unlink(missing_ok=True)
        self._views.clear()  # a view created in the transaction is gone with it
        self._forget()

    def _forget(self) -> None:
        with _LOCK:
            _IN_FLIGHT.difference_update(self._written)
            self._written = []
            self._listed = set()
        self._unlisted = []
        self._pending = []
        self._pending_ranges = []

    def check(self, con: duckdb.DuckDBPyConnection) -> None:
        """Raise a clear error when listed parts are missing (the DuckDB file was copied or
        restored without its parts folder)."""
        try:
            listed = con.execute(f'SELECT table_name, part FROM "{PART.name}"').fetchall()
        except duckdb.CatalogException:  # a read-only warehouse from before parts
            return
        missing = [self.path(t, p) for t, p in listed if not self.path(t, p).exists()]
        if missing:
            raise ConfigError(
                f"{len(missing)} of the warehouse's {len(listed)} part files are missing "
                f"(first: {missing[0]})",
                hint=f"the warehouse is the DuckDB file and the folder {self.folder} beside "
                "it; copy or restore both together",
            )

    def sweep(self, con: duckdb.DuckDBPyConnection) -> int:
        """Delete part files that are not listed (left by a crash, or unlisted by a write
        swapped in while other processes read, once :data:`RETIRED_KEEP_SECONDS` have
        passed); returns how many."""
        if not self.folder.is_dir():
            return 0
        listed = {self.path(t, p) for t, p in con.execute(
            f'SELECT table_name, part FROM "{PART.name}"').fetchall()}
        retired = self._retired()
        keep_after = time.time() - RETIRED_KEEP_SECONDS
        removed = 0
        with _LOCK:
            for path in self.folder.glob("*/*.parquet"):
                if path in listed or path in _IN_FLIGHT:
                    continue
                key = str(path.relative_to(self.folder))
                if retired.get(key, 0.0) > keep_after:
                    continue
                path.unlink(missing_ok=True)
                retired.pop(key, None)
                removed += 1
        present = {k: v for k, v in retired.items() if (self.folder / k).exists()}
        if present != self._retired():
            self._save_retired(present)
        return removed


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
