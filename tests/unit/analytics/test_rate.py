"""Rate KDE: events per 1,000 residents. When the residents sit exactly where the events
are, p to an event, both surfaces have one shape and the rate is 1,000 / p wherever there
are enough residents; thin cells are left empty and counted."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from vrhub.analytics.rate import MIN_POPULATION_DENSITY, hotspot_rate
from vrhub.errors import UserError

AREA = shapely.box(500000, 170000, 503000, 173000)
EVENTS = pd.DataFrame({"easting": [501000.0, 501050.0, 501500.0, 502200.0, 502210.0],
                       "northing": [171000.0, 171020.0, 171400.0, 172000.0, 172100.0]})


def test_the_rate_is_events_per_thousand_residents_where_residents_are_enough() -> None:
    per_event = 250.0
    population = EVENTS.assign(population=per_event)
    result = hotspot_rate(EVENTS, population, AREA, cell_size=100, bandwidth=400)
    frame = result.frame
    rated = frame["rate"].notna()
    assert rated.sum() > 0
    assert np.allclose(frame.loc[rated, "rate"], 1000.0 / per_event, rtol=1e-5)
    # both surfaces keep their totals: 5 events, 1,250 residents
    cell_km2 = 0.1 * 0.1
    assert frame["kde"].sum() * cell_km2 == pytest.approx(5, rel=1e-6)
    assert frame["population_density"].sum() * cell_km2 == pytest.approx(1250, rel=1e-6)
    thin = (frame["population_density"] < MIN_POPULATION_DENSITY).to_numpy()
    assert thin.sum() > 0  # far corners of the area are beyond the kernel
    assert frame["rate"].isna().to_numpy().tolist() == thin.tolist()
    assert result.summary["cells_without_rate"] == int(thin.sum())
    assert result.summary["residents"] == pytest.approx(1250)
    assert any(f"{int(thin.sum()):,} cells have fewer than 100 residents" in note
               for note in result.notes)


def test_a_higher_floor_leaves_more_cells_empty() -> None:
    population = EVENTS.assign(population=250.0)
    low = hotspot_rate(EVENTS, population, AREA, cell_size=100, bandwidth=400)
    high = hotspot_rate(EVENTS, population, AREA, cell_size=100, bandwidth=400,
                        min_population_density=5000)
    expected = int((high.frame["population_density"] < 5000).sum())
    assert high.summary["cells_without_rate"] == expected
    assert expected > low.summary["cells_without_rate"]
    assert high.parameters["min_population_density"] == 5000


def test_no_residents_or_no_events_in_the_area_is_refused() -> None:
    elsewhere = pd.DataFrame({"easting": [520000.0], "northing": [180000.0],
                              "population": [1000.0]})
    with pytest.raises(UserError, match="no residents inside the study area"):
        hotspot_rate(EVENTS, elsewhere, AREA, cell_size=100, bandwidth=400)
    with pytest.raises(UserError, match="no events inside the study area"):
        hotspot_rate(elsewhere[["easting", "northing"]], EVENTS.assign(population=1.0),
                     AREA, cell_size=100, bandwidth=400)
