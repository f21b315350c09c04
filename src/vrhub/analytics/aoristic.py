"""Hour-of-day by day-of-week profiles with aoristic weighting.

Many offences are known only to have happened between two times (a car parked overnight,
an assault "some time on Saturday night"). Aoristic analysis spreads each event over the
hours of its window ``[start, end)`` in proportion to the overlap: an event known to lie
between 22:00 and 01:00 adds 1/3 to each of the hours 22, 23 and 00, on the right days.
Each event's weights sum to one, so the 7 x 24 table sums to the number of events.

Events with only a start time (no end, or an end not after the start) are exact and add 1
to the hour they fall in. Windows of a week or more add ``k / (L / 1 h)`` to every
weekday-hour for each whole week ``k`` they span, and the remainder is spread as above.
Times are read as local wall-clock time (no time-zone conversion).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vrhub.analytics.series_inputs import Choices, require_columns
from vrhub.errors import UserError
from vrhub.progress import SILENT, Progress

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
PROFILE_COLUMNS = ("weekday", "weekday_name", "hour", "events", "share")
"""Columns of :func:`aoristic_profile`: ``weekday`` 0 = Monday ... 6 = Sunday, ``hour``
0-23 (the hour starting at that time), ``events`` the (weighted) number of events in that
weekday-hour, ``share`` its fraction of all events."""

HOURS_PER_WEEK = 168
_HOUR_NS = 3_600_000_000_000


def _hours_since_monday(values: pd.Series) -> np.ndarray:
    """Fractional hours since the Monday 00:00 of a fixed reference week (1970-01-05)."""
    ts = pd.to_datetime(values, errors="coerce")
    if getattr(ts.dt, "tz", None) is not None:
        ts = ts.dt.tz_localize(None)
    ns = ts.astype("datetime64[ns]").to_numpy().astype("int64").astype("float64")
    ns[ts.isna().to_numpy()] = np.nan
    monday = float(np.datetime64("1970-01-05T00:00", "ns").astype("int64"))
    return (ns - monday) / _HOUR_NS


def aoristic_weights(start_hours: np.ndarray, end_hours: np.ndarray) -> np.ndarray:
    """A (168,) array of weights for hour-of-week slots 0 (Mon 00:00) .. 167 (Sun 23:00).

    ``start_hours`` and ``end_hours`` are fractional hours on one continuous clock whose
    hour 0 is a Monday 00:00; an end that is NaN or not after the start makes the event
    exact. Each event contributes a total weight of 1.
    """
    start = np.asarray(start_hours, dtype="float64")
    end = np.asarray(end_hours, dtype="float64")
    table = np.zeros(HOURS_PER_WEEK)
    exact = ~np.isfinite(end) | (end <= start)
    if exact.any():
        slots = np.floor(start[exact]).astype("int64") % HOURS_PER_WEEK
        table += np.bincount(slots, minlength=HOURS_PER_WEEK)
    s, e = start[~exact], end[~exact]
    if not len(s):
        return table
    length = e - s
    weeks = np.floor(length / HOURS_PER_WEEK)
    table += (weeks / length).sum()  # whole weeks: every slot equally
    e = e - weeks * HOURS_PER_WEEK  # remainder window [s, e), shorter than a week
    first = np.floor(s)
    n_bins = (np.ceil(e) - first).astype("int64")
    n_bins = np.maximum(n_bins, 0)
    owner = np.repeat(np.arange(len(s)), n_bins)
    offset = np.arange(n_bins.sum()) - np.repeat(np.cumsum(n_bins) - n_bins, n_bins)
    bin_start = first[owner] + offset
    overlap = np.minimum(bin_start + 1, e[owner]) - np.maximum(bin_start, s[owner])
    weight = np.clip(overlap, 0, None) / length[owner]
    slots = bin_start.astype("int64") % HOURS_PER_WEEK
    table += np.bincount(slots, weights=weight, minlength=HOURS_PER_WEEK)
    return table


def aoristic_profile(data: pd.DataFrame, *, start: str = "start", end: str | None = "end",
                     progress: Progress = SILENT) -> pd.DataFrame:
    """The 7 x 24 weekday-hour profile of the events in ``data``.

    ``start`` and ``end`` name timestamp columns; ``end`` may be None (all events exact)
    or hold missing values (those events exact). Events without a start time are left out
    and announced. Returns :data:`PROFILE_COLUMNS`, 168 rows, Monday 00:00 first; the
    ``events`` column sums to the number of events with a start time.
    """
    what = "aoristic profile"
    choices = Choices(progress)
    require_columns(data, [start] + ([end] if end else []), what=what)
    s = _hours_since_monday(data[start])
    e = _hours_since_monday(data[end]) if end else np.full(len(s), np.nan)
    known = np.isfinite(s)
    if (~known).any():
        choices.note(f"{int((~known).sum())} event(s) without a usable {start} time left out")
    backwards = known & np.isfinite(e) & (e < s)
    if backwards.any():
        raise UserError(f"{what}: {int(backwards.sum())} event(s) end before they start",
                        hint=f"check the {start} and {end} columns")
    ranged = known & np.isfinite(e) & (e > s)
    if ranged.any():
        choices.note(f"{int(ranged.sum())} event(s) with a time range spread over its hours "
                     "(aoristic weighting)")
    table = aoristic_weights(s[known], e[known])
    total = table.sum()
    result = pd.DataFrame({
        "weekday": np.repeat(np.arange(7), 24),
        "weekday_name": np.repeat(np.array(WEEKDAYS, dtype=object), 24),
        "hour": np.tile(np.arange(24), 7),
        "events": table,
        "share": table / total if total > 0 else np.zeros(HOURS_PER_WEEK),
    })
    return choices.attach(result, function="aoristic_profile", parameters={
        "start": start, "end": end, "events": int(known.sum()),
        "ranged_events": int(ranged.sum())})
