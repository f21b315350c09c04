"""Reconciliation: police.uk points against the MPS published counts, per borough, month
and category.

The Metropolitan Police Service publishes its recorded crime twice: as police.uk points
and as the London Datastore tables. For each police.uk crime type with an MPS counterpart
(:data:`vrhub.standards.reconcile.CATEGORY_MAP`), every borough and month both sources
cover becomes one *cell*: the Met's police.uk crimes placed in that borough (by the LSOA
the publisher gave them), the MPS count, and their ratio. The report gives the
distribution of the ratios (median, share within ±5% and ±10%), lists the cells further
than ±10% from 1, and measures the known causes of disagreement:

* crimes published without a location (no LSOA, so no borough);
* location snapping: police.uk moves each point to an anonymised map point, which can
  lie in another borough than the crime's LSOA (measured when boundaries are loaded);
* the City of London: the City has its own force, absent from the MPS tables, and a few
  Met crimes are published in City LSOAs;
* MPS counts attributed to no borough ('Unknown', the airports);
* a Crime ID listed more than once (police.uk repeats a crime per outcome);
* recording date: police.uk is a snapshot of crimes as recorded when the month was
  published, while the MPS tables are refreshed as crimes are reclassified, cancelled or
  re-dated, so single months differ by a few percent in both directions and the
  differences largely cancel over a year.

This module is the one place the figures are computed; ``vrhub reconcile`` and the quality
page show them. The SQL is in :mod:`vrhub.storage.reconcile`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from vrhub.errors import UserError
from vrhub.standards.mps import LONDON_BOROUGHS
from vrhub.standards.reconcile import (
    CATEGORY_MAP,
    MPS_FORCE,
    OUTSIDE,
    WITHIN,
    CategoryMatch,
    category_match,
)
from vrhub.storage import reconcile as queries
from vrhub.storage.warehouse import Warehouse

CITY = "E09000001"
COUNTS = ("points", "crimes")
BOROUGH_NAMES = {code: name for name, code in LONDON_BOROUGHS.items()}

CAUSES = {
    "no_location": "Published without a location: no LSOA, so in no borough here, while "
                   "the MPS counts them in theirs (this lowers the ratios)",
    "snapping": "Point snapped into another borough than its LSOA's (police.uk moves each "
                "point to an anonymised map point; counted here by LSOA, so this does not "
                "move the ratios, but maps and point counts see it)",
    "city_lsoa": "Met crimes published in City of London LSOAs (the City is not in the MPS "
                 "tables)",
    "other_force": "Rows of the same crime types reported by another force (the City of "
                   "London Police's crimes are not in the MPS tables)",
    "outside_london": "Met crimes published in LSOAs outside London",
    "mps_unattributed": "MPS offences attributed to no borough ('Unknown', Heathrow and "
                        "London City airports)",
    "repeated_id": "Points repeating a Crime ID (police.uk lists a crime once per outcome "
                   "or location): counted with --count points, once with --count crimes",
    "recording_date": "police.uk is a snapshot of the month when it was published; the MPS "
                      "tables are refreshed as crimes are reclassified, cancelled or "
                      "re-dated, so single months differ both ways and largely cancel over "
                      "a year (compare the ratio of the totals with the median)",
}


@dataclass
class Reconciliation:
    """The result: ``cells`` (one row per category, borough and month), ``summary`` (per
    category), ``outside`` (cells further than ±10% from 1, or with no MPS count),
    ``causes`` (each known cause with its figure) and ``notes``."""

    count: str
    cells: pd.DataFrame
    summary: list[dict[str, Any]]
    outside: pd.DataFrame
    causes: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "force": MPS_FORCE,
            "within": list(WITHIN),
            "outside_threshold": OUTSIDE,
            "summary": self.summary,
            "outside": _records(self.outside),
            "causes": self.causes,
            "notes": self.notes,
            "category_map": [{"police_type": m.police_type, "mps_majors": list(m.majors),
                              "mps_minors": list(m.minors), "match": m.match}
                             for m in CATEGORY_MAP],
        }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict("records"):
        out.append({str(k): (None if isinstance(v, float) and np.isnan(v)
                             else int(v) if isinstance(v, np.integer)
                             else float(v) if isinstance(v, np.floating) else v)
                    for k, v in row.items()})
    return out


def _matches(categories: Sequence[str] | None) -> list[CategoryMatch]:
    if not categories:
        return list(CATEGORY_MAP)
    out = []
    for name in categories:
        match = category_match(name)
        if match is None:
            from vrhub.suggest import did_you_mean

            known = [m.police_type for m in CATEGORY_MAP]
            raise UserError(f"no MPS counterpart for police.uk crime type {name!r}."
                            f"{did_you_mean(name, known)}",
                            hint="choose one of: " + ", ".join(known))
        out.append(match)
    return out


def _mps_cells(mps: pd.DataFrame, match: CategoryMatch) -> pd.DataFrame:
    part = mps[mps["major_category"].isin(match.majors)]
    if match.minors:
        part = part[part["minor_category"].isin(match.minors)]
    return part


def _within(cells: pd.DataFrame, band: float) -> pd.Series:
    """Cells whose police.uk count is within ``band`` (a share) of the MPS count, decided
    in whole numbers (|police - mps| x 100 <= percent x mps), so 19 against 20 is within
    5%; a cell with no MPS count is within only when police.uk has none either."""
    percent = round(band * 100)
    return (cells["police"] - cells["mps"]).abs() * 100 <= percent * cells["mps"]


def _summary(cells: pd.DataFrame) -> dict[str, Any]:
    rated = cells["ratio"].dropna()
    police, mps = int(cells["police"].sum()), int(cells["mps"].sum())
    out: dict[str, Any] = {
        "cells": len(cells), "cells_rated": len(rated),
        "cells_without_mps": int((cells["mps"] == 0).sum()),
        "boroughs": int(cells["borough_code"].nunique()),
        "months": int(cells["month"].nunique()),
        "first_month": cells["month"].min() if len(cells) else None,
        "last_month": cells["month"].max() if len(cells) else None,
        "police": police, "mps": mps,
        "ratio_of_totals": police / mps if mps else None,
        "median_ratio": float(rated.median()) if len(rated) else None,
        "p10_ratio": float(rated.quantile(0.1)) if len(rated) else None,
        "p90_ratio": float(rated.quantile(0.9)) if len(rated) else None,
    }
    for band in WITHIN:
        key = f"within_{round(band * 100)}pct"
        out[key] = (float(_within(cells, band)[cells["mps"] > 0].mean()) if len(rated)
                    else None)
    out["outside"] = int((~_within(cells, OUTSIDE)).sum())
    return out


def reconcile(wh: Warehouse, *, categories: Sequence[str] | None = None,
              period: tuple[str | None, str | None] = (None, None),
              count: str = "points") -> Reconciliation:
    """Reconcile the Met's police.uk points with the MPS borough tables.

    ``categories`` are police.uk crime types (default: every type with an MPS counterpart
    that the warehouse holds); ``period`` limits the months (inclusive, ``YYYY-MM``);
    ``count`` is ``points`` (the published points: police.uk lists a crime once per
    outcome or location, so a Crime ID can give several) or ``crimes`` (a Crime ID once).
    """
    if count not in COUNTS:
        raise UserError(f"unknown count {count!r}", hint="choose points or crimes")
    matches = _matches(categories)
    types = [m.police_type for m in matches]
    majors = sorted({major for m in matches for major in m.majors})
    police = queries.police_counts(wh, reported_by=MPS_FORCE, crime_types=types)
    months = queries.police_months(wh, reported_by=MPS_FORCE, crime_types=types)
    mps = queries.mps_borough_counts(wh, majors)
    notes: list[str] = []
    if police.empty:
        notes.append("no police.uk rows of the Metropolitan Police Service for these crime "
                     "types: run vrhub load police <YYYY-MM-metropolitan-street.csv>")
    if mps.empty:
        notes.append("no MPS borough counts for these categories: run vrhub load mps "
                     "<recorded-crime-borough.csv>")
    first, last = period
    in_period = _period_filter(first, last)
    police = police[in_period(police["month"])]
    mps = mps[in_period(mps["month"])]
    police["borough_code"] = police["lsoa_borough"].map(LONDON_BOROUGHS)
    measure = count

    all_cells = []
    compared_months: dict[str, set[str]] = {}
    for match in matches:
        m_part = _mps_cells(mps, match)
        p_months = set(months.loc[months["crime_type"] == match.police_type, "month"])
        both = sorted(p_months & set(m_part["month"]))
        compared_months[match.police_type] = set(both)
        if not both:
            continue
        attributed = m_part[m_part["borough_code"].notna() & m_part["month"].isin(both)]
        mps_cells = attributed.groupby(["borough_code", "month"])["count"].sum()
        boroughs = sorted(set(attributed["borough_code"]))
        grid = pd.MultiIndex.from_product([boroughs, both], names=["borough_code", "month"])
        p_part = police[(police["crime_type"] == match.police_type)
                        & police["borough_code"].isin(boroughs)]
        p_cells = p_part.groupby(["borough_code", "month"])[measure].sum()
        cells = pd.DataFrame({"police": p_cells.reindex(grid, fill_value=0),
                              "mps": mps_cells.reindex(grid, fill_value=0)}).reset_index()
        cells.insert(0, "category", match.police_type)
        cells.insert(2, "borough_name", cells["borough_code"].map(BOROUGH_NAMES))
        cells["match"] = match.match
        all_cells.append(cells)
    columns = ["category", "borough_code", "borough_name", "month", "police", "mps", "match"]
    cells = (pd.concat(all_cells, ignore_index=True) if all_cells
             else pd.DataFrame(columns=columns))
    cells["police"] = cells["police"].astype("int64")
    cells["mps"] = cells["mps"].astype("int64")
    cells["ratio"] = np.where(cells["mps"] > 0, cells["police"] / cells["mps"].where(
        cells["mps"] > 0, 1), np.nan)
    cells["ratio"] = cells["ratio"].astype("float64")

    summary = []
    for match in matches:
        part = cells[cells["category"] == match.police_type]
        if part.empty:
            continue
        summary.append({"category": match.police_type, "mps_majors": list(match.majors),
                        "mps_minors": list(match.minors), "match": match.match,
                        **_summary(part)})
    if len(summary) > 1:
        summary.append({"category": "all", "mps_majors": majors, "mps_minors": [],
                        "match": "", **_summary(cells)})
    outside = cells[~_within(cells, OUTSIDE)].copy()
    outside["distance"] = (outside["ratio"] - 1).abs()
    outside = outside.sort_values(["distance", "category", "borough_code", "month"],
                                  ascending=[False, True, True, True], na_position="first")
    outside = outside.drop(columns="distance").reset_index(drop=True)
    causes = _causes(wh, police, mps, matches, compared_months)
    if not summary and not notes:
        notes.append("police.uk and the MPS tables share no month for these crime types")
    return Reconciliation(count=count, cells=cells, summary=summary, outside=outside,
                          causes=causes, notes=notes)


def _period_filter(first: str | None, last: str | None) -> Any:
    from vrhub.standards.months import Month

    lo = str(Month.parse(first)) if first else None
    hi = str(Month.parse(last)) if last else None
    if lo and hi and lo > hi:
        raise UserError(f"the period starts ({lo}) after it ends ({hi})",
                        hint="give --from before --to")

    def keep(months: pd.Series) -> pd.Series:
        mask = pd.Series(True, index=months.index)
        if lo:
            mask &= months >= lo
        if hi:
            mask &= months <= hi
        return mask
    return keep


def _causes(wh: Warehouse, police: pd.DataFrame, mps: pd.DataFrame,
            matches: list[CategoryMatch], compared: dict[str, set[str]]
            ) -> list[dict[str, Any]]:
    keep = pd.Series(False, index=police.index)
    for match in matches:
        keep |= (police["crime_type"] == match.police_type) & police["month"].isin(
            compared.get(match.police_type, set()))
    p = police[keep]
    mps_total = 0
    unattributed = 0
    for match in matches:
        part = _mps_cells(mps, match)
        part = part[part["month"].isin(compared.get(match.police_type, set()))]
        mps_total += int(part.loc[part["borough_code"].notna(), "count"].sum())
        unattributed += int(part.loc[part["borough_code"].isna(), "count"].sum())
    no_lsoa = p["lsoa_borough"].isna()
    city = p["borough_code"] == CITY
    london = p["borough_code"].notna()
    placed = p["placed_borough_code"].notna() & london
    snapped = placed & (p["placed_borough_code"] != p["borough_code"])
    other = queries.other_force_rows(wh, reported_by=MPS_FORCE,
                                     crime_types=[m.police_type for m in matches])
    figures = {
        "no_location": int(p.loc[no_lsoa, "points"].sum()),
        "snapping": int(p.loc[snapped, "points"].sum()) if placed.any() else None,
        "city_lsoa": int(p.loc[city, "points"].sum()),
        "other_force": int(other["rows"].sum()),
        "outside_london": int(p.loc[~no_lsoa & ~london, "points"].sum()),
        "mps_unattributed": unattributed,
        "repeated_id": int(p["points"].sum() - p["crimes"].sum()),
        "recording_date": None,
    }
    out = []
    for key, explanation in CAUSES.items():
        figure = figures[key]
        note = None
        if key == "snapping" and figure is None:
            note = "load the borough boundaries (vrhub load boundaries) to measure it"
        out.append({"cause": key, "figure": figure,
                    "share_of_mps": (figure / mps_total if figure is not None and mps_total
                                     else None),
                    "explanation": explanation, "note": note})
    return out
