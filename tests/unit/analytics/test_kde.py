"""KDE against a direct, unbinned kernel sum; mass conservation; both kernels.

Stated tolerance: with linear binning the surface differs from the direct sum
``sum_i K_h(centre - event_i)`` by a binning error of order (cell_size / bandwidth)^2.
With bandwidth >= 4 cell sizes the largest difference over the grid is below 2% of the
surface's maximum (and the median relative difference below 1%); tests assert that.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.signal import fftconvolve

from vrhub.analytics.count import Located, locate
from vrhub.analytics.grid import COMPILED_MIN_POINTS, make_grid
from vrhub.analytics.kde import (
    auto_bandwidth,
    fft_convolve,
    hotspot_kde,
    kde_surface,
    linear_bin,
)
from vrhub.analytics.result import Choices
from vrhub.errors import UserError
from vrhub.progress import Recording

AREA = shapely.box(530000, 180000, 533000, 182000)


def _direct(frame: pd.DataFrame, x: np.ndarray, y: np.ndarray, kernel: str,
            h: float) -> np.ndarray:
    """Unbinned kernel sum at (x, y), events per km^2."""
    dx = frame["x"].to_numpy()[:, None] - x[None, :]
    dy = frame["y"].to_numpy()[:, None] - y[None, :]
    d2 = dx * dx + dy * dy
    if kernel == "quartic":
        u = np.clip(1 - d2 / (h * h), 0, None)
        k = 3 / (math.pi * h * h) * u * u
    else:
        k = np.exp(-d2 / (2 * h * h)) / (2 * math.pi * h * h)
    return k.sum(axis=1) * 1e6


def _points(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    centres = np.array([[531000, 181000], [532200, 180600], [531800, 181500]])
    which = rng.integers(0, 3, n)
    xy = centres[which] + rng.normal(0, 250, (n, 2))
    keep = (xy[:, 0] > 530000) & (xy[:, 0] < 533000) & (xy[:, 1] > 180000) & (xy[:, 1] < 182000)
    return pd.DataFrame({"easting": xy[keep, 0], "northing": xy[keep, 1]})


@pytest.mark.parametrize(("kernel", "bandwidth"), [("quartic", 400.0), ("gaussian", 150.0),
                                                   ("gaussian", 100.0)])
def test_agrees_with_direct_kernel_sum(kernel: str, bandwidth: float) -> None:
    pts = _points(800, 1)
    result = hotspot_kde(pts, AREA, cell_size=25, bandwidth=bandwidth, kernel=kernel,
                         conserve_mass=False)
    frame = result.frame
    direct = _direct(frame, pts["easting"].to_numpy(), pts["northing"].to_numpy(), kernel,
                     bandwidth)
    ours = frame["kde"].to_numpy()
    peak = direct.max()
    assert np.abs(ours - direct).max() < 0.02 * peak
    busy = direct > 0.05 * peak
    assert np.median(np.abs(ours[busy] - direct[busy]) / direct[busy]) < 0.01


@pytest.mark.parametrize("kernel", ["quartic", "gaussian"])
def test_mass_is_conserved_inside_the_study_area(kernel: str) -> None:
    # An L-shaped area; events right up to its edge so kernel mass leaks outside.
    area = shapely.union(shapely.box(0, 0, 2000, 1000), shapely.box(0, 0, 1000, 2000))
    rng = np.random.default_rng(7)
    xy = rng.uniform(0, 2000, (3000, 2))
    inside = shapely.contains_xy(area, xy[:, 0], xy[:, 1])
    pts = pd.DataFrame({"easting": xy[inside, 0] + 300000, "northing": xy[inside, 1] + 100000})
    area = shapely.affinity.translate(area, 300000, 100000)
    rec = Recording()
    result = hotspot_kde(pts, area, cell_size=50, bandwidth=300, kernel=kernel, progress=rec)
    mass = result.frame["kde"].sum() * result.grid.cell_area_km2
    assert mass == pytest.approx(len(pts), rel=1e-9)
    assert result.summary["mass_factor"] > 1.02  # some mass did leak and was put back
    assert result.automatic["mass_factor"] == pytest.approx(result.summary["mass_factor"],
                                                            rel=1e-5)
    assert any("rescaled" in n for n in rec.notes)
    assert (result.frame["kde"] >= 0).all()


def test_raw_surface_integrates_to_n_when_nothing_leaks() -> None:
    pts = _points(500, 3)
    pts = pts[(pts.easting.between(530800, 532200)) & (pts.northing.between(180600, 181400))]
    big = shapely.box(529000, 179000, 534000, 183000)
    result = hotspot_kde(pts, big, cell_size=20, bandwidth=300, kernel="quartic",
                         conserve_mass=False)
    mass = result.frame["kde"].sum() * result.grid.cell_area_km2
    assert mass == pytest.approx(len(pts), rel=2e-3)


def test_automatic_bandwidth_rule_and_announcement() -> None:
    pts = _points(1000, 5)
    x, y = pts["easting"].to_numpy(), pts["northing"].to_numpy()

    def rule(v: np.ndarray) -> float:
        q75, q25 = np.percentile(v, [75, 25])
        return 1.06 * min(np.std(v, ddof=1), (q75 - q25) / 1.34) * len(v) ** -0.2

    sd = (rule(x) + rule(y)) / 2
    assert auto_bandwidth(x, y, "gaussian") == pytest.approx(sd)
    assert auto_bandwidth(x, y, "quartic") == pytest.approx(4 * sd)
    rec = Recording()
    result = hotspot_kde(pts, AREA, cell_size=50, progress=rec)
    assert result.parameters["bandwidth"] == pytest.approx(round(4 * sd, 1))
    assert result.automatic["bandwidth"] == result.parameters["bandwidth"]
    assert any(n.startswith("Bandwidth set to") for n in rec.notes)


def test_weights_and_linear_binning_conserve_weight() -> None:
    grid = make_grid(AREA, 100)
    rng = np.random.default_rng(2)
    x = rng.uniform(530000, 533000, 200)
    y = rng.uniform(180000, 182000, 200)
    w = rng.uniform(0, 10, 200)
    binned = linear_bin(x, y, w, grid, 2)
    assert binned.sum() == pytest.approx(w.sum())
    loc = Located(grid, x, y, np.zeros(200, dtype=np.int64), np.ones(200, bool), w)
    density, _ = kde_surface(loc, 300, "gaussian")
    assert density[grid.mask].sum() * grid.cell_area_km2 == pytest.approx(w.sum(), rel=1e-9)


@pytest.mark.parametrize("pad", [1, 2])
@pytest.mark.parametrize("weighted", [False, True])
def test_compiled_and_numpy_linear_binning_agree(pad: int, weighted: bool) -> None:
    # 37.5 m cells (inexact in binary); points anywhere up to the edge of the grid.
    grid = make_grid(AREA, 37.5)
    rng = np.random.default_rng(5)
    x = rng.uniform(grid.x0, grid.x0 + grid.ncols * grid.cell_size, 5000)
    y = rng.uniform(grid.y0, grid.y0 + grid.nrows * grid.cell_size, 5000)
    x[:3] = grid.x0  # on the grid's west edge, on a centre, on a shared edge
    x[3:6] = grid.x0 + 2.5 * grid.cell_size
    x[6:9] = grid.x0 + 7 * grid.cell_size
    w = rng.uniform(0, 5, 5000) if weighted else None
    compiled = linear_bin(x, y, w, grid, pad, compiled=True)
    plain = linear_bin(x, y, w, grid, pad, compiled=False)
    assert compiled.shape == plain.shape == (grid.nrows + 2 * pad, grid.ncols + 2 * pad)
    assert compiled.dtype == np.float32 and plain.dtype == np.float64
    # the compiled grid is single precision: equal to its round-off
    np.testing.assert_allclose(compiled, plain, rtol=1e-5, atol=1e-6 * plain.max())
    total = w.sum() if w is not None else len(x)
    assert compiled.sum(dtype=np.float64) == pytest.approx(total, rel=1e-6)
    assert plain.sum() == pytest.approx(total, rel=1e-12)
    assert (compiled >= 0).all()


def test_compiled_linear_binning_refuses_points_off_the_grid() -> None:
    grid = make_grid(AREA, 100)
    x = np.array([531000.0, grid.x0 - 200.0])
    y = np.array([181000.0, 181000.0])
    with pytest.raises(ValueError, match=r"point 1 .* outside the grid"):
        linear_bin(x, y, None, grid, 1, compiled=True)


def test_large_inputs_take_the_compiled_path_with_the_same_surface() -> None:
    grid = make_grid(AREA, 50)
    rng = np.random.default_rng(6)
    n = COMPILED_MIN_POINTS + 1
    pts = pd.DataFrame({"easting": rng.normal(531500, 400, n).clip(530001, 532999),
                        "northing": rng.normal(181000, 300, n).clip(180001, 181999)})
    result = hotspot_kde(pts, AREA, bandwidth=200, kernel="quartic", grid=grid)
    located = locate(pts, grid, Choices())
    assert len(located.x) == n
    binned = linear_bin(located.x, located.y, None, grid, 1)
    assert binned.dtype == np.float32  # the compiled loop's grid
    np.testing.assert_allclose(binned, linear_bin(located.x, located.y, None, grid, 1,
                                                  compiled=False), rtol=1e-5)
    frame = result.frame
    assert frame["n"].sum() == located.n_events == result.summary["events"]
    mass = frame["kde"].sum() * grid.cell_area_km2
    assert mass == pytest.approx(located.n_events, rel=1e-9)
    # against the direct kernel sum at a handful of cells
    pick = frame.iloc[rng.choice(len(frame), 25, replace=False)]
    direct = _direct(pick, located.x, located.y, "quartic", 200)
    ours = pick["kde"].to_numpy() / result.summary["mass_factor"]
    assert np.abs(ours - direct).max() < 0.02 * direct.max()


def test_fft_convolution_matches_scipy_signal() -> None:
    rng = np.random.default_rng(0)
    a = rng.random((41, 57))
    for shape in ((9, 9), (3, 7)):
        k = rng.random(shape)
        np.testing.assert_allclose(fft_convolve(a, k), fftconvolve(a, k, mode="same"),
                                   atol=1e-12)


def test_bad_inputs_are_clear_errors() -> None:
    pts = _points(50, 1)
    with pytest.raises(UserError, match="unknown kernel 'epanechnikov'"):
        hotspot_kde(pts, AREA, kernel="epanechnikov")
    with pytest.raises(UserError, match="bandwidth must be greater than zero"):
        hotspot_kde(pts, AREA, bandwidth=0)
    with pytest.raises(UserError, match="cannot choose a bandwidth automatically"):
        hotspot_kde(pd.DataFrame({"easting": [531000.0] * 3, "northing": [181000.0] * 3}),
                    AREA)
