"""Closing a referral: the outcomes it records, the follow-ups it leaves due, and how long
its record is then kept.

A referral closed as ``completed`` records at least one outcome, each a measure of
:data:`vrhub.standards.pathway_codes.OUTCOME_MEASURES` with one of its values. A follow-up
measure not given at close (re-attendance at A&E within 12 months) is recorded as
``not_known``, due a year after the reachable moment, for a later outcome to settle. The
closed record is kept until :func:`retain_until` (then
:func:`vrhub.pathways.records_rights.purge` erases its identity and notes).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from vrhub.pathways.referral_forms import ReferralError, age_on
from vrhub.standards import pathway_codes as codes


@dataclass(frozen=True)
class Retention:
    years: int = 8
    until_age: int = 25


def retain_until(closed: dt.date, born: dt.date, retention: Retention) -> dt.date:
    """The later of ``years`` after closing and the 25th birthday (26th if 17 at close)."""
    after_close = add_years(closed, retention.years)
    age_at_close = age_on(born, closed)
    birthday = add_years(born, retention.until_age + (1 if age_at_close == 17 else 0))
    return max(after_close, birthday)


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later (28 February for 29 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def check_outcome(measure: str, value: str) -> str:
    """The measure's code, once ``value`` is one of the measure's values."""
    measure = codes.OUTCOME_MEASURES.check(measure)
    if value not in codes.OUTCOME_VALUES[measure]:
        raise ReferralError(f"outcome {measure} {value!r} is not one of "
                            f"{', '.join(codes.OUTCOME_VALUES[measure])}")
    return measure


def check_outcomes(outcomes: dict[str, str], status: str) -> dict[str, str]:
    """The outcomes given at close, checked; a referral closed as completed needs one."""
    checked = {}
    for measure, value in outcomes.items():
        checked[check_outcome(measure, value)] = value
    if status == "completed" and not checked:
        raise ReferralError("record the outcomes at close",
                            hint="at least whether the young person engaged")
    return checked


def outcomes_at_close(checked: dict[str, str], moment: dt.date
                      ) -> list[tuple[str, str, dt.date | None]]:
    """(measure, value, due on) to record at close, by measure: the outcomes given, and
    each follow-up measure not given as ``not_known``, due a year after the moment."""
    recorded = dict(checked)
    for measure in codes.FOLLOW_UP_MEASURES:
        recorded.setdefault(measure, "not_known")
    return [(measure, value, add_years(moment, 1) if (
                measure in codes.FOLLOW_UP_MEASURES and value == "not_known") else None)
            for measure, value in sorted(recorded.items())]
