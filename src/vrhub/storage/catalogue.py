"""What the warehouse holds, asked by name: areas and their names, ED sites, categories and
the months each source covers, and how many rows each category has.

Every function here is one named question with typed parameters; a missing table answers
empty (nothing loaded yet), never an error, so pages can say what is missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from vrhub.storage import police_rollup
from vrhub.storage.queries import catalogue as queries
from vrhub.storage.queries.core import rows, run
from vrhub.storage.queries.events import police_variant
from vrhub.storage.warehouse import Warehouse

_LEVEL_COLUMNS = queries.LEVEL_COLUMNS


@dataclass(frozen=True)
class Area:
    """One area of the study area: its level, GSS code, name and the borough (local
    authority district) it lies in."""

    level: str
    code: str
    name: str
    borough_code: str | None = None
    ward_code: str | None = None


def boroughs(wh: Warehouse | None) -> list[tuple[str, str]]:
    """(code, name) of the boroughs (districts) in the workspace's lookup, by name."""
    if wh is None or not wh.has_table("area_lookup"):
        return []
    return [(str(c), str(n)) for c, n in rows(wh, queries.BOROUGHS)]


def areas(wh: Warehouse | None, level: str, *, borough: str | None = None,
          ward: str | None = None) -> list[Area]:
    """The areas of ``level`` (lsoa, ward or borough), optionally only those in one
    borough or ward, by name."""
    if wh is None or not wh.has_table("area_lookup") or level not in _LEVEL_COLUMNS:
        return []
    frame = run(wh, queries.AREAS[level], borough=borough or None, ward=ward or None)
    return [Area(level, str(code), str(name) if isinstance(name, str) else str(code),
                 b if isinstance(b, str) else None,
                 w if isinstance(w, str) and level != "ward" else None)
            for code, name, b, w in zip(frame["code"], frame["name"], frame["borough"],
                                        frame["ward"], strict=True)]


def area(wh: Warehouse | None, level: str, code: str) -> Area | None:
    """One area by level and code, or None when the lookup does not hold it."""
    if wh is None or not wh.has_table("area_lookup") or level not in _LEVEL_COLUMNS:
        return None
    frame = run(wh, queries.AREA[level], code=code)
    if not len(frame) or frame["borough"].isna().all():
        return None
    r = frame.iloc[0]
    return Area(level, code, str(r["name"]) if r["name"] is not None else code,
                str(r["borough"]), None if level != "lsoa" else str(r["ward"]))


def ed_sites(wh: Warehouse | None) -> list[dict[str, Any]]:
    """The ED sites loaded (``site_code``, ``site_name``, ``icb_code``, ``icb_name``,
    ``easting``, ``northing``), by name."""
    if wh is None or not wh.has_table("ed_site"):
        return []
    frame = run(wh, queries.ED_SITES)
    return [{str(k): (None if pd.isna(v) else v) for k, v in r.items()}
            for r in frame.to_dict("records")]


def site_names(wh: Warehouse | None) -> dict[str, str]:
    """ED site code -> site name."""
    return {str(s["site_code"]): str(s["site_name"] or s["site_code"]) for s in ed_sites(wh)}


def mps_category_pairs(wh: Warehouse) -> pd.DataFrame:
    """Every (major_category, minor_category) of the MPS counts, in order: a scan of the
    whole table, kept while a read-only warehouse is open (a borough page asks six
    times)."""
    return wh.remembered("mps_category_pairs", lambda: queries.mps_category_pairs(wh))


def mps_categories(wh: Warehouse | None) -> list[str]:
    """MPS major categories, each followed by its minor categories."""
    if wh is None or not wh.has_table("mps_crime_count"):
        return []
    frame = mps_category_pairs(wh)
    out: list[str] = []
    for major, group in frame.groupby("major_category", sort=True):
        out.append(str(major))
        out.extend(str(m) for m in group["minor_category"] if str(m) != str(major))
    return out


def mps_months(wh: Warehouse | None, level: str | None = None) -> tuple[str | None,
                                                                        str | None]:
    """First and last month of the MPS counts (at ``level`` when given)."""
    if wh is None or not wh.has_table("mps_crime_count"):
        return (None, None)
    found = rows(wh, queries.MPS_MONTHS, level=level or None)
    return _first_last(found)


