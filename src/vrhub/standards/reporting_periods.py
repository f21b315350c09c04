"""Reporting periods of programme returns: a month, a financial quarter or a financial year.

Built on :class:`~vrhub.standards.months.Month` and :class:`~vrhub.standards.months.Period`.
Quarters are of the UK financial year (April to March), as the VRU's funding runs::

    >>> p = ReportingPeriod.parse("2024-25-Q1")
    >>> p.label, str(p.months.first), str(p.months.last)
    ('Q1 2024/25 (April to June 2024)', '2024-04', '2024-06')
    >>> ReportingPeriod.parse("2024-10").label, ReportingPeriod.parse("2024-25").label
    ('October 2024', 'Financial year 2024/25')

Codes (``2024-25-Q1``, ``2024-10``, ``2024-25``) are what files, addresses and commands
use; a bad one is a :class:`~vrhub.errors.MonthError` naming the value.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from vrhub.errors import MonthError
from vrhub.standards.months import FINANCIAL_YEAR_START, Month, Period
from vrhub.standards.outcomes import PeriodType

_QUARTER = re.compile(r"(?:FY)?(\d{4})[-/](\d{2})[- ]?Q([1-4])", re.IGNORECASE)
_QUARTER_LABEL = re.compile(r"Q([1-4])\s+(?:FY)?(\d{4})[-/](\d{2})", re.IGNORECASE)
_YEAR = re.compile(r"(\d{4})[-/](\d{2})")
_HINT = ("write a quarter as 2024-25-Q1 (April to June 2024), a month as 2024-10, or a "
         "financial year as 2024-25 (FY2011-12 where the years could be read as a month)")


@dataclass(frozen=True, order=True, slots=True)
class ReportingPeriod:
    """A month, financial quarter or financial year; ordered by its first month."""

    first: Month
    kind: PeriodType

    # -- making periods -------------------------------------------------------------------
    @classmethod
    def month(cls, month: Month | str) -> ReportingPeriod:
        return cls(Month.parse(month), PeriodType.MONTH)

    @classmethod
    def quarter(cls, start_year: int, number: int) -> ReportingPeriod:
        """Quarter ``number`` (1-4) of the financial year starting April ``start_year``."""
        if not 1 <= number <= 4:
            raise MonthError(f"quarter {number} is not 1 to 4", hint=_HINT)
        return cls(Month(start_year, FINANCIAL_YEAR_START) + 3 * (number - 1),
                   PeriodType.QUARTER)

    @classmethod
    def financial_year(cls, start_year: int) -> ReportingPeriod:
        return cls(Month(start_year, FINANCIAL_YEAR_START), PeriodType.YEAR)

    @classmethod
    def parse(cls, value: object) -> ReportingPeriod:
        if isinstance(value, ReportingPeriod):
            return value
        text = str(value or "").strip()
        match = _QUARTER.fullmatch(text)
        if match and _follows(match.group(1), match.group(2)):
            return cls.quarter(int(match.group(1)), int(match.group(3)))
        match = _QUARTER_LABEL.fullmatch(text)
        if match and _follows(match.group(2), match.group(3)):
            return cls.quarter(int(match.group(2)), int(match.group(1)))
        match = _YEAR.fullmatch(text.upper().removeprefix("FY").strip())
        if match and _follows(match.group(1), match.group(2)) and (
                int(match.group(2)) > 12 or text.upper().startswith("FY")):
            return cls.financial_year(int(match.group(1)))
        try:
            return cls.month(Month.parse(text))
        except MonthError:
            raise MonthError(f"{value!r} is not a reporting period", hint=_HINT) from None

    @classmethod
    def containing(cls, day: dt.date, kind: PeriodType | str) -> ReportingPeriod:
        month = Month.containing(day)
        kind = PeriodType(kind)
        if kind is PeriodType.MONTH:
            return cls.month(month)
        start = month.financial_year
        if kind is PeriodType.YEAR:
            return cls.financial_year(start)
        return cls.quarter(start, (month - Month(start, FINANCIAL_YEAR_START)) // 3 + 1)

    @classmethod
    def between(cls, kind: PeriodType | str, first_day: dt.date,
                last_day: dt.date) -> list[ReportingPeriod]:
        """Every period of ``kind`` overlapping ``first_day``..``last_day``, in order."""
        if last_day < first_day:
            return []
        out = [cls.containing(first_day, kind)]
        while out[-1].last_day < last_day:
            out.append(out[-1].next())
        return out

    # -- reading periods ------------------------------------------------------------------
    @property
    def length(self) -> int:
        return {PeriodType.MONTH: 1, PeriodType.QUARTER: 3, PeriodType.YEAR: 12}[self.kind]

    @property
    def months(self) -> Period:
        return Period(self.first, self.first + (self.length - 1))

    @property
    def first_day(self) -> dt.date:
        return self.first.first_day

    @property
    def last_day(self) -> dt.date:
        return (self.first + (self.length - 1)).last_day

    @property
    def financial_year_start(self) -> int:
        return self.first.financial_year

    @property
    def quarter_number(self) -> int | None:
        if self.kind is not PeriodType.QUARTER:
            return None
        return (self.first - Month(self.financial_year_start, FINANCIAL_YEAR_START)) // 3 + 1

    @property
    def code(self) -> str:
        fy = f"{self.financial_year_start}-{(self.financial_year_start + 1) % 100:02d}"
        if self.kind is PeriodType.MONTH:
            return self.first.iso
        if self.kind is PeriodType.YEAR:
            # "2011-12" would read back as December 2011
            return fy if (self.financial_year_start + 1) % 100 > 12 else "FY" + fy
        return f"{fy}-Q{self.quarter_number}"

    @property
    def label(self) -> str:
        fy = f"{self.financial_year_start}/{(self.financial_year_start + 1) % 100:02d}"
        if self.kind is PeriodType.MONTH:
            return self.first.label
        if self.kind is PeriodType.YEAR:
            return f"Financial year {fy}"
        last = self.first + 2
        return f"Q{self.quarter_number} {fy} ({self.first.name} to {last.label})"

    @property
    def short_label(self) -> str:
        if self.kind is PeriodType.QUARTER:
            fy = f"{self.financial_year_start}/{(self.financial_year_start + 1) % 100:02d}"
            return f"Q{self.quarter_number} {fy}"
        return self.label

    def __str__(self) -> str:
        return self.code

    def contains(self, day: dt.date) -> bool:
        return self.first_day <= day <= self.last_day

    def next(self) -> ReportingPeriod:
        return ReportingPeriod(self.first + self.length, self.kind)

    def previous(self) -> ReportingPeriod:
        return ReportingPeriod(self.first.minus(self.length), self.kind)

    def due_date(self, days_after_end: int) -> dt.date:
        """When a return for this period is due: ``days_after_end`` days after it ends."""
        return self.last_day + dt.timedelta(days=days_after_end)


def _follows(first: str, second: str) -> bool:
    return int(second) == (int(first) + 1) % 100
