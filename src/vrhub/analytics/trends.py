"""Monthly trends of counts per area and category: series, rolling 12-month totals,
rates per 1,000 residents and year-on-year change with exact intervals.

Input (``data``): one row per area, category and month with the columns

========== ==========================================================================
area_code  GSS code of the area (LSOA, ward or borough)
area_name  optional; carried through
category   offence category, crime type or ED assault group
month      ``YYYY-MM``
count      number of events (non-negative)
========== ==========================================================================

Months the source covers are those that appear in ``data`` (any area) unless the caller
passes ``coverage``; within covered months an absent area-month is a true zero, while an
uncovered month is *unknown* and never counted as zero. A rolling window that reaches into
uncovered months is marked incomplete rather than silently understated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from vrhub.analytics.poisson import poisson_ci, rate_ci, rate_ratio
from vrhub.analytics.series_inputs import (
    Choices,
    Period,
    check_confidence,
    check_counts,
    check_months,
    parse_period,
    require_columns,
)
from vrhub.errors import UserError
from vrhub.progress import SILENT, Progress
from vrhub.standards.months import month_span, shift

INPUT_COLUMNS = ("area_code", "category", "month", "count")

SERIES_COLUMNS = (
    "area_code", "area_name", "category", "month", "count", "count_lower", "count_upper",
    "rolling_total", "rolling_months", "rolling_complete", "population", "rate_per_1000",
    "rate_lower", "rate_upper", "rolling_rate_per_1000",
)
"""Columns of :func:`monthly_series`, in order.

``count_lower``/``count_upper``: exact Poisson limits of the month's count.
``rolling_total``: events in the ``window`` months ending with this month (covered months
only); ``rolling_months``: how many of those months the source covers;
``rolling_complete``: all of them are covered. ``population``: residents (when given);
``rate_per_1000`` with exact limits; ``rolling_rate_per_1000``: the rolling total per 1,000
residents (an annual rate when the window is 12 and complete, else NaN)."""

YOY_COLUMNS = (
    "area_code", "area_name", "category", "current_from", "current_to", "current",
    "current_months", "previous_from", "previous_to", "previous", "previous_months",
    "change", "pct_change", "rate_ratio", "ratio_lower", "ratio_upper", "p_value",
    "complete",
)
"""Columns of :func:`year_on_year`, in order.

