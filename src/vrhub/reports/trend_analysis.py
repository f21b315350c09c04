"""The Python API behind ``vrhub trends`` and the trends endpoint: monthly series with
rolling totals, year-on-year change and hour-by-day profiles. Each function reads what it
needs from the warehouse (:mod:`vrhub.storage.series`), runs the pure functions of
:mod:`vrhub.analytics.trends` and :mod:`vrhub.analytics.aoristic`, and returns an
:class:`~vrhub.reports.violence_analysis.AnalysisResult`; ED (ISTV) counts go through
disclosure control unless asked not to.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from vrhub.analytics import aoristic, trends
from vrhub.analytics.poisson import poisson_ci, rate_ci, rate_ratio
from vrhub.analytics.series_inputs import parse_period
from vrhub.errors import UserError
from vrhub.progress import SILENT, Progress
from vrhub.reports.violence_analysis import (
    NOT_CONTROLLED,
    AnalysisResult,
    Notes,
    Period,
    as_float,
    disclosed,
)
from vrhub.storage import series
from vrhub.storage.warehouse import Warehouse


def trend_counts(warehouse: Warehouse, *, source: str, level: str,
                 areas: Sequence[str] | None = None, categories: Sequence[str] | None = None,
                 period: Period = (None, None)) -> series.MonthlyCounts:
    """The monthly counts both :func:`trend_series` and :func:`trend_yoy` start from: every
    month up to the period's end (earlier months feed the rolling and year-ago figures)."""
    period = parse_period(period, what="trends")
    return series.monthly_counts(warehouse, source=source, level=level, areas=areas,
                                 categories=categories, period=(None, period[1]))


def trend_series(warehouse: Warehouse, *, source: str, level: str,
                 areas: Sequence[str] | None = None, categories: Sequence[str] | None = None,
                 period: Period = (None, None), per_1000: bool = False, window: int = 12,
                 confidence: float = 0.95, disclose: bool = True,
                 progress: Progress = SILENT,
                 counts: series.MonthlyCounts | None = None) -> AnalysisResult:
    """Monthly series per area and category (:data:`vrhub.analytics.trends.SERIES_COLUMNS`).
    ED (istv) counts go through disclosure control unless ``disclose`` is false.
    ``counts``: the :func:`trend_counts` of the same question, when already read."""
    period = parse_period(period, what="trend series")
    notes = Notes(progress)
    counts = counts or trend_counts(warehouse, source=source, level=level, areas=areas,
                                    categories=categories, period=period)
    notes.extend(counts.notes)
    population = None
    if per_1000:
        population, pop_notes = series.population_by_area(warehouse, level)
        notes.extend(pop_notes)
    frame = trends.monthly_series(counts.data, period=period, coverage=counts.coverage,
                                  area_coverage=counts.area_coverage,
                                  population=population, window=window,
                                  confidence=confidence, progress=notes)
    control = None
    if source == "istv":
        control = dict(NOT_CONTROLLED)
        if disclose:
            frame, control = _disclose_series(frame, confidence, notes)
    summary = {**_series_summary(frame),
               "events": float(np.nansum(as_float(frame["count"])))}
    params = {"source": source, "level": level, "areas": list(areas or []),
              "categories": list(categories or []), "period": list(period),
              "per_1000": per_1000, "window": window, "confidence": confidence,
              "disclose": disclose if source == "istv" else None}
    return AnalysisResult("trends.series", level, frame, summary, params, counts.provenance,
                          notes.notes, control)


def trend_yoy(warehouse: Warehouse, *, source: str, level: str,
              areas: Sequence[str] | None = None, categories: Sequence[str] | None = None,
              period: Period = (None, None), window: int = 12, confidence: float = 0.95,
              disclose: bool = True, progress: Progress = SILENT,
              counts: series.MonthlyCounts | None = None) -> AnalysisResult:
    """Year-on-year change per area and category (:data:`vrhub.analytics.trends.YOY_COLUMNS`).
    ED (istv) counts go through disclosure control unless ``disclose`` is false.
    ``counts``: the :func:`trend_counts` of the same question, when already read."""
    period = parse_period(period, what="year-on-year change")
    notes = Notes(progress)
    counts = counts or trend_counts(warehouse, source=source, level=level, areas=areas,
                                    categories=categories, period=period)
    notes.extend(counts.notes)
    frame = trends.year_on_year(counts.data, period=period, coverage=counts.coverage,
                                area_coverage=counts.area_coverage, window=window,
                                confidence=confidence, progress=notes)
    frame = _by_category(frame)
    control = None
    if source == "istv":
        control = dict(NOT_CONTROLLED)
        if disclose:
            frame, control = _disclose_yoy(frame, confidence, notes)
    increases, decreases = _significant(frame)
    summary = {"series": len(frame), "current": [frame["current_from"].iloc[0],
                                                 frame["current_to"].iloc[0]] if len(frame)
               else None,
               "current_events": float(np.nansum(as_float(frame["current"]))),
               "previous_events": float(np.nansum(as_float(frame["previous"]))),
               "significant_increases": increases, "significant_decreases": decreases}
    params = {"source": source, "level": level, "areas": list(areas or []),
              "categories": list(categories or []), "period": list(period),
              "window": window, "confidence": confidence,
              "disclose": disclose if source == "istv" else None}
    return AnalysisResult("trends.yoy", level, frame, summary, params, counts.provenance,
                          notes.notes, control)


