"""Which loaded police.uk series a new file revises, decided by its rows, not its name.

A file is a revision of a series already loaded for its month when it holds mostly the same
crimes: at least :data:`SHARED` of its distinct Crime IDs are the series' and at least
:data:`SHARED` of the series' are its own (a category extract shares a few of a force's
crimes and is not a revision; a new download shares nearly all). A file without Crime IDs
(British Transport Police) revises the series of its month whose rows come from the same
forces (Reported by) with the same crime types and no Crime IDs either.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

from vrhub.standards.police_uk import POLICE_STREET
from vrhub.storage.queries import police as q
from vrhub.storage.queries.core import rows as answer
from vrhub.storage.queries.core import value
from vrhub.storage.warehouse import Warehouse

#: Share of Crime IDs two files of one month must have in common to be one series.
SHARED = 0.5


def series_for(warehouse: Warehouse, source: str, month: str, named: str,
               rows: Callable[[], pa.Table | None], *, whole: bool = True) -> str:
    """The series a file of ``month`` belongs to: ``named`` (from its file name) when that
    series is loaded for the month, else the loaded series its rows revise
    (:func:`revised_series`, on ``rows()``), else ``named``."""
    if not warehouse.has_table(POLICE_STREET.name):
        return named
    if value(warehouse, q.SERIES_LOADED, source=source, partition=f"{named}/{month}"):
        return named
    # files stored earlier in this load are listed but not yet in the view
    warehouse.parts.refresh_view(warehouse.con, POLICE_STREET)
    table = rows()
    if table is None or not table.num_rows:
        return named
    return revised_series(warehouse, month, table, whole=whole) or named


def revised_series(warehouse: Warehouse, month: str, rows: pa.Table, *,
                   whole: bool = True) -> str | None:
    """The series of ``month`` that ``rows`` (``crime_id``, ``reported_by``,
    ``crime_type``) revise, or None. With ``whole=False`` the rows are the start of a
    file: only the share of their Crime IDs found in the series is asked for."""
    if not warehouse.has_table(POLICE_STREET.name):
        return None
    table = POLICE_STREET.name
    ids = pc.unique(pc.drop_null(pc.cast(rows["crime_id"], pa.string())))
    if len(ids):
        warehouse.con.register("_vrhub_new_ids", pa.table({"crime_id": ids}))
        try:
            found = warehouse.con.execute(
                f"""SELECT series, count(DISTINCT s.crime_id) AS ids,
                           count(DISTINCT n.crime_id) AS shared
                    FROM "{table}" s LEFT JOIN _vrhub_new_ids n ON n.crime_id = s.crime_id
                    WHERE s.month = ? AND s.crime_id IS NOT NULL
                    GROUP BY series ORDER BY shared DESC, series""", [month]).fetchall()
        finally:
            warehouse.con.unregister("_vrhub_new_ids")
        for series, held, shared in found:
            if shared >= SHARED * len(ids) and (not whole or shared >= SHARED * held):
                return str(series)
        return None
    forces = _distinct(rows["reported_by"])
    types = _distinct(rows["crime_type"])
    for series, held_forces, held_types in answer(warehouse, q.SERIES_WITHOUT_IDS,
                                                  month=month):
        same_types = set(held_types) == types if whole else types <= set(held_types)
        if set(held_forces) == forces and same_types:
            return str(series)
    return None


def _distinct(column: pa.ChunkedArray | pa.Array) -> set[str]:
    values = pc.unique(pc.cast(column, pa.string()))
    return {str(v) for v in values.to_pylist() if v is not None}
