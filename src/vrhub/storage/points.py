"""Event points, study areas and population for the hotspot family, read from the warehouse.

Analytics never touch storage; the CLI and the web layer call these and hand the frames
and geometries to :mod:`vrhub.analytics.hotspots`.

- :func:`load_points`: police.uk street crimes (``police_street``) or ED assaults
  (``istv_assault``) as ``easting, northing, date, category, lsoa21_code, borough_code``,
  rows without a point left out and counted.
- :func:`count_events`, :func:`event_months`: how many events a filter selects, and the
  months a source covers (to say why a filter found nothing).
- :func:`near_repeat_events`: the events of a Knox near-repeat test.
- :func:`load_study_area`: one borough or all of London (the union of the boroughs) from
  ``area_boundary``.
- :func:`load_population`: residents per LSOA placed at the LSOA centroid, for rate maps.
- :func:`provenance_for`: the provenance rows of the files that fed an analysis.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from vrhub.errors import UserError
from vrhub.standards.months import shift
from vrhub.storage.queries import events
from vrhub.storage.queries.core import rows, run, value
from vrhub.storage.warehouse import Warehouse

SOURCES = {"police": "police_street", "istv": "istv_assault"}
POINT_COLUMNS = ["easting", "northing", "date", "category", "lsoa21_code", "borough_code"]


@dataclass
class Points:
    """Points for an analysis, with what was left out and where they came from."""

    frame: pd.DataFrame
    table: str
    without_location: int
    file_ids: list[str] = field(default_factory=list)
    date_precision: str = "day"  # "month" for police.uk


@dataclass
class StudyArea:
    geometry: BaseGeometry
    name: str
    code: str | None
    file_ids: list[str] = field(default_factory=list)


def _require(warehouse: Warehouse, table: str, what: str, load_hint: str) -> None:
    if warehouse.count(table) == 0:  # 0 also when the table is missing
        raise UserError(f"there are no {what} in the warehouse (table {table} is empty)",
                        hint=load_hint)


def _as_date(value: Any, name: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    text = str(value)
    try:
        return dt.date.fromisoformat(text + "-01" if len(text) == 7 else text)
    except ValueError:
        raise UserError(f"cannot read the {name} date {text!r}",
                        hint="write it as YYYY-MM-DD or YYYY-MM") from None


def _borough_code(warehouse: Warehouse, borough: str | None) -> str | None:
    """A borough GSS code from a code or a (case-insensitive) name."""
    if borough is None or borough.lower() in ("", "london", "all"):
        return None
    if warehouse.has_table("area_boundary"):
        code = value(warehouse, events.BOROUGH_CODE, borough=borough)
        if code is not None:
            return str(code)
    if len(borough) == 9 and borough[:3].upper() in ("E09", "E06", "E07", "E08"):
        return borough.upper()
    raise UserError(f"unknown borough {borough!r}",
                    hint="give a borough GSS code such as E09000001 or its name, e.g. Hackney; "
                    "load boundaries with `vrhub load boundaries`")


def _variant(warehouse: Warehouse, source: str) -> str:
    """The named-query variant of ``source`` this warehouse is read with."""
    if source == "police":
        return events.police_variant(warehouse)
    return events.istv_variant(warehouse)


def _event_filter(warehouse: Warehouse, source: str,
                  categories: list[str] | tuple[str, ...] | None, start: Any, end: Any,
                  borough: str | None, sites: Collection[str] | None = None,
                  ) -> tuple[str, str, dict[str, Any]]:
    """(table, query variant, parameter values) selecting the events."""
    table = SOURCES.get(source)
    if table is None:
        raise UserError(f"unknown source {source!r}", hint="use one of " + ", ".join(SOURCES))
    _require(warehouse, table, "police.uk street crimes" if source == "police"
             else "ED assault (ISTV) records",
             "load police.uk street files with `vrhub load police PATH`" if source == "police"
             else "submit ISTV extracts with `vrhub istv submit`")
    start_d, end_d = _as_date(start, "start"), _as_date(end, "end")
    if start_d and end_d and start_d > end_d:
        raise UserError(f"the start date {start_d} is after the end date {end_d}")
    values: dict[str, Any] = {
        "every_category": not categories,
        "categories": [c.lower() for c in categories or ()],
        "borough": _borough_code(warehouse, borough)}
    if source == "police":
        values["districts"] = list(warehouse.study_area.districts)
        # a month's crimes are dated its first day: within [start, end] when the month is
        values["first"] = start_d.strftime("%Y-%m") if start_d else None
        values["last"] = end_d.strftime("%Y-%m") if end_d else None
    else:
        values["start"] = start_d.isoformat() if start_d else None
        values["end"] = end_d.isoformat() if end_d else None
    variant = _variant(warehouse, source)
    if sites is not None and source == "istv":
        variant += "_sites"
        values["sites"] = sorted(sites)
    return table, variant, values


def load_points(warehouse: Warehouse, source: str = "police",
                categories: list[str] | tuple[str, ...] | None = None,
                start: Any = None, end: Any = None, borough: str | None = None,
                min_confidence: float | None = None,
                sites: Collection[str] | None = None) -> Points:
    """Event points of ``source`` ('police' or 'istv') between ``start`` and ``end``
    (inclusive; dates or YYYY-MM) in ``borough`` (code or name; None for London);
    ``sites`` (ISTV only) keeps to the records of those ED sites.

    ``categories`` are police.uk crime types (e.g. 'Burglary') or ISTV assault-method
    codes, matched case-insensitively. ``min_confidence`` (ISTV only) leaves out assaults
    geocoded with a confidence below it; they are counted with those without a location.
    """
    table, variant, values = _event_filter(warehouse, source, categories, start, end,
                                           borough, sites)
    if min_confidence is not None and source != "istv":
        raise UserError("a minimum geocoding confidence applies to ED assaults only",
                        hint="use it with --source istv")
    frame = run(warehouse, events.EVENTS[variant], **values)
    located = frame["easting"].notna() & frame["northing"].notna()
    if min_confidence is not None:
        located &= frame["confidence"].fillna(0) >= min_confidence
    without = int((~located).sum())
    frame = frame[located]
    file_ids = sorted(frame["file_id"].dropna().astype(str).unique().tolist())
    frame = frame[POINT_COLUMNS].reset_index(drop=True)
    frame["date"] = pd.to_datetime(frame["date"])
    return Points(frame, table, without, file_ids,
                  "month" if source == "police" else "day")


def count_events(warehouse: Warehouse, source: str,
                 categories: list[str] | tuple[str, ...] | None = None,
                 start: Any = None, end: Any = None, borough: str | None = None) -> int:
    """How many events of ``source`` the filters of :func:`load_points` select (with or
    without a location)."""
    _, variant, values = _event_filter(warehouse, source, categories, start, end, borough)
    return int(value(warehouse, events.EVENT_COUNT[variant], **values))


def event_months(warehouse: Warehouse, source: str) -> tuple[str | None, str | None]:
    """The first and last month (YYYY-MM) of ``source``'s events."""
    _, variant, values = _event_filter(warehouse, source, None, None, None, None)
    query = events.EVENT_MONTHS[variant]
    found = rows(warehouse, query, **{k: v for k, v in values.items() if k in query.params})
    first, last = found[0] if found else (None, None)
    return (None if first is None else str(first), None if last is None else str(last))


