"""Square grids in British National Grid, clipped to a study area.

A :class:`Grid` is a rectangle of square cells (origin at its south-west corner, snapped
to a multiple of the cell size so that grids with the same cell size line up across runs
and areas) plus a boolean ``mask`` of the cells that belong to the study area. A cell
belongs to the study area when the area covers part of it of positive size (its centre
inside, or the area boundary crossing it), so every event inside the area falls in a
study-area cell. Arrays are indexed ``[row, col]`` with row 0 the southernmost row.

Placing points on a grid (:meth:`Grid.locate`) runs as one compiled pass over the points
(numba, :func:`compiled_loop`) from ``COMPILED_MIN_POINTS`` points on, and as numpy array
operations below that; both give identical cells.

Automatic cell size (announced): 1/50 of the shorter side of the study area's bounding
box, rounded down to a multiple of 100 m when that leaves at least 100 m (the rule of
sfhotspot's ``set_cell_size``); below that, rounded down to a multiple of 10 m (at least
10 m) rather than left at an awkward fraction of a metre.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from vrhub.errors import UserError

#: Cells along the shorter side of the study area when the cell size is automatic.
AUTO_CELLS_ON_SHORT_SIDE = 50
#: Automatic cell sizes are rounded down to a multiple of this (metres) when possible.
AUTO_ROUNDING_M = 100
#: Refuse grids larger than this many cells (memory guard, ~40 MB per float array).
MAX_CELLS = 5_000_000
#: From this many points, placing points on the grid (and linear binning, for KDE) runs as
#: a compiled loop (numba). Below it numpy takes a few milliseconds at most, and a
#: short-lived process is spared the compiler's start-up (about a second, once per process).
COMPILED_MIN_POINTS = 200_000


@dataclass(frozen=True)
class Grid:
    """A square-cell grid in EPSG:27700 with a study-area mask."""

    x0: float
    y0: float
    cell_size: float
    nrows: int
    ncols: int
    mask: np.ndarray  # bool, shape (nrows, ncols)

    @property
    def shape(self) -> tuple[int, int]:
        return (self.nrows, self.ncols)

    @property
    def n_cells(self) -> int:
        """Cells in the study area."""
        return int(self.mask.sum())

    @property
    def cell_area_km2(self) -> float:
        return (self.cell_size / 1000.0) ** 2

    @functools.cached_property
    def study_cells(self) -> np.ndarray:
        """Flat indices (``row * ncols + col``, the ``cell_id``) of the study-area cells, in
        order; computed once per grid (read-only)."""
        flat = np.flatnonzero(self.mask).astype(np.int64)
        flat.flags.writeable = False
        return flat

    @functools.cached_property
    def study_centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Eastings and northings of the study-area cell centres, in ``study_cells`` order;
        computed once per grid (read-only)."""
        rows, cols = np.divmod(self.study_cells, self.ncols)
        x, y = self.centres(rows, cols)
        x.flags.writeable = False
        y.flags.writeable = False
        return x, y

    def centres(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Eastings and northings of the centres of cells ``(rows, cols)``."""
        return (self.x0 + (cols + 0.5) * self.cell_size,
                self.y0 + (rows + 0.5) * self.cell_size)

    def locate(self, x: np.ndarray, y: np.ndarray, *,
               compiled: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Flat cell index of each point and whether it lies in a study-area cell.

        Points on a shared edge go to the cell to their north/east, unless that cell is
        outside the study area (or the grid) and the cell to their west, south or
        south-west is in it: a point on the study area's own east or north edge, or on the
        edge of a hole, is counted like any other point on the area's boundary. Points
        outside the grid or in a cell outside the study area get ``inside = False``
        (index 0). Coordinates must be finite (validated beforehand).

        Two implementations give identical results: a compiled loop, one pass over the
        points, and a numpy one. ``compiled=None`` chooses the loop from
        :data:`COMPILED_MIN_POINTS` points on.
        """
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if compiled is None:
            compiled = len(x) >= COMPILED_MIN_POINTS
        if compiled:
            flat = np.empty(len(x), dtype=np.int64)
            inside = np.empty(len(x), dtype=bool)
            compiled_loop(_locate_loop)(
                np.ascontiguousarray(x), np.ascontiguousarray(y),
                self.x0 - self.cell_size, self.y0 - self.cell_size, 1.0 / self.cell_size,
                self.nrows, self.ncols, np.ascontiguousarray(self.mask).ravel(), flat, inside)
            if not inside.all():
                self._claim_edge_points(x, y, flat, inside)
            return flat, inside
        inv = 1.0 / self.cell_size
        # floor(v) = trunc(v + 1) - 1 for v >= -1, and anything west/south of that maps
        # to a negative index; viewed as unsigned, negatives are huge, so one comparison
        # per axis checks both bounds. With a million points every pass over the data
        # counts: buffers are reused, and the zeroing passes are skipped when (as usual)
        # every point is inside.
        scaled = np.subtract(x, self.x0 - self.cell_size)
        scaled *= inv
        icol = scaled.astype(np.int64)
        icol -= 1
        np.subtract(y, self.y0 - self.cell_size, out=scaled)
        scaled *= inv
        flat = scaled.astype(np.int64)
        del scaled
        flat -= 1
        ok = icol.view(np.uint64) < self.ncols
        ok &= flat.view(np.uint64) < self.nrows
        flat *= self.ncols
        flat += icol
        del icol
        # out-of-grid points read an arbitrary (clipped) mask cell, then fail on ``ok``
        inside = np.take(self.mask.ravel(), flat, mode="clip")
        if not ok.all():
            inside &= ok
        if not inside.all():
            flat *= inside
            self._claim_edge_points(x, y, flat, inside)
        return flat, inside

    def _claim_edge_points(self, x: np.ndarray, y: np.ndarray, flat: np.ndarray,
                           inside: np.ndarray) -> None:
        """Give points lying exactly on the west or south edge of a cell outside the study
        area to the study cell on the other side of that edge (in place)."""
        out = np.flatnonzero(~inside)
        px, py = x[out], y[out]
        col = np.floor((px - self.x0) / self.cell_size).astype(np.int64)
        row = np.floor((py - self.y0) / self.cell_size).astype(np.int64)
        on_west = px == self.x0 + col * self.cell_size
        on_south = py == self.y0 + row * self.cell_size
        mask = self.mask
        for d_row, d_col, edge in ((0, -1, on_west), (-1, 0, on_south),
                                   (-1, -1, on_west & on_south)):
            r, c = row + d_row, col + d_col
            ok = edge & (r >= 0) & (r < self.nrows) & (c >= 0) & (c < self.ncols)
            ok &= ~inside[out]
            ok[ok] = mask[r[ok], c[ok]]
            take = out[ok]
            flat[take] = r[ok] * self.ncols + c[ok]
            inside[take] = True

    def polygons(self) -> np.ndarray:
        """Square polygons of the study-area cells, in cell_id order."""
        rows, cols = np.nonzero(self.mask)
        x, y = self.centres(rows, cols)
        half = self.cell_size / 2
        return shapely.box(x - half, y - half, x + half, y + half)

    def describe(self) -> dict[str, Any]:
        """JSON-friendly description, recorded in result metadata."""
        return {
            "crs": "EPSG:27700",
            "cell_shape": "square",
            "cell_size_m": self.cell_size,
            "origin": [self.x0, self.y0],
            "nrows": self.nrows,
            "ncols": self.ncols,
            "cells_in_study_area": self.n_cells,
        }


def auto_cell_size(bounds: tuple[float, float, float, float]) -> float:
    """sfhotspot's rule: 1/50 of the shorter side, rounded down to 100 m (or 10 m)."""
    minx, miny, maxx, maxy = bounds
    side = min(maxx - minx, maxy - miny)
    raw = side / AUTO_CELLS_ON_SHORT_SIDE
    if raw >= AUTO_ROUNDING_M:
        return float(math.floor(raw / AUTO_ROUNDING_M) * AUTO_ROUNDING_M)
    return float(max(10, math.floor(raw / 10) * 10))


def make_grid(area: BaseGeometry, cell_size: float) -> Grid:
    """The grid of ``cell_size`` squares covering ``area`` (a polygon in EPSG:27700)."""
    if area.is_empty:
        raise UserError("the study area is empty", hint="choose a borough or London")
    minx, miny, maxx, maxy = area.bounds
    x0 = math.floor(minx / cell_size) * cell_size
    y0 = math.floor(miny / cell_size) * cell_size
    ncols = max(1, math.ceil((maxx - x0) / cell_size))
    nrows = max(1, math.ceil((maxy - y0) / cell_size))
    if nrows * ncols > MAX_CELLS:
        raise UserError(
            f"a {cell_size:g} m grid over this study area would have {nrows * ncols:,} cells "
            f"(limit {MAX_CELLS:,})",
            hint="use a larger --cell-size or a smaller study area",
        )
    mask = area_mask(area, x0, y0, cell_size, nrows, ncols)
    return Grid(float(x0), float(y0), float(cell_size), nrows, ncols, mask)


def area_mask(area: BaseGeometry, x0: float, y0: float, cell_size: float,
              nrows: int, ncols: int) -> np.ndarray:
    """Cells whose square shares positive area with ``area``.

    Centres are tested with a vectorised point-in-polygon; the only other cells that can
    overlap the area are those the boundary passes through, which are tested exactly.
    """
    shapely.prepare(area)
    xs = x0 + (np.arange(ncols) + 0.5) * cell_size
    ys = y0 + (np.arange(nrows) + 0.5) * cell_size
    xx, yy = np.meshgrid(xs, ys)
    mask = shapely.contains_xy(area, xx, yy)
    # Cells the boundary passes through (boundary densified so each cell it crosses holds
    # a vertex, or a neighbour of a cell that does).
    boundary = shapely.segmentize(area.boundary, cell_size / 4)
    coords = shapely.get_coordinates(boundary)
    cols = np.clip(np.floor((coords[:, 0] - x0) / cell_size).astype(np.int64), 0, ncols - 1)
    rows = np.clip(np.floor((coords[:, 1] - y0) / cell_size).astype(np.int64), 0, nrows - 1)
    near = np.zeros((nrows, ncols), dtype=bool)
    near[rows, cols] = True
    grown = near.copy()
    grown[1:, :] |= near[:-1, :]
    grown[:-1, :] |= near[1:, :]
    grown[:, 1:] |= near[:, :-1]
    grown[:, :-1] |= near[:, 1:]
    candidates = grown & ~mask
    r, c = np.nonzero(candidates)
    if len(r):
        bx = x0 + c * cell_size
        by = y0 + r * cell_size
        boxes = shapely.box(bx, by, bx + cell_size, by + cell_size)
        overlaps = shapely.intersects(area, boxes) & ~shapely.touches(area, boxes)
        mask[r[overlaps], c[overlaps]] = True
    return np.asarray(mask, dtype=bool)


def _locate_loop(x: np.ndarray, y: np.ndarray, ox: float, oy: float, inv: float, nrows: int,
                 ncols: int, mask: np.ndarray, flat: np.ndarray, inside: np.ndarray) -> None:
    """The loop the compiled :meth:`Grid.locate` runs. Same arithmetic as the numpy one:
    ``ox``, ``oy`` are the origin less one cell, so a point is in the grid when both
    scaled coordinates lie in [1, cells + 1), and truncation is then floor plus one
    (unsigned indices: checked first, and quicker to index with)."""
    for i in range(x.shape[0]):
        fx = (x[i] - ox) * inv
        fy = (y[i] - oy) * inv
        if 1.0 <= fx < ncols + 1 and 1.0 <= fy < nrows + 1:
            cell = (np.uint64(fy) - 1) * ncols + np.uint64(fx) - 1
            if mask[cell]:
                flat[i] = cell
                inside[i] = True
                continue
        flat[i] = 0
        inside[i] = False


@functools.cache
def compiled_loop(loop: Callable[..., Any]) -> Any:
    """``loop`` (a plain-Python loop over arrays) compiled to machine code by numba,
    imported on first use. The code is kept on disk (next to the module, or in the user's
    cache), so a later process only loads it; where nothing is writable it is compiled in
    memory. A process's first compiled call costs about a second of numba start-up, which
    is why only large inputs take these loops."""
    import numba

    try:
        return numba.njit(cache=True, nogil=True)(loop)
    except RuntimeError:  # no writable place to keep the machine code
        return numba.njit(nogil=True)(loop)
