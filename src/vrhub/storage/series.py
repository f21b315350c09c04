"""Warehouse queries that build the frames the trend, deprivation and ED-police functions
take: monthly counts per area and category, resident population, LSOA IMD, area lookups,
boundaries, ED assault times, and the provenance of every table used.

Sources and levels:

======== ==================== ===============================================================
source   table                area code by level (lsoa / ward / borough)
======== ==================== ===============================================================
mps      ``mps_crime_count``  rows of that ``level``; ``area_code``
police   ``police_street``    ``lsoa21_code`` / ``ward_code`` / ``borough_code``
istv     ``istv_assault``     ``lsoa21_code`` / ``ward_code`` / ``borough_code``
======== ==================== ===============================================================

``areas`` filters accept area codes of the chosen level or borough codes (every area of
the level in those boroughs). A missing or empty table is a :class:`UserError` that names
the table and the ``vrhub load`` command that fills it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from vrhub.errors import UserError
from vrhub.standards.series_choices import LEVELS, SOURCES
from vrhub.storage import police_rollup
from vrhub.storage.catalogue import mps_category_pairs
from vrhub.storage.police_counted import counted_rows, counting_notes, in_study_area_sql
from vrhub.storage.warehouse import Warehouse

if TYPE_CHECKING:
    import geopandas as gpd

BOUNDARY_LEVEL = {"lsoa": "lsoa21", "ward": "ward22", "borough": "borough"}
"""``area_boundary.level`` of each analysis level."""

_LOAD_HINT = {
    "mps_crime_count": "vrhub load mps <recorded-crime-*.csv>",
    "police_street": "vrhub load police <YYYY-MM-*-street.csv>",
    "istv_assault": "vrhub load istv <ED submission files>",
    "imd": "vrhub load imd <IMD 2025 file>",
    "population": "vrhub load population <Census 2021 TS007A file>",
    "area_lookup": "vrhub load ward-lookup <lsoa_to_ward.csv>",
    "area_boundary": "vrhub load boundaries <boundary files>",
}

_AREA_COLUMN = {"lsoa": "lsoa21_code", "ward": "ward_code", "borough": "borough_code"}
ALL_ASSAULTS = "all assaults"


@dataclass
class MonthlyCounts:
    """Monthly counts for one source and level, ready for :mod:`vrhub.analytics.trends`.

    ``data`` has ``area_code``, ``area_name``, ``category``, ``month``, ``count``;
    ``coverage`` the months the source covers at this level (whatever the filters);
    ``notes`` the choices made while querying; ``provenance`` the files behind the table.
    """

    source: str
    level: str
    data: pd.DataFrame
    coverage: list[str]
    provenance: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    #: police.uk: the months each area is covered, judged by the forces publishing in it
    #: (a month is covered when one of them has a file for it); None: ``coverage`` for all
    area_coverage: dict[str, list[str]] | None = None


def require_table(warehouse: Warehouse, name: str) -> None:
    """Fail clearly when ``name`` is missing or empty."""
    hint = f"load it first: {_LOAD_HINT.get(name, 'vrhub load ...')}"
    if not warehouse.has_table(name):
        raise UserError(f"the warehouse has no {name} table yet", hint=hint)
    if warehouse.count(name) == 0:
        raise UserError(f"the {name} table is empty", hint=hint)


def check_level(level: str) -> str:
    if level not in LEVELS:
        raise UserError(f"unknown area level {level!r}", hint="use " + ", ".join(LEVELS))
    return level


def _period_sql(column: str, period: tuple[str | None, str | None],
                params: list[Any]) -> str:
    sql = ""
    if period[0]:
        sql += f" AND {column} >= ?"
        params.append(period[0])
    if period[1]:
        sql += f" AND {column} <= ?"
        params.append(period[1])
    return sql


def _area_sql(code_column: str, borough_column: str, areas: Sequence[str] | None,
              params: list[Any]) -> str:
    if not areas:
        return ""
    marks = ", ".join("?" for _ in areas)
    params.extend(list(areas) * 2)
    return f" AND ({code_column} IN ({marks}) OR {borough_column} IN ({marks}))"


def provenance_for(warehouse: Warehouse, tables: Sequence[str],
                   where: dict[str, tuple[str, list[Any]]] | None = None
                   ) -> list[dict[str, Any]]:
    """The loaded files behind ``tables`` (via their ``file_id`` column); ``where`` maps a
    table to an SQL condition and parameters selecting the rows actually used."""
    out: list[dict[str, Any]] = []
    if not warehouse.has_table("provenance"):
        return out
    for table in tables:
        if not warehouse.has_table(table):
            continue
        cols = set(warehouse.query(f'SELECT * FROM "{table}" LIMIT 0').columns)
        if "file_id" not in cols:
            continue
        condition, params = (where or {}).get(table, ("TRUE", []))
        rows = warehouse.query(
            f'SELECT p.source, p.file_name, p.sha256, p.rows_loaded, p.loaded_at '
            f'FROM provenance p WHERE p.file_id IN (SELECT DISTINCT file_id FROM "{table}" '
            f"WHERE {condition}) ORDER BY p.file_name", params)
        for rec in rows.to_dict("records"):
            item = {str(k): v for k, v in rec.items()}
            item["table"] = table
            item["loaded_at"] = str(item["loaded_at"])
            out.append(item)
    return out


def monthly_counts(warehouse: Warehouse, *, source: str, level: str,
                   areas: Sequence[str] | None = None,
                   categories: Sequence[str] | None = None,
                   period: tuple[str | None, str | None] = (None, None)) -> MonthlyCounts:
    """Monthly counts per area and category from one source (see the module table)."""
    check_level(level)
    if source == "mps":
        return _mps_counts(warehouse, level, areas, categories, period)
    if source == "police":
        return _point_counts(warehouse, "police_street", level, areas, categories, period)
    if source == "istv":
        return _point_counts(warehouse, "istv_assault", level, areas, categories, period)
    raise UserError(f"unknown source {source!r}", hint="use " + ", ".join(SOURCES))


def months_covered(warehouse: Warehouse, *, source: str, level: str) -> list[str]:
    """The months ``source`` covers at ``level`` (``YYYY-MM``, in order): the ``coverage``
    of :func:`monthly_counts`, without counting anything."""
    check_level(level)
    if source == "mps":
        require_table(warehouse, "mps_crime_count")
        return [str(m) for m in warehouse.query(
            "SELECT DISTINCT month FROM mps_crime_count WHERE level = ? ORDER BY month",
            [level])["month"]]
    if source not in ("police", "istv"):
        raise UserError(f"unknown source {source!r}", hint="use " + ", ".join(SOURCES))
    table = "police_street" if source == "police" else "istv_assault"
    require_table(warehouse, table)
    if table == "police_street" and police_rollup.fresh(warehouse):
        return police_rollup.months(warehouse)
    stored = counted_rows(warehouse) if table == "police_street" else f'"{table}"'
    month_expr = "month" if table == "police_street" else "strftime(assault_at, '%Y-%m')"
    return [str(m) for m in warehouse.query(
        f"SELECT DISTINCT {month_expr} AS month FROM {stored} AS {table} "
        "WHERE month IS NOT NULL ORDER BY 1")["month"]]


def _mps_categories(warehouse: Warehouse, categories: Sequence[str]
                    ) -> tuple[str, list[Any], str, list[Any]]:
    """Category label SQL and its parameters, filter SQL and its parameters: each name
    matches a minor category, else a major one (case-insensitive); a major category is
    reported as one series summed over its minor categories."""
    known = mps_category_pairs(warehouse)
    minors = {m.upper(): m for m in known["minor_category"].dropna()}
    majors = {m.upper(): m for m in known["major_category"].dropna()}
    minor_sel: list[str] = []
    major_sel: list[str] = []
    for name in categories:
        key = name.strip().upper()
        if key in minors:
            minor_sel.append(minors[key])
        elif key in majors:
            major_sel.append(majors[key])
        else:
            sample = ", ".join(sorted(minors.values())[:8])
            raise UserError(f"no MPS category called {name!r}",
                            hint=f"use a minor or major category, e.g. {sample}")
    parts: list[str] = []
    where_params: list[Any] = []
    label, label_params = "minor_category", []
    if minor_sel:
        parts.append(f"minor_category IN ({', '.join('?' for _ in minor_sel)})")
        where_params += minor_sel
    if major_sel:
        marks = ", ".join("?" for _ in major_sel)
        parts.append(f"major_category IN ({marks})")
        where_params += major_sel
        label = (f"CASE WHEN major_category IN ({marks}) THEN major_category "
                 "ELSE minor_category END")
        label_params = list(major_sel)
    return label, label_params, " AND (" + " OR ".join(parts) + ")", where_params


def _mps_counts(warehouse: Warehouse, level: str, areas: Sequence[str] | None,
                categories: Sequence[str] | None,
                period: tuple[str | None, str | None]) -> MonthlyCounts:
    coverage = months_covered(warehouse, source="mps", level=level)
    if not coverage:
        raise UserError(f"no MPS counts at {level} level are loaded",
                        hint=f"load the MPS {level} table: {_LOAD_HINT['mps_crime_count']}")
    label, where = "minor_category", ""
    label_params: list[Any] = []
    where_params: list[Any] = []
    if categories:
        label, label_params, where, where_params = _mps_categories(warehouse, categories)
    params: list[Any] = [*label_params, level, *where_params]
    sql = (f"SELECT area_code, any_value(area_name) AS area_name, {label} AS category, month, "
           "sum(count) AS count FROM mps_crime_count WHERE level = ? "
           "AND area_code IS NOT NULL AND area_code <> ''" + where)
    sql += _area_sql("area_code", "borough_code", areas, params)
    sql += _period_sql("month", period, params)
    sql += " GROUP BY ALL ORDER BY area_code, category, month"
    data = warehouse.query(sql, params)
    notes = []
    pseudo = warehouse.scalar(
        "SELECT coalesce(sum(count), 0) FROM mps_crime_count WHERE level = ? "
        "AND (area_code IS NULL OR area_code = '')", [level])
    if pseudo:
        notes.append(f"{int(pseudo):,} MPS offences recorded against pseudo-areas without a "
                     "GSS code (e.g. 'Unknown', airports) are not in area results")
    provenance = provenance_for(warehouse, ["mps_crime_count"],
                                {"mps_crime_count": ("level = ?", [level])})
    return MonthlyCounts("mps", level, data, coverage, provenance, notes)


def _point_counts(warehouse: Warehouse, table: str, level: str, areas: Sequence[str] | None,
                  categories: Sequence[str] | None,
                  period: tuple[str | None, str | None]) -> MonthlyCounts:
    # police.uk rows each crime once (vrhub.storage.police_counted)
    source = "police" if table == "police_street" else "istv"
    coverage = months_covered(warehouse, source=source, level=level)
    # police.uk: the counts rolled up at load time, while in step with the rows (then
    # the street rows are not read)
    rolled = (table == "police_street" and level in police_rollup.LEVEL_COLUMNS
              and police_rollup.fresh(warehouse))
    stored = (counted_rows(warehouse) if table == "police_street" and not rolled
              else f'"{table}"')
    rows = f"{stored} AS {table}"
    code = _AREA_COLUMN[level]
    counted_code = "area_code" if rolled else code
    if table == "police_street":
        month_expr, category_col = "month", "crime_type"
    else:
        month_expr, category_col = "strftime(assault_at, '%Y-%m')", "assault_method"
    params: list[Any] = []
    label = category_col
    where = ""
    if categories:
        known = warehouse.query(f"SELECT DISTINCT {category_col} AS c FROM {table}")["c"]
        by_upper = {str(c).upper(): c for c in known.dropna()}
        chosen = []
        for name in categories:
            if name.strip().upper() not in by_upper:
                options = ", ".join(sorted(map(str, by_upper.values()))[:12])
                raise UserError(f"no {category_col} called {name!r} in {table}",
                                hint=f"use one of {options}")
            chosen.append(by_upper[name.strip().upper()])
        where = f" AND {category_col} IN ({', '.join('?' for _ in chosen)})"
        params += chosen
    elif table == "istv_assault":
        label = f"'{ALL_ASSAULTS}'"
    names = ""
    if warehouse.has_table("area_lookup"):
        name_col = {"lsoa": "lsoa21_name", "ward": "ward_name", "borough": "borough_name"}[level]
        names = (f"LEFT JOIN (SELECT {_AREA_COLUMN[level]} AS code, any_value({name_col}) AS "
                 f"area_name FROM area_lookup GROUP BY 1) n ON n.code = t.{counted_code}")
    name_expr = "any_value(n.area_name)" if names else "NULL"
    tally, relation = ("CAST(sum(t.count) AS BIGINT)", police_rollup.counted(warehouse, level)
                       ) if rolled else ("count(*)", stored)
    sql = (f"SELECT t.{counted_code} AS area_code, {name_expr} AS area_name, "
           f"{label} AS category, {month_expr} AS month, {tally} AS count FROM {relation} t "
           f"{names} WHERE t.{counted_code} IS NOT NULL")
    sql += where
    sql += _area_sql(f"t.{counted_code}", "t.borough_code", areas, params)
    sql += _period_sql(month_expr, period, params)
    sql += " GROUP BY ALL ORDER BY 1, 3, 4"
    data = warehouse.query(sql, params)
    notes = []
    unplaced = police_rollup.unplaced(warehouse, level) if rolled else warehouse.scalar(
        f"SELECT count(*) FROM {rows} WHERE {code} IS NULL")
    if unplaced:
        notes.append(f"{int(unplaced):,} {table} row(s) with no {level} (not geocoded or "
                     "outside London) are not in area results")
    area_coverage = None
    if table == "police_street":
        area = warehouse.study_area
        outside = police_rollup.outside(warehouse) if rolled else warehouse.scalar(
            f"SELECT count(*) FROM {counted_rows(warehouse, study_area=False)} t "
            f"WHERE NOT coalesce({in_study_area_sql(warehouse)}, false)")
        if outside:
            notes.append(f"{int(outside):,} police.uk crime(s) outside the study area, "
                         f"{area.name} ({len(area.districts)} districts), are not counted")
        notes.append("police.uk street files cover different forces and offence series in "
                     "different months; coverage is every month with any row in the study "
                     "area, and an area's rolling totals are complete only over months in "
                     "which a force publishing in it has a file")
        notes.extend(counting_notes(warehouse))
        area_coverage = (police_rollup.force_coverage(warehouse, level) if rolled
                         else _force_coverage(warehouse, stored, code))
    # the files behind the whole table: the same for every question
    provenance = warehouse.remembered(f"provenance.{table}",
                                      lambda: provenance_for(warehouse, [table]))
    return MonthlyCounts(source, level, data, coverage, [dict(p) for p in provenance],
                         notes, area_coverage)


def _force_coverage(warehouse: Warehouse, stored: str, code: str) -> dict[str, list[str]]:
    """Per area: the months in which a force publishing crimes in it has any row."""
    frame = warehouse.query(
        f"SELECT a.area_code, f.month FROM (SELECT DISTINCT {code} AS area_code, force "
        f"FROM {stored} t WHERE {code} IS NOT NULL) a JOIN (SELECT DISTINCT force, month "
        "FROM police_street) f USING (force) GROUP BY ALL ORDER BY ALL")
    out: dict[str, list[str]] = {}
    for area_code, month in frame.itertuples(index=False):
        out.setdefault(str(area_code), []).append(str(month))
    return out


def population_by_area(warehouse: Warehouse, level: str,
                       year: int | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Residents per area of ``level`` (LSOA 2021 totals summed through area_lookup):
    ``area_code``, ``population``; and notes on the source and year chosen."""
    check_level(level)
    require_table(warehouse, "population")
    base = ("FROM population WHERE lsoa_vintage = '2021' AND age_band = 'all' "
            "AND sex = 'persons'")
    choices = warehouse.query(f"SELECT source, year, count(*) AS n {base} GROUP BY 1, 2 "
                              "ORDER BY year DESC, (source = 'census2021') DESC")
    if year is not None:
        choices = choices[choices["year"] == year]
    if not len(choices):
        raise UserError("no population totals on LSOA 2021 codes"
                        + (f" for {year}" if year else ""),
                        hint=f"load Census 2021 population: {_LOAD_HINT['population']}")
    source, chosen_year = choices.iloc[0]["source"], int(choices.iloc[0]["year"])
    notes = [f"population: {source} {chosen_year} residents (LSOA 2021), all ages"]
    lsoa = warehouse.query(f"SELECT lsoa_code, sum(count) AS population {base} "
                           "AND source = ? AND year = ? GROUP BY 1", [source, chosen_year])
    if level == "lsoa":
        return lsoa.rename(columns={"lsoa_code": "area_code"}), notes
    lookup = lsoa_lookup(warehouse, level)
    merged = lookup.merge(lsoa, on="lsoa_code", how="inner")
    out = merged.groupby("area_code")["population"].sum().reset_index()
    return out, notes


