"""Catalogue look-ups that pages, reports and commands offer as choices: the categories of
each source, MPS major and minor categories, areas and their names, ED sites, and the months
and categories of the point sources (one query per level and per source variant, see
:mod:`vrhub.storage.queries.events`)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from vrhub.storage.queries.core import NamedQuery, define, rows, run
from vrhub.storage.queries.events import DISTRICTS_EXAMPLE, POLICE_VARIANTS, counted_police
from vrhub.storage.queries.filters import (
    BOROUGH,
    MONTH_RANGE,
    in_borough,
    month_range,
    optional,
    street_bounds,
)
from vrhub.storage.warehouse import Warehouse

POLICE_CRIME_TYPES = define(
    "catalogue.police_crime_types",
    "SELECT DISTINCT crime_type FROM police_street WHERE crime_type IS NOT NULL ORDER BY 1",
    doc="Every police.uk crime type loaded.")

ISTV_METHODS = define(
    "catalogue.istv_methods",
    "SELECT DISTINCT assault_method FROM istv_assault WHERE assault_method IS NOT NULL "
    "ORDER BY 1", doc="Every ED assault method loaded.")

MPS_CATEGORY_PAIRS = define(
    "catalogue.mps_category_pairs",
    "SELECT DISTINCT major_category, minor_category FROM mps_crime_count ORDER BY 1, 2",
    doc="MPS major and minor category pairs.")


def categories(wh: Warehouse | None, source: str) -> list[str]:
    """Every category of ``source`` loaded: police.uk crime types (``police``) or ED assault
    methods (``istv``), in order; empty when the table is missing."""
    table, query = (("police_street", POLICE_CRIME_TYPES) if source == "police"
                    else ("istv_assault", ISTV_METHODS))
    if wh is None or not wh.has_table(table):
        return []
    # kept while a read-only warehouse is open: every question naming a category reads it
    return list(wh.remembered(f"categories.{source}",
                              lambda: [str(v) for (v,) in rows(wh, query)]))


def mps_category_pairs(wh: Warehouse) -> pd.DataFrame:
    return run(wh, MPS_CATEGORY_PAIRS)


# -- areas, ED sites and the months and categories of each source (vrhub.storage.catalogue)
BOROUGHS = define(
    "catalogue.boroughs",
    "SELECT DISTINCT borough_code, borough_name FROM area_lookup "
    "WHERE borough_code IS NOT NULL ORDER BY borough_name, borough_code",
    doc="The boroughs (districts) of the area lookup, by name.")

#: level -> (code column, name column) of the area lookup
LEVEL_COLUMNS = {"lsoa": ("lsoa21_code", "lsoa21_name"), "ward": ("ward_code", "ward_name"),
                 "borough": ("borough_code", "borough_name")}

#: level -> the areas of that level, optionally in one borough or ward
AREAS = {level: define(
    f"catalogue.areas.{level}",
    f"SELECT {code} AS code, any_value({name}) AS name, any_value(borough_code) AS borough, "
    f"any_value(ward_code) AS ward FROM area_lookup WHERE {code} IS NOT NULL "
    f"AND {in_borough()} AND {optional('ward', 'ward_code = $ward')} GROUP BY 1 ORDER BY 2, 1",
    {**BOROUGH, "ward": "str | None"},
    example={"borough": "E09000001", "ward": None},
    doc=f"The areas of level {level} (code, name, borough, ward), by name.")
    for level, (code, name) in LEVEL_COLUMNS.items()}

#: level -> one area of that level by code
AREA = {level: define(
    f"catalogue.area.{level}",
    f"SELECT any_value({name}) AS name, any_value(borough_code) AS borough, "
    f"any_value(ward_code) AS ward FROM area_lookup WHERE {code} = $code",
    {"code": "str"}, example={"code": "E09000001"},
    doc=f"Name, borough and ward of one area of level {level}.")
    for level, (code, name) in LEVEL_COLUMNS.items()}

ED_SITES = define(
    "catalogue.ed_sites",
    "SELECT site_code, site_name, icb_code, icb_name, easting, northing "
    "FROM ed_site ORDER BY site_name, site_code", doc="The ED sites loaded, by name.")

MPS_MONTHS = define(
    "catalogue.mps_months",
    "SELECT min(month) AS a, max(month) AS b FROM mps_crime_count "
    f"WHERE {optional('level', 'level = $level')}",
    {"level": "str | None"}, example={"level": "borough"},
    doc="First and last month of the MPS counts (at one level, or all).")


def _point_source(variant: str) -> tuple[str, str, str, dict[str, str]]:
    """(relation, month SQL, category column, parameters) of a point-source variant:
    police rows that count (with or without their ledger), ED assaults of current
    submissions (``istv``) or as stored (``istv_stored``)."""
    if variant in POLICE_VARIANTS:
        return (f"{counted_police(POLICE_VARIANTS[variant])} AS police_street", "month",
                "crime_type", {"districts": "list[str]"})
    table = "istv_assault_current" if variant == "istv" else "istv_assault"
    return f'"{table}"', "strftime(assault_at, '%Y-%m')", "assault_method", {}


POINT_VARIANTS = (*POLICE_VARIANTS, "istv", "istv_stored")
#: variant -> the first and last month of the source
POINT_MONTHS: dict[str, NamedQuery] = {}
#: variant -> rows per category, largest first (in some boroughs, or all)
POINT_CATEGORIES: dict[str, NamedQuery] = {}
for _variant in POINT_VARIANTS:
    _rel, _month, _column, _params = _point_source(_variant)
    _example: dict[str, Any] = {"districts": DISTRICTS_EXAMPLE} if _params else {}
    POINT_MONTHS[_variant] = define(
        f"catalogue.point_months.{_variant}",
        f"SELECT min({_month}) AS a, max({_month}) AS b FROM {_rel}", _params,
        example=_example, doc=f"First and last month of {_variant} events.")
    POINT_CATEGORIES[_variant] = define(
        f"catalogue.point_categories.{_variant}",
        f"SELECT {_column} AS c, count(*) AS n FROM {_rel} WHERE {_column} IS NOT NULL "
        "AND ($every_borough OR list_contains($boroughs, borough_code)) "
        "GROUP BY 1 ORDER BY 2 DESC, 1",
        {**_params, "every_borough": "bool", "boroughs": "list[str]"},
        example={**_example, "every_borough": False, "boroughs": ["E09000001"]},
        doc=f"Rows per category of {_variant} events, largest first.")

#: police variant -> the locations with most street crimes of some types
TOP_LOCATIONS: dict[str, NamedQuery] = {}
#: police variant -> what street crime holds for a borough
STREET_COVERAGE: dict[str, NamedQuery] = {}
for _variant, _ledger in POLICE_VARIANTS.items():
    _rel = f"{counted_police(_ledger)} AS police_street"
    TOP_LOCATIONS[_variant] = define(
        f"catalogue.top_locations.{_variant}",
        f"SELECT location, count(*) AS n FROM {_rel} WHERE borough_code = $borough "
        "AND list_contains($categories, crime_type) AND location IS NOT NULL "
        f"AND {month_range()} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT $limit",
        {"districts": "list[str]", "borough": "str", "categories": "list[str]", **MONTH_RANGE,
         "limit": "int"},
        example={"districts": DISTRICTS_EXAMPLE, "borough": "E09000001",
                 "categories": ["Theft from the person", "Shoplifting"], "first": "2023-02",
                 "last": None, "limit": 10}, narrows=street_bounds(_ledger, borough=True),
        doc="The police.uk locations with most street crimes of some types in a borough.")
    STREET_COVERAGE[_variant] = define(
        f"catalogue.street_coverage.{_variant}",
        "SELECT count(*) AS crimes, "
        "count(*) FILTER (WHERE list_contains($categories, crime_type)) AS matching, "
        "CAST(min(month) FILTER (WHERE list_contains($categories, crime_type)) AS VARCHAR) "
        "AS first_match, "
        "CAST(max(month) FILTER (WHERE list_contains($categories, crime_type)) AS VARCHAR) "
        f"AS last_match, mode(crime_type) AS common FROM {_rel} WHERE borough_code = $borough",
        {"districts": "list[str]", "categories": "list[str]", "borough": "str"},
        example={"districts": DISTRICTS_EXAMPLE, "categories": ["Burglary"],
                 "borough": "E09000001"},
        narrows=street_bounds(_ledger, months=False, borough=True),
        doc="Street crimes of a borough, those of some types and their months, and the "
            "most common type.")
