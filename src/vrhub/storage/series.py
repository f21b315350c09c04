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

Every question is a named query of :mod:`vrhub.storage.queries.series` (one per source and
level), answered by the warehouse's engine: DuckDB, or Spark when chosen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from vrhub.errors import UserError
from vrhub.standards.series_choices import LEVELS, SOURCES
from vrhub.storage import kept_counts, police_rollup
from vrhub.storage.catalogue import mps_category_pairs
from vrhub.storage.queries import counted
from vrhub.storage.queries import series as q
from vrhub.storage.queries.catalogue import categories as loaded_categories
from vrhub.storage.queries.core import NamedQuery, rows, run, value
from vrhub.storage.queries.counted import counting_notes
from vrhub.storage.queries.series import ALL_ASSAULTS, MonthlyCounts, provenance_for
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

__all__ = ["ALL_ASSAULTS", "BOUNDARY_LEVEL", "MonthlyCounts", "area_geometries",
           "istv_assault_times", "istv_counts_by_age", "lsoa_imd", "lsoa_lookup",
           "monthly_counts", "months_covered", "population_by_area", "provenance_for"]


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


def _filters(areas: Sequence[str] | None, period: tuple[str | None, str | None]
             ) -> dict[str, Any]:
    """The area and period parameters of a series question (an empty choice: no filter)."""
    return {"every_area": not areas, "areas": list(areas or []),
            "first": period[0] or None, "last": period[1] or None}


def monthly_counts(warehouse: Warehouse, *, source: str, level: str,
                   areas: Sequence[str] | None = None,
                   categories: Sequence[str] | None = None,
                   period: tuple[str | None, str | None] = (None, None)) -> MonthlyCounts:
    """Monthly counts per area and category from one source (see the module table)."""
    check_level(level)
    if source == "mps":
        return _mps_counts(warehouse, level, areas, categories, period)
    if source == "police":
        return _police_counts(warehouse, level, areas, categories, period)
    if source == "istv":
        return _istv_counts(warehouse, level, areas, categories, period)
    raise UserError(f"unknown source {source!r}", hint="use " + ", ".join(SOURCES))


def months_covered(warehouse: Warehouse, *, source: str, level: str) -> list[str]:
    """The months ``source`` covers at ``level`` (``YYYY-MM``, in order): the ``coverage``
    of :func:`monthly_counts`, without counting anything."""
    check_level(level)
    if source == "mps":
        require_table(warehouse, "mps_crime_count")
        return [str(m) for (m,) in rows(warehouse, q.MPS_MONTHS, level=level)]
    if source == "police":
        require_table(warehouse, "police_street")
        if police_rollup.fresh(warehouse):  # counted at load time
            return police_rollup.months(warehouse)
        found = rows(warehouse, _police(warehouse, "series.months.police"),
                     districts=counted.districts(warehouse))
    elif source == "istv":
        require_table(warehouse, "istv_assault")
        found = rows(warehouse, q.ISTV_MONTHS[_istv(warehouse)])
    else:
        raise UserError(f"unknown source {source!r}", hint="use " + ", ".join(SOURCES))
    return [str(m) for (m,) in found]


def _police(warehouse: Warehouse, name: str) -> NamedQuery:
    """The police.uk question ``name`` in the form the warehouse takes: repeats listed in
    ``police_uncounted``, else the counting rule applied in the query."""
    return q.POINT_QUESTIONS[name + ("" if counted.listed(warehouse) else ".rule")]


def _istv(warehouse: Warehouse) -> str:
    """The form of the ED questions the warehouse takes: the rows of current submissions,
    else (no submissions recorded) every row stored (:data:`q.ISTV_ROWS`)."""
    return "" if warehouse.has_table("istv_submission") else ".stored"


def _mps_categories(warehouse: Warehouse, categories: Sequence[str]
                    ) -> tuple[list[str], list[str]]:
    """The minor and the major categories chosen: each name matches a minor category, else
    a major one (case-insensitive); a major category is reported as one series summed over
    its minor categories."""
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
    return minor_sel, major_sel


def _mps_counts(warehouse: Warehouse, level: str, areas: Sequence[str] | None,
                categories: Sequence[str] | None,
                period: tuple[str | None, str | None]) -> MonthlyCounts:
    coverage = months_covered(warehouse, source="mps", level=level)
    if not coverage:
        raise UserError(f"no MPS counts at {level} level are loaded",
                        hint=f"load the MPS {level} table: {_LOAD_HINT['mps_crime_count']}")
    minors, majors = _mps_categories(warehouse, categories) if categories else ([], [])
    if majors:
        data = run(warehouse, q.MPS_MONTHLY_MAJOR, level=level, minors=minors, majors=majors,
                   **_filters(areas, period))
    else:
        data = run(warehouse, q.MPS_MONTHLY, level=level, every_category=not categories,
                   minors=minors, **_filters(areas, period))
    notes = []
    pseudo = value(warehouse, q.MPS_PSEUDO, level=level)
    if pseudo:
        notes.append(f"{int(pseudo):,} MPS offences recorded against pseudo-areas without a "
                     "GSS code (e.g. 'Unknown', airports) are not in area results")
    provenance = provenance_for(warehouse, ["mps_crime_count"], {"mps_crime_count": level})
    return MonthlyCounts("mps", level, data, coverage, provenance, notes)