def _first_last(found: list[tuple[Any, ...]]) -> tuple[str | None, str | None]:
    if not found or found[0][1] is None:
        return (None, None)
    return (str(found[0][0]), str(found[0][1]))


def _point_variant(wh: Warehouse | None, source: str) -> tuple[str, str]:
    """(table, query variant) of a point source: police rows that count, ED assaults of
    current submissions only (a month submitted again replaces the earlier rows)."""
    if source == "police":
        return "police_street", ("police" if wh is None else police_variant(wh))
    if source == "istv":
        current = wh is not None and wh.has_table("istv_assault_current")
        return ("istv_assault_current", "istv") if current else ("istv_assault",
                                                                  "istv_stored")
    raise ValueError(f"unknown point source {source!r}")


def _districts(wh: Warehouse, query: Any) -> dict[str, Any]:
    """The study area's districts, for a query reading police rows."""
    return ({"districts": list(wh.study_area.districts)} if "districts" in query.params
            else {})


def point_months(wh: Warehouse | None, source: str) -> tuple[str | None, str | None]:
    """First and last month of police.uk street rows (``police``) or ED assaults
    (``istv``); kept while a read-only warehouse stays open (every API question resolves
    its period from them before its answer is looked up)."""
    table, variant = _point_variant(wh, source)
    if wh is None or not wh.has_table(table):
        return (None, None)
    if table == "police_street" and police_rollup.fresh(wh):  # counted at load time
        counted = police_rollup.months(wh)
        return (counted[0], counted[-1]) if counted else (None, None)
    query = queries.POINT_MONTHS[variant]
    values = _districts(wh, query)
    return wh.remembered(f"point_months.{variant}.{values}",
                         lambda: _first_last(rows(wh, query, **values)))


def point_categories(wh: Warehouse | None, source: str,
                     boroughs: Sequence[str] | None = None) -> dict[str, int]:
    """Rows per category of police.uk street crime (``police``: crime type) or ED assaults
    (``istv``: method), largest first; within ``boroughs`` when given."""
    table, variant = _point_variant(wh, source)
    if wh is None or not wh.has_table(table):
        return {}
    query = queries.POINT_CATEGORIES[variant]
    found = rows(wh, query, every_borough=not boroughs, boroughs=list(boroughs or ()),
                 **_districts(wh, query))
    return {str(c): int(n) for c, n in found}


def top_locations(wh: Warehouse, *, borough: str, categories: Sequence[str],
                  period: tuple[str | None, str | None], limit: int = 10
                  ) -> list[tuple[str, int]]:
    """The police.uk locations ("On or near ...") with most street crimes of
    ``categories`` in ``borough`` over ``period``."""
    if not wh.has_table("police_street") or not categories:
        return []
    found = rows(wh, queries.TOP_LOCATIONS[police_variant(wh)],
                 districts=list(wh.study_area.districts), borough=borough,
                 categories=list(categories), first=period[0] or None,
                 last=period[1] or None, limit=int(limit))
    return [(str(loc), int(n)) for loc, n in found]


def street_coverage(wh: Warehouse, *, borough: str, categories: Sequence[str]
                    ) -> dict[str, Any]:
    """What police.uk street crime holds for ``borough``: ``crimes`` (all types), ``matching``
    (of ``categories``), their first and last months, and the most common type (for saying
    why a list of ``categories`` is empty). ``loaded`` is False without the table."""
    if not wh.has_table("police_street"):
        return {"loaded": False, "crimes": 0, "matching": 0}
    crimes, matching, first, last, common = rows(
        wh, queries.STREET_COVERAGE[police_variant(wh)],
        districts=list(wh.study_area.districts), categories=list(categories),
        borough=borough)[0]
    return {"loaded": True, "crimes": int(crimes), "matching": int(matching or 0),
            "first": None if first is None else str(first)[:7],
            "last": None if last is None else str(last)[:7],
            "common": None if common is None else str(common)}
