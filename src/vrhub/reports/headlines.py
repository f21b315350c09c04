"""The headline changes: the latest 12 months against the 12 before, per headline category
of the MPS counts, for London or one borough.

Computed once here; the dashboard's headline panel, the board-ready borough profile and the
published overview each format the same rows. The change is a rate ratio of events per
covered month with its exact 95% interval (:func:`vrhub.analytics.trends.year_on_year`), so
a window missing a month is not read as a fall (``complete`` is then False).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from vrhub.analytics.trends import year_on_year
from vrhub.standards.months import shift
from vrhub.storage import catalogue, series
from vrhub.storage.warehouse import Warehouse

HEADLINE_CATEGORIES = ("VIOLENCE AGAINST THE PERSON", "VIOLENCE WITH INJURY", "ROBBERY",
                       "POSSESSION OF WEAPONS")
LONDON_CODE = "E12000007"
LONDON_NAME = "London"


@dataclass
class HeadlineChanges:
    """Year-on-year rows (:data:`vrhub.analytics.trends.YOY_COLUMNS`), one per headline
    category the counts hold, in :data:`HEADLINE_CATEGORIES` order."""

    frame: pd.DataFrame
    provenance: list[dict[str, Any]] = field(default_factory=list)


def headline_changes(wh: Warehouse, borough: str | None = None,
                     end: str | None = None) -> HeadlineChanges:
    """The headline categories' change for ``borough`` (a code; London when None) in the
    12 months to ``end`` (the last month of the counts when None) against the 12 before.

    Raises :class:`vrhub.errors.UserError` when neither window has data."""
    known = {c.upper() for c in catalogue.mps_categories(wh)}
    wanted = [c for c in HEADLINE_CATEGORIES if c in known]
    if not wanted:
        return HeadlineChanges(pd.DataFrame(columns=["category"]))
    period = (shift(end, -23), end) if end else (None, None)
    # One query per category: a minor category asked with its major one would be summed
    # into the major category's series.
    frames, coverage, provenance = [], set(), []
    for category in wanted:
        counts = series.monthly_counts(wh, source="mps", level="borough",
                                       areas=[borough] if borough else None,
                                       categories=[category], period=period)
        part = counts.data.copy()
        part["category"] = category
        frames.append(part)
        coverage.update(counts.coverage)
        provenance = counts.provenance
    data = pd.concat(frames, ignore_index=True)
    data["area_code"] = borough or LONDON_CODE
    data["area_name"] = borough or LONDON_NAME
    data = data.groupby(["area_code", "area_name", "category", "month"],
                        as_index=False).agg(count=("count", "sum"))
    yoy = year_on_year(data, period=(None, end), coverage=sorted(coverage))
    order = {c: i for i, c in enumerate(wanted)}
    yoy = yoy.sort_values("category", key=lambda s: s.map(order)).reset_index(drop=True)
    return HeadlineChanges(yoy, provenance)
