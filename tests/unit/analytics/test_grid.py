"""British National Grid grids: automatic cell size, study-area mask, locating points."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from vrhub.analytics.grid import COMPILED_MIN_POINTS, auto_cell_size, make_grid
from vrhub.errors import UserError


def test_auto_cell_size_follows_sfhotspot_rule() -> None:
    # London-sized: shorter side 46 km -> 920 m -> 900 m
    assert auto_cell_size((503000, 155000, 562000, 201000)) == 900
    # 5 km -> exactly 100 m
    assert auto_cell_size((0, 0, 8000, 5000)) == 100
    # City of London-sized: 2.9 km -> 58 m -> 50 m (multiple of 10 below 100 m)
    assert auto_cell_size((0, 0, 2900, 4000)) == 50
    assert auto_cell_size((0, 0, 100, 100)) == 10


def test_grid_is_snapped_and_covers_the_area() -> None:
    area = shapely.box(500030, 170070, 500990, 170480)
    grid = make_grid(area, 100)
    assert (grid.x0, grid.y0) == (500000, 170000)
    assert grid.ncols == 10 and grid.nrows == 5
    # every cell of the bounding rectangle overlaps the (rectangular) area
    assert grid.mask.all()
    assert grid.describe()["cells_in_study_area"] == 50


def test_mask_includes_cells_the_boundary_only_clips() -> None:
    # A triangle: cells along the hypotenuse have their centre outside but overlap it.
    area = shapely.Polygon([(0, 0), (1000, 0), (0, 1000)])
    grid = make_grid(area, 100)
    rows, cols = np.nonzero(grid.mask)
    boxes = shapely.box(cols * 100, rows * 100, cols * 100 + 100, rows * 100 + 100)
    assert (shapely.area(shapely.intersection(boxes, area)) > 0).all()
    # and every overlapping cell is in the mask
    r, c = np.mgrid[0:grid.nrows, 0:grid.ncols]
    all_boxes = shapely.box(c * 100, r * 100, c * 100 + 100, r * 100 + 100)
    overlaps = shapely.area(shapely.intersection(all_boxes, area)) > 0
    np.testing.assert_array_equal(overlaps, grid.mask)
    # the diagonal cells touch the area only at a corner: not included
    assert not grid.mask[9, 9]
    assert grid.n_cells == 55


def test_locate_and_polygons() -> None:
    area = shapely.Polygon([(0, 0), (1000, 0), (0, 1000)])
    grid = make_grid(area, 100)
    cell, inside = grid.locate(np.array([50.0, 950.0, 100.0, -5.0]),
                               np.array([50.0, 950.0, 0.0, 10.0]))
    assert inside.tolist() == [True, False, True, False]
    assert cell[0] == 0 and cell[2] == 1  # on a shared edge: the cell to the east
    polys = grid.polygons()
    assert len(polys) == grid.n_cells
    assert shapely.area(polys).sum() == pytest.approx(grid.n_cells * 100 * 100)


def test_too_many_cells_is_refused() -> None:
    with pytest.raises(UserError, match="use a larger --cell-size"):
        make_grid(shapely.box(0, 0, 100000, 100000), 10)


def test_compiled_and_numpy_locate_agree_point_for_point() -> None:
    # A triangle on a 37.5 m grid (inexact in binary); points inside, in clipped cells,
    # in cells outside the area, beyond each side of the grid, on shared edges and corners.
    area = shapely.Polygon([(500000, 170000), (503000, 170000), (500000, 172000)])
    grid = make_grid(area, 37.5)
    rng = np.random.default_rng(3)
    x = rng.uniform(499800, 503200, 20000)
    y = rng.uniform(169800, 172200, 20000)
    edges_x = grid.x0 + np.arange(-2, grid.ncols + 3) * grid.cell_size
    edges_y = grid.y0 + np.arange(-2, grid.nrows + 3) * grid.cell_size
    ex, ey = np.meshgrid(edges_x, edges_y)
    x = np.concatenate([x, ex.ravel(), ex.ravel() - 1e-9, [grid.x0 - 0.5]])
    y = np.concatenate([y, ey.ravel(), ey.ravel() + 1e-9, [grid.y0 + 10.0]])
    cell_c, inside_c = grid.locate(x, y, compiled=True)
    cell_n, inside_n = grid.locate(x, y, compiled=False)
    np.testing.assert_array_equal(inside_c, inside_n)
    np.testing.assert_array_equal(cell_c, cell_n)
    assert cell_c.dtype == cell_n.dtype == np.int64
    assert 0 < inside_c.mean() < 1
    assert (cell_c[~inside_c] == 0).all()
    assert grid.mask.ravel()[cell_c[inside_c]].all()


def test_large_inputs_take_the_compiled_locate_with_the_same_answer() -> None:
    grid = make_grid(shapely.box(500000, 170000, 510000, 176000), 100)
    rng = np.random.default_rng(4)
    n = COMPILED_MIN_POINTS + 1
    x = rng.uniform(499000, 511000, n)
    y = rng.uniform(169000, 177000, n)
    cell, inside = grid.locate(x, y)
    cell_n, inside_n = grid.locate(x, y, compiled=False)
    np.testing.assert_array_equal(inside, inside_n)
    np.testing.assert_array_equal(cell, cell_n)
