"""A police.uk record search's counted crimes per month, from the borough counts rolled up
at load time (:mod:`vrhub.storage.police_rollup`), kept in memory while a read-only
warehouse stays open.

A record page's total, and the months its rows are read from, come from these counts
(:func:`vrhub.storage.records.search`). Asked of the engine
(:data:`~vrhub.storage.queries.records.ROLLED_UP_MONTHS`), they were two fifths of a new
page's time in the web server; a borough's counts are a few hundred rows (crime types x
months), so they are kept per borough and summed here instead. The answer is the query's:
``(month, crimes)`` in month order, the rows without a month last. A search of no named
borough (everything), or of a writable warehouse (a load may change the counts), asks the
engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from vrhub.storage.queries import records as queries
from vrhub.storage.queries.core import rows
from vrhub.storage.warehouse import Warehouse

#: The conditions a search's months can be summed here for (the others are the engine's).
SUMMED = frozenset({"scope_boroughs", "boroughs", "categories", "month_from", "month_to"})


@dataclass(frozen=True)
class _Counts:
    """One borough's rolled-up counts: lower-case crime type, month, crimes."""

    category: list[str | None]
    month: list[str | None]
    count: np.ndarray


def by_month(warehouse: Warehouse, names: Sequence[str], values: dict[str, Any]
             ) -> list[tuple[str | None, int]]:
    """Counted crimes per month of the police.uk search composed of the conditions
    ``names`` (:func:`vrhub.storage.queries.records.fragments`) with ``values``."""
    named = [set(values[n]) for n in ("scope_boroughs", "boroughs") if n in names]
    if not warehouse.read_only or not named or not set(names) <= SUMMED:
        return [(None if m is None else str(m), int(n)) for m, n in rows(
            warehouse, queries.ROLLED_UP_MONTHS.compose(list(names)), **values)]
    kept: dict[str, _Counts] = warehouse.remembered("kept_months.boroughs",
                                                    lambda: _boroughs(warehouse))
    categories = set(values["categories"]) if "categories" in names else None
    first = values["month_from"] if "month_from" in names else None
    last = values["month_to"] if "month_to" in names else None
    totals: dict[str | None, int] = {}
    for code in set.intersection(*named):
        counts = kept.get(code)
        if counts is None:
            continue
        for category, month, n in zip(counts.category, counts.month,
                                      counts.count.tolist(), strict=True):
            if categories is not None and category not in categories:
                continue
            if (first is not None or last is not None) and month is None:
                continue
            if (first is not None and month < first) or (last is not None and month > last):
                continue
            totals[month] = totals.get(month, 0) + n
    return sorted(totals.items(), key=lambda item: (item[0] is None, item[0] or ""))


def _boroughs(warehouse: Warehouse) -> dict[str, _Counts]:
    found: dict[str, tuple[list[str | None], list[str | None], list[int]]] = {}
    for borough, category, month, n in rows(warehouse, queries.ROLLED_UP_BOROUGHS):
        kept = found.setdefault(str(borough), ([], [], []))
        kept[0].append(None if category is None else str(category))
        kept[1].append(None if month is None else str(month))
        kept[2].append(int(n))
    return {code: _Counts(c, m, np.array(n, dtype=np.int64))
            for code, (c, m, n) in found.items()}