``current``/``previous``: events in the two windows; ``*_months``: months of each window
the source covers. ``rate_ratio`` = (current per covered month) / (previous per covered
month) with the exact conditional interval and two-sided p-value for "no change";
``complete``: both windows fully covered."""


def _prepare(data: pd.DataFrame, period: Period | Sequence[str | None] | None,
             coverage: Iterable[str] | None, what: str,
             choices: Choices) -> tuple[pd.DataFrame, list[str], Period]:
    require_columns(data, INPUT_COLUMNS, what=what)
    start, end = parse_period(period, what=what)
    frame = data.copy()
    frame["month"] = check_months(frame["month"], what=what)
    frame["count"] = check_counts(frame["count"], what=what)
    if "area_name" not in frame.columns:
        frame["area_name"] = pd.NA
    frame["category"] = frame["category"].astype("string").fillna("(none)")
    if coverage is None:
        covered = sorted(frame["month"].unique().tolist())
        if covered:
            gaps = sorted(set(month_span(covered[0], covered[-1])) - set(covered))
            choices.note(f"coverage: the {len(covered)} months present in the data "
                         f"({covered[0]} to {covered[-1]})"
                         + (f"; {len(gaps)} month(s) with no rows treated as not covered "
                            f"({', '.join(gaps[:6])}{', ...' if len(gaps) > 6 else ''})"
                            if gaps else ""))
    else:
        covered = sorted({m for m in coverage})
        check_months(pd.Series(covered, dtype=object), what=what)
    if end:
        # months before the period's start stay: they feed the first rolling windows
        frame = frame[frame["month"] <= end]
        covered = [m for m in covered if m <= end]
    return frame, covered, (start, end)


def _matrix(frame: pd.DataFrame, months: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """Series keys (area_code, category), sorted, and a count matrix over ``months``
    (zeros filled; rows of months outside ``months`` are ignored)."""
    if not len(frame):
        return (pd.DataFrame({"area_code": pd.Series(dtype="object"),
                              "category": pd.Series(dtype="object")}),
                np.zeros((0, len(months))))
    area_codes, areas = pd.factorize(frame["area_code"].astype(str), sort=True)
    cat_codes, cats = pd.factorize(frame["category"].astype(str), sort=True)
    pair, codes = np.unique(area_codes.astype("int64") * len(cats) + cat_codes,
                            return_inverse=True)
    month_codes, seen = pd.factorize(frame["month"])
    column = {m: i for i, m in enumerate(months)}
    seen_pos = np.array([column.get(m, -1) for m in seen], dtype="int64")
    pos = seen_pos[month_codes]
    inside = pos >= 0
    flat = codes[inside] * len(months) + pos[inside]
    matrix = np.bincount(flat, weights=frame["count"].to_numpy(dtype="float64")[inside],
                         minlength=len(pair) * len(months))
    keys = pd.DataFrame({"area_code": np.asarray(areas, dtype=object)[pair // len(cats)],
                         "category": np.asarray(cats, dtype=object)[pair % len(cats)]})
    return keys, matrix.reshape(len(pair), len(months))


def _names(frame: pd.DataFrame) -> pd.Series:
    named = frame.dropna(subset=["area_name"])
    return named.drop_duplicates("area_code").set_index("area_code")["area_name"]


def monthly_series(data: pd.DataFrame, *, period: Period | Sequence[str | None] | None = None,
                   coverage: Iterable[str] | None = None,
                   area_coverage: Mapping[str, Iterable[str]] | None = None,
                   population: pd.DataFrame | None = None, window: int = 12,
                   confidence: float = 0.95, progress: Progress = SILENT) -> pd.DataFrame:
    """Monthly counts per area and category with rolling totals and rates.

    Rows cover the months of ``period`` (default: all covered months); months before its
    start still feed the first rolling windows.

    ``population``: optional frame with ``area_code`` and ``population`` (residents);
    when given, rates per 1,000 residents with exact Poisson limits are added.
    ``area_coverage``: optional months covered per area (within ``coverage``), for sources
    whose publishers cover areas over different months (police forces): an area's rolling
    totals are complete only over its own covered months.
    Returns :data:`SERIES_COLUMNS`, one row per area, category and covered month.
    """
    what = "monthly series"
    choices = Choices(progress)
    check_confidence(confidence, what=what)
    if window < 1:
        raise UserError(f"{what}: window must be at least 1 month; found {window}")
    frame, covered, (start, end) = _prepare(data, period, coverage, what, choices)
    first = start or (covered[0] if covered else None)
    last = end or (covered[-1] if covered else None)
    if first is None or last is None or not len(frame):
        raise UserError(f"{what}: no data in the period {start or '…'} to {end or '…'}",
                        hint="widen --from/--to or load data for these months")
    # the calendar reaching back one window before the first output month
    calendar = month_span(shift(first, 1 - window), last)
    covered_set = set(covered)
    is_covered = np.array([m in covered_set for m in calendar], dtype=bool)
    keys, counts = _matrix(frame, calendar)
    covered_by_key = _key_coverage(keys, calendar, is_covered, area_coverage)
    counts[~covered_by_key] = 0.0
    csum = np.concatenate([np.zeros((len(keys), 1)), np.cumsum(counts, axis=1)], axis=1)
    ccov = np.concatenate([np.zeros((len(keys), 1), dtype="int64"),
                           np.cumsum(covered_by_key, axis=1)], axis=1)
    idx = np.arange(len(calendar))
    lo = idx - window + 1
    rolling = csum[:, idx + 1] - csum[:, np.maximum(lo, 0)]
    rolling_months = ccov[:, idx + 1] - ccov[:, np.maximum(lo, 0)]
    out_cols = [i for i, m in enumerate(calendar) if m >= first and is_covered[i]]
    if not out_cols:
        raise UserError(f"{what}: the source covers none of the months {first} to {last}")
    n_keys, n_out = len(keys), len(out_cols)
    result = pd.DataFrame({
        "area_code": np.repeat(keys["area_code"].to_numpy(), n_out),
        "category": np.repeat(keys["category"].to_numpy(), n_out),
        "month": np.tile(np.array([calendar[i] for i in out_cols], dtype=object), n_keys),
        "count": counts[:, out_cols].ravel(),
        "rolling_total": rolling[:, out_cols].ravel(),
        "rolling_months": rolling_months[:, out_cols].ravel().astype("int64"),
    })
    result["rolling_complete"] = result["rolling_months"] == window
    if (~result["rolling_complete"]).any():
        choices.note(f"rolling {window}-month totals are marked incomplete where the window "
                     "reaches months the source does not cover")
    result["area_name"] = result["area_code"].map(_names(frame))
    lower, upper = poisson_ci(result["count"].to_numpy(), confidence)
    result["count_lower"], result["count_upper"] = lower, upper
    result = _add_rates(result, population, confidence, window, choices)
    result = result[list(SERIES_COLUMNS)].reset_index(drop=True)
    return choices.attach(result, function="monthly_series", parameters={
        "period": [first, last], "window": window, "confidence": confidence,
        "rates": population is not None})


def _key_coverage(keys: pd.DataFrame, calendar: list[str], is_covered: np.ndarray,
                  area_coverage: Mapping[str, Iterable[str]] | None) -> np.ndarray:
    """Covered months per series key (rows) over ``calendar`` (columns)."""
    covered = np.tile(is_covered, (len(keys), 1))
    if area_coverage is None:
        return covered
    masks: dict[str, np.ndarray] = {}
    for k, area in enumerate(keys["area_code"].astype(str)):
        if area not in area_coverage:
            continue
        if area not in masks:
            own = set(area_coverage[area])
            masks[area] = np.array([m in own for m in calendar], dtype=bool)
        covered[k] &= masks[area]
    return covered


def _add_rates(result: pd.DataFrame, population: pd.DataFrame | None, confidence: float,
               window: int, choices: Choices) -> pd.DataFrame:
    if population is None:
        result["population"] = np.nan
        for col in ("rate_per_1000", "rate_lower", "rate_upper", "rolling_rate_per_1000"):
            result[col] = np.nan
        return result
    require_columns(population, ("area_code", "population"), what="population")
    pop = population.groupby("area_code")["population"].sum()
    result["population"] = result["area_code"].map(pop).astype("float64")
    missing = result.loc[result["population"].isna(), "area_code"].unique()
    if len(missing):
        choices.note(f"no population for {len(missing)} area(s) (e.g. {missing[0]}); "
                     "their rates are left empty")
    rate, low, high = rate_ci(result["count"].to_numpy(), result["population"].to_numpy(),
                              confidence=confidence)
    result["rate_per_1000"], result["rate_lower"], result["rate_upper"] = rate, low, high
    rolling_rate = result["rolling_total"] / result["population"] * 1000
    result["rolling_rate_per_1000"] = rolling_rate.where(result["rolling_complete"])
    return result


def year_on_year(data: pd.DataFrame, *, period: Period | Sequence[str | None] | None = None,
                 coverage: Iterable[str] | None = None,
                 area_coverage: Mapping[str, Iterable[str]] | None = None, window: int = 12,
                 confidence: float = 0.95, progress: Progress = SILENT) -> pd.DataFrame:
    """Compare the ``window`` months ending at the period's last month (default: the last
    covered month) with the same months a year earlier, per area and category.

    Only the period's end matters here; earlier months are used as needed.
    The rate ratio compares events per covered month, so a window missing a month is not
    read as a fall; such rows are marked ``complete = False``. ``area_coverage``: months
    covered per area (see :func:`monthly_series`); an area covered in neither window of
    its own has no ratio. Returns :data:`YOY_COLUMNS`.
    """
    what = "year-on-year change"
    choices = Choices(progress)
    check_confidence(confidence, what=what)
    if not 1 <= window <= 12:
        raise UserError(f"{what}: window must be 1 to 12 months; found {window}")
    frame, covered, (_start, end) = _prepare(data, period, coverage, what, choices)
    if end is None:
        if not covered:
            raise UserError(f"{what}: there is no data to compare")
        end = covered[-1]
        choices.note(f"current window ends at the last month with data: {end}")
    cur_months = month_span(shift(end, 1 - window), end)
    prev_months = [shift(m, -12) for m in cur_months]
    covered_set = set(covered)
    cur_cov = sum(m in covered_set for m in cur_months)
    prev_cov = sum(m in covered_set for m in prev_months)
    if cur_cov == 0 or prev_cov == 0:
        raise UserError(
            f"{what}: the data do not cover both {cur_months[0]}..{cur_months[-1]} and "
            f"{prev_months[0]}..{prev_months[-1]} (covered: {cur_cov} and {prev_cov} months)",
            hint="choose an earlier --to month or load the earlier year")
    if cur_cov < window or prev_cov < window:
        choices.note(f"windows are incomplete ({cur_cov} and {prev_cov} of {window} months "
                     "covered); the ratio compares events per covered month")
    keys, counts = _matrix(frame, prev_months + cur_months)
    both = np.array([m in covered_set for m in prev_months + cur_months])
    key_covered = _key_coverage(keys, prev_months + cur_months, both, area_coverage)
    prev_n = key_covered[:, :window].sum(axis=1)
    cur_n = key_covered[:, window:].sum(axis=1)
    previous = (counts[:, :window] * key_covered[:, :window]).sum(axis=1)
    current = (counts[:, window:] * key_covered[:, window:]).sum(axis=1)
    rr = rate_ratio(current, previous, np.maximum(cur_n, 1), np.maximum(prev_n, 1),
                    confidence=confidence)
    uncovered = (cur_n == 0) | (prev_n == 0)
    if uncovered.any():
        choices.note(f"{int(uncovered.sum())} series have no covered month in one window "
                     "(the forces publishing in their area have no file then): no ratio")
    result = keys.copy()
    result["area_name"] = result["area_code"].map(_names(frame))
    result["current_from"], result["current_to"] = cur_months[0], cur_months[-1]
    result["current"], result["current_months"] = current, cur_n
    result["previous_from"], result["previous_to"] = prev_months[0], prev_months[-1]
    result["previous"], result["previous_months"] = previous, prev_n
    result["change"] = current - previous
    with np.errstate(divide="ignore", invalid="ignore"):
        result["pct_change"] = np.where(previous > 0, (rr.ratio - 1) * 100, np.nan)
    result["rate_ratio"], result["ratio_lower"], result["ratio_upper"] = (
        rr.ratio, rr.lower, rr.upper)
    result["p_value"] = rr.p_value
    result["complete"] = (cur_n == window) & (prev_n == window)
    result.loc[uncovered, ["pct_change", "rate_ratio", "ratio_lower", "ratio_upper",
                           "p_value"]] = np.nan
    result = result[list(YOY_COLUMNS)].reset_index(drop=True)
    return choices.attach(result, function="year_on_year", parameters={
        "end": end, "window": window, "confidence": confidence})
