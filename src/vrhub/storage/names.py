"""Named queries for the names people type: areas by level, categories by source, ED sites.

Each returns what the warehouse holds (nothing when the table is not loaded); matching a
typed name against them is :mod:`vrhub.reports.names`.
"""

from __future__ import annotations

import pandas as pd

from vrhub.storage.warehouse import Warehouse

#: ``area_boundary.level`` and ``area_lookup`` columns (code, name) of each area level.
_BOUNDARY_LEVEL = {"borough": "borough", "ward": "ward22", "lsoa": "lsoa21"}
_LOOKUP_COLUMNS = {"borough": ("borough_code", "borough_name"),
                   "ward": ("ward_code", "ward_name"),
                   "lsoa": ("lsoa21_code", "lsoa21_name")}
AREA_COLUMNS = ["code", "name", "borough_code", "borough_name"]


def area_names(warehouse: Warehouse, level: str) -> pd.DataFrame:
    """Every area of ``level`` (borough, ward or lsoa) with a name: ``code, name,
    borough_code, borough_name`` (one row per code), from the LSOA -> ward -> borough
    lookup and the boundaries."""
    parts: list[pd.DataFrame] = []
    if warehouse.has_table("area_lookup"):
        code, name = _LOOKUP_COLUMNS[level]
        parts.append(warehouse.query(
            f"SELECT {code} AS code, any_value({name}) AS name, "
            "any_value(borough_code) AS borough_code, any_value(borough_name) AS borough_name "
            f"FROM area_lookup WHERE {code} IS NOT NULL AND {name} IS NOT NULL GROUP BY 1"))
    if warehouse.has_table("area_boundary"):
        parts.append(warehouse.query(
            "SELECT b.code, any_value(b.name) AS name, any_value(b.borough_code) AS "
            "borough_code, any_value(o.name) AS borough_name FROM area_boundary b "
            "LEFT JOIN area_boundary o ON o.level = 'borough' AND o.code = b.borough_code "
            "WHERE b.level = ? AND b.name IS NOT NULL GROUP BY 1",
            [_BOUNDARY_LEVEL[level]]))
    if not parts:
        return pd.DataFrame(columns=AREA_COLUMNS)
    frame = pd.concat(parts, ignore_index=True)
    if level == "borough":
        frame["borough_code"] = frame["code"]
        frame["borough_name"] = frame["name"]
    return frame.drop_duplicates("code").reset_index(drop=True)[AREA_COLUMNS]


def police_crime_types(warehouse: Warehouse) -> list[str]:
    """The police.uk crime types in ``police_street``."""
    if not warehouse.has_table("police_street"):
        return []
    return [str(v) for v in warehouse.query(
        "SELECT DISTINCT crime_type FROM police_street WHERE crime_type IS NOT NULL "
        "ORDER BY 1")["crime_type"]]


def mps_categories(warehouse: Warehouse) -> list[str]:
    """The MPS minor and major categories in ``mps_crime_count``."""
    if not warehouse.has_table("mps_crime_count"):
        return []
    frame = warehouse.query("SELECT DISTINCT minor_category AS c FROM mps_crime_count "
                            "UNION SELECT DISTINCT major_category FROM mps_crime_count")
    return sorted(str(v) for v in frame["c"].dropna())


def assault_methods(warehouse: Warehouse) -> list[str]:
    """The ISTV assault-method codes in ``istv_assault``."""
    if not warehouse.has_table("istv_assault"):
        return []
    return [str(v) for v in warehouse.query(
        "SELECT DISTINCT assault_method FROM istv_assault WHERE assault_method IS NOT NULL "
        "ORDER BY 1")["assault_method"]]


def ed_sites(warehouse: Warehouse) -> pd.DataFrame:
    """ED sites: ``site_code, site_name, borough_code`` (empty when none are loaded)."""
    if not warehouse.has_table("ed_site"):
        return pd.DataFrame(columns=["site_code", "site_name", "borough_code"])
    return warehouse.query("SELECT site_code, site_name, borough_code FROM ed_site "
                           "ORDER BY site_code")
