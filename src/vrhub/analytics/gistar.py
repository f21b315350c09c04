"""Getis-Ord Gi* hotspots on the study-area grid.

For cell i with count x_i, binary weights w_ij = 1 when the centres of cells i and j are
at most ``distance`` apart (the cell itself included: that is what makes it Gi* rather
than Gi), and n the number of study-area cells:

    W_i = sum_j w_ij,  x_bar = sum_j x_j / n,  S = sqrt(sum_j x_j^2 / n - x_bar^2)
    z_i = (sum_j w_ij x_j - x_bar W_i) / (S sqrt((n W_i - W_i^2) / (n - 1)))

(Getis & Ord 1992; Ord & Getis 1995). Only study-area cells are neighbours or counted in
n: a cell at the edge of the area simply has fewer neighbours (smaller W_i). This is
exactly what ``esda.G_Local(y, w, transform="B", star=True).Zs`` computes with
``w = libpysal DistanceBand(centres, threshold=distance, binary=True)`` over the same
cells (tests/unit/analytics/test_gistar.py checks equality to 1e-9 on real data).

Neighbour sums are convolutions of the count grid with the 0/1 disc of cells within
``distance``; counts are whole numbers, so the sums are computed exactly (direct sums for
small discs, FFT rounded to whole numbers for large ones).

Defaults (sfhotspot's): ``distance = cell_size * sqrt(2)`` (the eight adjacent cells and
the cell itself; announced). p-values are two-sided from the normal distribution,
``p = 2 * (1 - Phi(|z|))`` (sfhotspot's; note ``esda``'s ``p_norm`` is one-sided), and are
adjusted for the number of study-area cells with the Benjamini-Hochberg false discovery
rate (``p_fdr``). A cell is labelled a hotspot/coldspot when ``p_fdr < 0.05``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import erfc
from shapely.geometry.base import BaseGeometry

from vrhub.analytics.count import bin_counts, count_summary, locate, study_grid
from vrhub.analytics.fdr import fdr_bh
from vrhub.analytics.grid import Grid
from vrhub.analytics.kde import fft_convolve, kde_columns
from vrhub.analytics.result import ALPHA, Choices, HotspotResult, base_frame, hotspot_label
from vrhub.analytics.validate import positive_number, validate_kernel, validate_points
from vrhub.errors import UserError
from vrhub.progress import SILENT, Progress

#: Relative tolerance on the distance band, so centres exactly ``distance`` apart count.
DISTANCE_TOLERANCE = 1e-9
#: Discs with more cells than this are summed by FFT instead of directly.
DIRECT_SUM_MAX_CELLS = 169


def neighbourhood(distance: float, cell_size: float) -> np.ndarray:
    """0/1 disc of cell offsets whose centres are within ``distance`` (self included)."""
    reach = distance / cell_size
    r = math.floor(reach * (1 + DISTANCE_TOLERANCE))
    offsets = np.arange(-r, r + 1)
    d2 = offsets[:, None] ** 2 + offsets[None, :] ** 2
    return (d2 <= reach * reach * (1 + DISTANCE_TOLERANCE)).astype(np.float64)


def neighbour_sum(values: np.ndarray, disc: np.ndarray) -> np.ndarray:
    """Sum of ``values`` over each cell's disc (zero beyond the grid); exact for integers."""
    if disc.size <= DIRECT_SUM_MAX_CELLS:
        # imported where used: ``vrhub hotspots count`` and kde import this module and
        # should not pay for scipy.ndimage
        from scipy import ndimage

        return ndimage.correlate(values, disc, mode="constant", cval=0.0)
    summed = fft_convolve(values, disc)
    if np.array_equal(values, np.round(values)):
        return np.rint(summed)
    return summed


