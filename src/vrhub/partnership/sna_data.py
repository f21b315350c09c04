"""What a needs assessment reads from the warehouse, read once for every area built.

:func:`load` asks each named question of :mod:`vrhub.storage` once (London-wide) and keeps
the answers; each area's sections then take their slice. A source that is not loaded is
not an error here: its ``missing`` entry says what is absent and how to load it, and the
sections that need it say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from vrhub.errors import UserError
from vrhub.partnership.sna_definition import Category, Definition
from vrhub.reports.violence_analysis import area_deprivation
from vrhub.standards.months import shift
from vrhub.storage import series
from vrhub.storage.outcomes import hub as hub_store
from vrhub.storage.points import load_points
from vrhub.storage.queries import istv as istv_queries
from vrhub.storage.queries import mps_dashboard as dashboard_queries
from vrhub.storage.queries import reference as reference_queries
from vrhub.storage.warehouse import Warehouse

if TYPE_CHECKING:
    import geopandas as gpd

LONDON = "E12000007"
TREND_YEARS = 5
LOAD_HINTS = {
    "mps": "vrhub load mps <recorded-crime-borough*.csv> (and the ward and LSOA tables)",
    "mps-dashboard": "vrhub load mps-dashboard <monthly-crime-dashboard.csv>",
    "police": "vrhub load police <YYYY-MM-*-street.csv>",
    "istv": "vrhub istv submit <ED submission files>",
    "imd": "vrhub load imd <IMD 2025 file>",
    "population": "vrhub load population <Census 2021 TS007A file>",
    "boundaries": "vrhub load boundaries <boundary files>",
}


@dataclass
class SourceData:
    """The warehouse's answers for every area (see the module docstring)."""

    definition: Definition
    end: str
    borough_names: dict[str, str]
    #: MPS borough-level monthly counts: ``area_code``, ``category`` (definition key),
    #: ``month``, ``count``; over the five trend years and the year before them
    counts: pd.DataFrame
    #: months with MPS borough counts, per definition category present in the data
    coverage: dict[str, list[str]]
    #: categories counted from the MPS Monthly Crime Dashboard (the others: recorded crime)
    dashboard_keys: list[str] = field(default_factory=list)
    ward_counts: pd.DataFrame = field(default_factory=pd.DataFrame)
    lsoa_counts: pd.DataFrame = field(default_factory=pd.DataFrame)
    ward_borough: dict[str, str] = field(default_factory=dict)
    ward_names: dict[str, str] = field(default_factory=dict)
    lsoa_borough: dict[str, str] = field(default_factory=dict)
    population: dict[str, pd.Series] = field(default_factory=dict)
    under_25: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    imd: pd.DataFrame | None = None
    domains: pd.DataFrame | None = None
    #: each ward's IMD 2025 deprivation, the one derivation of
    #: :func:`vrhub.reports.violence_analysis.area_deprivation`
    ward_deprivation: pd.DataFrame | None = None
    points: pd.DataFrame | None = None
    ed: pd.DataFrame | None = None
    ed_coverage: list[str] = field(default_factory=list)
    geometries: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    #: results computed once for every area (trend tables, hotspots), by name
    cache: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)
    provenance: list[dict[str, Any]] = field(default_factory=list)

    @property
    def start(self) -> str:
        """First month of the five trend years."""
        return shift(self.end, 1 - 12 * TREND_YEARS)

    @property
    def latest_start(self) -> str:
        return shift(self.end, -11)


def last_mps_month(warehouse: Warehouse) -> str:
    """The last month of MPS borough counts (the default end of an assessment)."""
    coverage = series.monthly_counts(warehouse, source="mps", level="borough",
                                     categories=None, period=(None, None)).coverage
    return str(coverage[-1])


def load(warehouse: Warehouse, definition: Definition, end: str | None,
         borough_names: dict[str, str]) -> SourceData:
    """Everything the sections need, for the five years ending ``end`` (default: the last
    month of MPS counts)."""
    missing: dict[str, str] = {}
    try:
        end = end or last_mps_month(warehouse)
    except UserError as exc:
        if end is None:
            raise UserError("there are no MPS recorded-crime counts to build a needs "
                            "assessment from", hint=f"load them first: {LOAD_HINTS['mps']}"
                            ) from exc
    data = SourceData(definition, end, borough_names, pd.DataFrame(
        columns=["area_code", "category", "month", "count"]), {})
    data.missing = missing
    first = shift(data.start, -12)
    frames = []
    for category in definition.categories:
        found = _dashboard_counts(warehouse, category, (first, end))
        if found is None:
            try:
                found = series.monthly_counts(warehouse, source="mps", level="borough",
                                              categories=[category.mps],
                                              period=(first, end))
            except UserError as exc:
                data.notes.setdefault("mps", []).append(
                    f"{category.label}: not in the loaded MPS tables ({exc.message})"
                    + (f"; load the MPS Monthly Crime Dashboard for it: "
                       f"{LOAD_HINTS['mps-dashboard']}" if category.dashboard else ""))
                continue
        data.coverage[category.key] = [m for m in found.coverage if first <= m <= end]
        if found.source == "mps-dashboard":
            data.dashboard_keys.append(category.key)
        frame = found.data[["area_code", "month", "count"]].copy()
        frame["category"] = category.key
        frames.append(frame)
        data.provenance.extend(found.provenance)
        data.notes.setdefault("mps", []).extend(found.notes)
    if frames:
        data.counts = pd.concat(frames, ignore_index=True)
    else:
        missing["mps"] = f"no MPS recorded-crime counts; load them: {LOAD_HINTS['mps']}"
    _load_places(warehouse, data)
    _load_people(warehouse, data)
    _load_points(warehouse, data)
    _load_ed(warehouse, data)
    for level in ("borough", "ward", "lsoa"):
        found_geoms = series.area_geometries(warehouse, level)
        if found_geoms is not None:
            data.geometries[level] = found_geoms
    if "borough" not in data.geometries:
        missing["boundaries"] = ("no boundaries, so no maps; load them: "
                                 f"{LOAD_HINTS['boundaries']}")
    return data