def _chosen(warehouse: Warehouse, source: str, table: str, column: str,
            categories: Sequence[str]) -> list[str]:
    """The categories named, as stored (matched whatever their case)."""
    by_upper = {c.upper(): c for c in loaded_categories(warehouse, source)}
    chosen = []
    for name in categories:
        if name.strip().upper() not in by_upper:
            options = ", ".join(sorted(map(str, by_upper.values()))[:12])
            raise UserError(f"no {column} called {name!r} in {table}",
                            hint=f"use one of {options}")
        chosen.append(by_upper[name.strip().upper()])
    return chosen


def _counts(warehouse: Warehouse, name: str, **values: Any) -> pd.DataFrame:
    """The point count question ``name``, without area names when there is no lookup."""
    suffix = "" if warehouse.has_table("area_lookup") else ".unnamed"
    return run(warehouse, {**q.POINT_QUESTIONS, **q.ROLLED_QUESTIONS}[name + suffix],
               **values)


def _rolled_counts(warehouse: Warehouse, level: str, filters: dict[str, Any]) -> pd.DataFrame:
    """The police.uk counts of ``level`` rolled up at load time that ``filters`` choose.
    Per borough, while a read-only warehouse stays open, taken from the whole answer kept
    in memory (:mod:`vrhub.storage.kept_counts`): a borough's rows there are together and
    each row's borough is its area, so the question's filters read the answer's columns."""
    name = f"series.monthly.police.{level}.rolled"
    if level == "borough" and warehouse.read_only:
        found = kept_counts.taken(
            warehouse, name + ("" if warehouse.has_table("area_lookup") else ".unnamed"),
            lambda: _counts(warehouse, name, every_category=True, categories=[],
                            **_filters(None, (None, None))),
            areas=None if filters["every_area"] else filters["areas"],
            categories=None if filters["every_category"] else filters["categories"],
            first=filters["first"], last=filters["last"])
        if found is not None:
            return found
    return _counts(warehouse, name, **filters)


def _remembered(warehouse: Warehouse, name: str, **values: Any) -> Any:
    """The first value of the rolled-up question ``name`` (kept while a read-only
    warehouse stays open: the same for every question)."""
    return warehouse.remembered(name, lambda: value(warehouse, q.ROLLED_QUESTIONS[name],
                                                    **values))


def _provenance(warehouse: Warehouse, table: str) -> list[dict[str, Any]]:
    """The files behind the whole of ``table``: the same for every question (kept while
    a read-only warehouse stays open)."""
    found = warehouse.remembered(f"provenance.{table}",
                                 lambda: provenance_for(warehouse, [table]))
    return [dict(p) for p in found]


