"""Kernel density estimation on the study-area grid.

Method. Events are linearly binned to the cell centres (each event split between the four
nearest centres in proportion to its closeness), and the binned grid is convolved (real FFT,
``scipy.fft``) with the kernel evaluated at whole-cell offsets. With
``conserve_mass=False`` the value at a centre therefore approximates the direct sum
``sum_i K_h(centre - event_i)``; the only error is the binning error, of order
``(cell_size / bandwidth)^2`` (see tests/unit/analytics/test_kde.py for the stated tolerance). The
convolution runs in single precision on two threads; its round-off (about 1e-7 of the
peak) is far below the binning error. From ``COMPILED_MIN_POINTS`` events (200,000) the
binning runs as one compiled pass over the events (numba), adding in single precision as
the convolution does (round-off about 1e-6 of a cell's value), rather than as numpy array
operations in double precision; tests/unit/analytics/test_kde.py checks the two agree.

Kernels and what ``bandwidth`` means (metres):

- ``quartic`` (the default, as in sfhotspot/SpatialKDE): ``K(d) = 3 / (pi h^2) *
  (1 - d^2/h^2)^2`` for ``d < h``; ``bandwidth`` is the radius ``h`` beyond which an event
  adds nothing.
- ``gaussian``: ``K(d) = exp(-d^2 / 2h^2) / (2 pi h^2)``; ``bandwidth`` is the standard
  deviation ``h``; the kernel is cut at 5 h (it loses 4e-6 of its mass there).

Automatic bandwidth (announced): the mean over the easting and northing of the normal
reference rule ``1.06 * min(sd, IQR / 1.34) * n^(-1/5)`` (Silverman's rule), used as the
Gaussian standard deviation; the quartic radius is four times that (MASS's
``bandwidth.nrd``, sfhotspot's default).

Mass conservation. Densities are events per square kilometre. Near the edge of the study
area part of each kernel falls outside it; by default (``conserve_mass=True``) the surface
is rescaled so that ``sum(kde) * cell_area_km2`` over study-area cells equals the number
of events (or total weight) in the study area, and the factor is announced and recorded
(``automatic["mass_factor"]``).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import pandas as pd
import scipy.fft
from shapely.geometry.base import BaseGeometry

from vrhub.analytics.count import Located, count_summary, locate, study_counts, study_grid
from vrhub.analytics.grid import COMPILED_MIN_POINTS, Grid, compiled_loop
from vrhub.analytics.result import Choices, HotspotResult
from vrhub.analytics.validate import positive_number, validate_kernel, validate_points
from vrhub.errors import UserError
from vrhub.progress import SILENT, Progress

GAUSSIAN_TRUNCATE = 5.0
#: Threads for the FFT (the convolution is the one step that parallelises well).
FFT_WORKERS = 2
#: Quartic radius = this many Gaussian standard deviations of the automatic rule.
QUARTIC_PER_SD = 4.0
#: Kernel transforms kept for repeated runs (each about 1-3 MB on a London 100 m grid).
KERNEL_CACHE_SIZE = 8


def silverman_sd(x: np.ndarray, y: np.ndarray) -> float:
    """Mean over both axes of 1.06 * min(sd, IQR/1.34) * n^(-1/5)."""
    n = len(x)
    values = []
    for v in (x, y):
        sd = float(np.std(v, ddof=1)) if n > 1 else 0.0
        q75, q25 = np.percentile(v, [75, 25]) if n else (0.0, 0.0)
        spread = min(sd, (q75 - q25) / 1.34) if q75 > q25 else sd
        values.append(1.06 * spread * n ** (-0.2) if n else 0.0)
    return float(np.mean(values))


def auto_bandwidth(x: np.ndarray, y: np.ndarray, kernel: str) -> float:
    sd = silverman_sd(x, y)
    if not math.isfinite(sd) or sd <= 0:
        raise UserError(
            f"cannot choose a bandwidth automatically from {len(x)} event(s) that do not "
            "spread out", hint="give a bandwidth in metres (--bandwidth)")
    return sd * QUARTIC_PER_SD if kernel == "quartic" else sd


STREET_SCALE_CELLS = 3
"""Street-scale quartic radius, in grid cells (see :func:`street_bandwidth`)."""
STREET_SCALE_MIN_M = 200.0


def street_bandwidth(cell_size: float) -> float:
    """A quartic radius that keeps street-scale hotspots apart: three grid cells, at least
    200 m (300 m on a 100 m grid). The normal reference rule suits one smooth bump; events
    in a borough cluster along streets and estates a few hundred metres apart, and the
    rule's radius over a whole borough (a kilometre or more) merges them."""
    size = positive_number("cell_size", cell_size)
    if size is None:
        raise UserError("a street-scale bandwidth needs the grid cell size")
    return max(STREET_SCALE_CELLS * float(size), STREET_SCALE_MIN_M)


