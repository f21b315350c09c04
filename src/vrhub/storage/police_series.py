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
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from vrhub.standards.police_uk import POLICE_STREET
from vrhub.storage.file_load import FileLedger
from vrhub.storage.queries import police as q
from vrhub.storage.queries.core import rows as answer
from vrhub.storage.queries.core import value
from vrhub.storage.registered import registered
from vrhub.storage.warehouse import Warehouse

#: Share of Crime IDs two files of one month must have in common to be one series.
SHARED = 0.5


#: A file's forces (the Reported by of its rows): None when not known (a file streamed in
#: blocks, whose later blocks were not read when it was added), which matches any forces
Forces = frozenset[str] | None


class MonthRows:
    """Where ``police_street``'s rows of each month are, for one load: the files (file
    ids) holding rows of each month, with the forces (Reported by) of their rows, read from
    the warehouse once, when first asked, and told of each file the load stores since
    (:meth:`add`). A new file's rows are then compared with the parts of its month's files
    that hold rows of its forces only, not with every part: a file revising a series
    shares most of that series' crimes, and a crime keeps its force (on a national load,
    43 forces' files a month, comparing each file with the other forces' parts of its
    month was a third of the load's time). The series and months loaded are the load's
    ``ledger``'s (its source's provenance, kept in step as its files load)."""

    def __init__(self, warehouse: Warehouse, ledger: FileLedger) -> None:
        self.warehouse = warehouse
        self.ledger = ledger
        self._stored: dict[str, dict[str | None, set[str]]] | None = None
        self._added: dict[str, dict[str | None, Forces]] = {}

    @property
    def source(self) -> str:
        return self.ledger.source

    def add(self, month: str, file_id: str | None, forces: Forces = None) -> None:
        """The load stores (or may store) rows of ``month`` from ``file_id``, of ``forces``
        (None: not known, so compared with every new file of the month)."""
        self._added.setdefault(month, {})[file_id] = forces

    def loaded(self, series: str, month: str) -> bool:
        """Whether a file of ``series`` is loaded for ``month`` (before this load, or by
        it): answered by the load's ledger, not by a question to the warehouse."""
        return self.ledger.partition_loaded(f"{series}/{month}")

    def files(self, month: str, forces: Forces = None) -> set[str | None]:
        """The file ids that may hold rows of ``month`` (all that do, and perhaps some
        whose rows the load has replaced since), of any of ``forces`` (None: of any
        force)."""
        if self._stored is None:
            self._stored = {}
            if self.warehouse.has_table(POLICE_STREET.name):
                self.warehouse.parts.refresh_view(self.warehouse._con, POLICE_STREET)
                for stored_month, file_id, force in answer(self.warehouse,
                                                           q.MONTH_FILE_FORCES):
                    held = self._stored.setdefault(str(stored_month), {}).setdefault(
                        None if file_id is None else str(file_id), set())
                    if force is not None:
                        held.add(str(force))
        known: dict[str | None, Forces] = {
            file_id: frozenset(held) for file_id, held in self._stored.get(month, {}).items()}
        known.update(self._added.get(month, {}))
        return {file_id for file_id, held in known.items()
                if forces is None or held is None or not held or held & forces}

    def relation(self, month: str, forces: Forces = None) -> str | None:
        """The rows of the parts that may hold rows of ``month`` of ``forces``, as an SQL
        relation (None when no part does)."""
        files = self.files(month, forces)
        if not files:
            return None
        return self.warehouse.parts.rows_of(self.warehouse._con, POLICE_STREET, files)


def forces_of(rows: pa.Table) -> Forces:
    """The forces (Reported by) of ``rows``; None when no row names one."""
    forces = frozenset(_distinct(rows["reported_by"]))
    return forces or None


def series_for(warehouse: Warehouse, source: str, month: str, named: str,
               rows: Callable[[], pa.Table | None], *, whole: bool = True,
               months: MonthRows | None = None) -> str:
    """The series a file of ``month`` belongs to: ``named`` (from its file name) when that
    series is loaded for the month, else the loaded series its rows revise
    (:func:`revised_series`, on ``rows()``), else ``named``. With ``months`` the rows are
    compared with the parts of the month's files of the rows' forces only."""
    if months is None and not warehouse.has_table(POLICE_STREET.name):
        return named
    if months is not None and months.source == source:
        if months.loaded(named, month):
            return named
    elif value(warehouse, q.SERIES_LOADED, source=source, partition=f"{named}/{month}"):
        return named
    if months is not None and not months.files(month):
        return named  # no row of the month is stored: nothing to revise
    if months is None:  # files stored earlier in this load are listed but not yet in the view
        warehouse.parts.refresh_view(warehouse._con, POLICE_STREET)
    table = rows()
    if table is None or not table.num_rows:
        return named
    relation = None
    if months is not None:
        relation = months.relation(month, forces_of(table))
        if relation is None:  # no row of the month from these forces is stored
            return named
    return revised_series(warehouse, month, table, whole=whole, relation=relation) or named


def revised_series(warehouse: Warehouse, month: str, rows: pa.Table, *,
                   whole: bool = True, relation: str | None = None) -> str | None:
    """The series of ``month`` that ``rows`` (``crime_id``, ``reported_by``,
    ``crime_type``) revise, or None. With ``whole=False`` the rows are the start of a
    file: only the share of their Crime IDs found in the series is asked for.
    ``relation`` holds the stored rows to compare with (all of ``police_street`` when
    None)."""
    if relation is None:
        if not warehouse.has_table(POLICE_STREET.name):
            return None
        relation = f'"{POLICE_STREET.name}"'
    ids = pc.unique(pc.drop_null(pc.cast(rows["crime_id"], pa.string())))
    if len(ids):
        with registered(warehouse._con, "_vrhub_new_ids", pa.table({"crime_id": ids})):
            found = warehouse._con.execute(
                f"""SELECT series, count(DISTINCT s.crime_id) AS ids,
                           count(DISTINCT n.crime_id) AS shared
                    FROM {relation} s LEFT JOIN _vrhub_new_ids n ON n.crime_id = s.crime_id
                    WHERE s.month = ? AND s.crime_id IS NOT NULL
                    GROUP BY series ORDER BY shared DESC, series""", [month]).fetchall()
        for series, held, shared in found:
            if shared >= SHARED * len(ids) and (not whole or shared >= SHARED * held):
                return str(series)
        return None
    forces = _distinct(rows["reported_by"])
    types = _distinct(rows["crime_type"])
    held_series: list[Any] = warehouse._con.execute(
        q.SERIES_WITHOUT_IDS_SQL.format(rows=relation), {"month": month}).fetchall()
    for series, held_forces, held_types in held_series:
        same_types = set(held_types) == types if whole else types <= set(held_types)
        if set(held_forces) == forces and same_types:
            return str(series)
    return None


def _distinct(column: pa.ChunkedArray | pa.Array) -> set[str]:
    """The column's values (dictionary-encoded text: the entries its rows use, without
    decoding every row)."""
    found: set[str] = set()
    for chunk in column.chunks if isinstance(column, pa.ChunkedArray) else [column]:
        if pa.types.is_dictionary(chunk.type):
            chunk = chunk.dictionary.take(pc.unique(chunk.indices).drop_null())
        found.update(str(v) for v in pc.unique(pc.cast(chunk, pa.string())).to_pylist()
                     if v is not None)
    return found
