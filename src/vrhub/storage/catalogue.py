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
from vrhub.storage.police_counted import counted_rows
from vrhub.storage.warehouse import Warehouse

_LEVEL_COLUMNS = {"lsoa": ("lsoa21_code", "lsoa21_name"), "ward": ("ward_code", "ward_name"),
                  "borough": ("borough_code", "borough_name")}


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
    frame = wh.query("SELECT DISTINCT borough_code, borough_name FROM area_lookup "
                     "WHERE borough_code IS NOT NULL ORDER BY borough_name, borough_code")
    return [(str(c), str(n)) for c, n in frame.itertuples(index=False)]


def areas(wh: Warehouse | None, level: str, *, borough: str | None = None,
          ward: str | None = None) -> list[Area]:
    """The areas of ``level`` (lsoa, ward or borough), optionally only those in one
    borough or ward, by name."""
    if wh is None or not wh.has_table("area_lookup") or level not in _LEVEL_COLUMNS:
        return []
    code, name = _LEVEL_COLUMNS[level]
    params: list[Any] = []
    where = f"{code} IS NOT NULL"
    if borough:
        where += " AND borough_code = ?"
        params.append(borough)
    if ward:
        where += " AND ward_code = ?"
        params.append(ward)
    frame = wh.query(f"SELECT {code} AS code, any_value({name}) AS name, "
                     "any_value(borough_code) AS borough, any_value(ward_code) AS ward "
                     f"FROM area_lookup WHERE {where} GROUP BY 1 ORDER BY 2, 1", params)
    return [Area(level, str(code), str(name) if isinstance(name, str) else str(code),
                 b if isinstance(b, str) else None,
                 w if isinstance(w, str) and level != "ward" else None)
            for code, name, b, w in zip(frame["code"], frame["name"], frame["borough"],
                                        frame["ward"], strict=True)]


def area(wh: Warehouse | None, level: str, code: str) -> Area | None:
    """One area by level and code, or None when the lookup does not hold it."""
    if wh is None or not wh.has_table("area_lookup") or level not in _LEVEL_COLUMNS:
        return None
    col, name = _LEVEL_COLUMNS[level]
    frame = wh.query(f"SELECT any_value({name}) AS name, any_value(borough_code) AS borough, "
                     f"any_value(ward_code) AS ward FROM area_lookup WHERE {col} = ?", [code])
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
    frame = wh.query("SELECT site_code, site_name, icb_code, icb_name, easting, northing "
                     "FROM ed_site ORDER BY site_name, site_code")
    return [{str(k): (None if pd.isna(v) else v) for k, v in r.items()}
            for r in frame.to_dict("records")]


def site_names(wh: Warehouse | None) -> dict[str, str]:
    """ED site code -> site name."""
    return {str(s["site_code"]): str(s["site_name"] or s["site_code"]) for s in ed_sites(wh)}


def mps_category_pairs(wh: Warehouse) -> pd.DataFrame:
    """Every (major_category, minor_category) of the MPS counts, in order: a scan of the
    whole table, kept while a read-only warehouse is open (a borough page asks six
    times)."""
    return wh.remembered("mps_category_pairs", lambda: wh.query(
        "SELECT DISTINCT major_category, minor_category FROM mps_crime_count ORDER BY 1, 2"))


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
    sql = "SELECT min(month) AS a, max(month) AS b FROM mps_crime_count"
    params: list[Any] = []
    if level:
        sql += " WHERE level = ?"
        params.append(level)
    row = wh.query(sql, params)
    if not len(row) or row["b"].isna().all():
        return (None, None)
    return (str(row["a"][0]), str(row["b"][0]))


def point_months(wh: Warehouse | None, source: str) -> tuple[str | None, str | None]:
    """First and last month of police.uk street rows (``police``) or ED assaults
    (``istv``)."""
    table, month = _point_table(wh, source)
    if wh is None or not wh.has_table(table):
        return (None, None)
    if table == "police_street" and police_rollup.fresh(wh):  # counted at load time
        counted = police_rollup.months(wh)
        return (counted[0], counted[-1]) if counted else (None, None)
    row = wh.query(f"SELECT min({month}) AS a, max({month}) AS b "
                   f"FROM {_point_rows(wh, table)}")
    if not len(row) or row["b"].isna().all():
        return (None, None)
    return (str(row["a"][0]), str(row["b"][0]))


