"""A small counts answer kept whole while a read-only warehouse stays open, from which each
question takes its rows instead of asking the engine again.

The police.uk counts per borough rolled up at load time (:mod:`vrhub.storage.police_rollup`)
are a few thousand rows (boroughs x crime types x months). Asking DuckDB for one borough's
rows costs some milliseconds of planning for a few hundred rows; taking them from the whole
answer, kept in memory, costs a fraction of that. The rows taken are those the question's
filters (:func:`vrhub.storage.series` ``_filters``: areas, categories, first and last
month) keep, in the answer's order, with the column types the engine gives such an answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from vrhub.storage.warehouse import Warehouse

#: The text columns of a counts answer (``VARCHAR``): a column of them holding no value at
#: all comes from DuckDB as plain Python objects (``None``), one holding any as text.
TEXT_COLUMNS = ("area_code", "area_name", "category", "month")


@dataclass(frozen=True)
class KeptCounts:
    """A whole counts answer (rows ordered by area) and where each area's rows lie."""

    frame: pd.DataFrame
    spans: dict[str, tuple[int, int]]
    categories: list[object]
    months: list[object]

    @classmethod
    def of(cls, frame: pd.DataFrame) -> KeptCounts:
        spans: dict[str, tuple[int, int]] = {}
        for i, code in enumerate(frame["area_code"].tolist()):
            start, _ = spans.get(code, (i, i))
            spans[code] = (start, i + 1)
        return cls(frame, spans, frame["category"].tolist(), frame["month"].tolist())

    def positions(self, areas: Sequence[str] | None) -> np.ndarray:
        """The rows of ``areas`` (every row when None), in the answer's order."""
        if areas is None:
            return np.arange(len(self.frame))
        spans = sorted(self.spans[a] for a in set(areas) if a in self.spans)
        if not spans:
            return np.zeros(0, dtype="int64")
        return np.concatenate([np.arange(start, stop) for start, stop in spans])


def taken(warehouse: Warehouse, key: str, whole: Callable[[], pd.DataFrame], *,
          areas: Sequence[str] | None, categories: Sequence[str] | None,
          first: str | None, last: str | None) -> pd.DataFrame | None:
    """The rows of the answer ``whole()`` (kept under ``key``) in ``areas`` (area codes;
    None: all), of ``categories`` (None: all) and from ``first`` to ``last`` (either
    open), as the engine answers the question itself; None when no row is taken (the
    caller asks the engine, whose empty answers have column types of their own).

    Only for answers in which each area's rows are together, and whose filters read the
    area, category and month columns of the answer."""
    kept: KeptCounts = warehouse.remembered(f"kept_counts.{key}",
                                            lambda: KeptCounts.of(whole()))
    rows = kept.positions(areas)
    if categories is not None:
        chosen = set(categories)
        rows = rows[np.array([kept.categories[i] in chosen for i in rows], dtype=bool)]
    if first is not None:
        rows = rows[np.array([_text(kept.months[i]) and kept.months[i] >= first
                              for i in rows], dtype=bool)]
    if last is not None:
        rows = rows[np.array([_text(kept.months[i]) and kept.months[i] <= last
                              for i in rows], dtype=bool)]
    if not len(rows):
        return None
    if len(rows) == len(kept.frame):
        frame = kept.frame.copy()
    else:
        frame = kept.frame.take(rows).reset_index(drop=True)
    for column in TEXT_COLUMNS:
        values = frame[column]
        if values.dtype != object and values.isna().all():
            frame[column] = pd.Series([None] * len(frame), dtype=object)
    return frame


def _text(value: object) -> bool:
    return isinstance(value, str)
