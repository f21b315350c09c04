"""What the load records (``load_provenance``) say, per source and status: the figures
behind the warehouse metrics."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from vrhub.standards.provenance import PROVENANCE
from vrhub.storage.queries.core import rows as answer
from vrhub.storage.queries.sources import LOAD_TOTALS
from vrhub.storage.warehouse import Warehouse


@dataclass(frozen=True)
class LoadTotals:
    source: str
    status: str
    files: int
    rows_loaded: int
    rows_quarantined: int
    last_loaded: float | None  # Unix time


def load_totals(warehouse: Warehouse) -> list[LoadTotals]:
    if not warehouse.has_table(PROVENANCE.name):
        return []
    rows = answer(warehouse, LOAD_TOTALS)
    return [LoadTotals(str(source), str(status), int(files), int(loaded), int(quarantined),
                       _unix(last)) for source, status, files, loaded, quarantined, last in rows]


def _unix(value: dt.datetime | None) -> float | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC).timestamp()
