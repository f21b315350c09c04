"""Change in counts per cell: before and after a date, weekdays against weekends, or the
two values of a column; and the splits that cannot be made are refused."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import shapely

from vrhub.analytics.change import WEEKDAY_WEEKEND, hotspot_change
from vrhub.errors import UserError
from vrhub.progress import Recording

AREA = shapely.box(500000, 170000, 500400, 170200)

# Cell (500050, 170050): two events before 1 March 2024, one after (down by one).
# Cell (500150, 170050): none before, two after (up by two).
# Cell (500350, 170150): one before, one after (no change).
EVENTS = pd.DataFrame({
    "easting": [500010.0, 500090.0, 500050.0, 500120.0, 500180.0, 500399.0, 500301.0],
    "northing": [170010.0, 170090.0, 170050.0, 170050.0, 170099.0, 170150.0, 170199.0],
    "date": pd.to_datetime(["2024-01-05", "2024-02-29", "2024-03-01", "2024-03-02",
                            "2024-04-10", "2024-02-01", "2024-03-31"]),
})


def cell(result_frame: pd.DataFrame, x: float, y: float) -> pd.Series:
    rows = result_frame[(result_frame["x"] == x) & (result_frame["y"] == y)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_counts_before_and_after_a_date_and_their_change_per_cell() -> None:
    result = hotspot_change(EVENTS, AREA, cell_size=100, split_date="2024-03-01")
    frame = result.frame
    assert list(frame.columns) == ["cell_id", "x", "y", "n_before", "n_after", "change"]
    down, up, same = (cell(frame, 500050.0, 170050.0), cell(frame, 500150.0, 170050.0),
                      cell(frame, 500350.0, 170150.0))
    assert (down["n_before"], down["n_after"], down["change"]) == (2, 1, -1)
    assert (up["n_before"], up["n_after"], up["change"]) == (0, 2, 2)
    assert (same["n_before"], same["n_after"], same["change"]) == (1, 1, 0)
    # the eight cells of the 4 x 2 grid; the other five hold nothing
    assert len(frame) == 8
    assert frame["n_before"].sum() == 3 and frame["n_after"].sum() == 4
    assert result.summary["events_before"] == 3 and result.summary["events_after"] == 4
    assert result.summary["cells_up"] == 1 and result.summary["cells_down"] == 1
    assert result.parameters["split_date"] == "2024-03-01"
    assert result.automatic == {}


def test_without_a_split_date_the_midpoint_of_the_dates_is_chosen_and_announced() -> None:
    first, last = dt.date(2024, 1, 5), dt.date(2024, 4, 10)
    middle = (first + (last - first) / 2).isoformat()
    assert middle == "2024-02-22"  # 96 days apart, 48 days in
    rec = Recording()
    result = hotspot_change(EVENTS, AREA, cell_size=100, progress=rec)
    assert result.parameters["split_date"] == middle
    assert result.automatic == {"split_date": middle}
    assert any(middle in note and "midpoint" in note for note in rec.notes)
    # before 22 February: 5 January and 1 February
    assert result.summary["events_before"] == 2
    assert result.summary["events_after"] == 5


def test_weekdays_are_before_and_weekends_after() -> None:
    # 2 March 2024 was a Saturday and 31 March a Sunday; the other five are weekdays
    result = hotspot_change(EVENTS, AREA, cell_size=100, group=WEEKDAY_WEEKEND)
    assert result.summary["events_before"] == 5
    assert result.summary["events_after"] == 2
    assert result.parameters["before"] == "weekday"
    assert cell(result.frame, 500150.0, 170050.0)["n_after"] == 1


def test_a_column_of_two_values_is_compared_in_sorted_order() -> None:
    data = EVENTS.assign(shift=["night", "day", "night", "night", "day", "day", "night"])
    result = hotspot_change(data, AREA, cell_size=100, group="shift")
    assert (result.parameters["before"], result.parameters["after"]) == ("day", "night")
    assert result.summary["events_before"] == 3
    assert result.summary["events_after"] == 4
    assert any("'day' (before)" in note for note in result.notes)


def test_splits_that_cannot_be_made_are_refused() -> None:
    with pytest.raises(UserError, match="months only"):
        hotspot_change(EVENTS.assign(date=pd.to_datetime(["2024-01-01"] * 3
                                                         + ["2024-02-01"] * 4)),
                       AREA, cell_size=100, group=WEEKDAY_WEEKEND)
    with pytest.raises(UserError, match="no column 'team'"):
        hotspot_change(EVENTS, AREA, cell_size=100, group="team")
    with pytest.raises(UserError, match="exactly two values to compare, found 3"):
        hotspot_change(EVENTS.assign(team=list("abcabca")), AREA, cell_size=100,
                       group="team")
    with pytest.raises(UserError, match="cannot read the split date 'soon'"):
        hotspot_change(EVENTS, AREA, cell_size=100, split_date="soon")
    with pytest.raises(UserError, match="no events in the 'after' period"):
        hotspot_change(EVENTS, AREA, cell_size=100, split_date="2025-01-01")
