"""The London overview's figures, computed from the warehouse for publication.

The public overview (headline figures, London's monthly series, the choropleth of
boroughs and wards, the violence x deprivation map and their boundaries) is drawn only
from files :func:`vrhub.reports.publish.publish` writes; these functions compute the
tables behind them before disclosure control. Every MPS category the overview offers is
covered: each major category (summed over its minor categories) and each minor one, under
the same name the overview's category list uses (a name that is both is the minor one).

Area figures cover the latest 12 months of MPS data (``latest_year``), the window the
overview shows to partners by default.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import shapely

from vrhub.analytics.deprivation import GROUPS, violence_deprivation
from vrhub.errors import UserError
from vrhub.progress import SILENT
from vrhub.reports.headlines import (
    LONDON_CODE,
    LONDON_NAME,
    headline_changes,
)
from vrhub.reports.violence_analysis import Notes, area_deprivation
from vrhub.standards.deprivation import HIGH_VIOLENCE_OFFENCES
from vrhub.standards.months import shift
from vrhub.storage import series
from vrhub.storage.queries import catalogue as catalogue_queries
from vrhub.storage.warehouse import Warehouse

VIOLENCE_WITH_INJURY = "VIOLENCE WITH INJURY"
BOUNDARY_TOLERANCE = {"borough": 40.0, "ward": 15.0}
"""Simplification tolerance in metres by level (EPSG:27700), as the partners' maps use."""


@dataclass
class Figures:
    """One table of the overview before disclosure control."""

    frame: pd.DataFrame
    parameters: dict[str, Any]
    provenance: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def latest_year(wh: Warehouse) -> tuple[str, str]:
    """The 12 months ending at the last month of MPS borough counts."""
    coverage = series.monthly_counts(wh, source="mps", level="borough",
                                     categories=None).coverage
    last = coverage[-1]
    return shift(last, -11), last


def every_category(wh: Warehouse, level: str,
                   period: tuple[str | None, str | None] = (None, None)
                   ) -> series.MonthlyCounts:
    """MPS counts per area, month and category, for every minor category and every major
    category (summed over its minors) whose name is not also a minor category's; with
    ``major_category``, the major category of each (itself for a major one)."""
    minors = series.monthly_counts(wh, source="mps", level=level, period=period)
    pairs = catalogue_queries.mps_category_pairs(wh)
    major_of = {str(minor): str(major) for major, minor in pairs.itertuples(index=False)}
    majors = sorted(set(pairs["major_category"].dropna().astype(str)) - set(major_of))
    frames = [minors.data]
    if majors:
        frames.append(series.monthly_counts(wh, source="mps", level=level,
                                            categories=majors, period=period).data)
    data = pd.concat(frames, ignore_index=True)
    data["major_category"] = [major_of.get(c, c) for c in data["category"].astype(str)]
    return series.MonthlyCounts(minors.source, level, data, minors.coverage,
                                minors.provenance, minors.notes)


def london_monthly(wh: Warehouse) -> Figures:
    """London's monthly totals of every category (the overview's trend chart)."""
    counts = every_category(wh, "borough")
    frame = counts.data.groupby(["major_category", "category", "month"],
                                as_index=False).agg(count=("count", "sum"))
    frame.insert(0, "area_name", LONDON_NAME)
    frame.insert(0, "area_code", LONDON_CODE)
    frame = frame[["area_code", "area_name", "major_category", "category", "month", "count"]]
    frame = frame.sort_values(["category", "month"]).reset_index(drop=True)
    return Figures(frame, {"source": "mps", "level": "london", "period": "month"},
                   counts.provenance, counts.notes)


def area_year(wh: Warehouse, level: str) -> Figures:
    """Totals per area of ``level`` and category over the latest 12 months, with residents
    (the overview's choropleth); the rate per 1,000 is computed after disclosure."""
    start, end = latest_year(wh)
    counts = every_category(wh, level, (start, end))
    frame = counts.data.groupby(["area_code", "category"], as_index=False).agg(
        area_name=("area_name", "first"), count=("count", "sum"))
    notes = list(counts.notes)
    try:
        population, population_notes = series.population_by_area(wh, level)
        frame = frame.merge(population, on="area_code", how="left")
        notes += population_notes
    except UserError as exc:
        frame["population"] = float("nan")
        notes.append(f"no residents figures: {exc.message}")
    frame["rate_per_1000"] = float("nan")
    frame.insert(3, "period_from", start)
    frame.insert(4, "period_to", end)
    frame = frame[["area_code", "area_name", "category", "period_from", "period_to", "count",
                   "population", "rate_per_1000"]]
    return Figures(frame.sort_values(["category", "area_code"]).reset_index(drop=True),
                   {"source": "mps", "level": level, "period": [start, end]},
                   counts.provenance, notes)


