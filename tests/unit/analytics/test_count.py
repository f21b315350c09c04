"""Hotspot cells sum to the number of input events inside the study area."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from vrhub.analytics.count import cell_totals, hotspot_count, locate, study_counts
from vrhub.analytics.grid import COMPILED_MIN_POINTS, make_grid
from vrhub.analytics.result import Choices
from vrhub.analytics.validate import validate_points
from vrhub.errors import UserError
from vrhub.progress import Recording

# A study area with a hole and a diagonal edge, in BNG.
AREA = shapely.difference(
    shapely.Polygon([(500000, 170000), (503000, 170000), (503000, 172500), (501000, 173000),
                     (500000, 171500)]),
    shapely.box(501000, 171000, 501600, 171600),
)
coordinate = st.tuples(st.floats(499500, 503500), st.floats(169500, 173500))


@settings(max_examples=60, deadline=None)
@given(points=st.lists(coordinate, min_size=1, max_size=300),
       cell_size=st.sampled_from([37.5, 100.0, 250.0, 1000.0]))
def test_cells_sum_to_events_inside_the_area(points: list[tuple[float, float]],
                                             cell_size: float) -> None:
    frame = pd.DataFrame(points, columns=["easting", "northing"])
    inside = shapely.intersects_xy(AREA, frame["easting"], frame["northing"])
    result = hotspot_count(frame, AREA, cell_size=cell_size)
    # Every event inside (or on the edge of) the area is counted exactly once.
    assert result.frame["n"].sum() + result.summary["events_outside_area"] == len(frame)
    assert result.frame["n"].sum() >= inside.sum()
    assert result.summary["events"] == result.frame["n"].sum()
    assert (result.frame["n"] >= 0).all()
    assert result.frame["cell_id"].is_unique


def test_counts_land_in_the_right_cell_and_outside_points_are_announced() -> None:
    frame = pd.DataFrame({"easting": [500050.0, 500099.9, 500100.0, 520000.0],
                          "northing": [170050.0, 170000.0, 170000.0, 170000.0]})
    rec = Recording()
    result = hotspot_count(frame, AREA, cell_size=100, progress=rec)
    f = result.frame.set_index(["x", "y"])
    assert f.loc[(500050.0, 170050.0), "n"] == 2
    assert f.loc[(500150.0, 170050.0), "n"] == 1
    assert result.summary["events_outside_area"] == 1
    assert "1 of 4 events lie outside the study area" in " ".join(rec.notes)
    assert list(result.frame.columns) == ["cell_id", "x", "y", "n"]


def test_validation_errors_name_the_value() -> None:
    with pytest.raises(UserError, match=r"row 2: 'abc'"):
        hotspot_count(pd.DataFrame({"easting": [500000, "abc"], "northing": [170000, 170000]}),
                      AREA)
    with pytest.raises(UserError, match="longitude/latitude"):
        hotspot_count(pd.DataFrame({"easting": [-0.1], "northing": [51.5]}), AREA)
    with pytest.raises(UserError, match="no 'northing' column"):
        hotspot_count(pd.DataFrame({"easting": [500000.0]}), AREA)
    with pytest.raises(UserError, match="cell_size must be greater than zero"):
        hotspot_count(pd.DataFrame({"easting": [500000.0], "northing": [170000.0]}), AREA,
                      cell_size=-1)
    with pytest.raises(UserError, match="area must be a polygon"):
        hotspot_count(pd.DataFrame({"easting": [500000.0], "northing": [170000.0]}),
                      shapely.Point(0, 0))


def test_float_columns_get_the_same_row_by_row_errors() -> None:
    # Plain float64 columns are checked by their extremes first; anything that fails goes
    # through the row-by-row checks, which name the first offending row.
    good = pd.DataFrame({"easting": [500000.0, 501000.0, 502000.0],
                         "northing": [170000.0, 171000.0, 172000.0],
                         "w": [1.0, 0.0, 2.5]})
    assert validate_points(good, weights="w") is good
    assert validate_points(good.astype({"easting": "int64"})) is not None
    assert validate_points(good.iloc[:0]) is not None
    cases = [("easting", np.nan, r"missing or non-numeric easting; first at row 2: nan"),
             ("northing", np.inf, r"missing or non-numeric northing; first at row 2: inf"),
             ("easting", 800000.0, r"outside Great Britain .* row 2: easting 800000.0"),
             ("northing", -1.0, r"outside Great Britain .* row 2: .* northing -1.0"),
             ("w", -0.5, r"w must not be negative; row 2 has -0.5"),
             ("w", np.inf, r"missing or non-numeric w; first at row 2: inf")]
    for column, value, message in cases:
        bad = good.copy()
        bad.loc[1, column] = value
        with pytest.raises(UserError, match=message):
            validate_points(bad, weights="w")


def test_large_tables_are_checked_by_the_compiled_pass_with_the_same_errors() -> None:
    n = COMPILED_MIN_POINTS + 10
    rng = np.random.default_rng(8)
    good = pd.DataFrame({"easting": rng.uniform(500000, 503000, n),
                         "northing": rng.uniform(170000, 173000, n)})
    assert validate_points(good) is good
    for value, message in [(np.nan, "first at row 150001: nan"),
                           (-np.inf, "first at row 150001: -inf"),
                           (900000.0, "row 150001: easting 900000.0")]:
        bad = good.copy()
        bad.loc[150000, "easting"] = value
        with pytest.raises(UserError, match=message):
            validate_points(bad)


def test_large_inputs_are_counted_by_the_compiled_loop_with_the_same_counts() -> None:
    n = 2 * COMPILED_MIN_POINTS  # about a fifth fall outside the area (or in its hole)
    rng = np.random.default_rng(9)
    frame = pd.DataFrame({"easting": rng.normal(501500, 700, n),
                          "northing": rng.normal(171300, 500, n)})
    located = locate(frame, make_grid(AREA, 50), Choices())
    assert len(located.cell) >= COMPILED_MIN_POINTS
    compiled = cell_totals(located)
    assert compiled.dtype == np.int32
    size = located.grid.nrows * located.grid.ncols
    np.testing.assert_array_equal(compiled, np.bincount(located.cell, minlength=size))
    assert study_counts(located).sum() == located.n_events
    located.cell[5] = size  # off the grid: refused, not written beyond the counts
    with pytest.raises(ValueError, match="of point 5 is not on the grid"):
        cell_totals(located)


def test_without_area_uses_the_events_bounding_box() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"easting": rng.uniform(500000, 501000, 100),
                          "northing": rng.uniform(170000, 170500, 100)})
    result = hotspot_count(frame, None, cell_size=50)
    assert result.frame["n"].sum() == 100
    assert result.automatic["area"] == "bounding box of the events"


@pytest.mark.parametrize("compiled", [False, True])
def test_points_on_the_areas_east_north_and_hole_edges_are_counted(compiled: bool) -> None:
    # The area's south-east corner, a point on its east edge, and points on the hole's
    # west and south edges: each lies on the boundary, so each is counted once.
    points = np.array([(503000.0, 170000.0), (503000.0, 170450.0), (501000.0, 171300.0),
                       (501300.0, 171600.0), (501600.0, 171300.0)])
    grid = make_grid(AREA, 100.0)
    flat, inside = grid.locate(points[:, 0], points[:, 1], compiled=compiled)
    assert inside.all()
    rows, cols = np.divmod(flat, grid.ncols)
    # the corner and the east-edge point go west, to the last column
    assert list(cols[:2]) == [grid.ncols - 1, grid.ncols - 1]
    # the hole's west edge goes west; its north edge (y=171600) stays north (a shared edge);
    # its east edge stays east
    assert cols[2] == (501000 - grid.x0) / 100 - 1
    assert rows[3] == (171600 - grid.y0) / 100
    assert cols[4] == (501600 - grid.x0) / 100
    assert shapely.intersects_xy(AREA, points[:, 0], points[:, 1]).all()
