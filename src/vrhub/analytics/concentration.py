"""How concentrated events are across areas: the concentration (Lorenz-style) curve, the
Gini coefficient and the share of events in the top x% of areas.

"Half of violence happens in a tenth of wards" is the crime-concentration finding that
justifies place-based work. The curve ranks areas from most to fewest events and plots the
cumulative share of events against the cumulative share of areas; the further it bows
above the diagonal, the more concentrated the events. Areas with no events count: leaving
them out would understate concentration, so pass every area (with zeros).

The Gini coefficient uses the standard formula for ``n`` values sorted ascending,
``G = 2 * sum(i * x_i) / (n * sum(x)) - (n + 1) / n`` (0 = even spread; it approaches 1
when one area has everything).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from vrhub.analytics.series_inputs import Choices, check_counts, require_columns
from vrhub.errors import UserError
from vrhub.progress import SILENT, Progress

CURVE_COLUMNS = ("rank", "area_code", "area_name", "count", "area_share", "event_share")
"""Columns of :func:`concentration_curve`: ``rank`` 1 = most events (ties broken by area
code), ``count`` the area's events, ``area_share`` the cumulative share of areas up to
and including this one, ``event_share`` the cumulative share of events."""

SUMMARY_KEYS = ("areas", "events", "gini", "top_percent", "top_areas", "top_share")
"""Keys of :func:`concentration_summary`."""


def _area_counts(data: pd.DataFrame, value: str, what: str) -> pd.DataFrame:
    require_columns(data, ("area_code", value), what=what)
    frame = data.copy()
    frame[value] = check_counts(frame[value], what=what, column=value)
    if "area_name" not in frame.columns:
        frame["area_name"] = pd.NA
    grouped = frame.groupby("area_code", sort=True).agg(
        area_name=("area_name", "first"), count=(value, "sum")).reset_index()
    if not len(grouped):
        raise UserError(f"{what}: there are no areas to compare")
    return grouped


def gini(values: np.ndarray | pd.Series) -> float:
    """Gini coefficient of non-negative values (NaN when they sum to zero)."""
    x = np.sort(np.asarray(values, dtype="float64"))
    n, total = len(x), x.sum()
    if n == 0 or total <= 0:
        return float("nan")
    i = np.arange(1, n + 1)
    return float(2 * (i * x).sum() / (n * total) - (n + 1) / n)


def concentration_curve(data: pd.DataFrame, *, value: str = "count",
                        progress: Progress = SILENT) -> pd.DataFrame:
    """Areas ranked by events with cumulative shares (:data:`CURVE_COLUMNS`); rows of the
    same ``area_code`` are summed first."""
    what = "concentration curve"
    choices = Choices(progress)
    areas = _area_counts(data, value, what)
    areas = areas.sort_values(["count", "area_code"], ascending=[False, True],
                              kind="mergesort").reset_index(drop=True)
    total = areas["count"].sum()
    n = len(areas)
    areas["rank"] = np.arange(1, n + 1)
    areas["area_share"] = areas["rank"] / n
    areas["event_share"] = areas["count"].cumsum() / total if total > 0 else np.nan
    if total <= 0:
        choices.note("no events in any area: event shares are undefined")
    result = areas[list(CURVE_COLUMNS)]
    return choices.attach(result, function="concentration_curve", parameters={
        "value": value, "areas": n, "events": float(total),
        "gini": gini(areas["count"].to_numpy())})


def top_areas(n_areas: int, top_percent: float) -> int:
    """How many areas make up the top ``top_percent``% (rounded up, at least one)."""
    if not 0 < top_percent <= 100:
        raise UserError(f"top percent must lie in (0, 100]; found {top_percent!r}",
                        hint="for example --top 10")
    return max(1, math.ceil(n_areas * top_percent / 100 - 1e-9))


def share_in_top(data: pd.DataFrame, *, top_percent: float = 10.0, value: str = "count",
                 progress: Progress = SILENT) -> float:
    """Share of events in the top ``top_percent``% of areas by events."""
    return float(concentration_summary(data, top_percent=top_percent, value=value,
                                       progress=progress)["top_share"])


def concentration_summary(data: pd.DataFrame, *, top_percent: float = 10.0,
                          value: str = "count",
                          progress: Progress = SILENT) -> dict[str, float | int]:
    """Areas, events, Gini and the share of events in the top ``top_percent``% of areas
    (:data:`SUMMARY_KEYS`). The top group is ``ceil(n * top_percent / 100)`` areas,
    announced when that is not exactly ``top_percent``% of them."""
    choices = Choices(progress)
    curve = concentration_curve(data, value=value)
    n = len(curve)
    k = top_areas(n, top_percent)
    if not math.isclose(k, n * top_percent / 100):
        choices.note(f"top {top_percent:g}% of {n} areas rounded up to {k} area(s) "
                     f"({100 * k / n:.1f}%)")
    total = float(curve["count"].sum())
    share = float(curve["count"].iloc[:k].sum() / total) if total > 0 else float("nan")
    return {"areas": n, "events": total, "gini": gini(curve["count"].to_numpy()),
            "top_percent": float(top_percent), "top_areas": k, "top_share": share}