NEAR_REPEAT_LOADERS = {"police": "vrhub load police FILES",
                       "istv": "vrhub istv submit FILE, then vrhub istv geocode"}


def near_repeat_events(warehouse: Warehouse, source: str, *, category: str | None,
                       borough: str | None, start: str | None, end: str | None
                       ) -> tuple[pd.DataFrame, int, list[dict[str, Any]]]:
    """Events for the Knox test: (``easting, northing, date`` of those with a point, how
    many selected events have no point, provenance of their files). Police crimes count
    once (a row repeating a crime would pair with it at distance 0 and time 0).
    ``start``/``end`` are months (YYYY-MM), ``borough`` a GSS code."""
    table = SOURCES[source]
    if warehouse.count(table) == 0:
        raise UserError(
            f"the warehouse has no {source} events (table {table} is "
            f"{'empty' if warehouse.has_table(table) else 'missing'})",
            hint=f"load them first: {NEAR_REPEAT_LOADERS[source]}")
    values: dict[str, Any] = {"borough": borough or None}
    if source == "police":
        variant = events.police_variant(warehouse)
        values.update(districts=list(warehouse.study_area.districts),
                      category=category or None, first=start or None, last=end or None)
    else:
        variant = "istv"
        values.update(start=f"{start}-01" if start else None,
                      before=f"{shift(end, 1)}-01" if end else None)
    selected = int(value(warehouse, events.NEAR_REPEAT_COUNT[variant], **values))
    frame = run(warehouse, events.NEAR_REPEAT_POINTS[variant], **values)
    provenance: list[dict[str, Any]] = []
    if ("file_id" in warehouse.columns(table) and variant in events.NEAR_REPEAT_PROVENANCE
            and warehouse.has_table("provenance")):
        prov = run(warehouse, events.NEAR_REPEAT_PROVENANCE[variant], **values)
        provenance = [{str(k): v for k, v in row.items()}
                      for row in prov.astype({"loaded_at": str}).to_dict("records")]
    frame["date"] = pd.to_datetime(frame["date"])
    return frame, selected - len(frame), provenance


