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
from dataclasses import dataclass

import numpy as np
import pandas as pd

from vrhub.analytics.poisson import poisson_ci, rate_ci, rate_ratio
from vrhub.analytics.series_inputs import (
    Choices,
    Period,
    check_confidence,
    check_counts,
    check_months,
    month_texts,
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


@dataclass(frozen=True)
class _Rows:
    """The checked input rows, column by column (the months up to the period's end)."""

    area_code: pd.Series
    area_name: pd.Series
    category: pd.Series  # text, no missing values ("(none)")
    month: np.ndarray  # YYYY-MM text
    counts: np.ndarray  # float64, non-negative

    def __len__(self) -> int:
        return len(self.counts)


def _prepare(data: pd.DataFrame, period: Period | Sequence[str | None] | None,
             coverage: Iterable[str] | None, what: str,
             choices: Choices) -> tuple[_Rows, list[str], Period]:
    require_columns(data, INPUT_COLUMNS, what=what)
    start, end = parse_period(period, what=what)
    month = month_texts(data["month"], what=what)
    count = check_counts(data["count"], what=what)
    area_name = (data["area_name"] if "area_name" in data.columns
                 else pd.Series(pd.NA, index=data.index, dtype=object))
    rows = _Rows(data["area_code"], area_name, _category_text(data["category"]), month, count)
    if coverage is None:
        covered = sorted(pd.unique(month).tolist())
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
        inside = month <= end
        if not inside.all():
            rows = _Rows(rows.area_code[inside], rows.area_name[inside],
                         rows.category[inside], month[inside], count[inside])
        covered = [m for m in covered if m <= end]
    return rows, covered, (start, end)


def _category_text(values: pd.Series) -> pd.Series:
    """Categories as text, a missing one as "(none)"."""
    if isinstance(values.dtype, pd.StringDtype) and not values.hasnans:
        return values  # already text, nothing missing
    return values.astype("string").fillna("(none)").astype(str)


@dataclass(frozen=True)
class _Keys:
    """The series (area_code, category) of some rows, sorted, as two object arrays."""

    area_code: np.ndarray
    category: np.ndarray

    def __len__(self) -> int:
        return len(self.area_code)

    def column(self, name: str) -> np.ndarray | pd.Series:
        """The column ``name`` of a frame with a row per key (text; no rows: object)."""
        values = self.area_code if name == "area_code" else self.category
        return values if len(values) else pd.Series(values, dtype="object")


#: Up to this many rows, :func:`_matrix` counts with plain Python (quicker than pandas
#: for the few hundred rows of a question about one borough).
SMALL = 5000


def _matrix(rows: _Rows, months: list[str]) -> tuple[_Keys, np.ndarray]:
    """Series keys (area_code, category), sorted, and a count matrix over ``months``
    (zeros filled; rows of months outside ``months`` are ignored)."""
    if not len(rows):
        empty = np.array([], dtype=object)
        return _Keys(empty, empty), np.zeros((0, len(months)))
    column = {m: i for i, m in enumerate(months)}
    if len(rows) <= SMALL:
        texts = rows.area_code.tolist()
        if all(type(a) is str for a in texts):
            return _small_matrix(texts, rows, column)
    area_codes, areas = pd.factorize(rows.area_code.astype(str), sort=True)
    cat_codes, cats = pd.factorize(rows.category, sort=True)
    pair, codes = np.unique(area_codes.astype("int64") * len(cats) + cat_codes,
                            return_inverse=True)
    month_codes, seen = pd.factorize(rows.month)
    seen_pos = np.array([column.get(m, -1) for m in seen], dtype="int64")
    pos = seen_pos[month_codes]
    inside = pos >= 0
    flat = codes[inside] * len(months) + pos[inside]
    matrix = np.bincount(flat, weights=rows.counts[inside],
                         minlength=len(pair) * len(months))
    keys = _Keys(np.asarray(areas, dtype=object)[pair // len(cats)],
                 np.asarray(cats, dtype=object)[pair % len(cats)])
    return keys, matrix.reshape(len(pair), len(months))


def _small_matrix(areas: list[str], rows: _Rows,
                  column: dict[str, int]) -> tuple[_Keys, np.ndarray]:
    """:func:`_matrix` of a few rows whose area codes are text."""
    pairs = list(zip(areas, rows.category.tolist(), strict=True))
    keys = sorted(set(pairs))
    index = {key: i for i, key in enumerate(keys)}
    n_months = len(column)
    flat = np.array([index[key] * n_months + column.get(m, -n_months * len(keys) - 1)
                     for key, m in zip(pairs, rows.month.tolist(), strict=True)],
                    dtype="int64")
    inside = flat >= 0
    matrix = np.bincount(flat[inside], weights=rows.counts[inside],
                         minlength=len(keys) * n_months)
    area_keys = np.empty(len(keys), dtype=object)
    cat_keys = np.empty(len(keys), dtype=object)
    area_keys[:], cat_keys[:] = zip(*keys, strict=True)
    return _Keys(area_keys, cat_keys), matrix.reshape(len(keys), n_months)


def _names(rows: _Rows) -> pd.Series:
    """The first area name given for each area code, by area code."""
    named = rows.area_name.notna().to_numpy()
    codes, names = rows.area_code[named], rows.area_name[named]
    first = ~codes.duplicated().to_numpy()
    return pd.Series(names.array[first], dtype=names.dtype,
                     index=pd.Index(codes.array[first], dtype=codes.dtype))


def _area_names(keys: _Keys, rows: _Rows, repeat: int = 1) -> pd.Series | np.ndarray:
    """The area name of each key (NaN when the rows give none), ``repeat`` times in a
    row: the ``area_name`` column of a frame with ``repeat`` rows per key."""
    if not rows.area_name.notna().any():
        return np.full(len(keys) * repeat, np.nan)  # what mapping to no names gives
    names = pd.Series(keys.column("area_code")).map(_names(rows))
    if repeat == 1:
        return names
    return names.take(np.repeat(np.arange(len(keys)), repeat)).reset_index(drop=True)


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
    rows, covered, (start, end) = _prepare(data, period, coverage, what, choices)
    first = start or (covered[0] if covered else None)
    last = end or (covered[-1] if covered else None)
    if first is None or last is None or not len(rows):
        raise UserError(f"{what}: no data in the period {start or '…'} to {end or '…'}",
                        hint="widen --from/--to or load data for these months")
    # the calendar reaching back one window before the first output month
    calendar = month_span(shift(first, 1 - window), last)
    covered_set = set(covered)
    is_covered = np.array([m in covered_set for m in calendar], dtype=bool)
    keys, counts = _matrix(rows, calendar)
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
    area_code = np.repeat(keys.area_code, n_out)
    count = counts[:, out_cols].ravel()
    rolling_total = rolling[:, out_cols].ravel()
    months_in_window = rolling_months[:, out_cols].ravel().astype("int64")
    complete = months_in_window == window
    if not complete.all():
        choices.note(f"rolling {window}-month totals are marked incomplete where the window "
                     "reaches months the source does not cover")
    lower, upper = poisson_ci(count, confidence)
    rates = _rates(area_code, count, rolling_total, complete, population, confidence,
                   choices)
    result = pd.DataFrame({
        "area_code": area_code,
        "area_name": _area_names(keys, rows, n_out),
        "category": np.repeat(keys.category, n_out),
        "month": np.tile(np.array([calendar[i] for i in out_cols], dtype=object), n_keys),
        "count": count, "count_lower": lower, "count_upper": upper,
        "rolling_total": rolling_total, "rolling_months": months_in_window,
        "rolling_complete": complete, **rates,
    }, columns=list(SERIES_COLUMNS))
    return choices.attach(result, function="monthly_series", parameters={
        "period": [first, last], "window": window, "confidence": confidence,
        "rates": population is not None})


def _key_coverage(keys: _Keys, calendar: list[str], is_covered: np.ndarray,
                  area_coverage: Mapping[str, Iterable[str]] | None) -> np.ndarray:
    """Covered months per series key (rows) over ``calendar`` (columns)."""
    covered = np.tile(is_covered, (len(keys), 1))
    if area_coverage is None:
        return covered
    masks: dict[str, np.ndarray] = {}
    for k, code in enumerate(keys.area_code):
        area = str(code)
        if area not in area_coverage:
            continue
        if area not in masks:
            own = set(area_coverage[area])
            masks[area] = np.array([m in own for m in calendar], dtype=bool)
        covered[k] &= masks[area]
    return covered


_RATE_COLUMNS = ("population", "rate_per_1000", "rate_lower", "rate_upper",
                 "rolling_rate_per_1000")


def _rates(area_code: np.ndarray, count: np.ndarray, rolling_total: np.ndarray,
           complete: np.ndarray, population: pd.DataFrame | None, confidence: float,
           choices: Choices) -> dict[str, np.ndarray]:
    """The population and rate columns of :func:`monthly_series` (NaN without a
    population)."""
    if population is None:
        return {col: np.full(len(count), np.nan) for col in _RATE_COLUMNS}
    require_columns(population, ("area_code", "population"), what="population")
    pop = population.groupby("area_code")["population"].sum()
    codes = pd.Series(area_code)
    residents = codes.map(pop).astype("float64").to_numpy()
    missing = codes[np.isnan(residents)].unique()
    if len(missing):
        choices.note(f"no population for {len(missing)} area(s) (e.g. {missing[0]}); "
                     "their rates are left empty")
    rate, low, high = rate_ci(count, residents, confidence=confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        rolling_rate = np.where(complete, rolling_total / residents * 1000, np.nan)
    return {"population": residents, "rate_per_1000": rate, "rate_lower": low,
            "rate_upper": high, "rolling_rate_per_1000": rolling_rate}


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
    rows, covered, (_start, end) = _prepare(data, period, coverage, what, choices)
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
    keys, counts = _matrix(rows, prev_months + cur_months)
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
    with np.errstate(divide="ignore", invalid="ignore"):
        pct_change = np.where(previous > 0, (rr.ratio - 1) * 100, np.nan)
    result = pd.DataFrame({
        "area_code": keys.column("area_code"), "area_name": _area_names(keys, rows),
        "category": keys.column("category"),
        "current_from": cur_months[0], "current_to": cur_months[-1],
        "current": current, "current_months": cur_n,
        "previous_from": prev_months[0], "previous_to": prev_months[-1],
        "previous": previous, "previous_months": prev_n, "change": current - previous,
        **{col: np.where(uncovered, np.nan, values) for col, values in (
            ("pct_change", pct_change), ("rate_ratio", rr.ratio), ("ratio_lower", rr.lower),
            ("ratio_upper", rr.upper), ("p_value", rr.p_value))},
        "complete": (cur_n == window) & (prev_n == window),
    }, columns=list(YOY_COLUMNS))
    return choices.attach(result, function="year_on_year", parameters={
        "end": end, "window": window, "confidence": confidence})
