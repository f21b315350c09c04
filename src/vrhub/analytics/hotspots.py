"""The front door of the hotspot family, for the CLI and the web layer.

>>> from vrhub.storage.points import load_points, load_study_area
>>> points = load_points(warehouse, source="police", categories=["Burglary"])
>>> area = load_study_area(warehouse, borough="E09000001")
>>> result = run(points.frame, area.geometry, method="gistar", cell_size=100)
>>> result.frame          # one row per study-area cell, documented columns
>>> result.metadata       # parameters, automatic choices, notes, grid, summary
>>> result.to_geodataframe()

Methods and the keyword parameters each accepts (all optional; automatic choices are
announced through ``progress`` and recorded in ``result.automatic``):

=========  ==================================================================
count      cell_size
kde        cell_size, bandwidth, kernel
gistar     cell_size, distance, bandwidth, kernel, kde (count + KDE + Gi* + FDR)
change     cell_size, split_date, group
classify   cell_size, distance, period, start, params (ClassifyParams)
rate       cell_size, bandwidth, kernel, min_population_density; needs population
=========  ==================================================================
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pandas as pd
from shapely.geometry.base import BaseGeometry

from vrhub.analytics.change import hotspot_change
from vrhub.analytics.classify import hotspot_classify
from vrhub.analytics.count import hotspot_count
from vrhub.analytics.gistar import hotspot_gistar
from vrhub.analytics.kde import hotspot_kde
from vrhub.analytics.rate import hotspot_rate
from vrhub.analytics.result import HotspotResult
from vrhub.errors import UserError
from vrhub.progress import SILENT, Progress

METHODS: dict[str, Callable[..., HotspotResult]] = {
    "count": hotspot_count,
    "kde": hotspot_kde,
    "gistar": hotspot_gistar,
    "change": hotspot_change,
    "classify": hotspot_classify,
    "rate": hotspot_rate,
}


def run(points: pd.DataFrame, area: BaseGeometry | None, method: str = "gistar", *,
        population: pd.DataFrame | None = None, progress: Progress = SILENT,
        **params: Any) -> HotspotResult:
    """Run one hotspot ``method`` on ``points`` within ``area``.

    Parameters left as None are chosen automatically. Unknown parameters are an error
    (naming the ones the method accepts), so a typo never silently falls back to a default.
    """
    function = METHODS.get(method)
    if function is None:
        raise UserError(f"unknown hotspot method {method!r}",
                        hint="use one of " + ", ".join(METHODS))
    accepted = set(inspect.signature(function).parameters) - {"data", "area", "population",
                                                               "progress"}
    unknown = sorted(k for k in params if k not in accepted)
    if unknown:
        raise UserError(f"{method} does not take {', '.join(unknown)}",
                        hint="it takes " + ", ".join(sorted(accepted)))
    given = {k: v for k, v in params.items() if v is not None}
    if method == "rate":
        if population is None:
            raise UserError("the rate method needs population estimates",
                            hint="load the population table for this area")
        given["population"] = population
    return function(data=points, area=area, progress=progress, **given)