def load_study_area(warehouse: Warehouse, borough: str | None = None) -> StudyArea:
    """The boundary of ``borough`` (code or name), or of the whole study area (the union of
    its districts, each from the finest boundaries loaded) when None."""
    from vrhub.storage.study_area import district_boundaries

    _require(warehouse, "area_boundary", "boundaries",
             "load boundaries with `vrhub load boundaries PATH`")
    code = _borough_code(warehouse, borough)
    area = warehouse.study_area
    rows = district_boundaries(warehouse, [code] if code else list(area.districts))
    if rows.empty:
        raise UserError(f"no boundary for borough {borough!r} in the warehouse"
                        if code else f"there are no boundaries for the districts of the study "
                        f"area, {area.describe()}",
                        hint="load boundaries with `vrhub load boundaries PATH` (district "
                        "boundaries such as the ONS UK district file cover any study area)")
    geoms = shapely.from_wkb([bytes(g) for g in rows["geometry"]])
    geometry = shapely.make_valid(shapely.union_all(geoms)) if len(geoms) > 1 else geoms[0]
    if geometry.geom_type == "GeometryCollection":
        geometry = shapely.union_all([g for g in geometry.geoms
                                      if g.geom_type in ("Polygon", "MultiPolygon")])
    name = str(rows["name"].iloc[0]) if code else area.name
    return StudyArea(geometry, name, code, sorted(set(rows["file_id"].astype(str))))


def load_population(warehouse: Warehouse, year: int | None = None) -> pd.DataFrame:
    """Residents per LSOA at each LSOA's centroid: ``easting, northing, population``.

    Uses all ages and both sexes, the LSOA vintage that has boundaries loaded (2021
    preferred), and the latest year available unless ``year`` is given.
    """
    _require(warehouse, "population", "population estimates",
             "load population estimates with `vrhub load population PATH`")
    _require(warehouse, "area_boundary", "boundaries",
             "load LSOA boundaries with `vrhub load boundaries PATH`")
    for vintage in ("2021", "2011"):
        level = f"lsoa{vintage[2:]}"
        years = [int(y) for (y,) in rows(warehouse, events.POPULATION_YEARS,
                                         vintage=vintage)]
        has_bounds = value(warehouse, events.BOUNDARIES_AT_LEVEL, level=level)
        if not years or not has_bounds:
            continue
        chosen = year if year is not None else int(years[-1])
        if chosen not in years:
            raise UserError(f"no population estimates for {chosen} on {vintage} LSOAs",
                            hint="years available: " + ", ".join(map(str, years)))
        sources = [str(s) for (s,) in rows(warehouse, events.POPULATION_SOURCES,
                                           vintage=vintage, year=int(chosen))]
        source = "mye" if "mye" in sources else sources[0]
        found = run(warehouse, events.POPULATION_AT_LSOAS, level=level, vintage=vintage,
                    year=int(chosen), source=source)
        centroids = shapely.centroid(shapely.from_wkb([bytes(g) for g in found["geometry"]]))
        coords = shapely.get_coordinates(centroids)
        return pd.DataFrame({"easting": coords[:, 0], "northing": coords[:, 1],
                             "population": found["population"].to_numpy(dtype=np.float64)})
    raise UserError("no all-ages population estimates matching loaded LSOA boundaries",
                    hint="load population estimates and LSOA boundaries of the same vintage")


def provenance_for(warehouse: Warehouse, file_ids: list[str]) -> list[dict[str, Any]]:
    """Provenance rows (file name, sha256, source, loaded_at) of the given files."""
    if not file_ids or not warehouse.has_table("provenance"):
        return []
    found = run(warehouse, events.PROVENANCE_OF_FILES, file_ids=list(file_ids))
    return [{str(k): (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()}
            for r in found.to_dict(orient="records")]
