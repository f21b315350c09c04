"""Warehouse questions behind the hub indicators: monthly counts per borough of ED
assaults (all, under 25, with a knife or sharp object) and of MPS recorded offences of a
category, and residents per borough (all ages, under 25).

Each count function returns ``month`` ('YYYY-MM'), ``borough_code`` (None where a record
has no borough: it counts for London only) and ``count``; a table not loaded gives an
empty frame, never an error, so an indicator without its data says "no data".
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from vrhub.storage.queries import mps_dashboard as dashboard_queries
from vrhub.storage.warehouse import Warehouse

UNDER_25_ED_BANDS = ("0-10", "11-15", "16-17", "18-24")
KNIFE_METHOD = "knife_sharp"
_EMPTY = pd.DataFrame({"month": pd.Series(dtype=str), "borough_code": pd.Series(dtype=str),
                       "count": pd.Series(dtype=float)})


def ed_assault_counts(warehouse: Warehouse, *, under_25: bool = False,
                      knife: bool = False) -> pd.DataFrame:
    """ED assaults (the current version of each ED's submissions) per month and borough."""
    table = ("istv_assault_current" if warehouse.has_table("istv_assault_current")
             else "istv_assault")
    if not warehouse.has_table(table):
        return _EMPTY.copy()
    where: list[str] = ["assault_at IS NOT NULL"]
    params: list[Any] = []
    if under_25:
        where.append("age_band IN (" + ", ".join("?" for _ in UNDER_25_ED_BANDS) + ")")
        params += list(UNDER_25_ED_BANDS)
    if knife:
        where.append("assault_method = ?")
        params.append(KNIFE_METHOD)
    return warehouse._query(
        f"SELECT strftime(assault_at, '%Y-%m') AS month, borough_code, count(*) AS count "
        f"FROM {table} WHERE {' AND '.join(where)} GROUP BY 1, 2", params)


def mps_category_counts(warehouse: Warehouse, category: str) -> pd.DataFrame:
    """MPS recorded offences whose minor (else major) category is ``category`` (any case),
    per month and borough, from the borough-level table."""
    if not warehouse.has_table("mps_crime_count"):
        return _EMPTY.copy()
    known = warehouse._query("SELECT DISTINCT major_category, minor_category "
                             "FROM mps_crime_count WHERE level = 'borough'")
    key = category.strip().lower()
    minors = sorted({m for m in known["minor_category"].dropna() if m.lower() == key})
    column = "minor_category"
    if not minors:
        minors = sorted({m for m in known["major_category"].dropna() if m.lower() == key})
        column = "major_category"
    if not minors:
        return _EMPTY.copy()
    return warehouse._query(
        "SELECT month, area_code AS borough_code, sum(count) AS count FROM mps_crime_count "
        f"WHERE level = 'borough' AND {column} IN ({', '.join('?' for _ in minors)}) "
        "AND area_code LIKE 'E09%' GROUP BY 1, 2", minors)


def knife_crime_counts(warehouse: Warehouse) -> pd.DataFrame:
    """Knife crime offences per month and borough: the MPS Monthly Crime Dashboard's
    borough rows (Knife Crime / Knife Crime / Offences) when it is loaded, else a recorded-
    crime category called 'Knife Crime' if one is loaded."""
    if not dashboard_queries.loaded(warehouse):
        return mps_category_counts(warehouse, "Knife Crime")
    found = dashboard_queries.borough_monthly_counts(
        warehouse, crime_type="Knife Crime", crime_subtype="Knife Crime", measure="Offences")
    frame = found.data.rename(columns={"area_code": "borough_code"})
    return frame[["month", "borough_code", "count"]].astype({"count": float})


_BAND = re.compile(r"(\d+)\s*(?:-\s*(\d+)|\+)")


def residents_by_borough(warehouse: Warehouse, *, under_25: bool = False
                         ) -> tuple[pd.DataFrame, list[str]]:
    """Residents per borough (``borough_code``, ``population``) from the newest LSOA 2021
    population, all ages or under 25 (bands straddling 25 apportioned by years), and a
    note naming the source."""
    if not warehouse.has_table("population") or not warehouse.has_table("area_lookup"):
        return pd.DataFrame({"borough_code": [], "population": []}), []
    choice = warehouse._query(
        "SELECT source, year FROM population WHERE lsoa_vintage = '2021' AND sex = 'persons' "
        "AND age_band = 'all' GROUP BY 1, 2 ORDER BY year DESC, (source = 'census2021') DESC "
        "LIMIT 1")
    if not len(choice):
        return pd.DataFrame({"borough_code": [], "population": []}), []
    source, year = str(choice["source"].iloc[0]), int(choice["year"].iloc[0])
    lookup = ("SELECT DISTINCT lsoa21_code AS lsoa_code, borough_code FROM area_lookup "
              "WHERE borough_code IS NOT NULL")
    frame = warehouse._query(
        f"SELECT l.borough_code, p.age_band, sum(p.count) AS population FROM population p "
        f"JOIN ({lookup}) l ON l.lsoa_code = p.lsoa_code WHERE p.lsoa_vintage = '2021' "
        "AND p.sex = 'persons' AND p.source = ? AND p.year = ? GROUP BY 1, 2",
        [source, year])
    note = f"residents: {source} {year} (LSOA 2021)"
    if not under_25:
        out = frame[frame["age_band"] == "all"][["borough_code", "population"]]
        return out.reset_index(drop=True), [note + ", all ages"]
    shares = frame["age_band"].map(_share_under_25)
    frame = frame.assign(population=frame["population"] * shares)
    summed = frame[frame["age_band"] != "all"].groupby("borough_code", as_index=False)[
        "population"].sum()
    return pd.DataFrame(summed), [
        note + ", under 25 (age bands straddling 25 apportioned by years)"]


def _share_under_25(band: str) -> float:
    if band == "all":
        return 0.0
    match = _BAND.fullmatch(str(band).strip())
    if not match:
        return 0.0
    low = int(match.group(1))
    high = int(match.group(2)) if match.group(2) else None
    if low >= 25:
        return 0.0
    if high is None:
        return 0.0
    if high <= 24:
        return 1.0
    return (25 - low) / (high - low + 1)
