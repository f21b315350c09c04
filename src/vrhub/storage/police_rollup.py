"""Monthly police.uk counts rolled up once per load: what trends, periods and record
totals read instead of scanning every street row.

``police_month_count`` holds, for the rows that count (:func:`~vrhub.storage.
police_counted.counted_rows`: each crime once, inside the study area), the number of rows
per ward and per borough (``level``), area, borough, force, crime type and month; rows
with no area of a level are kept under a null ``area_code`` (the "not in area results"
notes count them). ``police_force_month`` holds every stored row (counted or not) per
force, crime type and month: the months each force has any row in, and a force's
figures as loaded (:func:`force_counts`, :func:`force_trend`); ``police_rollup_state``
holds the crimes outside the study area and the *fingerprint* of what the counts were
made from: the definition of the ``police_street`` view (which names every Parquet part),
the rows left uncounted, the counting rule with its study area, and the shape of the
tables (:data:`LAYOUT`).

:func:`refresh` rebuilds all three inside the transaction that changed the rows (a
police load, a re-placing after new boundaries), so a copy of the warehouse written and
swapped in (:mod:`vrhub.storage.warehouse_swap`) carries counts in step with its parts.
Readers ask :func:`fresh` first: when anything changed without a refresh (another study
area, a warehouse written by an older vrhub) the fingerprint differs and they read the
street rows as before. Either way the figures are the same.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pandas as pd

from vrhub.standards.police_uk import POLICE_STREET, POLICE_UNCOUNTED
from vrhub.storage.police_counted import counted_rows, in_study_area_sql, repeated_rows
from vrhub.storage.queries import police as q
from vrhub.storage.queries.core import rows, run, value
from vrhub.storage.warehouse import Warehouse

COUNTS = "police_month_count"
FORCE_MONTHS = "police_force_month"
STATE = "police_rollup_state"
#: the rows' cells while the three are made (a temporary table)
CELLS = "police_rollup_cells"

#: The shape of the rolled-up tables, part of the fingerprint: counts rolled up in another
#: shape (by an older vrhub) are not fresh, and readers read the rows until the next refresh.
LAYOUT = 2

#: The area levels counted, and their area column in ``police_street``: LSOA figures
#: (some 5,000 areas in London, most with a few crimes a month) are counted from the rows.
LEVEL_COLUMNS = {"ward": "ward_code", "borough": "borough_code"}

#: Columns of ``police_month_count`` a record filter may name (at the ``borough`` level,


def fingerprint(warehouse: Warehouse) -> str | None:
    """What the rolled-up counts depend on, digested; None without street rows."""
    if not warehouse.has_table(POLICE_STREET.name):
        return None
    view = warehouse._scalar("SELECT sql FROM duckdb_views() WHERE view_name = ?",
                             [POLICE_STREET.name])
    uncounted: Any = None
    if warehouse.has_table(POLICE_UNCOUNTED.name):
        uncounted = warehouse._con.execute(
            f'SELECT count(*), bit_xor(hash(file_id, row_number, counted_series)) '
            f'FROM "{POLICE_UNCOUNTED.name}"').fetchone()
    text = "\n".join(map(str, (LAYOUT, view, uncounted, counted_rows(warehouse))))
    return hashlib.sha256(text.encode()).hexdigest()


def refresh(warehouse: Warehouse) -> None:
    """Rebuild the rolled-up counts from the rows that count now (inside the caller's
    transaction, or one of its own)."""
    with warehouse.atomic():
        con = warehouse._con
        for name in (COUNTS, FORCE_MONTHS, STATE):
            con.execute(f'DROP TABLE IF EXISTS "{name}"')
        stamp = fingerprint(warehouse)
        if stamp is None:
            return
        # one pass over the rows: every row's cell (counted or not, inside the study area
        # or not; a ward only for the rows the counts hold), the three tables from the
        # cells (three passes took 1.8 times as long over a national load)
        dims = "borough_code, force, crime_type, month"
        repeats = repeated_rows(warehouse)
        counted = "u.row_number IS NULL" if repeats else "true"
        join = (f" LEFT JOIN (SELECT file_id, row_number FROM {repeats}) u "
                "USING (file_id, row_number)" if repeats else "")
        inside = f"coalesce({in_study_area_sql(warehouse)}, false)"
        con.execute(
            f"CREATE TEMP TABLE {CELLS} AS SELECT {counted} AS counted, {inside} AS inside, "
            f"CASE WHEN {counted} AND {inside} THEN ward_code END AS ward_code, "
            f'{dims}, count(*) AS count FROM "{POLICE_STREET.name}" s{join} GROUP BY ALL')
        try:
            con.execute(
                f'CREATE TABLE "{COUNTS}" AS WITH ward AS (SELECT ward_code, {dims}, count '
                f"FROM {CELLS} WHERE counted AND inside) "
                f"SELECT 'ward' AS level, ward_code AS area_code, {dims}, count FROM ward "
                f"UNION ALL SELECT 'borough', borough_code, {dims}, "
                f"CAST(sum(count) AS BIGINT) FROM ward GROUP BY ALL "
                "ORDER BY level, borough_code, area_code, crime_type, month")
            con.execute(f'CREATE TABLE "{FORCE_MONTHS}" AS SELECT force, crime_type, month, '
                        f"CAST(sum(count) AS BIGINT) AS rows FROM {CELLS} GROUP BY ALL "
                        "ORDER BY ALL")
            outside = warehouse._scalar(
                f"SELECT sum(count) FROM {CELLS} WHERE counted AND NOT inside")
        finally:
            con.execute(f"DROP TABLE {CELLS}")
        con.execute(f'CREATE TABLE "{STATE}" AS SELECT ? AS fingerprint, '
                    "CAST(? AS BIGINT) AS outside", [stamp, int(outside or 0)])


def fresh(warehouse: Warehouse) -> bool:
    """True when the rolled-up counts are those of the rows as they are now (kept while a
    read-only warehouse stays open)."""
    def check() -> bool:
        if not warehouse.has_table(STATE):
            return False
        stored = value(warehouse, q.ROLLUP_FINGERPRINT)
        return stored is not None and stored == fingerprint(warehouse)

    return warehouse.remembered("police_rollup.fresh", check)


def months(warehouse: Warehouse) -> list[str]:
    """The months with any counted row, in order."""
    return list(warehouse.remembered("police_rollup.months", lambda: [
        str(m) for (m,) in rows(warehouse, q.ROLLUP_MONTHS)]))


def stored_months(warehouse: Warehouse) -> tuple[str | None, str | None]:
    """First and last month of any stored street row, counted or not (kept while a
    read-only warehouse stays open: every record page states its period)."""
    found = warehouse.remembered("police.stored_months",
                                 lambda: rows(warehouse, q.STORED_MONTHS))
    row = found[0] if found else None
    if not row or row[1] is None:
        return (None, None)
    return (str(row[0]), str(row[1]))


def force_counts(warehouse: Warehouse, force: str, first: str, last: str) -> pd.DataFrame:
    """Street crimes of one force's files per crime type over months ``first``..``last``
    (rows as loaded): from the rolled-up counts when they are fresh, else from the rows.
    A national warehouse holds thousands of parts; the rolled-up table answers without
    opening any of them."""
    query = q.FORCE_COUNTS_ROLLED if fresh(warehouse) else q.FORCE_COUNTS
    return run(warehouse, query, force=force, first=first, last=last)


def force_trend(warehouse: Warehouse, force: str, crime_type: str) -> pd.DataFrame:
    """Monthly street crimes of one type in one force's files (rows as loaded), as
    :func:`force_counts` reads them."""
    query = q.FORCE_TREND_ROLLED if fresh(warehouse) else q.FORCE_TREND
    return run(warehouse, query, force=force, crime_type=crime_type)
