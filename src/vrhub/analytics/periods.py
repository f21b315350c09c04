"""Splitting event dates into consecutive periods ("3 months", "28 days", "1 year").

Used by :mod:`vrhub.analytics.classify`. Police.uk dates are months only (the first of
the month), so when every date falls on the first of a month, day-based periods are
replaced by the nearest whole number of months.

Automatic period (announced), after sfhotspot's ``hotspot_classify``, by the span of the
dates: up to 14 days -> 1 day; up to 91 days -> 1 week; up to 2 years -> 28 days (1 month
for month-only dates); up to 10 years -> 91 days (3 months); longer -> 1 year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from vrhub.errors import UserError

UNITS = {"day": ("days", 1), "week": ("days", 7), "month": ("months", 1),
         "quarter": ("months", 3), "year": ("months", 12)}


@dataclass(frozen=True)
class Period:
    """A period length: ``count`` days or months."""

    count: int
    unit: str  # "days" or "months"

    def label(self) -> str:
        single = self.unit[:-1]
        return f"{self.count} {single if self.count == 1 else self.unit}"


def parse_period(text: str) -> Period:
    """'3 months', '28 days', '1 week', 'quarter', '1 year' -> :class:`Period`."""
    match = re.fullmatch(r"\s*(\d+)?\s*([a-z]+?)s?\s*", str(text).lower())
    if not match or match.group(2) not in UNITS:
        raise UserError(f"cannot read the period {text!r}",
                        hint="write a whole number and a unit, e.g. '3 months', '28 days', "
                        "'1 week', '1 quarter' or '1 year'")
    number = int(match.group(1) or 1)
    if number < 1:
        raise UserError(f"the period must be at least 1, got {text!r}")
    unit, factor = UNITS[match.group(2)]
    return Period(number * factor, unit)


def month_only(dates: pd.Series) -> bool:
    """True when every date is midnight on the first of a month (monthly data)."""
    return bool(((dates.dt.day == 1) & (dates.dt.normalize() == dates)).all())


def auto_period(dates: pd.Series) -> Period:
    span = (dates.max() - dates.min()).days
    monthly = month_only(dates)
    if span <= 14 and not monthly:
        return Period(1, "days")
    if span <= 91 and not monthly:
        return Period(7, "days")
    if span <= 366 * 2:
        return Period(1, "months") if monthly else Period(28, "days")
    if span <= 3653:
        return Period(3, "months") if monthly else Period(91, "days")
    return Period(12, "months")


def assign_periods(dates: pd.Series, period: Period, start: pd.Timestamp | None = None
                   ) -> tuple[np.ndarray, list[str]]:
    """0-based period number of each date, and a label (first day) for each period."""
    first = dates.min() if start is None else pd.Timestamp(start)
    if period.unit == "months":
        first = first.normalize().replace(day=1)
        months = (dates.dt.year * 12 + dates.dt.month) - (first.year * 12 + first.month)
        index = (months.to_numpy() // period.count).astype(np.int64)
        count = int(index.max()) + 1 if len(index) else 0
        labels = [(first + pd.DateOffset(months=i * period.count)).date().isoformat()
                  for i in range(count)]
    else:
        first = first.normalize()
        days = (dates.dt.normalize() - first).dt.days.to_numpy()
        index = (days // period.count).astype(np.int64)
        count = int(index.max()) + 1 if len(index) else 0
        labels = [(first + pd.Timedelta(days=i * period.count)).date().isoformat()
                  for i in range(count)]
    if len(index) and index.min() < 0:
        raise UserError(f"the start date {first.date()} is after some events",
                        hint="choose a start on or before the earliest event")
    return index, labels
