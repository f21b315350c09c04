"""Classifying cells by how their Gi* hotspot status changes over time.

The events are split into consecutive periods (:mod:`vrhub.analytics.periods`); Gi* is
computed for every period on the same grid and neighbourhood
(:mod:`vrhub.analytics.gistar`); each cell's p-values across periods are adjusted with
Holm's method (what sfhotspot's ``hotspot_classify`` does with its default
``p_adjust_method = NULL``, since R's ``p.adjust`` then falls back to Holm); a cell is a
significant hotspot (coldspot) in a period when its adjusted p < ``critical_p`` and z > 0
(z < 0). With P periods, the last R = floor(recent_prop * P) of them "recent" (at least
one, and at least one non-recent period), and proportions of periods in which the cell
was significant — overall (prop), in recent periods (recent) and earlier (older) — the
category is the first that applies:

1. persistent: prop >= persistent_prop
2. emerging: older < hotspot_prop and recent >= recent_prop
3. former: older >= hotspot_prop and recent < hotspot_prop
4. intermittent: prop >= hotspot_prop
5. no pattern

separately for hotspots and coldspots; a cell with both a hotspot and a coldspot category
is "mixed hot/coldspot". Defaults are sfhotspot's ``hotspot_classify_params()``:
hotspot_prop 0.1, persistent_prop 0.8, recent_prop 0.2, critical_p 0.05 (and its
neighbourhood, cell size x sqrt(2)). One deliberate difference: sfhotspot's recent window
takes R + 1 columns while dividing by R; here the recent window is exactly the last R
periods.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from vrhub.analytics.count import count_summary, locate, study_grid
from vrhub.analytics.fdr import holm
from vrhub.analytics.gistar import choose_distance, gistar_grid, neighbourhood, p_two_sided
from vrhub.analytics.grid import Grid
from vrhub.analytics.periods import assign_periods, auto_period, month_only, parse_period
from vrhub.analytics.result import Choices, HotspotResult, base_frame
from vrhub.analytics.validate import validate_points, validate_proportion
from vrhub.errors import UserError
from vrhub.progress import SILENT, Progress

CATEGORIES = (
    "persistent hotspot", "emerging hotspot", "former hotspot", "intermittent hotspot",
    "persistent coldspot", "emerging coldspot", "former coldspot", "intermittent coldspot",
    "mixed hot/coldspot", "no pattern",
)


@dataclass(frozen=True)
class ClassifyParams:
    """Thresholds of the classification (sfhotspot's defaults)."""

    hotspot_prop: float = 0.1
    persistent_prop: float = 0.8
    recent_prop: float = 0.2
    critical_p: float = 0.05

    def validated(self) -> ClassifyParams:
        for name, value in asdict(self).items():
            validate_proportion(name, value)
        return self


def recent_count(n_periods: int, recent_prop: float) -> int:
    """Number of recent periods: floor(recent_prop * P), at least 1, leaving one older."""
    if n_periods < 2:
        raise UserError(
            f"classifying hotspots needs at least 2 periods, found {n_periods}",
            hint="choose a shorter --period or a longer date range")
    recent = math.floor(recent_prop * n_periods)
    return min(max(recent, 1), n_periods - 1)


def classify_side(significant: np.ndarray, recent: int, params: ClassifyParams,
                  side: str) -> np.ndarray:
    """Category per cell from a (cells, periods) boolean array of significance."""
    n_periods = significant.shape[1]
    sig = significant.astype(np.float64)
    prop = sig.sum(axis=1) / n_periods
    recent_prop = sig[:, n_periods - recent:].sum(axis=1) / recent
    older_prop = sig[:, :n_periods - recent].sum(axis=1) / (n_periods - recent)
    return np.select(
        [prop >= params.persistent_prop,
         (older_prop < params.hotspot_prop) & (recent_prop >= params.recent_prop),
         (older_prop >= params.hotspot_prop) & (recent_prop < params.hotspot_prop),
         prop >= params.hotspot_prop],
        [f"persistent {side}", f"emerging {side}", f"former {side}", f"intermittent {side}"],
        default="no pattern",
    )


def classify_cells(sig_hot: np.ndarray, sig_cold: np.ndarray,
                   params: ClassifyParams = ClassifyParams(),
                   recent: int | None = None) -> np.ndarray:
    """Category of each cell from (cells, periods) significant-hotspot/-coldspot flags."""
    n_periods = sig_hot.shape[1]
    recent = recent_count(n_periods, params.recent_prop) if recent is None else recent
    hot = classify_side(sig_hot, recent, params, "hotspot")
    cold = classify_side(sig_cold, recent, params, "coldspot")
    return np.where((hot != "no pattern") & (cold != "no pattern"), "mixed hot/coldspot",
                    np.where(hot != "no pattern", hot, cold))


def hotspot_classify(data: pd.DataFrame, area: BaseGeometry | None = None,
                     cell_size: float | None = None, distance: float | None = None,
                     period: str | None = None, start: Any = None,
                     params: ClassifyParams = ClassifyParams(), *, grid: Grid | None = None,
                     progress: Progress = SILENT) -> HotspotResult:
    """Persistent / emerging / former / intermittent hot- and coldspots over time.

    ``data`` needs ``easting``, ``northing`` and ``date``. Columns: ``cell_id``, ``x``,
    ``y``, ``n``, ``periods_hot``, ``periods_cold``, ``classification``. See the module
    docstring for the rules.
    """
    choices = Choices(progress)
    validate_points(data, need_dates=True)
    params = params.validated()
    grid = study_grid(data, area, cell_size, choices, grid)
    located = locate(data, grid, choices)
    if located.n_events == 0:
        raise UserError("there are no events inside the study area",
                        hint="check the borough, dates and categories")
    dates = pd.to_datetime(data["date"])[located.kept].reset_index(drop=True)
    if period is None:
        chosen = auto_period(dates)
        choices.choose("period", chosen.label(),
                       f"Period set to {chosen.label()} automatically from the "
                       f"{(dates.max() - dates.min()).days:,}-day span of the dates.")
    else:
        chosen = parse_period(period)
        if chosen.unit == "days" and month_only(dates):
            raise UserError(
                f"the dates are months only, so a period of {chosen.label()} cannot be used",
                hint="use a period in months, quarters or years, e.g. '3 months'")
    index, labels = assign_periods(dates, chosen, start)
    n_periods = len(labels)
    recent = recent_count(n_periods, params.recent_prop)
    d = choose_distance(distance, grid.cell_size, choices)
    disc = neighbourhood(d, grid.cell_size)

    size = grid.nrows * grid.ncols
    stacked = np.bincount(index * size + located.cell, minlength=n_periods * size).astype(
        np.float64).reshape(n_periods, grid.nrows, grid.ncols)
    z = np.empty((grid.n_cells, n_periods))
    empty = []
    with progress.task("Gi* per period", total=n_periods) as task:
        for k in range(n_periods):
            if stacked[k].sum() == 0:
                empty.append(labels[k])
                z[:, k] = np.nan
            else:
                z[:, k] = gistar_grid(stacked[k], grid.mask, disc)[0][grid.mask]
            task.advance()
    if empty:
        choices.note(f"{len(empty)} period(s) have no events and count as not significant: "
                     + ", ".join(empty[:5]) + ("…" if len(empty) > 5 else ""))
    p_adjusted = holm(p_two_sided(z), axis=1)
    significant = np.nan_to_num(p_adjusted, nan=1.0) < params.critical_p
    sig_hot = significant & (z > 0)
    sig_cold = significant & (z < 0)
    frame = base_frame(grid)
    frame["n"] = stacked.sum(axis=0)[grid.mask].astype(np.int64)
    frame["periods_hot"] = sig_hot.sum(axis=1)
    frame["periods_cold"] = sig_cold.sum(axis=1)
    frame["classification"] = classify_cells(sig_hot, sig_cold, params, recent)
    counts = frame["classification"].value_counts()
    return HotspotResult(
        method="classify", frame=frame, grid=grid,
        parameters={"cell_size": grid.cell_size, "distance": d, "period": chosen.label(),
                    "periods": labels, "recent_periods": recent, "p_adjust": "holm",
                    **asdict(params)},
        automatic=choices.automatic, notes=choices.notes,
        summary={**count_summary(located), "periods": n_periods,
                 "categories": {c: int(counts.get(c, 0)) for c in CATEGORIES}},
    )
