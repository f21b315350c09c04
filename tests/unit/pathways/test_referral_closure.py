"""Closing a referral: outcomes checked, follow-ups left due a year after the reachable
moment, and the date the record is kept until."""

from __future__ import annotations

import datetime as dt

import pytest

from vrhub.errors import CodeError
from vrhub.pathways.referral_closure import (
    Retention,
    add_years,
    check_outcome,
    check_outcomes,
    outcomes_at_close,
    retain_until,
)
from vrhub.pathways.referral_forms import ReferralError


def test_an_outcome_is_a_known_measure_with_one_of_its_values() -> None:
    assert check_outcome(" Goals Met ", "some") == "goals_met"
    with pytest.raises(ReferralError, match="outcome engaged 'maybe' is not one of yes"):
        check_outcome("engaged", "maybe")
    with pytest.raises(CodeError):
        check_outcome("happiness", "yes")


def test_a_referral_closed_as_completed_needs_an_outcome() -> None:
    assert check_outcomes({"Engaged": "yes"}, "completed") == {"engaged": "yes"}
    assert check_outcomes({}, "cancelled") == {}
    with pytest.raises(ReferralError, match="record the outcomes at close"):
        check_outcomes({}, "completed")


def test_a_follow_up_not_given_at_close_is_not_known_and_due_a_year_after_the_moment(
        ) -> None:
    moment = dt.date(2025, 3, 3)
    assert outcomes_at_close({"goals_met": "some", "engaged": "yes"}, moment) == [
        ("ed_reattendance_12m", "not_known", dt.date(2026, 3, 3)),
        ("engaged", "yes", None),
        ("goals_met", "some", None),
    ]
    assert outcomes_at_close({"ed_reattendance_12m": "no"}, moment) == [
        ("ed_reattendance_12m", "no", None)]


def test_a_year_on_from_the_29th_of_february_is_the_28th() -> None:
    assert add_years(dt.date(2024, 2, 29), 1) == dt.date(2025, 2, 28)
    assert add_years(dt.date(2024, 2, 29), 4) == dt.date(2028, 2, 29)


def test_retention_is_the_later_of_years_after_close_and_the_birthday() -> None:
    keep = Retention(years=8)
    assert retain_until(dt.date(2025, 1, 10), dt.date(2010, 5, 1), keep) == dt.date(2035, 5, 1)
    assert retain_until(dt.date(2025, 1, 10), dt.date(2000, 5, 1), keep) == dt.date(2033, 1, 10)
