"""Dates and times as EDs write them: accepted formats, 24:00, Excel serials, US order."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from vrhub.ingest.istv.dates import (
    FLAG_24,
    DateProblem,
    month_end,
    month_first_column,
    parse_date,
    parse_moment,
    parse_period,
    parse_time,
)

D = dt.datetime


@pytest.mark.parametrize(("value", "expected"), [
    ("2024-01-31", dt.date(2024, 1, 31)),
    ("20240131", dt.date(2024, 1, 31)),
    ("31/01/2024", dt.date(2024, 1, 31)),
    ("31-01-2024", dt.date(2024, 1, 31)),
    ("31.01.2024", dt.date(2024, 1, 31)),
    ("3/1/24", dt.date(2024, 1, 3)),
    ("31 Jan 2024", dt.date(2024, 1, 31)),
    ("31-Jan-2024", dt.date(2024, 1, 31)),
    ("1st February 2024", dt.date(2024, 2, 1)),
    (dt.date(2024, 1, 31), dt.date(2024, 1, 31)),
    (45322, dt.date(2024, 1, 31)),  # Excel serial (1900 system)
    ("45322", dt.date(2024, 1, 31)),
])
def test_accepted_dates(value: object, expected: dt.date) -> None:
    assert parse_date(value)[0] == expected


@pytest.mark.parametrize(("date_value", "time_value", "expected", "time_known"), [
    ("2024-01-31T23:10", None, D(2024, 1, 31, 23, 10), True),
    ("2024-01-31 23:10:05", None, D(2024, 1, 31, 23, 10, 5), True),
    ("31-01-2024 23:10", None, D(2024, 1, 31, 23, 10), True),
    ("31/01/2024", "2310", D(2024, 1, 31, 23, 10), True),
    ("31/01/2024", "23.10", D(2024, 1, 31, 23, 10), True),
    ("31/01/2024", "11:10 pm", D(2024, 1, 31, 23, 10), True),
    ("31/01/2024", "12:05 am", D(2024, 1, 31, 0, 5), True),
    ("31/01/2024", None, D(2024, 1, 31), False),
    ("31/01/2024", "", D(2024, 1, 31), False),
    (D(2024, 1, 31, 23, 10), None, D(2024, 1, 31, 23, 10), True),
    (45322.5, None, D(2024, 1, 31, 12, 0), True),  # serial with a fraction of a day
    ("31/01/2024", 0.75, D(2024, 1, 31, 18, 0), True),  # Excel time cell
    ("31/01/2024", dt.time(6, 30), D(2024, 1, 31, 6, 30), True),
])
def test_moments(date_value: object, time_value: object, expected: dt.datetime,
                 time_known: bool) -> None:
    moment = parse_moment(date_value, time_value)
    assert moment.value == expected
    assert moment.time_known is time_known
    assert moment.flags == ()


@pytest.mark.parametrize(("date_value", "time_value"), [
    ("31/01/2024", "24:00"), ("2024-01-31 24:00", None), ("31/01/2024", "24:00:00"),
])
def test_24_00_is_midnight_of_the_next_day_and_flagged(date_value: str,
                                                       time_value: str | None) -> None:
    moment = parse_moment(date_value, time_value)
    assert moment.value == D(2024, 2, 1, 0, 0)
    assert moment.flags == (FLAG_24,)


@pytest.mark.parametrize(("value", "why"), [
    ("24:30", "is not a time of day (hours 00-23, minutes 00-59)"),
    ("25:00", "is not a time of day"), ("23:60", "is not a time of day"),
    ("13:00 pm", "13 is not an hour on a 12-hour clock"),
    ("noonish", "is not a time: write 23:10 (24-hour clock)"), ("7", "is not a time: write")])
def test_bad_times(value: str, why: str) -> None:
    with pytest.raises(DateProblem, match=rf"^'{re.escape(value)}'.*{re.escape(why)}"):
        parse_time(value)


def test_month_first_dates_are_refused_with_a_clear_message() -> None:
    with pytest.raises(DateProblem, match="month-first"):
        parse_date("01/13/2024")


def test_ambiguous_dates_in_a_month_first_column_are_refused() -> None:
    column = ["01/13/2024", "03/04/2024", "25/01/2024"]
    assert month_first_column(column)
    with pytest.raises(DateProblem, match="ambiguous"):
        parse_date("03/04/2024", month_first_seen=True)
    # Same value in an ordinary (day-first) column: 3 April.
    assert not month_first_column(["03/04/2024", "25/01/2024"])
    assert parse_date("03/04/2024")[0] == dt.date(2024, 4, 3)
    # Identical day and month are never ambiguous.
    assert parse_date("04/04/2024", month_first_seen=True)[0] == dt.date(2024, 4, 4)


@pytest.mark.parametrize(("value", "why"), [
    ("31/02/2024", "'31/02/2024' is not a real date"),
    ("2024-13-01", "'2024-13-01' is not a real date"),
    ("yesterday", "'yesterday' is not a date in a known format: write 2024-01-31"),
    ("", "the date is blank"), ("32/01/2024", "'32/01/2024' is not a real date"),
    ("31 Foo 2024", "'31 Foo 2024': 'Foo' is not a month name")])
def test_bad_dates(value: str, why: str) -> None:
    with pytest.raises(DateProblem, match=f"^{re.escape(why)}"):
        parse_date(value)


def test_periods() -> None:
    assert parse_period("2024-02") == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert parse_period("202402") == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert parse_period("2024-01-01..2024-01-15") == (dt.date(2024, 1, 1), dt.date(2024, 1, 15))
    with pytest.raises(DateProblem, match=r"period '2024-01-15\.\.2024-01-01' ends before"):
        parse_period("2024-01-15..2024-01-01")
    with pytest.raises(DateProblem, match=r"'January' is not a reporting period"):
        parse_period("January")
    assert month_end(dt.date(2023, 12, 5)) == dt.date(2023, 12, 31)
