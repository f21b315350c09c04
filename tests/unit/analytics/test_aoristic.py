"""Aoristic hour x weekday profiles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vrhub.analytics.aoristic import PROFILE_COLUMNS, aoristic_profile
from vrhub.errors import UserError
from vrhub.progress import Recording

MONDAY = pd.Timestamp("2024-01-01")  # a Monday


def _cell(profile: pd.DataFrame, weekday: int, hour: int) -> float:
    row = profile[(profile["weekday"] == weekday) & (profile["hour"] == hour)]
    return float(row["events"].iloc[0])


def test_exact_times_land_in_their_weekday_and_hour() -> None:
    data = pd.DataFrame({"start": [MONDAY + pd.Timedelta(hours=23, minutes=59),
                                   pd.Timestamp("2024-01-06 02:10")], "end": [pd.NaT, pd.NaT]})
    profile = aoristic_profile(data)
    assert tuple(profile.columns) == PROFILE_COLUMNS and len(profile) == 168
    assert _cell(profile, 0, 23) == 1 and _cell(profile, 5, 2) == 1
    assert profile["events"].sum() == 2


def test_a_range_is_spread_over_its_hours_in_proportion_to_overlap() -> None:
    data = pd.DataFrame({
        "start": [MONDAY + pd.Timedelta(hours=22), MONDAY + pd.Timedelta(hours=10, minutes=30)],
        "end": [MONDAY + pd.Timedelta(hours=25), MONDAY + pd.Timedelta(hours=11, minutes=30)],
    })
    profile = aoristic_profile(data)
    for weekday, hour in [(0, 22), (0, 23), (1, 0)]:
        assert _cell(profile, weekday, hour) == pytest.approx(1 / 3)
    assert _cell(profile, 0, 10) == pytest.approx(0.5)
    assert _cell(profile, 0, 11) == pytest.approx(0.5)
    assert profile["events"].sum() == pytest.approx(2)


def _brute_force(starts: list[pd.Timestamp], ends: list[pd.Timestamp]) -> np.ndarray:
    """Minute by minute: each minute of the window carries 1/length of the event."""
    table = np.zeros(168)
    for s, e in zip(starts, ends, strict=True):
        minutes = pd.date_range(s, e, freq="min", inclusive="left")
        slots = minutes.dayofweek * 24 + minutes.hour
        np.add.at(table, slots.to_numpy(), 1 / len(minutes))
    return table


@given(st.lists(st.tuples(st.integers(0, 60 * 24 * 14), st.integers(1, 60 * 24 * 9)),
                min_size=1, max_size=4))
@settings(max_examples=25, deadline=None)
def test_matches_minute_level_brute_force_and_sums_to_event_count(
        windows: list[tuple[int, int]]) -> None:
    starts = [MONDAY + pd.Timedelta(minutes=a) for a, _ in windows]
    ends = [s + pd.Timedelta(minutes=b) for s, (_, b) in zip(starts, windows, strict=True)]
    profile = aoristic_profile(pd.DataFrame({"start": starts, "end": ends}))
    expected = _brute_force(starts, ends)
    np.testing.assert_allclose(profile["events"].to_numpy(), expected, atol=1e-9)
    assert profile["events"].sum() == pytest.approx(len(windows))
    assert profile["share"].sum() == pytest.approx(1.0)


def test_events_without_start_are_left_out_and_announced() -> None:
    notes = Recording()
    data = pd.DataFrame({"start": [MONDAY, pd.NaT], "end": [pd.NaT, pd.NaT]})
    profile = aoristic_profile(data, progress=notes)
    assert profile["events"].sum() == 1
    assert any("1 event(s) without a usable start" in n for n in notes.notes)
    assert profile.attrs["vrhub"]["parameters"]["events"] == 1


def test_end_before_start_is_a_user_error() -> None:
    data = pd.DataFrame({"start": [MONDAY], "end": [MONDAY - pd.Timedelta(hours=1)]})
    with pytest.raises(UserError, match="end before they start"):
        aoristic_profile(data)
