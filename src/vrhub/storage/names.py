"""Named queries for the names people type: areas by level, categories by source, ED sites.

Each returns what the warehouse holds (nothing when the table is not loaded); matching a
typed name against them is :mod:`vrhub.reports.names`.
"""

from __future__ import annotations

import pandas as pd

from vrhub.storage.queries import names as q
from vrhub.storage.queries.catalogue import categories
from vrhub.storage.queries.core import run
from vrhub.storage.warehouse import Warehouse

#: ``area_boundary.level`` of each area level.
_BOUNDARY_LEVEL = {"borough": "borough", "ward": "ward22", "lsoa": "lsoa21"}
AREA_COLUMNS = ["code", "name", "borough_code", "borough_name"]


def area_names(warehouse: Warehouse, level: str) -> pd.DataFrame:
    """Every area of ``level`` (borough, ward or lsoa) with a name: ``code, name,
    borough_code, borough_name`` (one row per code), from the LSOA -> ward -> borough
    lookup and the boundaries."""
    parts: list[pd.DataFrame] = []
    if warehouse.has_table("area_lookup"):
        parts.append(run(warehouse, q.AREAS_LOOKUP[level]))
    if warehouse.has_table("area_boundary"):
        parts.append(run(warehouse, q.AREAS_BOUNDARY, level=_BOUNDARY_LEVEL[level]))
    if not parts:
        return pd.DataFrame(columns=AREA_COLUMNS)
    frame = pd.concat(parts, ignore_index=True)
    if level == "borough":
        frame["borough_code"] = frame["code"]
        frame["borough_name"] = frame["name"]
    return frame.drop_duplicates("code").reset_index(drop=True)[AREA_COLUMNS]


def police_crime_types(warehouse: Warehouse) -> list[str]:
    """The police.uk crime types in ``police_street``."""
    return categories(warehouse, "police")


def mps_categories(warehouse: Warehouse) -> list[str]:
    """The MPS minor and major categories in ``mps_crime_count``."""
    if not warehouse.has_table("mps_crime_count"):
        return []
    frame = run(warehouse, q.MPS_CATEGORIES)
    return sorted(str(v) for v in frame["c"].dropna())


def assault_methods(warehouse: Warehouse) -> list[str]:
    """The ISTV assault-method codes in ``istv_assault``."""
    return categories(warehouse, "istv")


def ed_sites(warehouse: Warehouse) -> pd.DataFrame:
    """ED sites: ``site_code, site_name, borough_code`` (empty when none are loaded)."""
    if not warehouse.has_table("ed_site"):
        return pd.DataFrame(columns=["site_code", "site_name", "borough_code"])
    return run(warehouse, q.ED_SITES)
