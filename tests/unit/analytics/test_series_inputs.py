"""The checks every monthly-series function makes first, so a bad frame fails in the same
words wherever it enters; and the record of choices made on the caller's behalf."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vrhub.analytics.series_inputs import (
    Choices,
    check_confidence,
    check_counts,
    check_months,
    parse_period,
    require_columns,
)
from vrhub.errors import UserError
from vrhub.progress import Recording


def test_missing_columns_are_named_with_those_found() -> None:
    frame = pd.DataFrame({"month": ["2024-01"], "n": [3]})
    with pytest.raises(UserError, match=r"trend: missing column\(s\) count; found month, n"):
        require_columns(frame, ["month", "count"], what="trend")
    with pytest.raises(UserError, match=r"expected a table \(DataFrame\), got list"):
        require_columns([1, 2], ["month"], what="trend")  # type: ignore[arg-type]
    require_columns(frame, ["month", "n"], what="trend")


def test_counts_must_be_finite_and_not_negative() -> None:
    assert check_counts(pd.Series([0, "3", 2.5]), what="trend").tolist() == [0.0, 3.0, 2.5]
    for bad, shown in ((-1, "-1"), ("many", "'many'"), (np.inf, "inf"), (None, "None")):
        with pytest.raises(UserError, match=f"found {shown}"):
            check_counts(pd.Series([4, bad], dtype=object), what="trend")


def test_months_are_written_yyyy_mm() -> None:
    assert check_months(pd.Series(["2024-01", "2024-12"]), what="trend").tolist() == [
        "2024-01", "2024-12"]
    with pytest.raises(UserError, match="found '2024-13'"):
        check_months(pd.Series(["2024-01", "2024-13"]), what="trend")
    with pytest.raises(UserError, match="found '24-01'"):
        check_months(pd.Series(["24-01"]), what="trend")


def test_a_period_is_two_months_in_order_either_open() -> None:
    assert parse_period(None, what="trend") == (None, None)
    assert parse_period(("2024-01", None), what="trend") == ("2024-01", None)
    assert parse_period(["2023-04", "2024-03"], what="trend") == ("2023-04", "2024-03")
    with pytest.raises(UserError, match=r"period starts \(2024-03\) after it ends \(2023-04\)"):
        parse_period(("2024-03", "2023-04"), what="trend")
    with pytest.raises(UserError, match=r"period must be \(first_month, last_month\)"):
        parse_period(("2024-01",), what="trend")
    with pytest.raises(UserError, match="month must be written YYYY-MM; found '2024/01'"):
        parse_period(("2024/01", None), what="trend")


def test_confidence_lies_strictly_between_zero_and_one() -> None:
    assert check_confidence(0.95, what="trend") == 0.95
    for bad in (0, 1, 95):
        with pytest.raises(UserError, match="confidence must lie between 0 and 1"):
            check_confidence(bad, what="trend")


def test_choices_are_announced_and_kept_with_the_result() -> None:
    progress = Recording()
    choices = Choices(progress)
    choices.note("Period set to 2023-10 to 2024-09 automatically.")
    frame = choices.attach(pd.DataFrame({"n": [1]}), function="trend",
                           parameters={"confidence": 0.95})
    assert progress.notes == ["Period set to 2023-10 to 2024-09 automatically."]
    assert frame.attrs["vrhub"] == {"function": "trend", "parameters": {"confidence": 0.95},
                                    "choices": ["Period set to 2023-10 to 2024-09 "
                                                "automatically."]}