def choose_bandwidth(x: np.ndarray, y: np.ndarray, kernel: str, bandwidth: Any,
                     choices: Choices) -> float:
    """The given bandwidth, or the automatic one (announced)."""
    given = positive_number("bandwidth", bandwidth)
    if given is not None:
        return given
    h = round(auto_bandwidth(x, y, kernel), 1)
    rule = ("4 x the normal reference rule 1.06 min(sd, IQR/1.34) n^-1/5"
            if kernel == "quartic" else "the normal reference rule 1.06 min(sd, IQR/1.34) n^-1/5")
    meaning = "radius" if kernel == "quartic" else "standard deviation"
    choices.choose("bandwidth", h, f"Bandwidth set to {h:,.0f} m automatically ({kernel} "
                   f"kernel {meaning}; {rule}, averaged over easting and northing).")
    return h


def kernel_weights(kernel: str, bandwidth: float, cell_size: float) -> np.ndarray:
    """Kernel values (per m^2) at whole-cell offsets, shape (2r+1, 2r+1)."""
    support = bandwidth if kernel == "quartic" else GAUSSIAN_TRUNCATE * bandwidth
    r = max(1, math.ceil(support / cell_size))
    offsets = np.arange(-r, r + 1, dtype=np.float64) * cell_size
    d2 = offsets[:, None] ** 2 + offsets[None, :] ** 2
    h2 = bandwidth * bandwidth
    if kernel == "quartic":
        u = 1.0 - d2 / h2
        return np.where(u > 0, 3.0 / (math.pi * h2) * u * u, 0.0)
    k = np.exp(-d2 / (2.0 * h2)) / (2.0 * math.pi * h2)
    return np.where(d2 <= support * support, k, 0.0)


def linear_bin(x: np.ndarray, y: np.ndarray, weights: np.ndarray | None, grid: Grid,
               pad: int, *, compiled: bool | None = None) -> np.ndarray:
    """Linear binning of points to cell centres, on the grid padded by ``pad`` cells.

    Each point at fractional offsets (wx, wy) from its south-west neighbouring centre
    gives (1-wx)(1-wy), wx(1-wy), (1-wx)wy and wx.wy of its weight to the four centres
    around it. Points must lie inside the grid (as located points do).

    Two implementations give the same result to rounding: a compiled loop, one pass over
    the points (:func:`compiled_linear_bin`, single precision, as the convolution that
    follows), and a numpy one (double precision). ``compiled=None`` chooses the compiled
    loop from :data:`~vrhub.analytics.grid.COMPILED_MIN_POINTS` points on.
    """
    if compiled is None:
        compiled = len(x) >= COMPILED_MIN_POINTS
    if compiled:
        return compiled_linear_bin(x, y, weights, grid, pad)
    return numpy_linear_bin(x, y, weights, grid, pad)


def numpy_linear_bin(x: np.ndarray, y: np.ndarray, weights: np.ndarray | None, grid: Grid,
                     pad: int) -> np.ndarray:
    """:func:`linear_bin` with numpy. Rather than four weighted sums over the points, the
    per-cell sums of 1, wx, wy and wx.wy are taken once and combined on the (much smaller)
    grid."""
    nr, nc = grid.nrows + 2 * pad, grid.ncols + 2 * pad
    inv = 1.0 / grid.cell_size
    # In-place arithmetic throughout: with a million points, fresh temporaries cost more
    # than the arithmetic. pad >= 1 keeps fx, fy positive, so truncation is floor.
    wx = np.subtract(x, grid.x0 - (pad - 0.5) * grid.cell_size)
    wx *= inv
    ix = wx.astype(np.int64)
    wx -= ix
    wy = np.subtract(y, grid.y0 - (pad - 0.5) * grid.cell_size)
    wy *= inv
    base = wy.astype(np.int64)
    wy -= base
    base *= nc
    base += ix
    del ix
    size = nr * nc
    if weights is None:
        ones: np.ndarray = np.bincount(base, minlength=size).astype(np.float64)
        wxy = wx * wy
    else:
        ones = np.bincount(base, weights, minlength=size)
        wx *= weights
        wxy = wx * wy
        wy *= weights
    s1, sx, sy, sxy = (
        a[:size].reshape(nr, nc)
        for a in (ones, np.bincount(base, wx, minlength=size),
                  np.bincount(base, wy, minlength=size), np.bincount(base, wxy, minlength=size))
    )
    out: np.ndarray = s1 - sx - sy + sxy
    out[:, 1:] += (sx - sxy)[:, :-1]
    out[1:, :] += (sy - sxy)[:-1, :]
    out[1:, 1:] += sxy[:-1, :-1]
    return out


