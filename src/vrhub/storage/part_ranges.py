"""The range of some columns in each Parquet part, and which parts a bounded question reads.

A table stored as parts may declare ``part_ranges`` (``police_street``: month, force,
borough and file id: a record's id names its file). Each part's least and greatest value
of those columns is kept beside its listing (``warehouse_part_range``): written with the
listing (:class:`vrhub.storage.parts.PartStore` keeps both and writes them together) and
removed with it. A question bounded on them (:class:`vrhub.storage.queries.core.Narrow`)
reads only the parts whose range meets its bounds. The view itself reads every part:
DuckDB would skip the others by their statistics too, but only after opening each one's
footer, which at national scale (5,160 parts) costs half a second a question.

A part listed without a range (written before ranges were kept) may hold anything: every
question reads it until :func:`fill` records its range, the next time the warehouse is
opened for writing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from vrhub.standards.provenance import PART, PART_RANGE
from vrhub.standards.schema import Table
from vrhub.storage.registered import append_rows

#: (column, least, greatest) of a part, for each of its table's ``part_ranges``
Ranges = tuple[tuple[str, str | None, str | None], ...]
#: column -> (least, greatest) recorded for one part
Recorded = dict[str, tuple[str | None, str | None]]


def ranges_of(table: Table, data: pa.Table) -> Ranges:
    """The least and greatest value of each of ``table``'s ``part_ranges`` columns in
    ``data`` (None, None when every value is null). A dictionary-encoded column's range
    is its dictionary's, which may be wider than the values used: a wider range only
    means the part is read by more questions."""
    found = []
    for name in table.part_ranges:
        least: str | None = None
        greatest: str | None = None
        for chunk in data[name].chunks:
            values = chunk.dictionary if pa.types.is_dictionary(chunk.type) else chunk
            if pa.types.is_dictionary(chunk.type) and chunk.null_count == len(chunk):
                continue
            bounds = pc.min_max(values)
            low, high = bounds["min"].as_py(), bounds["max"].as_py()
            if low is None:
                continue
            least = low if least is None else min(least, low)
            greatest = high if greatest is None else max(greatest, high)
        found.append((name, least, greatest))
    return tuple(found)


def meets(ranges: Recorded, bounds: Mapping[str, tuple[Any, Any]]) -> bool:
    """Whether a part of these recorded ``ranges`` may hold a row within ``bounds``
    (column -> least, greatest; None on a side: unbounded)."""
    for column, (low, high) in bounds.items():
        if column not in ranges:  # not recorded: may hold anything
            continue
        least, greatest = ranges[column]
        if least is None:  # only nulls, which no bound admits
            return False
        if (low is not None and greatest is not None and greatest < low) or (
                high is not None and least > high):
            return False
    return True


def listed(con: duckdb.DuckDBPyConnection, table: Table) -> list[tuple[str, Recorded]]:
    """The parts listed for ``table``, in the view's order, with their recorded ranges
    (none for a read-only warehouse from before ranges were kept)."""
    try:
        found = con.execute(
            f'SELECT p.part, list(r.column_name), list(r.least), list(r.greatest) '
            f'FROM "{PART.name}" p LEFT JOIN "{PART_RANGE.name}" r '
            "ON r.table_name = p.table_name AND r.part = p.part "
            "WHERE p.table_name = ? GROUP BY p.part, p.written_at "
            "ORDER BY p.written_at, p.part", [table.name]).fetchall()
    except duckdb.CatalogException:
        return []
    return [(part, {c: (lo, hi) for c, lo, hi in zip(columns, least, greatest, strict=True)
                    if c is not None})
            for part, columns, least, greatest in found]


def forget(con: duckdb.DuckDBPyConnection, table: Table, parts: list[str]) -> None:
    """Remove the ranges of ``parts`` (unlisted in the same transaction)."""
    if table.part_ranges and parts:
        con.execute(f'DELETE FROM "{PART_RANGE.name}" WHERE table_name = ? '
                    "AND list_contains(?, part)", [table.name, parts])


def fill(con: duckdb.DuckDBPyConnection, tables: Iterable[Table],
         relative: Callable[[str, str], str]) -> int:
    """Record the ranges of parts listed without them (written before ranges, or a
    column's range, were kept), read from the parts' rows (``relative`` names a part's
    file as the views do), in one transaction; returns how many parts."""
    found: list[tuple[str, str, str, str | None, str | None]] = []
    stale: list[tuple[Table, list[str]]] = []
    for table in tables:
        if not table.part_ranges:
            continue
        missing = [row[0] for row in con.execute(
            f'SELECT part FROM "{PART.name}" p WHERE table_name = ? AND (SELECT count(*) '
            f'FROM "{PART_RANGE.name}" r WHERE r.table_name = p.table_name AND r.part = '
            "p.part AND list_contains(?, r.column_name)) < ? ORDER BY part",
            [table.name, list(table.part_ranges), len(table.part_ranges)]).fetchall()]
        stale.append((table, missing))
        bounds = ", ".join(f'CAST(min("{c}") AS VARCHAR), CAST(max("{c}") AS VARCHAR)'
                           for c in table.part_ranges)
        for start in range(0, len(missing), 500):
            chosen = missing[start:start + 500]
            files = ", ".join("'" + relative(table.name, p).replace("'", "''") + "'"
                              for p in chosen)
            read = {Path(row[0]).name: row[1:] for row in con.execute(
                f"SELECT filename, {bounds} FROM read_parquet([{files}], filename = true) "
                "GROUP BY filename").fetchall()}
            for part in chosen:  # a part of no rows holds no value
                values = read.get(part, (None,) * (2 * len(table.part_ranges)))
                found.extend((table.name, part, column, values[2 * i], values[2 * i + 1])
                             for i, column in enumerate(table.part_ranges))
    if not found:
        return 0
    con.execute("BEGIN TRANSACTION")
    try:
        for table, parts in stale:  # a part's ranges are written whole
            forget(con, table, parts)
        append_rows(con, PART_RANGE, found)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return sum(len(parts) for _, parts in stale)
