"""Dates and times as EDs write them, read strictly enough to be trusted.

Accepted (UK day-first order throughout):

* ISO ``2024-01-31``, ``2024-01-31T23:10``, ``2024-01-31 23:10:00``, compact ``20240131``;
* ``31/01/2024``, ``31-01-2024``, ``31.01.2024`` (two-digit years are 20yy), each optionally
  followed by a time: ``31-01-2024 23:10``;
* ``31 Jan 2024``, ``31-Jan-2024``, ``31 January 2024``;
* in workbooks, real date cells and Excel serial numbers (``45322`` = 2024-01-31; fractions
  are the time of day).

Times: ``23:10``, ``23:10:00``, ``2310``, ``23.10``, ``11:10 pm``. ``24:00`` (end of day, as
some ED systems write midnight) is read as 00:00 of the *next* day and flagged
``time_24_00``; any other hour above 23 is an error.

Month-first (US) dates are refused: ``01/13/2024`` cannot be day-first and says so, and only
that record is set aside. When a column holds any month-first value, its slash dates that
could be read either way (``03/04/2024``) are read day-first only when the reporting period
settles it (the day-first reading falls in the period and the month-first one does not);
otherwise they are refused as ambiguous rather than guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

EXCEL_EPOCH = dt.datetime(1899, 12, 30)  # Excel's 1900 date system (with its leap-year bug)
FLAG_24 = "time_24_00"

_MONTHS = {m: i for i, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
     ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
     ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")], start=1) for m in names}

_TIME_PART = r"(?:[T ]\s*(?P<time>.+))?"
_ISO = re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})" + _TIME_PART)
_COMPACT = re.compile(r"(?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)")
_NUMERIC = re.compile(r"(?P<a>\d{1,2})(?P<sep>[/.\-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})"
                      + _TIME_PART)
_WORDY = re.compile(r"(?P<d>\d{1,2})(?:st|nd|rd|th)?[ \-](?P<mon>[A-Za-z]{3,9})\.?[ \-,]*"
                    r"(?P<y>\d{4}|\d{2})" + _TIME_PART)
_TIME = re.compile(r"(?P<h>\d{1,2})(?:[:.](?P<m>\d{2})(?::(?P<s>\d{2})(?:\.\d+)?)?|(?P<m2>\d{2}))"
                   r"\s*(?P<ampm>[ap]\.?m\.?)?")


class DateProblem(ValueError):
    """A value that is not a usable date or time; the message says why and how to write it."""


@dataclass(frozen=True)
class Moment:
    """A parsed date-time: ``time_known`` is False when only a date was given."""

    value: dt.datetime
    time_known: bool
    flags: tuple[str, ...] = ()


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000
    return year


def _make_date(y: int, m: int, d: int, original: object) -> dt.date:
    try:
        return dt.date(y, m, d)
    except ValueError:
        raise DateProblem(f"{original!r} is not a real date") from None


def month_first_column(values: Iterable[object]) -> bool:
    """True when any slash/dot/dash date in ``values`` can only be month-first."""
    for value in values:
        if not isinstance(value, str):
            continue
        match = _NUMERIC.fullmatch(value.strip())
        if match and int(match["a"]) <= 12 < int(match["b"]) <= 31:
            return True
    return False


def parse_date(value: object, *, month_first_seen: bool = False,
               in_period: Callable[[dt.date], bool] | None = None,
               ) -> tuple[dt.date, dt.time | None, tuple[str, ...]]:
    """A date and, when the value carries one, its time (with flags).

    ``in_period`` (the reporting period, with its grace days) settles a date that could be
    read either way in a column that also holds month-first dates."""
    if isinstance(value, dt.datetime):
        return value.date(), value.time(), ()
    if isinstance(value, dt.date):
        return value, None, ()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _excel_serial(float(value), value)
    text = str(value).strip()
    if not text:
        raise DateProblem("the date is blank")
    time_text: str | None = None
    if m := _ISO.fullmatch(text):
        day = _make_date(int(m["y"]), int(m["m"]), int(m["d"]), value)
        time_text = m["time"]
    elif m := _COMPACT.fullmatch(text):
        day = _make_date(int(m["y"]), int(m["m"]), int(m["d"]), value)
    elif m := _NUMERIC.fullmatch(text):
        a, b = int(m["a"]), int(m["b"])
        if b > 12 and a <= 12:
            raise DateProblem(
                f"{value!r} looks like month-first (US) order: {b} cannot be a month. "
                "Write dates day-first (31/01/2024) or as 2024-01-31")
        day = _make_date(_year(m["y"]), b, a, value)
        if month_first_seen and a <= 12 and b <= 12 and a != b:
            other = _make_date(_year(m["y"]), a, b, value)
            if in_period is None or not in_period(day) or in_period(other):
                raise DateProblem(
                    f"{value!r} is ambiguous: this column also holds month-first dates, so it "
                    f"could be {day:%-d %B %Y} or {other:%-d %B %Y}. Write dates as "
                    f"{day:%Y-%m-%d}")
        time_text = m["time"]
    elif m := _WORDY.fullmatch(text):
        month = _MONTHS.get(m["mon"].lower())
        if month is None:
            raise DateProblem(f"{value!r}: {m['mon']!r} is not a month name")
        day = _make_date(_year(m["y"]), month, int(m["d"]), value)
        time_text = m["time"]
    elif re.fullmatch(r"\d{5}(?:\.\d+)?", text):
        return _excel_serial(float(text), value)
    else:
        raise DateProblem(f"{value!r} is not a date in a known format: write 2024-01-31 or "
                          "31/01/2024")
    if time_text:
        time, flags = parse_time(time_text)
        if flags:
            day += dt.timedelta(days=1)
        return day, time, flags
    return day, None, ()


def _excel_serial(serial: float, original: object) -> tuple[dt.date, dt.time | None,
                                                            tuple[str, ...]]:
    if not 1 <= serial < 2958466:
        raise DateProblem(f"{original!r} is not an Excel date serial number")
    moment = EXCEL_EPOCH + dt.timedelta(days=serial)
    moment = _round_to_second(moment)
    has_time = serial != int(serial)
    return moment.date(), (moment.time() if has_time else None), ()


def _round_to_second(moment: dt.datetime) -> dt.datetime:
    if moment.microsecond >= 500_000:
        moment += dt.timedelta(seconds=1)
    return moment.replace(microsecond=0)


def parse_time(value: object) -> tuple[dt.time, tuple[str, ...]]:
    """A time of day; ``24:00`` gives 00:00 and the flag ``time_24_00`` (the caller moves the
    date to the next day)."""
    if isinstance(value, dt.datetime):
        return value.time(), ()
    if isinstance(value, dt.time):
        return value, ()
    if isinstance(value, int | float) and not isinstance(value, bool):
        fraction = float(value)
        if not 0 <= fraction < 1:
            raise DateProblem(f"{value!r} is not a time of day")
        moment = _round_to_second(dt.datetime(2000, 1, 1) + dt.timedelta(days=fraction))
        if moment.day == 2:
            return dt.time(0, 0), (FLAG_24,)
        return moment.time(), ()
    text = str(value).strip().lower()
    m = _TIME.fullmatch(text)
    if not m:
        raise DateProblem(f"{value!r} is not a time: write 23:10 (24-hour clock)")
    hour = int(m["h"])
    minute = int(m["m"] or m["m2"] or 0)
    second = int(m["s"] or 0)
    if m["ampm"]:
        if not 1 <= hour <= 12:
            raise DateProblem(f"{value!r}: {hour} is not an hour on a 12-hour clock")
        hour = hour % 12 + (12 if m["ampm"].startswith("p") else 0)
    if hour == 24 and minute == 0 and second == 0:
        return dt.time(0, 0), (FLAG_24,)
    if hour > 23 or minute > 59 or second > 59:
        raise DateProblem(f"{value!r} is not a time of day (hours 00-23, minutes 00-59)")
    return dt.time(hour, minute, second), ()


def parse_moment(date_value: object, time_value: object = None, *,
                 month_first_seen: bool = False,
                 in_period: Callable[[dt.date], bool] | None = None) -> Moment:
    """Combine a date (which may carry its own time) and an optional separate time."""
    day, time, flags = parse_date(date_value, month_first_seen=month_first_seen,
                                  in_period=in_period)
    if not _blank(time_value):
        parsed, tflags = parse_time(time_value)
        if tflags:
            day += dt.timedelta(days=1)
        return Moment(dt.datetime.combine(day, parsed), True, flags + tflags)
    if time is not None:
        return Moment(dt.datetime.combine(day, time), True, flags)
    return Moment(dt.datetime.combine(day, dt.time(0, 0)), False, flags)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, float) and value != value)


def parse_period(value: str) -> tuple[dt.date, dt.date]:
    """``2024-01`` (a month), or ``2024-01-01..2024-01-31``, into first and last day."""
    text = value.strip()
    if m := re.fullmatch(r"(\d{4})-?(0[1-9]|1[0-2])", text):
        start = dt.date(int(m[1]), int(m[2]), 1)
        return start, month_end(start)
    if m := re.fullmatch(r"(.+?)\s*(?:\.\.|/| to )\s*(.+)", text):
        start, _, _ = parse_date(m[1])
        end, _, _ = parse_date(m[2])
        if end < start:
            raise DateProblem(f"period {value!r} ends before it starts")
        return start, end
    raise DateProblem(f"{value!r} is not a reporting period: write a month (2024-01) or "
                      "start..end (2024-01-01..2024-01-31)")


def month_end(day: dt.date) -> dt.date:
    first_next = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first_next - dt.timedelta(days=1)
