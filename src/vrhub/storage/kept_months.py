"""A police.uk record search's counted crimes per month, from the borough counts rolled up
at load time (:mod:`vrhub.storage.police_rollup`), kept in memory while a read-only
warehouse stays open.

A record page's total, and the months its rows are read from, come from these counts
(:func:`vrhub.storage.records.search`). Asked of the engine
(:data:`~vrhub.storage.queries.records.ROLLED_UP_MONTHS`), they were two fifths of a new
page's time in the web server; a borough's counts are a few hundred rows (crime types x
months), so they are kept per borough (months and crime types numbered: a national
warehouse holds some 600,000 counts) and summed here instead. The answer is the query's:
``(month, crimes)`` in month order, the rows without a month last. A search of no named
borough (everything), or of a writable warehouse (a load may change the counts), asks the
engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vrhub.storage.queries import records as queries
from vrhub.storage.queries.core import rows, run_arrow
from vrhub.storage.warehouse import Warehouse

#: The conditions a search's months can be summed here for (the others are the engine's).
SUMMED = frozenset({"scope_boroughs", "boroughs", "categories", "month_from", "month_to"})


@dataclass(frozen=True)
class _Kept:
    """The rolled-up borough counts: every month and crime type (lower case) once, in
    order (None last), and per borough each count's month and crime type by position."""

    months: list[str | None]
    categories: list[str | None]
    boroughs: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]


def by_month(warehouse: Warehouse, names: Sequence[str], values: dict[str, Any]
             ) -> list[tuple[str | None, int]]:
    """Counted crimes per month of the police.uk search composed of the conditions
    ``names`` (:func:`vrhub.storage.queries.records.fragments`) with ``values``."""
    named = [set(values[n]) for n in ("scope_boroughs", "boroughs") if n in names]
    if not warehouse.read_only or not named or not set(names) <= SUMMED:
        return [(None if m is None else str(m), int(n)) for m, n in rows(
            warehouse, queries.ROLLED_UP_MONTHS.compose(list(names)), **values)]
    kept: _Kept = warehouse.remembered("kept_months.boroughs", lambda: _kept(warehouse))
    first = values["month_from"] if "month_from" in names else None
    last = values["month_to"] if "month_to" in names else None
    month_kept = np.array([(first is None and last is None) or (
        m is not None and (first is None or m >= first) and (last is None or m <= last))
        for m in kept.months], dtype=bool)
    chosen = set(values["categories"]) if "categories" in names else None
    category_kept = np.array([chosen is None or c in chosen for c in kept.categories],
                             dtype=bool)
    totals = np.zeros(len(kept.months), dtype=np.int64)
    for code in set.intersection(*named):
        if code in kept.boroughs:
            month, category, count = kept.boroughs[code]
            keep = month_kept[month] & category_kept[category]
            np.add.at(totals, month[keep], count[keep])
    return [(kept.months[i], int(totals[i])) for i in np.flatnonzero(totals)]


def _kept(warehouse: Warehouse) -> _Kept:
    """The borough counts, numbered without a Python object per count (read once per
    process)."""
    table = run_arrow(warehouse, queries.ROLLED_UP_BOROUGHS)
    month, months = _numbered(table["month"])
    category, categories = _numbered(table["category"])
    count = table["count"].to_numpy().astype(np.int64)
    boroughs = pc.dictionary_encode(table["borough_code"].combine_chunks())
    borough = boroughs.indices.to_numpy(zero_copy_only=False)
    # the rows come in borough order: each borough's counts are one run of rows
    starts = np.concatenate([[0], np.flatnonzero(np.diff(borough)) + 1])
    stops = np.append(starts[1:], len(borough))
    names = boroughs.dictionary.to_pylist()
    return _Kept(months, categories, {
        str(names[borough[a]]): (month[a:b], category[a:b], count[a:b])
        for a, b in zip(starts.tolist(), stops.tolist(), strict=True) if b > a})


def _numbered(column: pa.ChunkedArray) -> tuple[np.ndarray, list[str | None]]:
    """Each value's position among the distinct values in order, None last."""
    encoded = pc.dictionary_encode(column.combine_chunks())
    distinct = [str(v) for v in encoded.dictionary.to_pylist()]
    ordered = sorted(distinct)
    rank = {v: i for i, v in enumerate(ordered)}
    to_rank = np.array([rank[v] for v in distinct] + [len(ordered)], dtype=np.intp)
    indices = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
    return to_rank[indices], [*ordered, None]