def compiled_linear_bin(x: np.ndarray, y: np.ndarray, weights: np.ndarray | None,
                        grid: Grid, pad: int) -> np.ndarray:
    """:func:`linear_bin` as one compiled pass over the points (numba): every point's four
    shares are added straight into the grid, with no per-point temporaries.

    The grid is single precision, the precision of the convolution it is made for (half
    the memory the adds go to, which makes them quicker). Its round-off is below 1e-5 of
    each cell's value (about 1.5e-6 for a million London points), far below the binning
    error of order 1e-3.
    """
    nr, nc = grid.nrows + 2 * pad, grid.ncols + 2 * pad
    out = np.zeros(nr * nc, dtype=np.float32)
    bad = compiled_loop(_linear_bin_loop)(
        np.ascontiguousarray(x, dtype=np.float64), np.ascontiguousarray(y, dtype=np.float64),
        np.empty(0) if weights is None else np.ascontiguousarray(weights, dtype=np.float64),
        grid.x0 - (pad - 0.5) * grid.cell_size, grid.y0 - (pad - 0.5) * grid.cell_size,
        1.0 / grid.cell_size, nr, nc, out)
    if bad >= 0:
        raise ValueError(f"point {bad} ({float(x[bad])!r}, {float(y[bad])!r}) lies outside "
                         "the grid")
    return out.reshape(nr, nc)


def _linear_bin_loop(x: np.ndarray, y: np.ndarray, weights: np.ndarray, ox: float, oy: float,
                     inv: float, nrows: int, ncols: int, out: np.ndarray) -> int:
    """The loop :func:`compiled_linear_bin` compiles: adds each point's four shares to
    ``out`` (flat float32, ``nrows * ncols``); returns -1, or the index of the first point that
    lies outside the grid (nothing after it is added). Empty ``weights``: weight 1."""
    weighted = weights.shape[0] > 0
    last_x, last_y = ncols - 1, nrows - 1
    row = np.uint64(ncols)  # unsigned indices (checked first) are quicker to index with
    one = np.float32(1.0)
    for i in range(x.shape[0]):
        fx = (x[i] - ox) * inv
        fy = (y[i] - oy) * inv
        if not (0.0 <= fx < last_x and 0.0 <= fy < last_y):
            return i
        ix = np.uint64(fx)
        iy = np.uint64(fy)
        wx = np.float32(fx - ix)
        wy = np.float32(fy - iy)
        w = np.float32(weights[i]) if weighted else one
        north = wy * w
        south = w - north
        west = one - wx
        b = iy * row + ix
        out[b] += west * south
        out[b + 1] += wx * south
        out[b + row] += west * north
        out[b + row + 1] += wx * north
    return -1


def fft_convolve(values: np.ndarray, kernel: np.ndarray,
                 spectrum_of_kernel: np.ndarray | None = None) -> np.ndarray:
    """``values`` convolved with an odd-sized, centred ``kernel``, same shape as ``values``
    (zero beyond the edges), by real FFT.

    ``spectrum_of_kernel`` is the kernel's transform on :func:`fft_shape` (from
    :func:`kernel_spectrum`), when the caller already has it.
    """
    shape = fft_shape(values.shape, kernel.shape)
    spectrum = scipy.fft.rfft2(values, shape, workers=FFT_WORKERS)
    if spectrum_of_kernel is None:
        spectrum_of_kernel = scipy.fft.rfft2(kernel, shape, workers=FFT_WORKERS)
    spectrum *= spectrum_of_kernel
    out = scipy.fft.irfft2(spectrum, shape, workers=FFT_WORKERS)
    r0, r1 = kernel.shape[0] // 2, kernel.shape[1] // 2
    return np.asarray(out[r0:r0 + values.shape[0], r1:r1 + values.shape[1]])


def fft_shape(values: tuple[int, ...], kernel: tuple[int, ...]) -> tuple[int, int]:
    """Transform size for a linear (not circular) convolution: at least ``values + kernel
    - 1`` on each axis, rounded up to a length the FFT handles fast."""
    rows, cols = (scipy.fft.next_fast_len(a + b - 1, real=True)
                  for a, b in zip(values, kernel, strict=True))
    return rows, cols