def _series_summary(frame: pd.DataFrame) -> dict[str, Any]:
    """How many series (area and category) and months ``frame`` holds, and its first and
    last month (missing values not counted)."""
    pairs = set(zip(frame["area_code"].tolist(), frame["category"].tolist(), strict=True))
    months = {m for m in frame["month"].tolist() if not pd.isna(m)}
    if all(type(m) is str for m in months):
        first = min(months) if months else frame["month"].min()
        last = max(months) if months else frame["month"].max()
    else:
        first, last = frame["month"].min(), frame["month"].max()
    return {"series": sum(1 for a, c in pairs if not (pd.isna(a) or pd.isna(c))),
            "months": len(months), "first_month": first, "last_month": last}


def _by_category(frame: pd.DataFrame) -> pd.DataFrame:
    """Year-on-year rows ordered by category, then area."""
    categories, areas = frame["category"].tolist(), frame["area_code"].tolist()
    if not all(type(v) is str for v in (*categories, *areas)):
        return frame.sort_values(["category", "area_code"]).reset_index(drop=True)
    order = sorted(range(len(frame)), key=lambda i: (categories[i], areas[i]))
    if order == list(range(len(frame))):
        return frame
    return frame.take(order).reset_index(drop=True)


def _significant(frame: pd.DataFrame) -> tuple[int, int]:
    """How many rate ratios are significantly above 1, and how many below."""
    lower, upper = frame["ratio_lower"], frame["ratio_upper"]
    if lower.dtype == np.float64 and upper.dtype == np.float64:
        low, high = lower.to_numpy(), upper.to_numpy()
        significant = (low > 1) | (high < 1)
        return int((low[significant] > 1).sum()), int((high[significant] < 1).sum())
    chosen = frame[(lower > 1) | (upper < 1)]
    return int((chosen["ratio_lower"] > 1).sum()), int((chosen["ratio_upper"] < 1).sum())


def trend_profile(warehouse: Warehouse, *, source: str = "istv", level: str = "borough",
                  areas: Sequence[str] | None = None, period: Period = (None, None),
                  progress: Progress = SILENT) -> AnalysisResult:
    """Hour-of-day by day-of-week profile of ED assaults, aoristic where only the date is
    known (:data:`vrhub.analytics.aoristic.PROFILE_COLUMNS`)."""
    if source != "istv":
        raise UserError(f"{source} data carry the month of each offence, not its time, so "
                        "they have no hour-of-day profile",
                        hint="use --source istv (ED assault times)")
    period = parse_period(period, what="time profile")
    notes = Notes(progress)
    events, provenance = series.istv_assault_times(warehouse, level=level, areas=areas,
                                                   period=period)
    if not len(events):
        raise UserError("no ED assaults match these filters",
                        hint="widen --from/--to or --area")
    frame = aoristic.aoristic_profile(events, start="start", end="end", progress=notes)
    busiest = frame.iloc[int(np.argmax(frame["events"].to_numpy()))]
    summary = {"events": float(frame["events"].sum()),
               "busiest": {"weekday": busiest["weekday_name"], "hour": int(busiest["hour"]),
                           "share": float(busiest["share"])},
               "weekend_night_share": float(frame[(frame["weekday"] >= 5)
                                                  & (frame["hour"] < 6)]["share"].sum())}
    params = {"source": source, "level": level, "areas": list(areas or []),
              "period": list(period)}
    control = {"applied": False, "warning": "times of day from ED data: for internal "
               "analysis only; public outputs carry no times of day"}
    return AnalysisResult("trends.profile", None, frame, summary, params, provenance,
                          notes.notes, control)


def _disclose_series(frame: pd.DataFrame, confidence: float,
                     notes: Notes) -> tuple[pd.DataFrame, dict[str, Any]]:
    out, meta = disclosed(frame, ["count", "rolling_total"])
    count = as_float(out["count"])
    known = np.isfinite(count)
    low, high = poisson_ci(np.where(known, count, 0.0), confidence)
    out["count_lower"] = np.where(known, low, np.nan)
    out["count_upper"] = np.where(known, high, np.nan)
    pop = out["population"].to_numpy(dtype="float64")
    rate, r_low, r_high = rate_ci(np.where(known, count, 0.0), pop, confidence=confidence)
    out["rate_per_1000"] = np.where(known, rate, np.nan)
    out["rate_lower"] = np.where(known, r_low, np.nan)
    out["rate_upper"] = np.where(known, r_high, np.nan)
    rolling = as_float(out["rolling_total"])
    out["rolling_rate_per_1000"] = np.where(out["rolling_complete"], rolling / pop * 1000,
                                            np.nan)
    notes.note("disclosure control: ED counts of 1-7 suppressed and the rest rounded to the "
               "nearest 5; intervals and rates recomputed from the disclosed counts")
    return out, meta


def _disclose_yoy(frame: pd.DataFrame, confidence: float,
                  notes: Notes) -> tuple[pd.DataFrame, dict[str, Any]]:
    out, meta = disclosed(frame.drop(columns=["change"]), ["current", "previous"])
    cur, prev = as_float(out["current"]), as_float(out["previous"])
    known = np.isfinite(cur) & np.isfinite(prev)
    rr = rate_ratio(np.where(known, cur, 0.0), np.where(known, prev, 0.0),
                    out["current_months"].to_numpy(dtype="float64"),
                    out["previous_months"].to_numpy(dtype="float64"), confidence=confidence)
    out.insert(list(frame.columns).index("change"), "change",
               np.where(known, cur - prev, np.nan))
    with np.errstate(invalid="ignore"):
        out["pct_change"] = np.where(known & (prev > 0), (rr.ratio - 1) * 100, np.nan)
    for col, values in (("rate_ratio", rr.ratio), ("ratio_lower", rr.lower),
                        ("ratio_upper", rr.upper), ("p_value", rr.p_value)):
        out[col] = np.where(known, values, np.nan)
    notes.note("disclosure control: ED counts of 1-7 suppressed and the rest rounded to the "
               "nearest 5; changes and intervals recomputed from the disclosed counts")
    return out, meta
