"""Change in event counts per cell between two periods or two groups.

Either before/after a split date (events on or after ``split_date`` are "after"; by
default the midpoint of the dates, announced — sfhotspot's ``hotspot_change`` rule), or
between the two levels of a grouping: ``group="weekday-weekend"`` (Monday-Friday are
"before", Saturday-Sunday "after"; needs dates with days, not months only) or the name of
a column of ``data`` with exactly two values (sorted: the first is "before").
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from vrhub.analytics.count import Located, bin_counts, count_summary, locate, study_grid
from vrhub.analytics.grid import Grid
from vrhub.analytics.periods import month_only
from vrhub.analytics.result import Choices, HotspotResult, base_frame
from vrhub.analytics.validate import validate_points
from vrhub.errors import UserError
from vrhub.progress import SILENT, Progress

WEEKDAY_WEEKEND = "weekday-weekend"


def split_events(data: pd.DataFrame, split_date: Any, group: str | None,
                 choices: Choices) -> tuple[np.ndarray, dict[str, Any]]:
    """Boolean "after" flag per row, and a description of the split."""
    if group is not None:
        if group == WEEKDAY_WEEKEND:
            dates = pd.to_datetime(data["date"])
            if month_only(dates):
                raise UserError(
                    "the dates are months only, so events cannot be split into weekdays "
                    "and weekends", hint="use --split-date instead, or data with full dates")
            return (dates.dt.dayofweek >= 5).to_numpy(), {
                "group": WEEKDAY_WEEKEND, "before": "weekday", "after": "weekend"}
        if group not in data.columns:
            raise UserError(f"data has no column {group!r} to group by",
                            hint=f"use '{WEEKDAY_WEEKEND}' or the name of a column")
        levels = sorted(data[group].dropna().unique().tolist(), key=str)
        if len(levels) != 2:
            raise UserError(f"the column {group!r} must have exactly two values to compare, "
                            f"found {len(levels)}")
        choices.note(f"Comparing {group} = {levels[0]!r} (before) with {levels[1]!r} (after).")
        return (data[group] == levels[1]).to_numpy(), {
            "group": group, "before": str(levels[0]), "after": str(levels[1])}
    dates = pd.to_datetime(data["date"])
    if split_date is None:
        lo, hi = dates.min(), dates.max()
        split = (lo + (hi - lo) / 2).normalize()
        choices.choose("split_date", split.date().isoformat(),
                       f"Split date set to {split.date().isoformat()} automatically (midpoint "
                       "of the dates).")
    else:
        try:
            split = pd.Timestamp(split_date)
        except (TypeError, ValueError):
            raise UserError(f"cannot read the split date {split_date!r}",
                            hint="write it as YYYY-MM-DD") from None
    return (dates >= split).to_numpy(), {"split_date": split.date().isoformat()}


def hotspot_change(data: pd.DataFrame, area: BaseGeometry | None = None,
                   cell_size: float | None = None, split_date: Any = None,
                   group: str | None = None, *, grid: Grid | None = None,
                   progress: Progress = SILENT) -> HotspotResult:
    """Events per cell before and after a date (or in two groups) and the change.

    Columns: ``cell_id``, ``x``, ``y``, ``n_before``, ``n_after``, ``change``.
    """
    choices = Choices(progress)
    validate_points(data, need_dates=group is None or group == WEEKDAY_WEEKEND)
    grid = study_grid(data, area, cell_size, choices, grid)
    after, split = split_events(data, split_date, group, choices)
    located = locate(data, grid, choices)
    after = after[located.kept]
    n_before, n_after = int((~after).sum()), int(after.sum())
    if n_before == 0 or n_after == 0:
        which = "before" if n_before == 0 else "after"
        raise UserError(f"there are no events in the '{which}' period or group",
                        hint="choose a split date inside the range of the dates")
    frame = base_frame(grid)
    for name, keep in (("n_before", ~after), ("n_after", after)):
        part = Located(grid, located.x[keep], located.y[keep], located.cell[keep],
                       located.kept)
        frame[name] = bin_counts(part)[grid.mask].astype(np.int64)
    frame["change"] = frame["n_after"] - frame["n_before"]
    return HotspotResult(
        method="change", frame=frame, grid=grid,
        parameters={"cell_size": grid.cell_size, **split},
        automatic=choices.automatic, notes=choices.notes,
        summary={**count_summary(located), "events_before": n_before, "events_after": n_after,
                 "cells_up": int((frame["change"] > 0).sum()),
                 "cells_down": int((frame["change"] < 0).sum())},
    )
