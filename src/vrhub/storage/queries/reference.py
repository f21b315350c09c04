"""Reference data as loaders and lookups read it: population per LSOA, LSOA 2011<->2021
pairs, ED sites and their places; and the IoD tables rebuilt from every file's values."""

from __future__ import annotations

import pandas as pd

from vrhub.standards.deprivation import IMD, IMD_DOMAIN, IMD_VALUE
from vrhub.storage.queries.core import define, run, value
from vrhub.storage.warehouse import Warehouse

CENSUS_PERSONS = define(
    "reference.census_persons",
    "SELECT lsoa_code, \"count\" FROM population WHERE source = 'census2021' AND "
    "lsoa_vintage = '2021' AND sex = 'persons' AND age_band = 'all' ORDER BY lsoa_code",
    doc="Census 2021 residents per LSOA 2021.")

LATEST_MYE_YEAR = define(
    "reference.latest_mye_year",
    "SELECT max(year) AS year FROM population WHERE lsoa_vintage = '2011' "
    "AND source = 'mye' AND sex = 'persons' AND age_band = 'all'",
    doc="The latest mid-year estimate per LSOA 2011 loaded.")

MYE_PERSONS = define(
    "reference.mye_persons",
    "SELECT lsoa_code, \"count\" FROM population WHERE source = 'mye' AND "
    "lsoa_vintage = '2011' AND sex = 'persons' AND age_band = 'all' AND year = $year "
    "ORDER BY lsoa_code",
    {"year": "int"}, doc="Mid-year estimate of residents per LSOA 2011 for a year.",
    example={"year": 2020})

LSOA_PAIRS = define(
    "reference.lsoa_pairs",
    'SELECT lsoa11_code, lsoa21_code FROM "lsoa_change" ORDER BY lsoa11_code, lsoa21_code',
    doc="The LSOA 2011 -> 2021 pairs.")

LSOA_CHANGE = define(
    "reference.lsoa_change",
    'SELECT * FROM "lsoa_change" ORDER BY lsoa11_code, lsoa21_code',
    doc="The LSOA 2011 -> 2021 lookup: each pair, its kind of change and its weights.")

PLACE_LEVELS_LOADED = define(
    "reference.place_levels_loaded",
    "SELECT count(*) AS n FROM area_boundary WHERE level IN ('lsoa21', 'borough')",
    doc="LSOA 2021 and borough boundaries loaded (for placing points).")

ED_SITE_POINTS = define(
    "reference.ed_site_points",
    'SELECT site_code, easting, northing FROM "ed_site" ORDER BY site_code',
    doc="Every ED site's grid reference.")


def census_persons(wh: Warehouse) -> pd.DataFrame:
    return run(wh, CENSUS_PERSONS)


def latest_mye_year(wh: Warehouse) -> int | None:
    year = value(wh, LATEST_MYE_YEAR)
    return None if year is None else int(year)


def mye_persons(wh: Warehouse, year: int) -> pd.DataFrame:
    return run(wh, MYE_PERSONS, year=int(year))


def lsoa_pairs(wh: Warehouse) -> pd.DataFrame:
    return run(wh, LSOA_PAIRS)


def lsoa_change(wh: Warehouse) -> pd.DataFrame:
    """The ``lsoa_change`` table, as :mod:`vrhub.geography.vintage` takes it."""
    return run(wh, LSOA_CHANGE)


def can_place_points(wh: Warehouse) -> bool:
    """Whether LSOA 2021 or borough boundaries are loaded."""
    return wh.has_table("area_boundary") and bool(value(wh, PLACE_LEVELS_LOADED))


def ed_site_points(wh: Warehouse) -> pd.DataFrame:
    return run(wh, ED_SITE_POINTS)


def place_ed_sites(wh: Warehouse, places: list[tuple[str | None, str | None, str]]) -> None:
    """Set (lsoa21_code, borough_code) of each site (the third value)."""
    wh._con.executemany(
        'UPDATE "ed_site" SET lsoa21_code = ?, borough_code = ? WHERE site_code = ?',
        [list(p) for p in places])


def rebuild_imd(wh: Warehouse) -> None:
    """Rebuild ``imd`` and ``imd_domain`` from every file's ``imd_value`` rows: per LSOA
    (and domain) the rank and decile of the first file (by id) that gives one."""
    wh.ensure_tables((IMD, IMD_DOMAIN))
    con = wh._con
    con.execute(f'DELETE FROM "{IMD.name}"')
    con.execute(f'DELETE FROM "{IMD_DOMAIN.name}"')
    con.execute(f"""
        INSERT INTO "{IMD.name}"
        SELECT edition, lsoa_code, min(lsoa_vintage), max(score),
               arg_min(rank, file_id) FILTER (WHERE rank IS NOT NULL),
               arg_min(decile, file_id) FILTER (WHERE decile IS NOT NULL),
               coalesce(min(file_id) FILTER (WHERE rank IS NOT NULL), min(file_id))
        FROM "{IMD_VALUE.name}" WHERE domain = 'imd' GROUP BY edition, lsoa_code""")
    con.execute(f"""
        INSERT INTO "{IMD_DOMAIN.name}"
        SELECT edition, lsoa_code, min(lsoa_vintage), domain, max(score),
               arg_min(rank, file_id) FILTER (WHERE rank IS NOT NULL),
               arg_min(decile, file_id) FILTER (WHERE decile IS NOT NULL)
        FROM "{IMD_VALUE.name}" WHERE domain <> 'imd' GROUP BY edition, lsoa_code, domain""")


def lsoa_domain_deciles(wh: Warehouse, edition: str = "2025") -> pd.DataFrame | None:
    """``lsoa_code``, ``domain``, ``decile`` of every IoD domain of ``edition`` on LSOA
    2021 codes (the overall index is in ``imd``); None when no domains are loaded."""
    if not wh.has_table("imd_domain"):
        return None
    frame = wh._query("SELECT lsoa_code, domain, decile FROM imd_domain WHERE edition = ? "
                      "AND lsoa_vintage = '2021' AND decile IS NOT NULL", [edition])
    return frame if len(frame) else None