def headline_figures(wh: Warehouse) -> Figures:
    """The latest 12 months against the 12 before, London, headline categories."""
    _start, end = latest_year(wh)
    changes = headline_changes(wh, None, end)
    if not len(changes.frame):
        raise UserError("none of the headline categories is in the MPS counts")
    frame = changes.frame[["area_code", "area_name", "category", "current_from",
                           "current_to", "current", "current_months", "previous_from",
                           "previous_to", "previous", "previous_months", "complete"]].copy()
    return Figures(frame, {"source": "mps", "level": "london", "window_months": 12,
                           "to": end}, changes.provenance)


def violence_deprivation_wards(wh: Warehouse, *, end: str | None = None,
                               borough: str | None = None,
                               high_violence: int = HIGH_VIOLENCE_OFFENCES) -> Figures:
    """Wards (of one borough, or all) by violence with injury over the 12 months to
    ``end`` (the latest year when None) and IMD 2025 deprivation; 'high violence' is more
    than ``high_violence`` offences, 'high deprivation' a population-weighted average IMD
    rank in the 20% most deprived (deciles 1 and 2; the same derivation as
    ``vrhub deprivation map``). The overview's map and its published output both come from
    here."""
    start, end = latest_year(wh) if end is None else (shift(end, -11), end)
    notes = Notes(SILENT)
    deprivation = area_deprivation(wh, "ward", notes=notes)
    counts = series.monthly_counts(wh, source="mps", level="ward",
                                   areas=[borough] if borough else None,
                                   categories=[VIOLENCE_WITH_INJURY], period=(start, end))
    violence = counts.data.groupby("area_code", as_index=False).agg(
        area_name=("area_name", "first"), count=("count", "sum"))
    mapped = violence_deprivation(violence, deprivation, min_count=high_violence)
    # the lookup covers England: keep the wards the MPS counts cover
    mapped = mapped[mapped["area_code"].isin(violence["area_code"])]
    frame = mapped[["area_code", "area_name", "count", "imd_decile", "high_deprivation",
                    "group"]].copy()
    frame["high_deprivation"] = frame["high_deprivation"].astype(bool)
    frame.insert(2, "period_from", start)
    frame.insert(3, "period_to", end)
    return Figures(frame.reset_index(drop=True),
                   {"source": "mps", "category": VIOLENCE_WITH_INJURY, "level": "ward",
                    "period": [start, end], "imd_edition": "2025",
                    "high_violence": f"more than {high_violence} offences",
                    "high_deprivation": "population-weighted average IMD rank in the 20% most "
                                        "deprived (deciles 1 and 2)"},
                   counts.provenance, list(counts.notes) + notes.notes)


def regroup(frame: pd.DataFrame, *,
            high_violence: int = HIGH_VIOLENCE_OFFENCES) -> pd.DataFrame:
    """The strategy groups again from the disclosed counts (a group never tells more
    about a ward's count than the published count does)."""
    out = frame.copy()
    violent = out["count"].fillna(0).astype(float) > high_violence
    deprived = out["high_deprivation"].astype(bool)
    out["group"] = [GROUPS[0] if v and d else GROUPS[1] if v else GROUPS[2] if d
                    else GROUPS[3] for v, d in zip(violent, deprived, strict=True)]
    return out


def boundaries(wh: Warehouse, level: str) -> Figures:
    """Simplified boundaries of ``level`` in WGS 84 (coordinates to about a metre), with
    the GeoJSON geometry of each area in the ``geometry`` column."""
    frame = series.area_geometries(wh, level)
    if frame is None:
        raise UserError(f"no {level} boundaries are loaded",
                        hint="load them with vrhub load boundaries")
    frame = frame.copy()
    frame["geometry"] = shapely.simplify(frame.geometry.values, BOUNDARY_TOLERANCE[level],
                                         preserve_topology=True)
    frame = frame.to_crs(4326)
    frame["geometry"] = shapely.set_precision(frame.geometry.values, 1e-5)
    out = pd.DataFrame({
        "area_code": frame["area_code"].astype(str).to_numpy(),
        "geometry": [json.loads(shapely.to_geojson(g)) for g in frame.geometry]})
    provenance = series.provenance_for(wh, ["area_boundary"], {
        "area_boundary": series.BOUNDARY_LEVEL[level]})
    return Figures(out.sort_values("area_code").reset_index(drop=True),
                   {"level": level, "crs": "EPSG:4326",
                    "simplified_m": BOUNDARY_TOLERANCE[level]}, provenance)