def lsoa_lookup(warehouse: Warehouse, level: str) -> pd.DataFrame:
    """``lsoa_code``, ``area_code``, ``area_name`` for wards or boroughs (or LSOAs
    themselves)."""
    check_level(level)
    require_table(warehouse, "area_lookup")
    code, name = {"lsoa": ("lsoa21_code", "lsoa21_name"), "ward": ("ward_code", "ward_name"),
                  "borough": ("borough_code", "borough_name")}[level]
    return warehouse.query(f"SELECT lsoa21_code AS lsoa_code, {code} AS area_code, "
                           f"{name} AS area_name, borough_code FROM area_lookup "
                           f"WHERE {code} IS NOT NULL")


def lsoa_imd(warehouse: Warehouse, edition: str = "2025") -> pd.DataFrame:
    """``lsoa_code``, ``imd_rank``, ``imd_decile``, ``imd_score`` of one IMD edition on
    LSOA 2021 codes."""
    require_table(warehouse, "imd")
    if edition != "2025":
        raise UserError(
            f"IMD {edition} is published on LSOA 2011 codes, which do not match the LSOA "
            "2021 areas of the crime data",
            hint="use IMD 2025 (the default), which is on LSOA 2021 codes")
    frame = warehouse.query("SELECT lsoa_code, imd_rank, imd_decile, imd_score FROM imd "
                            "WHERE edition = ? AND lsoa_vintage = '2021'", [edition])
    if not len(frame):
        raise UserError(f"no IMD {edition} rows are loaded",
                        hint=f"load IMD {edition}: {_LOAD_HINT['imd']}")
    return frame


