"""vrhub.analytics.hotspots.run, the one door to every hotspot method: it hands the points
to the method asked for, refuses unknown methods and parameters by name, and leaves None
parameters to the method's automatic choice."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from vrhub.analytics import hotspots
from vrhub.errors import UserError

AREA = box(530000, 180000, 531000, 181000)  # 1 km square, BNG metres


def points(seed: int = 3, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    # a cluster in the south-west corner and scattered events
    cluster = rng.normal([530150, 180150], 40, size=(n // 2, 2))
    spread = rng.uniform([530000, 180000], [531000, 181000], size=(n - n // 2, 2))
    xy = np.clip(np.vstack([cluster, spread]), [530000.5, 180000.5], [530999.5, 180999.5])
    return pd.DataFrame({"easting": xy[:, 0], "northing": xy[:, 1]})


def test_count_cells_agree_with_a_plain_histogram() -> None:
    data = points()
    result = hotspots.run(data, AREA, "count", cell_size=100)
    assert result.method == "count"
    assert int(result.frame["n"].sum()) == len(data)
    expected, _x, _y = np.histogram2d(data["easting"], data["northing"],
                                      bins=[np.arange(530000, 531001, 100),
                                            np.arange(180000, 181001, 100)])
    by_cell = {(round(x), round(y)): n for x, y, n in
               zip(result.frame["x"], result.frame["y"], result.frame["n"], strict=True)}
    for i, x in enumerate(range(530050, 531000, 100)):
        for j, y in enumerate(range(180050, 181000, 100)):
            assert by_cell[(x, y)] == expected[i, j], (x, y)


def test_the_strongest_gistar_hotspot_is_the_cluster() -> None:
    result = hotspots.run(points(), AREA, "gistar", cell_size=100)
    top = result.frame.sort_values("gistar_z", ascending=False).iloc[0]
    assert (530000 <= top["x"] <= 530300) and (180000 <= top["y"] <= 180300)
    assert top["hotspot"] == "hotspot"


def test_none_is_the_automatic_choice_and_is_announced() -> None:
    result = hotspots.run(points(), AREA, "count", cell_size=None)
    assert result.grid.cell_size > 0
    assert "cell_size" in result.automatic


def test_unknown_methods_and_parameters_are_refused_by_name() -> None:
    with pytest.raises(UserError, match=r"unknown hotspot method 'hexbin'") as info:
        hotspots.run(points(), AREA, "hexbin")
    assert "count, kde, gistar, change, classify, rate" in str(info.value.hint)
    with pytest.raises(UserError, match=r"count does not take bandwidth") as info:
        hotspots.run(points(), AREA, "count", bandwidth=200)
    assert "cell_size" in str(info.value.hint)


def test_rates_need_population() -> None:
    with pytest.raises(UserError, match=r"the rate method needs population estimates"):
        hotspots.run(points(), AREA, "rate")
