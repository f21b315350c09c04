"""Counting events into grid cells, and building the study-area grid every method shares.

``hotspot_count`` returns one row per study-area cell with the number of events in it.
Events outside the study area are not counted; how many there were is announced and
recorded (``automatic["events_outside_area"]``), so study-area cells always sum to the
number of events inside the area.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from vrhub.analytics.grid import COMPILED_MIN_POINTS, Grid, auto_cell_size, compiled_loop, make_grid
from vrhub.analytics.result import Choices, HotspotResult, base_frame
from vrhub.analytics.validate import positive_number, validate_area, validate_points
from vrhub.errors import UserError
from vrhub.progress import SILENT, Progress


@dataclass
class Located:
    """Points placed on a grid: coordinates of those inside the study area and their cells."""

    grid: Grid
    x: np.ndarray
    y: np.ndarray
    cell: np.ndarray  # flat cell index of each kept point
    kept: np.ndarray  # bool per input row: inside the study area
    weights: np.ndarray | None = None

    @property
    def n_events(self) -> int:
        return int(np.count_nonzero(self.kept))


def study_grid(data: pd.DataFrame, area: BaseGeometry | None, cell_size: float | None,
               choices: Choices, grid: Grid | None = None) -> Grid:
    """The grid for ``area`` (or the points' bounding box), choosing the cell size if needed."""
    if grid is not None:
        return grid
    area = validate_area(area)
    size = positive_number("cell_size", cell_size)
    if area is None:
        if len(data) == 0:
            raise UserError("there are no events to analyse and no study area",
                            hint="widen the date range or categories, or give a study area")
        x = data["easting"].to_numpy(dtype=float)
        y = data["northing"].to_numpy(dtype=float)
        pad = size or 1.0
        area = shapely.box(x.min() - pad / 2, y.min() - pad / 2,
                           x.max() + pad / 2, y.max() + pad / 2)
        choices.choose("area", "bounding box of the events",
                       "No study area given: using the bounding box of the events.")
    if size is None:
        size = auto_cell_size(area.bounds)
        choices.choose(
            "cell_size", size,
            f"Cell size set to {size:,.0f} m automatically (1/50 of the shorter side of the "
            "study area's bounding box, rounded down to a multiple of 100 m, or 10 m when "
            "the area is small).",
        )
    return make_grid(area, size)


def locate(data: pd.DataFrame, grid: Grid, choices: Choices,
           weights: str | None = None) -> Located:
    """Place validated points on ``grid``; announce how many fall outside the study area."""
    x = data["easting"].to_numpy(dtype=np.float64)
    y = data["northing"].to_numpy(dtype=np.float64)
    cell, kept = grid.locate(x, y)
    outside = len(kept) - int(np.count_nonzero(kept))
    if outside:
        choices.choose(
            "events_outside_area", outside,
            f"{outside:,} of {len(x):,} events lie outside the study area and are not counted.",
        )
    w = data[weights].to_numpy(dtype=np.float64) if weights else None
    if outside:
        x, y, cell = x[kept], y[kept], cell[kept]
        w = w[kept] if w is not None else None
    return Located(grid, x, y, cell, kept, w)


def bin_counts(located: Located) -> np.ndarray:
    """Events per cell as a float64 array shaped like the grid (zero outside the area)."""
    grid = located.grid
    return cell_totals(located).astype(np.float64).reshape(grid.shape)


def study_counts(located: Located) -> np.ndarray:
    """The ``n`` column: events in each study-area cell, int64, in ``cell_id`` order (with
    weights, their sum cut to a whole number, as :func:`hotspot_count` reports it)."""
    return np.take(cell_totals(located), located.grid.study_cells).astype(np.int64)


def cell_totals(located: Located) -> np.ndarray:
    """Events (or their weights) per cell, flat over the whole grid: a compiled count for
    :data:`~vrhub.analytics.grid.COMPILED_MIN_POINTS` unweighted events or more (int32),
    ``np.bincount`` otherwise."""
    size = located.grid.nrows * located.grid.ncols
    if located.weights is None and len(located.cell) >= COMPILED_MIN_POINTS:
        counts = np.zeros(size, dtype=np.int32)
        bad = compiled_loop(_count_loop)(np.ascontiguousarray(located.cell, dtype=np.int64),
                                         counts)
        if bad >= 0:
            raise ValueError(f"cell index {located.cell[bad]} of point {bad} is not on the "
                             "grid")
        return counts
    return np.bincount(located.cell, weights=located.weights, minlength=size)


def _count_loop(cell: np.ndarray, counts: np.ndarray) -> int:
    """The loop :func:`cell_totals` compiles: adds 1 to ``counts`` at each cell index;
    returns -1, or the position of the first index off the grid (nothing after it is
    counted)."""
    size = np.uint64(counts.shape[0])
    for i in range(cell.shape[0]):
        c = np.uint64(cell[i])  # a negative index becomes huge, so one check covers both
        if c >= size:
            return i
        counts[c] += 1
    return -1


def hotspot_count(data: pd.DataFrame, area: BaseGeometry | None = None,
                  cell_size: float | None = None, *, grid: Grid | None = None,
                  progress: Progress = SILENT) -> HotspotResult:
    """Number of events in each square cell of the study area.

    Columns: ``cell_id``, ``x``, ``y``, ``n``. ``data`` needs ``easting`` and ``northing``
    in British National Grid metres; ``area`` is the study-area polygon (EPSG:27700), or
    None for the events' bounding box; ``cell_size`` in metres, or None for automatic.
    """
    choices = Choices(progress)
    validate_points(data)
    grid = study_grid(data, area, cell_size, choices, grid)
    located = locate(data, grid, choices)
    counts = bin_counts(located)
    frame = base_frame(grid)
    frame["n"] = counts[grid.mask].astype(np.int64)
    return HotspotResult(
        method="count", frame=frame, grid=grid,
        parameters={"cell_size": grid.cell_size},
        automatic=choices.automatic, notes=choices.notes,
        summary=count_summary(located),
    )


def count_summary(located: Located) -> dict[str, Any]:
    events = located.n_events
    return {"events": events, "events_outside_area": len(located.kept) - events,
            "cells": located.grid.n_cells}
