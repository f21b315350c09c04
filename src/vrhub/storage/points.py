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
from vrhub.storage.police_counted import counted_rows
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
    if not warehouse.has_table(table) or warehouse.count(table) == 0:
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
        row = warehouse.query(
            "SELECT code FROM area_boundary WHERE level = 'borough' AND "
            "(upper(code) = upper(?) OR lower(name) = lower(?)) LIMIT 1", [borough, borough])
        if len(row):
            return str(row["code"].iloc[0])
    if len(borough) == 9 and borough[:3].upper() in ("E09", "E06", "E07", "E08"):
        return borough.upper()
    raise UserError(f"unknown borough {borough!r}",
                    hint="give a borough GSS code such as E09000001 or its name, e.g. Hackney; "
                    "load boundaries with `vrhub load boundaries`")


def event_rows(warehouse: Warehouse, table: str) -> str:
    """What to read ``table``'s events from (after ``FROM``): police rows each crime once
    (:func:`vrhub.storage.police_counted.counted_rows`), ED assaults as stored."""
    if table == "police_street":
        return f"{counted_rows(warehouse)} AS police_street"
    return f'"{table}"'


def _event_filter(warehouse: Warehouse, source: str,
                  categories: list[str] | tuple[str, ...] | None, start: Any, end: Any,
                  borough: str | None, sites: Collection[str] | None = None,
                  ) -> tuple[str, str, str, str, list[Any]]:
    """(table, date SQL, category SQL, WHERE clause, parameters) selecting the events."""
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
    code = _borough_code(warehouse, borough)
    where: list[str] = []
    params: list[Any] = []
    if source == "police":
        date_sql = "CAST(CAST(month AS VARCHAR) || '-01' AS DATE)"
        category_sql = "crime_type"
    else:
        date_sql = "assault_at"
        category_sql = "assault_method"
        if warehouse.has_table("istv_submission"):
            where.append("submission_id IN (SELECT submission_id FROM istv_submission "
                         "WHERE status = 'current')")
        if sites is not None:
            where.append("site_code IN (SELECT unnest(?))")
            params.append(sorted(sites))
    if categories:
        marks = ", ".join("?" for _ in categories)
        where.append(f"lower({category_sql}) IN ({marks})")
        params += [c.lower() for c in categories]
    if start_d:
        where.append(f"{date_sql} >= ?")
        params.append(start_d.replace(day=1) if source == "police" else start_d)
    if end_d:
        where.append(f"CAST({date_sql} AS DATE) <= ?")
        params.append(end_d)
    if code:
        where.append("borough_code = ?")
        params.append(code)
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    return table, date_sql, category_sql, clause, params


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
    table, date_sql, category_sql, clause, params = _event_filter(
        warehouse, source, categories, start, end, borough, sites)
    file_col = "file_id" if source == "police" else "submission_id"
    if min_confidence is not None and source != "istv":
        raise UserError("a minimum geocoding confidence applies to ED assaults only",
                        hint="use it with --source istv")
    confidence_sql = "geocode_confidence" if min_confidence is not None else "1.0"
    frame = warehouse.query(
        f"SELECT easting, northing, {date_sql} AS date, {category_sql} AS category, "
        f"lsoa21_code, borough_code, {file_col} AS file_id, {confidence_sql} AS confidence "
        f"FROM {event_rows(warehouse, table)}{clause}", params)
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
    table, _, _, clause, params = _event_filter(warehouse, source, categories, start, end,
                                                borough)
    return int(warehouse.scalar(
        f"SELECT count(*) FROM {event_rows(warehouse, table)}{clause}", params))