def area_geometries(warehouse: Warehouse, level: str) -> gpd.GeoDataFrame | None:
    """Boundaries of ``level`` (``area_code``, geometry in EPSG:27700), or None when the
    warehouse has none loaded."""
    check_level(level)
    if not warehouse.has_table("area_boundary"):
        return None
    frame = warehouse.query("SELECT code AS area_code, geometry FROM area_boundary "
                            "WHERE level = ?", [BOUNDARY_LEVEL[level]])
    if not len(frame):
        return None
    import geopandas as gpd
    import shapely

    geoms = shapely.from_wkb(frame["geometry"].map(bytes).to_numpy())
    return gpd.GeoDataFrame({"area_code": frame["area_code"]}, geometry=geoms, crs=27700)


def istv_assault_times(warehouse: Warehouse, *, level: str,
                       areas: Sequence[str] | None = None,
                       period: tuple[str | None, str | None] = (None, None)
                       ) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """ED assault times as ``start``/``end`` windows: the recorded time when known
    (``end`` empty), else the whole day ``[date 00:00, date + 1 day)``."""
    check_level(level)
    require_table(warehouse, "istv_assault")
    code = _AREA_COLUMN[level]
    params: list[Any] = []
    sql = ("SELECT assault_at AS start, CASE WHEN assault_time_known THEN NULL "
           "ELSE assault_at + INTERVAL 1 DAY END AS \"end\" FROM istv_assault WHERE "
           "assault_at IS NOT NULL")
    sql += _area_sql(code, "borough_code", areas, params)
    sql += _period_sql("strftime(assault_at, '%Y-%m')", period, params)
    return (warehouse.query(sql, params), provenance_for(warehouse, ["istv_assault"]))


def istv_counts_by_age(warehouse: Warehouse, *, borough: str, bands: Sequence[str],
                       period: tuple[str | None, str | None]) -> pd.DataFrame | None:
    """ED assaults per ward of ``borough`` whose patient is in one of the age ``bands``
    (``area_code``, ``count``), or None when no ED record of the borough carries an age
    band (the extract had no ages)."""
    if not warehouse.has_table("istv_assault"):
        return None
    columns = set(warehouse.query("SELECT * FROM istv_assault LIMIT 0").columns)
    if not {"age_band", "ward_code", "borough_code"} <= columns:
        return None
    aged = warehouse.scalar("SELECT count(*) FROM istv_assault WHERE borough_code = ? "
                            "AND age_band IS NOT NULL", [borough])
    if not aged:
        return None
    month = "strftime(assault_at, '%Y-%m')"
    params: list[Any] = [borough, *bands]
    sql = ("SELECT ward_code AS area_code, count(*) AS count FROM istv_assault "
           "WHERE borough_code = ? AND ward_code IS NOT NULL AND age_band IN ("
           + ", ".join("?" for _ in bands) + ")")
    sql += _period_sql(month, period, params)
    return warehouse.query(sql + " GROUP BY 1", params)