def _dashboard_counts(warehouse: Warehouse, category: Category,
                      period: tuple[str, str]) -> series.MonthlyCounts | None:
    """A category's monthly borough counts from the MPS Monthly Crime Dashboard, when the
    definition names a dashboard series for it and the table holds that series."""
    if category.dashboard is None:
        return None
    wanted = category.dashboard
    found = dashboard_queries.borough_monthly_counts(
        warehouse, crime_type=wanted.crime_type, crime_subtype=wanted.crime_subtype,
        measure=wanted.measure, period=period)
    return found if found.coverage else None


def _load_places(warehouse: Warehouse, data: SourceData) -> None:
    from vrhub.storage.names import area_names

    wards = area_names(warehouse, "ward")
    data.ward_borough = dict(zip(wards["code"].astype(str), wards["borough_code"].astype(str),
                                 strict=True))
    data.ward_names = dict(zip(wards["code"].astype(str), wards["name"].astype(str),
                               strict=True))
    lsoas = area_names(warehouse, "lsoa")
    data.lsoa_borough = dict(zip(lsoas["code"].astype(str), lsoas["borough_code"].astype(str),
                                 strict=True))
    place = data.definition.place_category
    for level, months, attr in (("ward", 24, "ward_counts"), ("lsoa", 12, "lsoa_counts")):
        try:
            found = series.monthly_counts(warehouse, source="mps", level=level,
                                          categories=[place],
                                          period=(shift(data.end, 1 - months), data.end))
        except UserError as exc:
            data.missing[f"mps_{level}"] = exc.message
            continue
        setattr(data, attr, found.data)


def _load_people(warehouse: Warehouse, data: SourceData) -> None:
    for level in ("borough", "ward", "lsoa"):
        try:
            frame, notes = series.population_by_area(warehouse, level)
        except UserError as exc:
            data.missing["population"] = (f"{exc.message}; load it: "
                                          f"{LOAD_HINTS['population']}")
            continue
        data.population[level] = frame.set_index("area_code")["population"].astype(float)
        data.notes.setdefault("population", notes)
    young, _notes = hub_store.residents_by_borough(warehouse, under_25=True)
    data.under_25 = young.set_index("borough_code")["population"].astype(float) \
        if len(young) else pd.Series(dtype=float)
    try:
        imd = series.lsoa_imd(warehouse)
        lookup = series.lsoa_lookup(warehouse, "ward")
        data.imd = imd.merge(lookup[["lsoa_code", "area_code", "borough_code"]]
                             .rename(columns={"area_code": "ward_code"}),
                             on="lsoa_code", how="left")
    except UserError as exc:
        data.missing["imd"] = f"{exc.message}; load it: {LOAD_HINTS['imd']}"
    data.domains = reference_queries.lsoa_domain_deciles(warehouse)
    if data.imd is not None:
        try:
            data.ward_deprivation = area_deprivation(warehouse, "ward")
        except UserError as exc:
            data.missing["imd"] = exc.message


def _load_points(warehouse: Warehouse, data: SourceData) -> None:
    try:
        points = load_points(warehouse, "police", [data.definition.hotspot_category],
                             start=f"{shift(data.end, -23)}-01",
                             end=pd.Period(data.end, "M").end_time.date().isoformat())
    except UserError as exc:
        data.missing["police"] = f"{exc.message}; load it: {LOAD_HINTS['police']}"
        return
    data.points = points.frame
    if points.without_location:
        data.notes.setdefault("police", []).append(
            f"police.uk: {points.without_location:,} crimes of the hotspot category in the 24 "
            f"months to {data.end} have a blank location; they are in no area's map or "
            "hotspots")


def _load_ed(warehouse: Warehouse, data: SourceData) -> None:
    frame = istv_queries.assault_profiles(warehouse, data.latest_start, data.end)
    if frame is None or not len(frame):
        data.missing["istv"] = ("no ED assault (ISTV) records for "
                                f"{data.latest_start} to {data.end}; submit them: "
                                f"{LOAD_HINTS['istv']}")
        return
    data.ed = frame
    data.ed_coverage = sorted(frame["month"].dropna().unique().tolist())
