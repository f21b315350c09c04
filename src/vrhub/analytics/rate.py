"""Rate KDE: the density of events relative to the density of residents.

Events and population are smoothed with the same kernel and bandwidth (the bandwidth is
chosen from the events when not given) on the same grid, each rescaled to conserve its
own total over the study area (:mod:`vrhub.analytics.kde`). Population is given as
weighted points, typically the LSOA population at each LSOA's centroid
(:func:`vrhub.storage.points.load_population`). The rate is

    rate = kde / population_density * 1000   (events per 1,000 residents)

and is left empty where the smoothed population density is below
``min_population_density`` (default 100 residents per km^2, about 2% of London's
average): such cells (parks, rivers, industrial land) would otherwise show huge,
meaningless rates from a handful of events. How many cells were left empty is announced.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from vrhub.analytics.count import count_summary, locate, study_grid
from vrhub.analytics.grid import Grid
from vrhub.analytics.kde import choose_bandwidth, kde_columns, kde_surface
from vrhub.analytics.result import Choices, HotspotResult
from vrhub.analytics.validate import positive_number, validate_kernel, validate_points
from vrhub.errors import UserError
from vrhub.progress import SILENT, Progress

MIN_POPULATION_DENSITY = 100.0


def hotspot_rate(data: pd.DataFrame, population: pd.DataFrame,
                 area: BaseGeometry | None = None, cell_size: float | None = None,
                 bandwidth: float | None = None, kernel: str = "quartic", *,
                 min_population_density: float = MIN_POPULATION_DENSITY,
                 grid: Grid | None = None, progress: Progress = SILENT) -> HotspotResult:
    """Events per 1,000 residents, smoothed.

    ``population`` needs ``easting``, ``northing`` and ``population`` (residents at that
    point). Columns: ``cell_id``, ``x``, ``y``, ``n``, ``kde``, ``population_density``,
    ``rate``.
    """
    choices = Choices(progress)
    validate_points(data)
    validate_points(population, weights="population")
    kernel = validate_kernel(kernel)
    floor = positive_number("min_population_density", min_population_density,
                            unit="residents per km²") or MIN_POPULATION_DENSITY
    grid = study_grid(data, area, cell_size, choices, grid)
    events = locate(data, grid, choices)
    if events.n_events == 0:
        raise UserError("there are no events inside the study area",
                        hint="check the borough, dates and categories")
    h = choose_bandwidth(events.x, events.y, kernel, bandwidth, choices)
    frame, _, factor = kde_columns(events, h, kernel, choices)
    people = locate(population, grid, Choices(), weights="population")
    if people.weights is None or people.weights.sum() <= 0:
        raise UserError("there are no residents inside the study area",
                        hint="load population estimates (table population) for this area")
    density, _ = kde_surface(people, h, kernel)
    pop = density[grid.mask]
    frame["population_density"] = pop
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(pop >= floor, frame["kde"].to_numpy() / pop * 1000.0, np.nan)
    frame["rate"] = rate
    blank = int(np.isnan(rate).sum())
    if blank:
        choices.note(f"{blank:,} cells have fewer than {floor:,.0f} residents per km² "
                     "(smoothed): their rate is left empty.")
    return HotspotResult(
        method="rate", frame=frame, grid=grid,
        parameters={"cell_size": grid.cell_size, "bandwidth": h, "kernel": kernel,
                    "min_population_density": floor},
        automatic=choices.automatic, notes=choices.notes,
        summary={**count_summary(events), "bandwidth": h, "mass_factor": factor,
                 "residents": float(people.weights.sum()), "cells_without_rate": blank},
    )
