"""Gi* z-scores equal esda's G_Local(star=True) on real police.uk points.

Same cells (the study-area cells of our grid), same weights (libpysal DistanceBand over
the cell centres with the same threshold, binary), same counts: z-scores must agree to
1e-9. Two real cases: City of London street crimes (direct neighbour sums) and a year of
Met burglary in Hackney with a wide band (FFT neighbour sums).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from vrhub.analytics.gistar import (
    DIRECT_SUM_MAX_CELLS,
    gistar_grid,
    hotspot_gistar,
    neighbourhood,
    p_two_sided,
)
from vrhub.analytics.grid import Grid
from vrhub.errors import UserError
from vrhub.progress import Recording

esda = pytest.importorskip("esda")
libpysal = pytest.importorskip("libpysal")


def _points(files: list[Path]) -> pd.DataFrame:
    raw = pd.concat([pd.read_csv(f) for f in files]).dropna(subset=["Longitude", "Latitude"])
    e, n = Transformer.from_crs(4326, 27700, always_xy=True).transform(
        raw["Longitude"].to_numpy(), raw["Latitude"].to_numpy())
    return pd.DataFrame({"easting": e, "northing": n,
                         "date": pd.to_datetime(raw["Month"] + "-01").to_numpy()})


def _borough(shared_data: Path, code: str):
    boroughs = gpd.read_file(f"/vsigzip/{shared_data}/boundaries/london_boroughs.geojson.gz")
    return boroughs.to_crs(27700).set_index("GSS_CODE").geometry[code]


def _esda_z(frame: pd.DataFrame, distance: float) -> np.ndarray:
    weights = libpysal.weights.DistanceBand(
        frame[["x", "y"]].to_numpy(), threshold=distance * (1 + 1e-9), binary=True,
        silence_warnings=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = esda.getisord.G_Local(frame["n"].to_numpy(dtype=float), weights, transform="B",
                                  star=True, permutations=0)
    return np.asarray(g.Zs)


@pytest.mark.parametrize(("cell_size", "distance"), [(50, None), (50, 120.0), (100, 250.0)])
def test_city_of_london_matches_esda(shared_data: Path, cell_size: float,
                                     distance: float | None) -> None:
    files = sorted((shared_data / "police-uk" / "city-of-london").glob("2024-*.csv.gz"))
    points = _points(files)
    area = _borough(shared_data, "E09000001")
    result = hotspot_gistar(points, area, cell_size=cell_size, distance=distance, kde=False)
    frame = result.frame
    d = result.parameters["distance"]
    ours = frame["gistar_z"].to_numpy()
    theirs = _esda_z(frame, d)
    assert frame["n"].sum() > 5000
    assert np.isfinite(ours).all()
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-9)


def test_met_burglary_wide_band_uses_fft_and_matches_esda(shared_data: Path) -> None:
    files = sorted((shared_data / "police-uk" / "metropolitan" / "burglary").glob(
        "2024-*_burglary_cleaned.csv.gz"))
    points = _points(files)
    area = _borough(shared_data, "E09000012")  # Hackney
    assert neighbourhood(750.0, 100.0).size > DIRECT_SUM_MAX_CELLS  # FFT path
    result = hotspot_gistar(points, area, cell_size=100, distance=750.0, kde=False)
    frame = result.frame
    assert 1500 < frame["n"].sum() < 5000
    np.testing.assert_allclose(frame["gistar_z"].to_numpy(), _esda_z(frame, 750.0),
                               rtol=0, atol=1e-9)
    # sfhotspot's two-sided p; esda's p_norm is one-sided
    np.testing.assert_allclose(frame["p_value"], p_two_sided(frame["gistar_z"].to_numpy()))


def test_default_distance_is_queen_neighbourhood_and_announced() -> None:
    disc = neighbourhood(100 * np.sqrt(2), 100)
    assert disc.shape == (3, 3) and disc.sum() == 9
    assert neighbourhood(99, 100).sum() == 1
    assert neighbourhood(200, 100).sum() == 13  # centres exactly 200 m apart count
    rng = np.random.default_rng(4)
    pts = pd.DataFrame({"easting": rng.normal(530000, 300, 500),
                        "northing": rng.normal(180000, 300, 500)})
    rec = Recording()
    result = hotspot_gistar(pts, shapely.box(528000, 178000, 532000, 182000), cell_size=200,
                            progress=rec)
    assert result.automatic["distance"] == pytest.approx(282.843, abs=1e-3)
    assert any("Neighbourhood distance set to 282.8 m" in n for n in rec.notes)
    assert result.notes == rec.notes
    hot = result.frame[result.frame["hotspot"] == "hotspot"]
    assert len(hot) > 0
    # The cluster centre is a hotspot; far corners are not.
    centre = result.frame.loc[((result.frame.x - 530000).abs() < 200)
                              & ((result.frame.y - 180000).abs() < 200)]
    assert (centre["hotspot"] == "hotspot").all()


def test_formula_on_a_tiny_grid_by_hand() -> None:
    counts = np.array([[0, 1, 0, 2], [2, 5, 1, 0], [0, 0, 3, 1], [1, 0, 0, 0]], dtype=float)
    mask = np.ones((4, 4), dtype=bool)
    mask[0, 0] = False  # outside the study area: not a neighbour, not in n
    z, moments = gistar_grid(counts, mask, neighbourhood(1.5, 1.0))
    y = counts[mask]
    n = y.size
    mean, s = y.mean(), np.sqrt((y ** 2).mean() - y.mean() ** 2)
    # cell (1, 1): its 3x3 block without the masked corner, itself included
    block = counts[0:3, 0:3].copy()
    block[0, 0] = 0
    w = 8
    expected = (block.sum() - mean * w) / (s * np.sqrt((n * w - w * w) / (n - 1)))
    assert z[1, 1] == pytest.approx(expected, rel=1e-12)
    assert np.isnan(z[0, 0])
    assert moments["n_cells"] == 15


def test_no_events_is_a_clear_error() -> None:
    pts = pd.DataFrame({"easting": [600000.0], "northing": [100000.0]})
    with pytest.raises(UserError, match="no events inside the study area"):
        hotspot_gistar(pts, shapely.box(0, 0, 1000, 1000), cell_size=100)


def test_grid_passed_in_is_reused() -> None:
    grid = Grid(0.0, 0.0, 100.0, 4, 4, np.ones((4, 4), dtype=bool))
    pts = pd.DataFrame({"easting": [50.0, 150.0, 150.0, 350.0],
                        "northing": [50.0, 50.0, 150.0, 350.0]})
    result = hotspot_gistar(pts, None, grid=grid, kde=False)
    assert result.frame["n"].sum() == 4
    assert "cell_size" not in result.automatic
