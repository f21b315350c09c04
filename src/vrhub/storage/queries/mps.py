"""MPS recorded-crime counts as the loader sees them: borough names known to the warehouse,
and the months other publications hold (one publication per month: the later wins)."""

from __future__ import annotations

import pandas as pd

from vrhub.standards.mps import MPS_CRIME_COUNT
from vrhub.storage.queries.core import define, rows, run, value
from vrhub.storage.warehouse import Warehouse

BOROUGH_BOUNDARY_NAMES = define(
    "mps.borough_boundary_names",
    "SELECT DISTINCT name, code FROM area_boundary WHERE level = 'borough' "
    "AND name IS NOT NULL ORDER BY name, code",
    doc="Borough names and codes in the loaded boundaries.")

LONDON_LOOKUP_BOROUGHS = define(
    "mps.london_lookup_boroughs",
    "SELECT DISTINCT borough_name, borough_code FROM area_lookup "
    "WHERE borough_name IS NOT NULL AND borough_code LIKE 'E09%' "
    "ORDER BY borough_name, borough_code",
    doc="London borough names and codes in the loaded ward lookup.")

OTHER_FILES = define(
    "mps.other_files",
    f'SELECT DISTINCT file_id FROM "{MPS_CRIME_COUNT.name}" '
    "WHERE level = $level AND file_id <> $file_id ORDER BY file_id",
    {"level": "str", "file_id": "str"},
    doc="Other files holding MPS counts at a level.",
    example={"level": "borough", "file_id": "none"})

MONTH_TOTALS = define(
    "mps.month_totals",
    f'SELECT month, sum("count") AS total FROM "{MPS_CRIME_COUNT.name}" '
    "WHERE level = $level AND file_id = $file_id AND list_contains($months, month) "
    "GROUP BY month ORDER BY month",
    {"level": "str", "file_id": "str", "months": "list[str]"},
    doc="Offences per month of one file at a level, of some months.",
    example={"level": "borough", "file_id": "none", "months": ["2024-01"]})

FILE_ROWS = define(
    "mps.file_rows",
    f'SELECT count(*) AS n FROM "{MPS_CRIME_COUNT.name}" WHERE file_id = $file_id',
    {"file_id": "str"}, doc="Rows of MPS counts from one file.", example={"file_id": "none"})

FILE_PROVENANCE = define(
    "mps.file_provenance",
    'SELECT file_name, partition FROM "provenance" WHERE file_id = $file_id '
    "AND source = $source",
    {"file_id": "str", "source": "str"}, doc="A loaded file's name and partition.",
    example={"file_id": "none", "source": "mps"})


def boundary_borough_names(wh: Warehouse) -> list[tuple[str, str]]:
    return [(str(n), str(c)) for n, c in rows(wh, BOROUGH_BOUNDARY_NAMES)]


def lookup_borough_names(wh: Warehouse) -> list[tuple[str, str]]:
    return [(str(n), str(c)) for n, c in rows(wh, LONDON_LOOKUP_BOROUGHS)]


def other_files(wh: Warehouse, level: str, file_id: str) -> list[str]:
    return [str(f) for (f,) in rows(wh, OTHER_FILES, level=level, file_id=file_id)]


def month_totals(wh: Warehouse, level: str, file_id: str, months: list[str]) -> pd.DataFrame:
    return run(wh, MONTH_TOTALS, level=level, file_id=file_id, months=list(months))


def file_rows(wh: Warehouse, file_id: str) -> int:
    return int(value(wh, FILE_ROWS, file_id=file_id) or 0)


def file_provenance(wh: Warehouse, file_id: str, source: str) -> tuple[str, str] | None:
    found = rows(wh, FILE_PROVENANCE, file_id=file_id, source=source)
    if not found:
        return None
    return str(found[0][0]), str(found[0][1] or "")


def drop_months(wh: Warehouse, level: str, file_id: str, months: list[str]) -> None:
    """Delete one file's counts at ``level`` for ``months`` (inside the load)."""
    wh._con.execute(f'DELETE FROM "{MPS_CRIME_COUNT.name}" WHERE level = ? AND file_id = ? '
                   "AND list_contains(?, month)", [level, file_id, list(months)])


def mark_replaced(wh: Warehouse, file_id: str, source: str) -> None:
    """A loaded file's provenance says it is replaced (inside the load)."""
    wh._con.execute("UPDATE \"provenance\" SET status = 'replaced' "
                   "WHERE file_id = ? AND source = ?", [file_id, source])