def gistar_grid(counts: np.ndarray, mask: np.ndarray, disc: np.ndarray
                ) -> tuple[np.ndarray, dict[str, float]]:
    """Gi* z-scores over the study-area cells (NaN outside), and the global moments."""
    y = np.where(mask, counts, 0.0)
    m = mask.astype(np.float64)
    n = float(m.sum())
    if n < 2:
        raise UserError(f"Gi* needs at least 2 study-area cells, found {int(n)}",
                        hint="use a smaller cell size or a larger study area")
    local = neighbour_sum(y, disc)
    weights = neighbour_sum(m, disc)
    total = float(y.sum())
    mean = total / n
    variance = float((y * y).sum()) / n - mean * mean
    s = math.sqrt(max(variance, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        denominator = s * np.sqrt((n * weights - weights * weights) / (n - 1))
        z = (local - mean * weights) / denominator
    z[~mask] = np.nan
    return z, {"n_cells": n, "mean": mean, "sd": s, "total": total}


def p_two_sided(z: np.ndarray) -> np.ndarray:
    """2 * (1 - Phi(|z|)), computed without cancellation for large |z|."""
    return np.asarray(erfc(np.abs(z) / math.sqrt(2.0)))


def choose_distance(distance: Any, cell_size: float, choices: Choices) -> float:
    given = positive_number("distance", distance)
    if given is not None:
        if given < cell_size:
            choices.note(f"The neighbourhood distance ({given:,.0f} m) is less than the cell "
                         "size: each cell is compared with itself only.")
        return given
    d = cell_size * math.sqrt(2)
    choices.choose("distance", round(d, 3),
                   f"Neighbourhood distance set to {d:,.1f} m automatically (cell size x "
                   "sqrt(2): each cell and the eight cells around it).")
    return d


def gistar_columns(counts: np.ndarray, grid: Grid, distance: float, choices: Choices
                   ) -> pd.DataFrame:
    """gistar_z, p_value, p_fdr and hotspot for the study-area cells."""
    disc = neighbourhood(distance, grid.cell_size)
    z, moments = gistar_grid(counts, grid.mask, disc)
    if moments["sd"] == 0:
        choices.note("Every study-area cell has the same count: Gi* is undefined (empty).")
    zs = z[grid.mask]
    p = p_two_sided(zs)
    p_fdr = fdr_bh(p)
    return pd.DataFrame({"gistar_z": zs, "p_value": p, "p_fdr": p_fdr,
                         "hotspot": hotspot_label(zs, p_fdr)})


def hotspot_gistar(data: pd.DataFrame, area: BaseGeometry | None = None,
                   cell_size: float | None = None, distance: float | None = None,
                   bandwidth: float | None = None, kernel: str = "quartic", *,
                   kde: bool = True, grid: Grid | None = None,
                   progress: Progress = SILENT) -> HotspotResult:
    """Gi* hotspots and coldspots (with counts and, by default, the KDE of each cell).

    Columns: ``cell_id``, ``x``, ``y``, ``n``, ``kde`` (when ``kde=True``), ``gistar_z``,
    ``p_value``, ``p_fdr``, ``hotspot``. See the module docstring for the statistic.
    """
    choices = Choices(progress)
    validate_points(data)
    kernel = validate_kernel(kernel)
    grid = study_grid(data, area, cell_size, choices, grid)
    located = locate(data, grid, choices)
    if located.n_events == 0:
        raise UserError("there are no events inside the study area",
                        hint="check the borough, dates and categories")
    d = choose_distance(distance, grid.cell_size, choices)
    counts = bin_counts(located)
    parameters: dict[str, Any] = {"cell_size": grid.cell_size, "distance": d}
    summary = count_summary(located)
    if kde:
        frame, h, factor = kde_columns(located, bandwidth, kernel, choices)
        parameters.update(bandwidth=h, kernel=kernel)
        summary.update(bandwidth=h, mass_factor=factor)
    else:
        frame = base_frame(grid)
        frame["n"] = counts[grid.mask].astype(np.int64)
    stats = gistar_columns(counts, grid, d, choices)
    for column in stats.columns:
        frame[column] = stats[column].to_numpy()
    summary.update(hotspots=int((frame["hotspot"] == "hotspot").sum()),
                   coldspots=int((frame["hotspot"] == "coldspot").sum()), alpha=ALPHA)
    return HotspotResult(method="gistar", frame=frame, grid=grid, parameters=parameters,
                         automatic=choices.automatic, notes=choices.notes, summary=summary)
