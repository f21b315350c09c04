"""Month and Period: parsing, arithmetic, labels and the period presets.

Arithmetic is checked against pandas' monthly periods, an independent implementation."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vrhub.errors import MonthError, UserError
from vrhub.standards.months import Month, Period, Preset

months = st.builds(Month, st.integers(1990, 2100), st.integers(1, 12))


@pytest.mark.parametrize("text", ["2024-10", "202410", "2024/10", "2024-1O".replace("O", "0"),
                                  " 2024-10 ", "October 2024", "oct 2024", "Oct. 2024"])
def test_the_forms_people_and_files_use_parse_to_one_month(text: str) -> None:
    assert Month.parse(text) == Month(2024, 10)


def test_a_single_digit_month_and_a_date_parse() -> None:
    assert Month.parse("2024-3") == Month(2024, 3)
    assert Month.parse(dt.date(2025, 2, 28)) == Month(2025, 2)
    assert Month.parse(Month(2020, 1)) == Month(2020, 1)


@pytest.mark.parametrize("text", ["2024-13", "202400", "24-10", "2024-10-01", "Octember 2024",
                                  "", "10/2024", "1899-12", None])
def test_anything_else_is_refused_naming_the_value(text: object) -> None:
    with pytest.raises(MonthError, match=r"is not a month") as info:
        Month.parse(text)
    assert repr(text) in info.value.message
    assert info.value.hint is not None and "YYYY-MM" in info.value.hint
    assert isinstance(info.value, UserError)
    assert info.value.http_status == 422


def test_an_impossible_month_cannot_be_made() -> None:
    with pytest.raises(MonthError, match="month number 13 is not 1 to 12"):
        Month(2024, 13)


def test_months_are_written_for_machines_and_for_readers() -> None:
    m = Month(2024, 10)
    assert (str(m), m.iso, m.compact) == ("2024-10", "2024-10", "202410")
    assert (m.label, m.short_label, m.name) == ("October 2024", "Oct 2024", "October")
    assert f"{m}|{m:label}|{m:short}|{m:compact}" == "2024-10|October 2024|Oct 2024|202410"
    with pytest.raises(ValueError, match="unknown month format 'x'"):
        format(m, "x")


def test_first_and_last_days_include_leap_february() -> None:
    assert Month(2024, 2).last_day == dt.date(2024, 2, 29)
    assert Month(2023, 2).last_day == dt.date(2023, 2, 28)
    assert Month(2024, 12).first_day == dt.date(2024, 12, 1)


@given(months, st.integers(-400, 400))
def test_adding_months_agrees_with_pandas(m: Month, n: int) -> None:
    expected = pd.Period(f"{m.iso}", freq="M") + n
    got = m + n
    assert (got.year, got.number) == (expected.year, expected.month)
    assert got - m == n
    assert (got - n) == m
    assert got.minus(n) == m and got.months_since(m) == n


@given(months, months)
def test_order_agrees_with_the_text_form(a: Month, b: Month) -> None:
    assert (a < b) == (a.iso < b.iso)
    assert (a == b) == (hash(a) == hash(b) and a.iso == b.iso)


def test_a_span_includes_both_ends_and_crosses_years() -> None:
    assert [m.iso for m in Month.span("2024-11", "2025-02")] == [
        "2024-11", "2024-12", "2025-01", "2025-02"]
    assert Month.span("2025-02", "2024-11") == []
    assert len(Month.span("2010-04", "2025-11")) == 188


@pytest.mark.parametrize(("month", "fy"), [("2025-03", 2024), ("2025-04", 2025),
                                           ("2024-12", 2024), ("2024-01", 2023)])
def test_financial_year_starts_in_april(month: str, fy: int) -> None:
    assert Month.parse(month).financial_year == fy


def test_last_complete_month_is_the_one_before_today() -> None:
    assert Month.last_complete(dt.date(2025, 1, 1)) == Month(2024, 12)
    assert Month.last_complete(dt.date(2025, 12, 31)) == Month(2025, 11)


# -- periods ----------------------------------------------------------------------------------

TODAY = dt.date(2025, 12, 6)


def test_the_default_is_the_latest_12_complete_months_of_the_data() -> None:
    p = Period.latest_complete("2025-10", today=TODAY)
    assert (p.first, p.last, len(p)) == (Month(2024, 11), Month(2025, 10), 12)
    assert p.preset is Preset.LATEST
    assert p.label == "November 2024 to October 2025"
    assert p.title == "12 months to October 2025"
    assert p.statement == "12 months to October 2025 (November 2024 to October 2025)"


def test_the_default_never_includes_the_month_still_running() -> None:
    # data holding part of December 2025 on 6 December: December is not complete
    p = Period.latest_complete("2025-12", today=TODAY)
    assert p.last == Month(2025, 11)
    # no data at all: the 12 months before this one
    assert Period.latest_complete(None, today=TODAY).label == "December 2024 to November 2025"


def test_financial_and_calendar_years() -> None:
    fy = Period.financial_year(2024)
    assert (fy.first.iso, fy.last.iso, len(fy)) == ("2024-04", "2025-03", 12)
    assert fy.title == "Financial year 2024/25"
    assert fy.statement == "Financial year 2024/25 (April 2024 to March 2025)"
    assert Period.financial_year(2099).title == "Financial year 2099/00"
    cy = Period.calendar_year(2024)
    assert (cy.first.iso, cy.last.iso, cy.title) == ("2024-01", "2024-12", "Calendar year 2024")


def test_rolling_12_and_custom() -> None:
    r = Period.rolling_12("2024-06")
    assert (r.first.iso, r.title) == ("2023-07", "12 months to June 2024")
    c = Period.custom("2024-01", "2024-03")
    assert (c.title, c.statement, len(c)) == (
        "January 2024 to March 2024", "January 2024 to March 2024", 3)
    assert Period.custom("2024-05", "2024-05").label == "May 2024"


def test_a_period_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(MonthError, match=r"ends \(January 2024\) before it starts \(March 2024\)"):
        Period.custom("2024-03", "2024-01")


def test_membership_iteration_and_neighbours() -> None:
    p = Period.custom("2024-11", "2025-01")
    assert "2024-12" in p and Month(2025, 1) in p and "2025-02" not in p and "junk" not in p
    assert [m.iso for m in p] == ["2024-11", "2024-12", "2025-01"]
    assert p.previous().label == "August 2024 to October 2024"
    assert p.year_before().label == "November 2023 to January 2024"


def test_clipping_to_the_months_held() -> None:
    fy = Period.financial_year(2025)  # April 2025 to March 2026
    held = fy.clip("2010-04", "2025-10")
    assert held is not None
    assert held.label == "April 2025 to October 2025"
    assert held.preset is Preset.CUSTOM
    assert fy.clip("2010-04", "2026-06") == fy
    assert fy.clip("2026-04", None) is None


@pytest.mark.parametrize(
    ("query", "label"),
    [({}, "November 2024 to October 2025"),
     ({"period": "latest"}, "November 2024 to October 2025"),
     ({"period": "rolling-12", "ending": "2024-03"}, "April 2023 to March 2024"),
     ({"period": "rolling-12"}, "November 2024 to October 2025"),
     ({"period": "financial-year", "year": "2023"}, "April 2023 to March 2024"),
     ({"period": "financial-year", "year": "2023/24"}, "April 2023 to March 2024"),
     ({"period": "financial-year"}, "April 2025 to March 2026"),
     ({"period": "calendar-year", "year": "2024"}, "January 2024 to December 2024"),
     ({"period": "calendar-year"}, "January 2025 to December 2025"),
     ({"from": "2024-01", "to": "2024-06"}, "January 2024 to June 2024"),
     ({"period": "custom", "from": "202401"}, "January 2024"),
     ({"period": "custom"}, "November 2024 to October 2025")],
)
def test_periods_from_an_address(query: dict[str, str], label: str) -> None:
    assert Period.from_query(query, latest="2025-10", today=TODAY).label == label


@pytest.mark.parametrize(
    ("query", "message"),
    [({"period": "fortnight"}, "'fortnight' is not a period"),
     ({"period": "financial-year", "year": "2023/25"}, "'2023/25' is not a year"),
     ({"period": "calendar-year", "year": "last"}, "'last' is not a year"),
     ({"from": "2024-13"}, "'2024-13' is not a month")],
)
def test_a_bad_address_names_what_is_wrong(query: dict[str, str], message: str) -> None:
    with pytest.raises(MonthError, match=message):
        Period.from_query(query, latest="2025-10", today=TODAY)


@pytest.mark.parametrize("period", [
    Period.latest_complete("2025-10", today=TODAY), Period.rolling_12("2024-03"),
    Period.financial_year(2022), Period.calendar_year(2021), Period.custom("2020-02", "2021-07")])
def test_an_address_names_its_period_again(period: Period) -> None:
    assert Period.from_query(period.query(), latest="2025-10", today=TODAY) == period


def test_the_module_examples_hold() -> None:
    import doctest

    from vrhub.standards import months as module

    result = doctest.testmod(module)
    assert result.attempted >= 5 and result.failed == 0


@given(months, st.integers(-240, 240))
def test_shift_moves_a_month_as_pandas_does(month: Month, n: int) -> None:
    from vrhub.standards.months import shift

    expected = (pd.Period(month.iso, "M") + n).strftime("%Y-%m")
    assert shift(month.iso, n) == expected
    assert shift(month, n) == expected


def test_month_span_lists_every_month_both_ends_included() -> None:
    from vrhub.standards.months import month_span

    assert month_span("2024-11", "2025-02") == ["2024-11", "2024-12", "2025-01", "2025-02"]
    assert month_span("2025-02", "2025-02") == ["2025-02"]
    assert month_span("2025-03", "2025-02") == []
    assert month_span("2023-01", "2024-12") == list(
        pd.period_range("2023-01", "2024-12", freq="M").strftime("%Y-%m"))


@pytest.mark.parametrize(("text", "iso"), [
    ("2024-10", True), ("2024-01", True), ("2024-12", True), ("2024-13", False),
    ("2024-00", False), ("2024-1", False), ("202410", False), ("2024-10\n", False),
    (" 2024-10", False), ("October 2024", False)])
def test_the_one_iso_month_pattern(text: str, iso: bool) -> None:
    import re

    from vrhub.standards.months import ISO_MONTH, ISO_MONTH_ANCHORED, ISO_MONTH_PATTERN
    from vrhub.standards.schema import MONTH_PATTERN

    assert (ISO_MONTH.fullmatch(text) is not None) is iso
    assert (re.search(ISO_MONTH_ANCHORED, text.rstrip("\n")) is not None) is (
        iso or text == "2024-10\n")
    assert MONTH_PATTERN == ISO_MONTH_PATTERN


def test_the_month_pattern_is_written_once() -> None:
    """Every check of a YYYY-MM month uses vrhub.standards.months (the pattern's text appears
    nowhere else in the package)."""
    from pathlib import Path

    import vrhub

    root = Path(vrhub.__file__).parent
    written = [str(p.relative_to(root)) for p in sorted(root.rglob("*.py"))
               if r"\d{4}-(0[1-9]|1[0-2])" in p.read_text(encoding="utf-8")]
    assert written == ["standards/months.py"]
