"""Areas as geography reads them: boundary shapes, the LSOA -> ward -> borough lookup, a
token that changes when either does, and area names for pages and services."""

from __future__ import annotations

from typing import Any

import pandas as pd

from vrhub.storage.queries.core import define, rows, run
from vrhub.storage.warehouse import Warehouse

BOUNDARY_TOKEN = define(
    "areas.boundary_token",
    'SELECT count(*) AS n, min(file_id) AS first, max(file_id) AS last FROM "area_boundary"',
    doc="Rows and first and last file of the boundaries (changes when they do).")

LOOKUP_TOKEN = define(
    "areas.lookup_token",
    'SELECT count(*) AS n, min(file_id) AS first, max(file_id) AS last FROM "area_lookup"',
    doc="Rows and first and last file of the area lookup (changes when it does).")

PLACE_SHAPES = define(
    "areas.place_shapes",
    'SELECT level, code, borough_code, geometry FROM "area_boundary" '
    "WHERE level IN ('lsoa21', 'ward22', 'borough') ORDER BY level, code",
    doc="LSOA 2021, ward and borough shapes (WKB) for placing points.")

LSOA11_CODES = define(
    "areas.lsoa11_codes",
    "SELECT code FROM \"area_boundary\" WHERE level = 'lsoa11' ORDER BY code",
    doc="The LSOA 2011 codes with a boundary.")

LOOKUP_CODES = define(
    "areas.lookup_codes",
    'SELECT lsoa21_code, ward_code, borough_code FROM "area_lookup"',
    doc="The LSOA 2021 -> ward -> borough lookup (codes).")

LSOA_NAMES = define(
    "areas.lsoa_names",
    "SELECT lsoa21_code, ward_name, borough_name FROM area_lookup",
    doc="Ward and borough names of each LSOA 2021.")

LSOA_BOROUGHS = define(
    "areas.lsoa_boroughs",
    "SELECT lsoa21_code, borough_code FROM area_lookup WHERE borough_code IS NOT NULL "
    "ORDER BY lsoa21_code", doc="The borough of each LSOA 2021.")

NAMES_AT_LEVEL = define(
    "areas.names_at_level",
    "SELECT code, name FROM area_boundary WHERE level = $level ORDER BY code",
    {"level": "str"}, doc="Code and name of each boundary of a level.",
    example={"level": "ward22"})

SHAPES_AT_LEVEL = define(
    "areas.shapes_at_level",
    "SELECT code, name, geometry FROM area_boundary WHERE level = $level ORDER BY code",
    {"level": "str"}, doc="Code, name and shape (WKB) of each boundary of a level.",
    example={"level": "borough"})

FIRST_BOROUGH = define(
    "areas.first_borough",
    "SELECT code FROM area_boundary WHERE level = 'borough' ORDER BY code LIMIT 1",
    doc="The first borough code with a boundary.")


def boundary_token(wh: Warehouse) -> tuple[Any, ...]:
    """What changes whenever the boundary or lookup tables change."""
    parts: list[Any] = []
    for table, query in (("area_boundary", BOUNDARY_TOKEN), ("area_lookup", LOOKUP_TOKEN)):
        found = rows(wh, query) if wh.has_table(table) else None
        parts.append(found[0] if found else None)
    return tuple(parts)


def place_shapes(wh: Warehouse) -> pd.DataFrame:
    return run(wh, PLACE_SHAPES)


def lsoa11_codes(wh: Warehouse) -> frozenset[str]:
    return frozenset(str(c) for (c,) in rows(wh, LSOA11_CODES))


def lookup_codes(wh: Warehouse) -> pd.DataFrame:
    return run(wh, LOOKUP_CODES)


def lsoa_names(wh: Warehouse) -> pd.DataFrame | None:
    return run(wh, LSOA_NAMES) if wh.has_table("area_lookup") else None


def lsoa_boroughs(wh: Warehouse) -> dict[str, str]:
    if not wh.has_table("area_lookup"):
        return {}
    return {str(a): str(b) for a, b in rows(wh, LSOA_BOROUGHS)}


def names_at_level(wh: Warehouse, level: str) -> dict[str, str]:
    """Code -> name of the boundaries of ``level`` (empty without boundaries)."""
    if not wh.has_table("area_boundary"):
        return {}
    return {str(c): str(n) for c, n in rows(wh, NAMES_AT_LEVEL, level=level)}


def shapes_at_level(wh: Warehouse, level: str) -> pd.DataFrame:
    return run(wh, SHAPES_AT_LEVEL, level=level)


STOP_SEARCH_POINTS = define(
    "areas.stop_search_points",
    'SELECT file_id, row_number, easting, northing FROM "police_stop_search"',
    doc="Every stop and search row's grid reference.")


def stop_search_points(wh: Warehouse) -> pd.DataFrame:
    return run(wh, STOP_SEARCH_POINTS)
