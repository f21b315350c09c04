"""Protecting a good month: a resubmission keeping fewer than half the month's records is
held for confirmation, and the refusal says what would be lost."""

from __future__ import annotations

import pytest

from vrhub.errors import Conflict
from vrhub.ingest.istv.replacement import KEEP_SHARE, Replacement, ReplacementNotConfirmed


def replacing(before: int, after: int, *, start: str = "2024-02-01",
              end: str = "2024-02-29", name: str | None = "King's College Hospital"
              ) -> Replacement:
    return Replacement(file="RJ122_2024-02-v2.csv", site_code="RJ122", site_name=name,
                       period_start=start, period_end=end, current_submission="istv-1",
                       current_file="RJ122_2024-02.csv",
                       current_received_at="2024-03-05T10:15:42", before=before, after=after)


@pytest.mark.parametrize(("before", "after", "held"), [
    (100, 49, True), (100, 50, False), (100, 0, True), (100, 180, False),
    (0, 0, False),   # nothing to lose
    (1, 0, True),
])
def test_a_replacement_keeping_less_than_half_is_held(before: int, after: int,
                                                      held: bool) -> None:
    assert KEEP_SHARE == 0.5
    assert replacing(before, after).needs_confirmation is held


def test_the_month_and_site_are_named_as_people_read_them() -> None:
    whole = replacing(1200, 3)
    assert whole.month_label == "February 2024"
    assert whole.site_label == "King's College Hospital (RJ122)"
    assert whole.describe() == (
        "RJ122_2024-02-v2.csv would replace King's College Hospital (RJ122), February 2024: "
        "1,200 records accepted now (RJ122_2024-02.csv, received 2024-03-05T10:15), 3 after")
    part = replacing(10, 1, start="2024-02-05", end="2024-02-11", name=None)
    assert part.month_label == "5 February 2024 to 11 February 2024"
    assert part.site_label == "RJ122"
    assert part.to_dict()["needs_confirmation"] is True


def test_the_refusal_stores_nothing_and_says_how_to_go_ahead() -> None:
    error = ReplacementNotConfirmed([replacing(1200, 3), replacing(10, 1, name=None)])
    assert isinstance(error, Conflict)
    assert str(error).startswith("nothing was stored: RJ122_2024-02-v2.csv would replace "
                                 "King's College Hospital (RJ122), February 2024: 1,200")
    assert "; RJ122_2024-02-v2.csv would replace RJ122, February 2024: 10 records" \
        in str(error)
    assert "--replace" in (error.hint or "") and len(error.held) == 2
