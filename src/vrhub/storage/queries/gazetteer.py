"""The geocoder's gazetteer and what it is built from: street locations of police.uk rows,
area and ED site names, imported OS names and postcodes; and the geocoder's calibration."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from vrhub.standards.gazetteer import (
    GAZETTEER_BUILD,
    GAZETTEER_NAME,
    GAZETTEER_POINT,
    GAZETTEER_POSTCODE,
)
from vrhub.storage.queries.core import define, run, value
from vrhub.storage.warehouse import Warehouse

NAMES_NOT_FROM = define(
    "gazetteer.names_not_from",
    f'SELECT count(*) AS n FROM "{GAZETTEER_NAME.name}" '
    "WHERE NOT list_contains($sources, source)",
    {"sources": "list[str]"}, doc="Gazetteer names from sources other than these.",
    example={"sources": ["police_uk", "area", "ed_site"]})

SIZE = define(
    "gazetteer.size",
    f'SELECT (SELECT count(*) FROM "{GAZETTEER_NAME.name}") AS names, '
    f'(SELECT count(*) FROM "{GAZETTEER_POINT.name}") AS points',
    doc="Names and points in the gazetteer.")

BUILT_FROM_ROWS = define(
    "gazetteer.built_from_rows",
    f'SELECT police_rows FROM "{GAZETTEER_BUILD.name}"',
    doc="The police.uk rows the gazetteer was last built from.")

POINTS = define(
    "gazetteer.points",
    "SELECT n.name, n.kind, n.area_code, p.easting, p.northing, p.weight, "
    f'p.lsoa21_code, p.ward_code, p.borough_code FROM "{GAZETTEER_POINT.name}" p '
    f'JOIN "{GAZETTEER_NAME.name}" n USING (name_id) ORDER BY n.name, p.easting, p.northing',
    doc="Every gazetteer point with its name.")

POSTCODES = define(
    "gazetteer.postcodes", f'SELECT * FROM "{GAZETTEER_POSTCODE.name}"',
    doc="Every postcode point imported.")

LSOA_AREAS = define(
    "gazetteer.lsoa_areas",
    "SELECT code, area_m2 FROM area_boundary WHERE level = 'lsoa21' AND area_m2 > 0 "
    "ORDER BY code", doc="Area (m²) of each LSOA 2021.")

AREA_NAMES = define(
    "gazetteer.area_names",
    "SELECT level, code, name, borough_code, geometry FROM area_boundary "
    "WHERE level IN ('borough', 'ward22') AND name IS NOT NULL",
    doc="Boroughs and wards with their names and shapes.")

ED_SITE_NAMES = define(
    "gazetteer.ed_site_names",
    "SELECT site_name AS display_name, easting, northing FROM ed_site "
    "WHERE site_name IS NOT NULL AND easting IS NOT NULL AND northing IS NOT NULL",
    doc="ED sites with a name and a point.")

NEXT_NAME_ID = define(
    "gazetteer.next_name_id",
    f'SELECT coalesce(max(name_id) + 1, 0) AS n FROM "{GAZETTEER_NAME.name}"',
    doc="The next free gazetteer name id.")

BOROUGH_SHAPES = define(
    "gazetteer.borough_shapes",
    "SELECT geometry FROM area_boundary WHERE level = 'borough' ORDER BY code",
    doc="The boroughs' shapes (WKB).")

ED_SITES_PLACED = define(
    "gazetteer.ed_sites_placed",
    "SELECT site_code, easting, northing FROM ed_site WHERE easting IS NOT NULL "
    "AND northing IS NOT NULL ORDER BY site_code", doc="ED sites with a point.")

LATEST_CALIBRATION = define(
    "gazetteer.latest_calibration",
    'SELECT coefficients FROM "geocoder_calibration" ORDER BY fitted_at DESC LIMIT 1',
    doc="The latest geocoder calibration stored (JSON).")


def names_not_from(wh: Warehouse, sources: Sequence[str]) -> int:
    return int(value(wh, NAMES_NOT_FROM, sources=list(sources)) or 0)


def size(wh: Warehouse) -> tuple[int, int]:
    row = run(wh, SIZE).iloc[0]
    return int(row["names"]), int(row["points"])


def built_from_rows(wh: Warehouse) -> int:
    return int(value(wh, BUILT_FROM_ROWS) or 0)


def next_name_id(wh: Warehouse) -> int:
    """The next free name id (the whole answer is fetched, leaving the connection free
    for inserts)."""
    return int(value(wh, NEXT_NAME_ID) or 0)


def clear_sources(wh: Warehouse, sources: Sequence[str]) -> None:
    """Delete the names (and their points) of ``sources`` (inside a transaction)."""
    con = wh._con
    con.execute(f'DELETE FROM "{GAZETTEER_POINT.name}" WHERE name_id IN (SELECT name_id FROM '
                f'"{GAZETTEER_NAME.name}" WHERE list_contains(?, source))',
                [list(sources)]).fetchall()
    con.execute(f'DELETE FROM "{GAZETTEER_NAME.name}" WHERE list_contains(?, source)',
                [list(sources)]).fetchall()


def police_locations(wh: Warehouse) -> pd.DataFrame | None:
    """police.uk locations with their point and areas, weighted by rows: ``display_name``,
    ``easting, northing`` (or ``x, y`` longitude and latitude where the table holds no grid
    references), the area codes held and ``weight``. None when rows have no point."""
    cols = set(wh._query("SELECT * FROM police_street LIMIT 0").columns)
    area_cols = [c for c in ("lsoa21_code", "ward_code", "borough_code") if c in cols]
    select_areas = ", ".join(area_cols)
    if {"easting", "northing"} <= cols:
        xy = "easting, northing"
        where = "easting IS NOT NULL AND northing IS NOT NULL"
    elif {"longitude", "latitude"} <= cols:
        xy = "longitude AS x, latitude AS y"
        where = "longitude IS NOT NULL AND latitude IS NOT NULL"
    else:
        return None
    return wh._query(
        f"SELECT location AS display_name, {xy}{', ' if area_cols else ''}{select_areas}, "
        f"count(*)::DOUBLE AS weight FROM police_street WHERE location IS NOT NULL AND {where} "
        f"GROUP BY ALL")