@functools.lru_cache(maxsize=KERNEL_CACHE_SIZE)
def kernel_spectrum(kernel: str, bandwidth: float, cell_size: float,
                    values_shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The single-precision kernel (:func:`kernel_weights`) and its real FFT for a grid of
    ``values_shape``, kept for repeated runs on the same grid, bandwidth and kernel (a
    dashboard redrawing one borough, a bandwidth comparison). Read-only."""
    k = kernel_weights(kernel, bandwidth, cell_size).astype(np.float32)
    spectrum = scipy.fft.rfft2(k, fft_shape(values_shape, k.shape), workers=FFT_WORKERS)
    k.flags.writeable = False
    spectrum.flags.writeable = False
    return k, spectrum


def kde_surface(located: Located, bandwidth: float, kernel: str, *,
                conserve_mass: bool = True) -> tuple[np.ndarray, float]:
    """Density (events per km^2) at every cell centre of the grid, and the mass factor.

    Events are binned onto the grid plus a one-cell border (linear binning spills up to
    one cell beyond the study area's outermost cells); the FFT itself zero-pads by the
    kernel's reach, so no wider border is needed.
    """
    grid = located.grid
    binned = linear_bin(located.x, located.y, located.weights, grid, 1)
    k, spectrum = kernel_spectrum(kernel, float(bandwidth), float(grid.cell_size),
                                  (binned.shape[0], binned.shape[1]))
    full = fft_convolve(binned.astype(np.float32, copy=False), k, spectrum)
    density = full[1:1 + grid.nrows, 1:1 + grid.ncols].astype(np.float64)
    density *= 1e6
    np.maximum(density, 0.0, out=density)  # FFT round-off can leave -1e-17
    factor = 1.0
    if conserve_mass:
        total = float(located.weights.sum()) if located.weights is not None else float(
            len(located.x))
        inside = float(np.take(density, grid.study_cells).sum()) * grid.cell_area_km2
        if inside > 0 and total > 0:
            factor = total / inside
            density *= factor
    return density, factor


def hotspot_kde(data: pd.DataFrame, area: BaseGeometry | None = None,
                cell_size: float | None = None, bandwidth: float | None = None,
                kernel: str = "quartic", *, conserve_mass: bool = True,
                grid: Grid | None = None, progress: Progress = SILENT) -> HotspotResult:
    """Kernel density of events on the study-area grid.

    Columns: ``cell_id``, ``x``, ``y``, ``n``, ``kde`` (events per km^2). See the module
    docstring for kernels, the automatic bandwidth and mass conservation.
    """
    choices = Choices(progress)
    validate_points(data)
    kernel = validate_kernel(kernel)
    grid = study_grid(data, area, cell_size, choices, grid)
    located = locate(data, grid, choices)
    frame, h, factor = kde_columns(located, bandwidth, kernel, choices,
                                   conserve_mass=conserve_mass)
    return HotspotResult(
        method="kde", frame=frame, grid=grid,
        parameters={"cell_size": grid.cell_size, "bandwidth": h, "kernel": kernel,
                    "conserve_mass": conserve_mass},
        automatic=choices.automatic, notes=choices.notes,
        summary={**count_summary(located), "bandwidth": h, "mass_factor": factor},
    )


def kde_columns(located: Located, bandwidth: Any, kernel: str, choices: Choices, *,
                conserve_mass: bool = True) -> tuple[pd.DataFrame, float, float]:
    """Frame with n and kde for the study-area cells; the bandwidth and mass factor."""
    grid = located.grid
    if len(located.x) == 0:  # the kept events (cheaper than counting n_events)
        raise UserError("there are no events inside the study area",
                        hint="check the borough, dates and categories")
    h = choose_bandwidth(located.x, located.y, kernel, bandwidth, choices)
    if h < grid.cell_size / 2:
        choices.note(f"The bandwidth ({h:,.0f} m) is less than half the cell size "
                     f"({grid.cell_size:,.0f} m): the surface will be close to the raw counts.")
    density, factor = kde_surface(located, h, kernel, conserve_mass=conserve_mass)
    if conserve_mass:
        mass = located.weights.sum() if located.weights is not None else len(located.x)
        choices.choose("mass_factor", round(factor, 6),
                       f"Densities rescaled by {factor:.4f} so that they sum to the "
                       f"{mass:,.0f} "
                       "events in the study area (part of the kernel mass falls outside "
                       "the area near its edge).")
    # The columns of base_frame plus n and kde, built in one go from the grid's cached
    # study-cell geometry: every column is a fresh array of the frame's own, so the frame
    # takes them as they are (copy=False) rather than copying them into blocks.
    cells = grid.study_cells
    x, y = grid.study_centres
    frame = pd.DataFrame({
        "cell_id": cells.copy(), "x": x.copy(), "y": y.copy(),
        "n": study_counts(located),
        "kde": np.take(density, cells),
    }, copy=False)
    return frame, h, factor