def point_categories(wh: Warehouse | None, source: str,
                     boroughs: Sequence[str] | None = None) -> dict[str, int]:
    """Rows per category of police.uk street crime (``police``: crime type) or ED assaults
    (``istv``: method), largest first; within ``boroughs`` when given."""
    table, _month = _point_table(wh, source)
    column = "crime_type" if source == "police" else "assault_method"
    if wh is None or not wh.has_table(table):
        return {}
    params: list[Any] = []
    where = f"{column} IS NOT NULL"
    if boroughs:
        where += f" AND borough_code IN ({', '.join('?' for _ in boroughs)})"
        params.extend(boroughs)
    frame = wh.query(f"SELECT {column} AS c, count(*) AS n FROM {_point_rows(wh, table)} "
                     f"WHERE {where} "
                     "GROUP BY 1 ORDER BY 2 DESC, 1", params)
    return {str(c): int(n) for c, n in frame.itertuples(index=False)}


def top_locations(wh: Warehouse, *, borough: str, categories: Sequence[str],
                  period: tuple[str | None, str | None], limit: int = 10
                  ) -> list[tuple[str, int]]:
    """The police.uk locations ("On or near ...") with most street crimes of
    ``categories`` in ``borough`` over ``period``."""
    if not wh.has_table("police_street") or not categories:
        return []
    params: list[Any] = [borough, *categories]
    sql = (f"SELECT location, count(*) AS n FROM {counted_rows(wh)} AS police_street "
           "WHERE borough_code = ? "
           f"AND crime_type IN ({', '.join('?' for _ in categories)}) "
           "AND location IS NOT NULL")
    if period[0]:
        sql += " AND month >= ?"
        params.append(period[0])
    if period[1]:
        sql += " AND month <= ?"
        params.append(period[1])
    sql += " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?"
    params.append(int(limit))
    frame = wh.query(sql, params)
    return [(str(loc), int(n)) for loc, n in frame.itertuples(index=False)]


def street_coverage(wh: Warehouse, *, borough: str, categories: Sequence[str]
                    ) -> dict[str, Any]:
    """What police.uk street crime holds for ``borough``: ``crimes`` (all types), ``matching``
    (of ``categories``), their first and last months, and the most common type (for saying
    why a list of ``categories`` is empty). ``loaded`` is False without the table."""
    if not wh.has_table("police_street"):
        return {"loaded": False, "crimes": 0, "matching": 0}
    rows = f"{counted_rows(wh)} AS police_street"
    marks = ", ".join("?" for _ in categories) or "NULL"
    row = wh.query(
        "SELECT count(*) AS crimes, count(*) FILTER (WHERE crime_type IN "
        f"({marks})) AS matching, CAST(min(month) FILTER (WHERE crime_type IN ({marks})) "
        "AS VARCHAR) AS first_match, CAST(max(month) FILTER (WHERE crime_type IN "
        f"({marks})) AS VARCHAR) AS last_match, mode(crime_type) AS common FROM {rows} "
        "WHERE borough_code = ?", [*categories, *categories, *categories, borough])
    record = row.iloc[0]
    return {"loaded": True, "crimes": int(record["crimes"]),
            "matching": int(record["matching"] or 0),
            "first": None if record["first_match"] is None else str(record["first_match"])[:7],
            "last": None if record["last_match"] is None else str(record["last_match"])[:7],
            "common": None if record["common"] is None else str(record["common"])}


def _point_rows(wh: Warehouse, table: str) -> str:
    """A point table's rows as figures read them (police.uk: each crime once)."""
    return f"{counted_rows(wh)} AS {table}" if table == "police_street" else table


def _point_table(wh: Warehouse | None, source: str) -> tuple[str, str]:
    """The table of a point source: ED assaults of current submissions only (a month
    submitted again replaces the earlier rows)."""
    if source == "police":
        return "police_street", "month"
    if source == "istv":
        current = wh is not None and wh.has_table("istv_assault_current")
        return ("istv_assault_current" if current else "istv_assault",
                "strftime(assault_at, '%Y-%m')")
    raise ValueError(f"unknown point source {source!r}")