def _area_coverage(warehouse: Warehouse, query: NamedQuery,
                   **values: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for area_code, month in rows(warehouse, query, **values):
        out.setdefault(str(area_code), []).append(str(month))
    return out


def _police_counts(warehouse: Warehouse, level: str, areas: Sequence[str] | None,
                   categories: Sequence[str] | None,
                   period: tuple[str | None, str | None]) -> MonthlyCounts:
    # police.uk rows each crime once (vrhub.storage.queries.counted)
    coverage = months_covered(warehouse, source="police", level=level)
    chosen = (_chosen(warehouse, "police", "police_street", "crime_type", categories)
              if categories else [])
    # the counts rolled up at load time, while in step with the rows (then the street
    # rows are not read)
    rolled = level in police_rollup.LEVEL_COLUMNS and police_rollup.fresh(warehouse)
    districts = counted.districts(warehouse)
    filters = {"every_category": not categories, "categories": chosen,
               **_filters(areas, period)}
    if rolled:
        data = _rolled_counts(warehouse, level, filters)
        unplaced = _remembered(warehouse, f"series.unplaced.police.{level}.rolled")
        outside = _remembered(warehouse, "series.outside.police.rolled")
    else:
        form = "" if counted.listed(warehouse) else ".rule"
        data = _counts(warehouse, f"series.monthly.police.{level}{form}",
                       districts=districts, **filters)
        unplaced = value(warehouse, _police(warehouse, f"series.unplaced.police.{level}"),
                         districts=districts)
        outside = value(warehouse, _police(warehouse, "series.outside.police"),
                        districts=districts)
    notes = []
    if unplaced:
        notes.append(f"{int(unplaced):,} police_street row(s) with no {level} (not geocoded "
                     "or outside London) are not in area results")
    area = warehouse.study_area
    if outside:
        notes.append(f"{int(outside):,} police.uk crime(s) outside the study area, "
                     f"{area.name} ({len(area.districts)} districts), are not counted")
    notes.append("police.uk street files cover different forces and offence series in "
                 "different months; coverage is every month with any row in the study "
                 "area, and an area's rolling totals are complete only over months in "
                 "which a force publishing in it has a file")
    notes.extend(counting_notes(warehouse))
    if rolled:
        name = f"series.force_months.police.{level}.rolled"
        area_coverage = {area: list(months) for area, months in warehouse.remembered(
            name, lambda: _area_coverage(warehouse, q.ROLLED_QUESTIONS[name])).items()}
    else:
        area_coverage = _area_coverage(
            warehouse, _police(warehouse, f"series.force_months.police.{level}"),
            districts=districts)
    return MonthlyCounts("police", level, data, coverage,
                         _provenance(warehouse, "police_street"), notes, area_coverage)


def _istv_counts(warehouse: Warehouse, level: str, areas: Sequence[str] | None,
                 categories: Sequence[str] | None,
                 period: tuple[str | None, str | None]) -> MonthlyCounts:
    coverage = months_covered(warehouse, source="istv", level=level)
    chosen = (_chosen(warehouse, "istv", "istv_assault", "assault_method", categories)
              if categories else [])
    form = _istv(warehouse)
    data = _counts(warehouse, f"series.monthly.istv.{level}{form}",
                   every_category=not categories, categories=chosen, **_filters(areas, period))
    notes = []
    unplaced = value(warehouse, q.POINT_QUESTIONS[f"series.unplaced.istv.{level}{form}"])
    if unplaced:
        notes.append(f"{int(unplaced):,} istv_assault row(s) with no {level} (not geocoded "
                     "or outside London) are not in area results")
    return MonthlyCounts("istv", level, data, coverage,
                         _provenance(warehouse, "istv_assault"), notes)


def population_by_area(warehouse: Warehouse, level: str,
                       year: int | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Residents per area of ``level`` (LSOA 2021 totals summed through area_lookup):
    ``area_code``, ``population``; and notes on the source and year chosen."""
    check_level(level)
    require_table(warehouse, "population")
    choices = run(warehouse, q.POPULATION_CHOICES)
    if year is not None:
        choices = choices[choices["year"] == year]
    if not len(choices):
        raise UserError("no population totals on LSOA 2021 codes"
                        + (f" for {year}" if year else ""),
                        hint=f"load Census 2021 population: {_LOAD_HINT['population']}")
    source, chosen_year = choices.iloc[0]["source"], int(choices.iloc[0]["year"])
    notes = [f"population: {source} {chosen_year} residents (LSOA 2021), all ages"]
    lsoa = run(warehouse, q.LSOA_POPULATION, source=str(source), year=chosen_year)
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
    return run(warehouse, q.POINT_QUESTIONS[f"series.lookup.{level}"])


def lsoa_imd(warehouse: Warehouse, edition: str = "2025") -> pd.DataFrame:
    """``lsoa_code``, ``imd_rank``, ``imd_decile``, ``imd_score`` of one IMD edition on
    LSOA 2021 codes."""
    require_table(warehouse, "imd")
    if edition != "2025":
        raise UserError(
            f"IMD {edition} is published on LSOA 2011 codes, which do not match the LSOA "
            "2021 areas of the crime data",
            hint="use IMD 2025 (the default), which is on LSOA 2021 codes")
    frame = run(warehouse, q.LSOA_IMD, edition=edition)
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
    frame = run(warehouse, q.BOUNDARIES, level=BOUNDARY_LEVEL[level])
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
    times = run(warehouse,
                q.POINT_QUESTIONS[f"series.assault_times.{level}{_istv(warehouse)}"],
                **_filters(areas, period))
    return times, provenance_for(warehouse, ["istv_assault"])


def istv_counts_by_age(warehouse: Warehouse, *, borough: str, bands: Sequence[str],
                       period: tuple[str | None, str | None]) -> pd.DataFrame | None:
    """ED assaults per ward of ``borough`` whose patient is in one of the age ``bands``
    (``area_code``, ``count``), or None when no ED record of the borough carries an age
    band (the extract had no ages)."""
    if not warehouse.has_table("istv_assault"):
        return None
    if not {"age_band", "ward_code", "borough_code"} <= warehouse.columns("istv_assault"):
        return None
    form = _istv(warehouse)
    if not value(warehouse, q.ISTV_AGED[form], borough=borough):
        return None
    return run(warehouse, q.ISTV_BY_AGE[form], borough=borough, bands=list(bands),
               first=period[0] or None, last=period[1] or None)
