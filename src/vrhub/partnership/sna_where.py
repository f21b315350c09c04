"""The "where" section: the definition's place category by ward and LSOA (counts and
rates per 1,000, mapped), hotspots classed persistent / emerging / intermittent over two
years of police.uk street-level points, and violence by the deprivation of the ward.

* Ward and LSOA figures are MPS recorded crime (the latest 12 months; wards also the 12
  before), rates per 1,000 residents.
* Hotspots: :func:`vrhub.analytics.classify.hotspot_classify` (Gi* per quarter on the
  same grid, Holm-adjusted per cell; sfhotspot's rules) over the 24 months ending at the
  assessment's last month, 250 m cells (500 m London-wide).
* Violence x deprivation: each ward's IMD 2025 decile (its LSOAs' average rank weighted
  by residents, :func:`vrhub.reports.violence_analysis.area_deprivation`, the derivation
  the overview and ``vrhub deprivation`` use), then rates by decile with exact limits
  (:func:`vrhub.analytics.deprivation.rates_by_decile`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import shapely

from vrhub.analytics.classify import hotspot_classify
from vrhub.analytics.deprivation import rates_by_decile
from vrhub.errors import UserError
from vrhub.partnership import sna_maps
from vrhub.partnership.sna_data import SourceData
from vrhub.partnership.sna_model import SECTION_TITLES, Area, Section, unavailable
from vrhub.standards.months import shift

CELL_M = 250.0
LONDON_CELL_M = 500.0
TOP_AREAS = 10
SHOWN_CELLS = ("persistent hotspot", "emerging hotspot", "intermittent hotspot")


def _in_area(codes: pd.Series, owner: dict[str, str], area: Area) -> pd.Series:
    return codes.astype(str).map(owner).isin(area.boroughs)


def ward_table(data: SourceData, area: Area) -> pd.DataFrame:
    counts = data.ward_counts
    if not len(counts):
        return pd.DataFrame()
    counts = counts[_in_area(counts["area_code"], data.ward_borough, area)]
    if not len(counts):
        return pd.DataFrame()
    start = data.latest_start
    current = counts[counts["month"] >= start].groupby("area_code")["count"].sum()
    previous = counts[(counts["month"] < start)
                      & (counts["month"] >= shift(start, -12))].groupby("area_code")[
        "count"].sum()
    population = data.population.get("ward", pd.Series(dtype=float))
    codes = sorted(set(counts["area_code"].astype(str)))
    frame = pd.DataFrame({
        "ward_code": codes, "ward": [data.ward_names.get(c, c) for c in codes],
        "count": [int(current.get(c, 0)) for c in codes],
        "previous": [int(previous.get(c, 0)) for c in codes],
        "population": [float(population.get(c, np.nan)) for c in codes]})
    frame["rate_per_1000"] = (frame["count"] / frame["population"] * 1000).round(2)
    return frame.sort_values(["count", "ward"], ascending=[False, True]).reset_index(drop=True)


def previous_months_covered(data: SourceData) -> int:
    """Months of the 12 before the latest 12 that the ward counts hold."""
    start = data.latest_start
    months = set(data.ward_counts["month"].astype(str))
    return sum(shift(start, -k) in months for k in range(1, 13))


def lsoa_table(data: SourceData, area: Area) -> pd.DataFrame:
    counts = data.lsoa_counts
    if not len(counts):
        return pd.DataFrame()
    counts = counts[_in_area(counts["area_code"], data.lsoa_borough, area)
                    & (counts["month"] >= data.latest_start)]
    if not len(counts):
        return pd.DataFrame()
    summed = counts.groupby("area_code").agg(count=("count", "sum"),
                                             name=("area_name", "first"))
    population = data.population.get("lsoa", pd.Series(dtype=float))
    frame = pd.DataFrame({"lsoa_code": summed.index.astype(str),
                          "lsoa": summed["name"].astype(str).to_numpy(),
                          "count": summed["count"].astype(int).to_numpy()})
    frame["population"] = frame["lsoa_code"].map(population).astype(float)
    frame["rate_per_1000"] = (frame["count"] / frame["population"] * 1000).round(2)
    return frame.sort_values(["count", "lsoa_code"], ascending=[False, True]).reset_index(
        drop=True)


def hotspots(data: SourceData, area: Area) -> tuple[pd.DataFrame, float, str | None]:
    """Classified cells with events (and the cell size), or a reason there are none."""
    if data.points is None:
        return pd.DataFrame(), CELL_M, data.missing.get("police")
    boroughs = data.geometries.get("borough")
    if boroughs is None:
        return pd.DataFrame(), CELL_M, data.missing.get("boundaries")
    points = data.points[data.points["borough_code"].isin(area.boroughs)]
    if len(points) < 20:
        return pd.DataFrame(), CELL_M, (
            f"too few located police.uk {data.definition.hotspot_category.lower()} "
            f"({len(points)}) in the 24 months to {data.end} to look for hotspots; load "
            "the police.uk street files for these months (vrhub load police ...)")
    shape = shapely.union_all(boroughs[boroughs["area_code"].isin(area.boroughs)]
                              .geometry.to_numpy())
    cell = LONDON_CELL_M if area.is_london else CELL_M
    try:
        result = hotspot_classify(points, shape, cell_size=cell, period="3 months",
                                  start=pd.Timestamp(f"{shift(data.end, -23)}-01"))
    except UserError as exc:
        return pd.DataFrame(), cell, f"no hotspot classification: {exc.message}"
    frame = result.frame
    frame = frame[frame["classification"].isin(SHOWN_CELLS)].copy()
    order = {c: i for i, c in enumerate(SHOWN_CELLS)}
    frame["order"] = frame["classification"].map(order)
    frame = frame.sort_values(["order", "periods_hot", "n"], ascending=[True, False, False])
    frame["ward"] = _ward_of(data, frame["x"].to_numpy(), frame["y"].to_numpy())
    out = frame[["x", "y", "ward", "classification", "periods_hot", "n"]].rename(
        columns={"n": "count", "periods_hot": "quarters_hot"}).reset_index(drop=True)
    return out, cell, None


def _ward_of(data: SourceData, x: np.ndarray, y: np.ndarray) -> list[str]:
    wards = data.geometries.get("ward")
    if wards is None or not len(x):
        return ["" for _ in x]
    tree = shapely.STRtree(wards.geometry.to_numpy())
    found = tree.query(shapely.points(x, y), predicate="within")
    names = ["" for _ in x]
    codes = wards["area_code"].to_numpy()
    for point, ward in zip(found[0], found[1], strict=True):
        names[point] = data.ward_names.get(str(codes[ward]), str(codes[ward]))
    return names


def deprivation_table(data: SourceData, area: Area, wards: pd.DataFrame) -> pd.DataFrame:
    if data.ward_deprivation is None or not len(wards):
        return pd.DataFrame()
    decile = data.ward_deprivation.set_index("area_code")["imd_decile"]
    frame = wards.assign(imd_decile=wards["ward_code"].map(decile))
    frame = frame.dropna(subset=["population", "imd_decile"])
    if not len(frame):
        return pd.DataFrame()
    table = rates_by_decile(frame[["count", "population", "imd_decile"]])
    return table.round({"rate_per_1000": 2, "rate_lower": 2, "rate_upper": 2,
                        "share_of_events": 3, "share_of_population": 3})


def ward_findings(wards: pd.DataFrame, place: str) -> tuple[dict[str, Any], list[str]]:
    """Figures and a sentence from the ward table (full or disclosure-controlled)."""
    counts = pd.to_numeric(wards["count"], errors="coerce").fillna(0)
    ordered = wards.assign(_n=counts).sort_values("_n", ascending=False, kind="stable")
    top = ordered.head(3)
    total = float(counts.sum())
    share = float(top["_n"].sum()) / total if total else 0.0
    figures = {"wards": len(wards), "top_ward": str(ordered.iloc[0]["ward"]),
               "top_3_wards_share_pct": round(share * 100, 1)}
    return figures, [f"The three wards with most {place} ({', '.join(top['ward'])}) recorded "
                     f"{share:.0%} of the area's {int(total):,} offences in the latest 12 "
                     "months."]


def deprivation_findings(table: pd.DataFrame, place: str
                         ) -> tuple[dict[str, Any], list[str]]:
    """The most- against least-deprived rate ratio from the rates by decile."""
    counts = pd.to_numeric(table["count"], errors="coerce")
    most = table[(table["imd_decile"] <= 2) & counts.notna()]
    least = table[(table["imd_decile"] >= 9) & counts.notna()]
    if not len(most) or not len(least) or not least["count"].sum():
        return {}, []
    ratio = (most["count"].sum() / most["population"].sum()) / (
        least["count"].sum() / least["population"].sum())
    return ({"deprived_to_least_deprived_ratio": round(float(ratio), 2)},
            [f"Wards in England's most deprived 20% record {ratio:.1f} times the rate of "
             f"{place} of those in the least deprived 20%."])


def section(data: SourceData, area: Area) -> Section:
    wards = ward_table(data, area)
    lsoas = lsoa_table(data, area)
    cells, cell_size, hot_reason = hotspots(data, area)
    if not len(wards) and not len(lsoas) and not len(cells):
        return unavailable("where", "there are no ward or LSOA counts and no located "
                           "police.uk points for this area: load the MPS ward and LSOA "
                           "tables (vrhub load mps ...) and police.uk street files "
                           "(vrhub load police ...)" + (f"; {hot_reason}" if hot_reason
                                                         else ""))
    place = data.definition.place_category.lower()
    tables: dict[str, pd.DataFrame] = {}
    figures: dict[str, Any] = {}
    text: list[str] = []
    notes: list[str] = []
    maps: list[tuple[str, str]] = []
    outline = None
    boroughs = data.geometries.get("borough")
    if boroughs is not None:
        mine = boroughs[boroughs["area_code"].isin(area.boroughs)]
        outline = shapely.union_all(mine.geometry.to_numpy()) if len(mine) else None
    if len(wards):
        tables["wards"] = wards
        before = previous_months_covered(data)
        if before < 12:
            notes.append(f"Wards: the year before covers {before} of its 12 months (the "
                         "ward counts loaded start later), so its counts are not a whole "
                         "year's; load the historical ward table (vrhub load mps "
                         "recorded-crime-ward-historical.csv) for the whole year.")
        found, sentences = ward_findings(wards, place)
        figures.update(found)
        text.extend(sentences)
        geoms = data.geometries.get("ward")
        if geoms is not None:
            shown = geoms[geoms["area_code"].isin(wards["ward_code"])]
            rates = dict(zip(wards["ward_code"], wards["rate_per_1000"], strict=True))
            svg = sna_maps.choropleth(
                shown, rates, map_id="map-wards", outline=outline,
                title=f"Map of {area.name}'s wards shaded by {place} per 1,000 residents, "
                "latest 12 months, darker is higher; the figures are in the ward table",
                legend="per 1,000 residents",
                cells=[(x, y, k) for x, y, k in zip(cells.get("x", []), cells.get("y", []),
                                                    cells.get("classification", []),
                                                    strict=True)],
                cell_size=cell_size)
            if svg:
                maps.append(("wards", svg))
    if len(lsoas):
        figures["lsoas"] = len(lsoas)
        tables["lsoas"] = lsoas
        geoms = data.geometries.get("lsoa")
        if geoms is not None and not area.is_london:
            shown = geoms[geoms["area_code"].isin(lsoas["lsoa_code"])]
            rates = dict(zip(lsoas["lsoa_code"], lsoas["rate_per_1000"], strict=True))
            svg = sna_maps.choropleth(
                shown, rates, map_id="map-lsoas", outline=outline,
                title=f"Map of {area.name}'s LSOAs shaded by {place} per 1,000 residents, "
                "latest 12 months; the figures are in the LSOA table",
                legend="per 1,000 residents")
            if svg:
                maps.append(("lsoas", svg))
    if len(cells):
        tables["hotspots"] = cells
        kinds = cells["classification"].value_counts()
        for kind in SHOWN_CELLS:
            figures[kind.replace(" ", "_") + "_cells"] = int(kinds.get(kind, 0))
        persistent = cells[cells["classification"] == "persistent hotspot"]
        where = ", ".join(dict.fromkeys(w for w in persistent["ward"] if w))
        text.append(f"{int(kinds.get('persistent hotspot', 0))} grid cells of "
                    f"{cell_size:.0f} m are persistent hotspots and "
                    f"{int(kinds.get('emerging hotspot', 0))} emerging"
                    + (f"; the persistent ones lie in {where}." if where else "."))
        notes.append(f"Hotspots: police.uk {data.definition.hotspot_category.lower()}, "
                     f"Getis-Ord Gi* per quarter over the 24 months to {data.end} on "
                     f"{cell_size:.0f} m cells; a cell is persistent when significant in at "
                     "least 80% of quarters, emerging when significant only recently. "
                     "police.uk moves each crime to a nearby anonymised point on a street.")
    elif hot_reason:
        notes.append(f"Hotspots: {hot_reason}")
    deprivation = deprivation_table(data, area, wards)
    if len(deprivation):
        tables["deprivation"] = deprivation
        found, sentences = deprivation_findings(deprivation, place)
        figures.update(found)
        text.extend(sentences)
    elif "imd" in data.missing:
        notes.append(f"Violence by deprivation: {data.missing['imd']}")
    return Section("where", SECTION_TITLES["where"], True, None, figures, tables,
                   tuple(text), tuple(maps), tuple(notes))
