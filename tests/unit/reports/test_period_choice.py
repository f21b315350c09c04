"""The period a question asks for (vrhub.reports.periods): presets, months alone, and the
refusals, with the expected months written out by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from vrhub.errors import MonthError
from vrhub.reports import periods


@pytest.mark.parametrize(("asked", "months", "title"), [
    ({"preset": "financial-year", "year": "2024"}, ("2024-04", "2025-03"),
     "Financial year 2024/25"),
    ({"preset": "financial-year", "year": "2023/24"}, ("2023-04", "2024-03"),
     "Financial year 2023/24"),
    ({"preset": "calendar-year", "year": 2024}, ("2024-01", "2024-12"), "Calendar year 2024"),
    ({"preset": "rolling-12", "last": "2025-02"}, ("2024-03", "2025-02"),
     "12 months to February 2025"),
    ({"last": "October 2025"}, ("2024-11", "2025-10"), "12 months to October 2025"),
    ({"preset": "custom", "first": "2024-02", "last": "202405"}, ("2024-02", "2024-05"),
     "February 2024 to May 2024"),
    ({"first": "2024/02", "last": "2024-02"}, ("2024-02", "2024-02"), "February 2024"),
])
def test_presets_name_their_months(asked: dict[str, object], months: tuple[str, str],
                                   title: str) -> None:
    period = periods.choose(None, "police", **asked)  # type: ignore[arg-type]
    assert periods.bounds(period) == months
    assert period is not None and period.title == title
    described = periods.describe(period)
    assert described is not None
    assert (described["from"], described["to"]) == months
    assert described["months"] == len(range(
        int(months[0][:4]) * 12 + int(months[0][5:]),
        int(months[1][:4]) * 12 + int(months[1][5:]) + 1))


def test_financial_years_run_april_to_march() -> None:
    for year in range(2015, 2026):
        period = periods.choose(None, "mps", preset="financial-year", year=year)
        assert period is not None
        assert [m.iso for m in period.months] == (
            [f"{year}-{m:02d}" for m in range(4, 13)]
            + [f"{year + 1}-{m:02d}" for m in range(1, 4)])


def test_without_data_or_months_there_is_no_period() -> None:
    assert periods.choose(None, "police") is None
    assert periods.describe(None) is None
    assert periods.file_label(None) == "all-months"


def test_from_alone_runs_to_the_latest_complete_month() -> None:
    today = dt.date.today()
    last = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    period = periods.choose(None, "police", first="2024-01")
    assert periods.bounds(period) == ("2024-01", last)


@pytest.mark.parametrize(("asked", "message"), [
    ({"preset": "quarter"}, "'quarter' is not a period"),
    ({"preset": "latest", "first": "2024-01"}, "takes no 'from' or 'to'"),
    ({"preset": "financial-year", "last": "2024-01"}, "takes no 'from' or 'to'"),
    ({"preset": "rolling-12", "first": "2024-01"}, "takes only the month it ends"),
    ({"year": "2024"}, "needs the period financial-year or calendar-year"),
    ({"preset": "custom", "last": "2024-01"}, "needs both 'from' and 'to'"),
    ({"first": "2024-13"}, "is not a month"),
    ({"first": "2024-06", "last": "2024-01"}, "ends (January 2024) before it starts"),
    ({"preset": "calendar-year", "year": "2024/26"}, "is not a year"),
])
def test_contradictions_are_refused_with_the_fix(asked: dict[str, object],
                                                 message: str) -> None:
    with pytest.raises(MonthError, match=message.replace("(", r"\(").replace(")", r"\)")):
        periods.choose(None, "police", **asked)  # type: ignore[arg-type]
