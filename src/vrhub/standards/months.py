"""Months and periods of months: the one sense of time every page, chart, download and
command shares.

A :class:`Month` is a calendar month, parsed from the forms people and files use and written
the way a reader expects::

    >>> m = Month.parse("202410")
    >>> str(m), m.label, m.short_label
    ('2024-10', 'October 2024', 'Oct 2024')
    >>> (m + 3).label, m - Month.parse("2023-10")
    ('January 2025', 12)

A :class:`Period` is an inclusive run of months, made from a preset (rolling 12 months,
financial year April to March, calendar year) or two months. The default everywhere is
:meth:`Period.latest_complete`: the latest 12 complete months the data holds::

    >>> Period.latest_complete(Month.parse("2025-10"), today=dt.date(2025, 12, 6)).label
    'November 2024 to October 2025'
    >>> Period.financial_year(2024).title
    'Financial year 2024/25'
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import overload

from vrhub.errors import MonthError

#: A month as URLs, files and the warehouse write it, ``YYYY-MM`` (``2024-10``): the one
#: pattern column declarations take (matched whole).
ISO_MONTH_PATTERN = r"\d{4}-(0[1-9]|1[0-2])"
#: The same pattern anchored, for validators that search (query parameters, form fields).
ISO_MONTH_ANCHORED = f"^{ISO_MONTH_PATTERN}$"
#: :data:`ISO_MONTH_PATTERN` compiled: ``ISO_MONTH.fullmatch(text)`` checks a ``YYYY-MM``
#: month.
ISO_MONTH = re.compile(ISO_MONTH_PATTERN)

_ISO = re.compile(r"(\d{4})-(\d{1,2})")
_COMPACT = re.compile(r"(\d{4})(\d{2})")
_SLASHED = re.compile(r"(\d{4})/(\d{1,2})")
_NAMED = re.compile(r"([A-Za-z]+)\.?\s+(\d{4})")
_MONTH_NAMES = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTH_NAMES.update(
    {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
_MONTH_NAMES["sept"] = 9
_FIRST_YEAR, _LAST_YEAR = 1900, 2999

#: The month a UK financial year starts (April; 2024/25 runs April 2024 to March 2025).
FINANCIAL_YEAR_START = 4


@dataclass(frozen=True, order=True, slots=True)
class Month:
    """One calendar month. Ordered, hashable, and written ``2024-10`` by ``str()``."""

    year: int
    number: int

    def __post_init__(self) -> None:
        if not 1 <= self.number <= 12:
            raise MonthError(f"month number {self.number} is not 1 to 12",
                             hint="write months as YYYY-MM, for example 2024-10")
        if not _FIRST_YEAR <= self.year <= _LAST_YEAR:
            raise MonthError(f"year {self.year} is out of range",
                             hint="write months as YYYY-MM, for example 2024-10")

    # -- making months --------------------------------------------------------------------
    @classmethod
    def parse(cls, value: object) -> Month:
        """A month from ``2024-10``, ``202410``, ``2024/10``, ``October 2024``, ``Oct 2024``,
        a date or another :class:`Month`. Anything else raises :class:`MonthError` naming it."""
        if isinstance(value, Month):
            return value
        if isinstance(value, dt.date):
            return cls(value.year, value.month)
        text = str(value).strip() if value is not None else ""
        for pattern in (_ISO, _COMPACT, _SLASHED):
            match = pattern.fullmatch(text)
            if match:
                year, number = int(match.group(1)), int(match.group(2))
                if 1 <= number <= 12 and _FIRST_YEAR <= year <= _LAST_YEAR:
                    return cls(year, number)
                break
        match = _NAMED.fullmatch(text)
        if match and match.group(1).lower() in _MONTH_NAMES:
            return cls(int(match.group(2)), _MONTH_NAMES[match.group(1).lower()])
        raise MonthError(f"{value!r} is not a month",
                         hint="write months as YYYY-MM, for example 2024-10 (or 202410, "
                              "or October 2024)")

    @classmethod
    def is_valid(cls, value: object) -> bool:
        try:
            cls.parse(value)
        except MonthError:
            return False
        return True

    @classmethod
    def containing(cls, day: dt.date) -> Month:
        return cls(day.year, day.month)

    @classmethod
    def last_complete(cls, today: dt.date | None = None) -> Month:
        """The latest month that has ended by ``today`` (the month before today's)."""
        return cls.containing(today or dt.date.today()) - 1

    @classmethod
    def from_index(cls, index: int) -> Month:
        year, zero_based = divmod(index, 12)
        return cls(year, zero_based + 1)

    @classmethod
    def span(cls, first: Month | str, last: Month | str) -> list[Month]:
        """Every month from ``first`` to ``last``, both included (empty when last < first)."""
        a, b = cls.parse(first), cls.parse(last)
        return [cls.from_index(i) for i in range(a.index, b.index + 1)]

    # -- reading months -------------------------------------------------------------------
    @property
    def index(self) -> int:
        """Months since the start of year 0; consecutive months differ by one."""
        return self.year * 12 + self.number - 1

    @property
    def iso(self) -> str:
        return f"{self.year:04d}-{self.number:02d}"

    @property
    def compact(self) -> str:
        return f"{self.year:04d}{self.number:02d}"

    @property
    def label(self) -> str:
        """``October 2024``: how a page, chart or download names the month."""
        return f"{calendar.month_name[self.number]} {self.year}"

    @property
    def short_label(self) -> str:
        """``Oct 2024``: for chart axes and narrow table columns."""
        return f"{calendar.month_abbr[self.number]} {self.year}"

    @property
    def name(self) -> str:
        """``October``: the month's name without the year."""
        return calendar.month_name[self.number]

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.number, 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.year, self.number, calendar.monthrange(self.year, self.number)[1])

    @property
    def financial_year(self) -> int:
        """The year a UK financial year starts in: March 2025 is in 2024/25, so 2024."""
        return self.year if self.number >= FINANCIAL_YEAR_START else self.year - 1

    def __str__(self) -> str:
        return self.iso

    def __format__(self, spec: str) -> str:
        """``f"{m}"`` is ``2024-10``; ``f"{m:label}"`` ``October 2024``; ``f"{m:short}"``
        ``Oct 2024``; ``f"{m:compact}"`` ``202410``."""
        forms = {"": self.iso, "iso": self.iso, "label": self.label,
                 "short": self.short_label, "compact": self.compact}
        if spec not in forms:
            raise ValueError(f"unknown month format {spec!r}; use one of {sorted(forms)}")
        return forms[spec]

    # -- arithmetic -----------------------------------------------------------------------
    def __add__(self, months: int) -> Month:
        if not isinstance(months, int) or isinstance(months, bool):
            return NotImplemented
        return Month.from_index(self.index + months)

    def __radd__(self, months: int) -> Month:
        return self.__add__(months)

    @overload
    def __sub__(self, other: Month) -> int: ...

    @overload
    def __sub__(self, other: int) -> Month: ...

    def __sub__(self, other: int | Month) -> Month | int:
        if isinstance(other, Month):
            return self.index - other.index
        if isinstance(other, int) and not isinstance(other, bool):
            return Month.from_index(self.index - other)
        return NotImplemented

    def minus(self, months: int) -> Month:
        """``self - months`` typed as a :class:`Month` (for readers of the types)."""
        return Month.from_index(self.index - months)

    def months_since(self, other: Month) -> int:
        """``self - other`` typed as an int."""
        return self.index - other.index