def event_months(warehouse: Warehouse, source: str) -> tuple[str | None, str | None]:
    """The first and last month (YYYY-MM) of ``source``'s events."""
    table, date_sql, _, clause, params = _event_filter(warehouse, source, None, None, None,
                                                       None)
    row = warehouse.query(f"SELECT strftime(min({date_sql}), '%Y-%m') AS first, "
                          f"strftime(max({date_sql}), '%Y-%m') AS last "
                          f"FROM {event_rows(warehouse, table)}{clause}",
                          params)
    first, last = row["first"].iloc[0], row["last"].iloc[0]
    return (None if first is None or first != first else str(first),
            None if last is None or last != last else str(last))


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
    if not warehouse.has_table(table) or warehouse.count(table) == 0:
        raise UserError(
            f"the warehouse has no {source} events (table {table} is "
            f"{'empty' if warehouse.has_table(table) else 'missing'})",
            hint=f"load them first: {NEAR_REPEAT_LOADERS[source]}")
    columns = set(warehouse.query(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?",
        [table])["column_name"])
    where: list[str] = []
    params: list[Any] = []
    if source == "police":
        time_sql = "CAST(month || '-01' AS DATE)"
        if category:
            where.append("lower(crime_type) = lower(?)")
            params.append(category)
        if start:
            where.append("month >= ?")
            params.append(start)
        if end:
            where.append("month <= ?")
            params.append(end)
    else:
        time_sql = "assault_at"
        where.append("assault_at IS NOT NULL")
        if start:
            where.append("assault_at >= CAST(? AS TIMESTAMP)")
            params.append(f"{start}-01")
        if end:
            where.append("assault_at < CAST(? AS TIMESTAMP)")
            params.append(f"{shift(end, 1)}-01")
    if borough:
        where.append("borough_code = ?")
        params.append(borough)
    condition = " AND ".join(where) or "TRUE"
    rows = event_rows(warehouse, table)
    selected = int(warehouse.scalar(f"SELECT count(*) FROM {rows} WHERE {condition}",
                                    params))
    frame = warehouse.query(
        f"SELECT easting, northing, {time_sql} AS date FROM {rows} WHERE {condition} "
        "AND easting IS NOT NULL AND northing IS NOT NULL", params)
    provenance: list[dict[str, Any]] = []
    if "file_id" in columns and warehouse.has_table("provenance"):
        prov = warehouse.query(
            "SELECT file_name, sha256, source, loaded_at FROM provenance WHERE file_id IN "
            f"(SELECT DISTINCT file_id FROM {rows} WHERE {condition}) ORDER BY file_name",
            params)
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
        years = warehouse.query(
            "SELECT DISTINCT year FROM population WHERE lsoa_vintage = ? AND age_band = 'all' "
            "AND sex = 'persons' ORDER BY year", [vintage])["year"].tolist()
        has_bounds = warehouse.scalar(
            "SELECT count(*) FROM area_boundary WHERE level = ?", [level])
        if not years or not has_bounds:
            continue
        chosen = year if year is not None else int(years[-1])
        if chosen not in years:
            raise UserError(f"no population estimates for {chosen} on {vintage} LSOAs",
                            hint="years available: " + ", ".join(map(str, years)))
        sources = warehouse.query(
            "SELECT DISTINCT source FROM population WHERE lsoa_vintage = ? AND year = ? "
            "AND age_band = 'all' AND sex = 'persons' ORDER BY source DESC",
            [vintage, chosen])["source"].tolist()
        source = "mye" if "mye" in sources else sources[0]
        rows = warehouse.query(
            "SELECT any_value(b.geometry) AS geometry, sum(p.count) AS population "
            "FROM population p JOIN area_boundary b ON b.level = ? AND b.code = p.lsoa_code "
            "WHERE p.lsoa_vintage = ? AND p.age_band = 'all' AND p.sex = 'persons' "
            "AND p.year = ? AND p.source = ? GROUP BY b.code",
            [level, vintage, chosen, source])
        centroids = shapely.centroid(shapely.from_wkb([bytes(g) for g in rows["geometry"]]))
        coords = shapely.get_coordinates(centroids)
        return pd.DataFrame({"easting": coords[:, 0], "northing": coords[:, 1],
                             "population": rows["population"].to_numpy(dtype=np.float64)})
    raise UserError("no all-ages population estimates matching loaded LSOA boundaries",
                    hint="load population estimates and LSOA boundaries of the same vintage")


def provenance_for(warehouse: Warehouse, file_ids: list[str]) -> list[dict[str, Any]]:
    """Provenance rows (file name, sha256, source, loaded_at) of the given files."""
    if not file_ids or not warehouse.has_table("provenance"):
        return []
    marks = ", ".join("?" for _ in file_ids)
    rows = warehouse.query(
        f"SELECT source, file_name, sha256, partition, rows_loaded, loaded_at FROM provenance "
        f"WHERE file_id IN ({marks}) ORDER BY source, file_name", list(file_ids))
    return [{str(k): (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()}
            for r in rows.to_dict(orient="records")]