class Preset(StrEnum):
    """How a period was chosen; the value is the word used in addresses and commands."""

    LATEST = "latest"                  # the latest 12 complete months (the default)
    ROLLING_12 = "rolling-12"          # 12 months ending at a chosen month
    FINANCIAL_YEAR = "financial-year"  # April to March
    CALENDAR_YEAR = "calendar-year"    # January to December
    CUSTOM = "custom"                  # any first and last month

    @property
    def label(self) -> str:
        return {
            Preset.LATEST: "Latest 12 complete months",
            Preset.ROLLING_12: "12 months ending",
            Preset.FINANCIAL_YEAR: "Financial year (April to March)",
            Preset.CALENDAR_YEAR: "Calendar year",
            Preset.CUSTOM: "Custom months",
        }[self]


@dataclass(frozen=True, slots=True)
class Period:
    """The months from ``first`` to ``last``, both included, and how they were chosen."""

    first: Month
    last: Month
    preset: Preset = Preset.CUSTOM

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise MonthError(
                f"the period ends ({self.last.label}) before it starts ({self.first.label})",
                hint="give the earlier month first")

    # -- presets --------------------------------------------------------------------------
    @classmethod
    def latest_complete(cls, latest: Month | str | None = None, *,
                        today: dt.date | None = None, months: int = 12) -> Period:
        """The default period: the latest ``months`` complete months. They end at the latest
        month the data holds (``latest``), or at the last month ended by ``today`` when that
        is earlier or there is no data."""
        end = Month.last_complete(today)
        if latest is not None:
            end = min(end, Month.parse(latest))
        return cls(end.minus(months - 1), end, Preset.LATEST)

    @classmethod
    def rolling_12(cls, ending: Month | str) -> Period:
        last = Month.parse(ending)
        return cls(last.minus(11), last, Preset.ROLLING_12)

    @classmethod
    def financial_year(cls, start_year: int) -> Period:
        """April ``start_year`` to March of the next year (2024 gives 2024/25)."""
        first = Month(start_year, FINANCIAL_YEAR_START)
        return cls(first, first + 11, Preset.FINANCIAL_YEAR)

    @classmethod
    def calendar_year(cls, year: int) -> Period:
        return cls(Month(year, 1), Month(year, 12), Preset.CALENDAR_YEAR)

    @classmethod
    def custom(cls, first: Month | str, last: Month | str) -> Period:
        return cls(Month.parse(first), Month.parse(last), Preset.CUSTOM)

    @classmethod
    def choose(cls, preset: Preset | str | None, *, latest: Month | str | None = None,
               today: dt.date | None = None, year: int | str | None = None,
               ending: Month | str | None = None, first: Month | str | None = None,
               last: Month | str | None = None) -> Period:
        """The period a form, address or command asks for. ``year`` is the calendar year or
        the year a financial year starts; a missing year or end month means the latest one
        the data holds. Without a preset, two months make a custom period and nothing makes
        the default."""
        if preset in (None, ""):
            preset = Preset.CUSTOM if first or last else Preset.LATEST
        try:
            chosen = Preset(preset)
        except ValueError:
            raise MonthError(f"{preset!r} is not a period",
                             hint="choose one of " + ", ".join(p.value for p in Preset)) from None
        default = cls.latest_complete(latest, today=today)
        if chosen is Preset.LATEST:
            return default
        if chosen is Preset.ROLLING_12:
            return cls.rolling_12(ending if ending else default.last)
        if chosen in (Preset.FINANCIAL_YEAR, Preset.CALENDAR_YEAR):
            if year in (None, ""):
                start = (default.last.financial_year if chosen is Preset.FINANCIAL_YEAR
                         else default.last.year)
            else:
                start = _year(year)
            return (cls.financial_year(start) if chosen is Preset.FINANCIAL_YEAR
                    else cls.calendar_year(start))
        if not first and not last:
            return default
        return cls.custom(first or last or default.first, last or first or default.last)

    @classmethod
    def from_query(cls, query: Mapping[str, str], *, latest: Month | str | None = None,
                   today: dt.date | None = None) -> Period:
        """The period named by an address's ``period``, ``year``, ``ending``, ``from`` and
        ``to`` parameters (the inverse of :meth:`query`)."""
        return cls.choose(query.get("period"), latest=latest, today=today,
                          year=query.get("year"), ending=query.get("ending"),
                          first=query.get("from"), last=query.get("to"))

    # -- reading periods ------------------------------------------------------------------
    @property
    def months(self) -> list[Month]:
        return Month.span(self.first, self.last)

    def __len__(self) -> int:
        return self.last.months_since(self.first) + 1

    def __iter__(self) -> Iterator[Month]:
        return iter(self.months)

    def __contains__(self, month: object) -> bool:
        try:
            m = Month.parse(month)
        except MonthError:
            return False
        return self.first <= m <= self.last

    @property
    def label(self) -> str:
        """``November 2024 to October 2025`` (one month is just its name)."""
        if self.first == self.last:
            return self.first.label
        return f"{self.first.label} to {self.last.label}"

    @property
    def title(self) -> str:
        """How the period was chosen, in words: ``12 months to October 2025``,
        ``Financial year 2024/25``, ``Calendar year 2024`` or the months themselves."""
        if self.preset is Preset.FINANCIAL_YEAR:
            start = self.first.financial_year
            return f"Financial year {start}/{(start + 1) % 100:02d}"
        if self.preset is Preset.CALENDAR_YEAR:
            return f"Calendar year {self.first.year}"
        if self.preset in (Preset.LATEST, Preset.ROLLING_12):
            return f"{len(self)} months to {self.last.label}"
        return self.label

    @property
    def statement(self) -> str:
        """The sentence a page or download states: title and, where different, the months."""
        if self.title == self.label:
            return self.label
        return f"{self.title} ({self.label})"

    def previous(self) -> Period:
        """The period of the same length just before this one (for change over time)."""
        n = len(self)
        return Period(self.first.minus(n), self.last.minus(n), self.preset)

    def year_before(self) -> Period:
        """The same months a year earlier."""
        return Period(self.first.minus(12), self.last.minus(12), self.preset)

    def clip(self, first: Month | str | None, last: Month | str | None) -> Period | None:
        """The part of this period inside ``first``..``last`` (the months data is held for),
        or ``None`` when they do not overlap."""
        lo = max(self.first, Month.parse(first)) if first else self.first
        hi = min(self.last, Month.parse(last)) if last else self.last
        if hi < lo:
            return None
        return Period(lo, hi, self.preset if (lo, hi) == (self.first, self.last)
                      else Preset.CUSTOM)

    def query(self) -> dict[str, str]:
        """Address parameters naming this period (read back by :meth:`from_query`)."""
        if self.preset is Preset.LATEST:
            return {"period": Preset.LATEST.value}
        if self.preset is Preset.ROLLING_12:
            return {"period": self.preset.value, "ending": self.last.iso}
        if self.preset is Preset.FINANCIAL_YEAR:
            return {"period": self.preset.value, "year": str(self.first.financial_year)}
        if self.preset is Preset.CALENDAR_YEAR:
            return {"period": self.preset.value, "year": str(self.first.year)}
        return {"period": Preset.CUSTOM.value, "from": self.first.iso, "to": self.last.iso}


def shift(month: Month | str, months: int) -> str:
    """``month`` moved ``months`` months on (back when negative), written ``YYYY-MM``:
    ``shift("2024-10", -11)`` is ``"2023-11"``, the first of the 12 months to October 2024."""
    return (Month.parse(month) + months).iso


def month_span(first: Month | str, last: Month | str) -> list[str]:
    """Every month from ``first`` to ``last``, both included, written ``YYYY-MM`` (empty when
    ``last`` comes first)."""
    return [m.iso for m in Month.span(first, last)]


def _year(value: int | str) -> int:
    text = str(value).strip()
    match = re.fullmatch(r"(\d{4})(?:\s*[/-]\s*(\d{2}|\d{4}))?", text)
    follows = (not match or match.group(2) is None
               or int(match.group(2)) % 100 == (int(match.group(1)) + 1) % 100)
    if not match or not follows or not _FIRST_YEAR <= int(match.group(1)) <= _LAST_YEAR:
        raise MonthError(f"{value!r} is not a year",
                         hint="write the year as four digits, for example 2024 (or 2024/25 "
                              "for a financial year)")
    return int(match.group(1))
