"""The sections around the figures: the definition used, the data sources and their
caveats, services set against where violence concentrates, and the recommendations.

Services: ``opportunities`` is one row per place an opportunity is offered
(``service_id``, ``name``, ``easting``, ``northing``; the directory's active listings,
:func:`opportunities_from_rows`). Each is placed in its ward; wards in the top quarter of
the area's wards by rate of the place category that hold at most :data:`FEW` places are
named as gaps.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import shapely

from vrhub.partnership.sna_data import LOAD_HINTS, SourceData
from vrhub.partnership.sna_model import SECTION_TITLES, Area, Section, unavailable
from vrhub.partnership.sna_where import ward_table
from vrhub.standards.months import Month, month_span

FEW = 1
OPPORTUNITY_COLUMNS = ("service_id", "name", "easting", "northing")


def definition(data: SourceData, area: Area) -> Section:
    spec = data.definition
    table = pd.DataFrame({
        "key": [c.key for c in spec.categories],
        "category": [c.label for c in spec.categories],
        "mps_category": [
            f"{c.dashboard.crime_subtype} (Monthly Crime Dashboard, {c.dashboard.measure.lower()})"
            if c.dashboard is not None else c.mps for c in spec.categories],
        "in_total": ["yes" if c.in_total else "no" for c in spec.categories],
        "in_loaded_data": ["yes" if c.key in data.coverage else "no"
                           for c in spec.categories]})
    figures: dict[str, Any] = {"definition_version": spec.version,
                               "categories": len(spec.categories),
                               "place_category": spec.place_category}
    return Section("definition", SECTION_TITLES["definition"], True, None, figures,
                   {"definition": table}, (f"{spec.name} (version {spec.version}).",
                                           spec.description),
                   notes=(f"Places are mapped by {spec.place_category.lower()}; hotspots are "
                          f"found in police.uk {spec.hotspot_category.lower()}.",))


def _gaps(months: list[str], start: str, end: str) -> list[str]:
    have = set(months)
    return [m for m in month_span(start, end) if m not in have]


def _span_text(months: list[str]) -> str:
    if not months:
        return "none"
    return f"{Month.parse(months[0]).label} to {Month.parse(months[-1]).label}"


def sources(data: SourceData, area: Area) -> Section:
    rows = []
    mps = sorted({m for months in data.coverage.values() for m in months
                  if m >= data.start})
    mps_gaps = _gaps(mps, mps[0], data.end) if mps else []
    rows.append({"source": "MPS recorded crime (London Datastore), by borough",
                 "months": _span_text(mps), "months_missing": len(mps_gaps),
                 "caveat": "counted by the month recorded; the City of London's crime is "
                 "recorded by its own force and is not included"
                 if mps else data.missing.get("mps", "not loaded")})
    for level, frame in (("ward", data.ward_counts), ("LSOA", data.lsoa_counts)):
        months = sorted(frame["month"].unique()) if len(frame) else []
        rows.append({"source": f"MPS recorded crime, by {level}", "months": _span_text(months),
                     "months_missing": len(_gaps(months, months[0], data.end))
                     if months else None,
                     "caveat": "offences against pseudo-areas (e.g. airports) are left out"
                     if months else data.missing.get(f"mps_{level.lower()}", "not loaded")})
    if data.points is not None:
        mine = data.points[data.points["borough_code"].isin(area.boroughs)]
        months = sorted(mine["date"].dt.strftime("%Y-%m").unique()) if len(mine) else []
        rows.append({"source": "police.uk street-level crime",
                     "months": _span_text(months),
                     "months_missing": len(_gaps(months, months[0], data.end))
                     if months else None,
                     "caveat": "each crime moved to an anonymised point on a nearby street; "
                     "crimes with a blank location are not mapped"})
    else:
        rows.append({"source": "police.uk street-level crime", "months": "none",
                     "months_missing": None, "caveat": data.missing.get("police", "")})
    if data.ed is not None:
        mine = data.ed[data.ed["borough_code"].isin(area.boroughs)]
        months = sorted(mine["month"].unique()) if len(mine) else []
        rows.append({"source": "ED assault attendances (ISTV)", "months": _span_text(months),
                     "months_missing": len(_gaps(months, data.latest_start, data.end)),
                     "caveat": "only EDs that submit are counted; records that could not "
                     "be geocoded have no borough and are not counted here"})
    else:
        rows.append({"source": "ED assault attendances (ISTV)", "months": "none",
                     "months_missing": None, "caveat": data.missing.get("istv", "")})
    rows.append({"source": "Indices of Deprivation 2025", "months": "2025",
                 "months_missing": None, "caveat": "LSOA 2021; wards take the average rank"
                 if data.imd is not None else data.missing.get("imd", "not loaded")})
    rows.append({"source": "Resident population (LSOA 2021)", "months": "",
                 "months_missing": None,
                 "caveat": "; ".join(data.notes.get("population", []))
                 or data.missing.get("population", "not loaded")})
    table = pd.DataFrame(rows)
    missing = [f"{key}: {why}" for key, why in sorted(data.missing.items())]
    figures: dict[str, Any] = {"mps_months": len(mps), "mps_months_missing": len(mps_gaps),
                               "ed_months": len(data.ed_coverage),
                               "sources_missing": len(data.missing)}
    text = [f"Police figures cover {_span_text(mps)}"
            + (f", with {len(mps_gaps)} month(s) missing." if mps_gaps else "."),
            ("ED data: " + (f"{len(data.ed_coverage)} of the latest 12 months have records."
                            if data.ed is not None else "none loaded."))]
    notes = tuple([*data.notes.get("mps", [])[:6], *data.notes.get("police", [])])
    return Section("sources", SECTION_TITLES["sources"], True,
                   ("Missing: " + "; ".join(missing)) if missing else None, figures,
                   {"sources": table}, tuple(text), notes=notes)


def opportunities_from_rows(services: list[tuple[Any, ...]], places: list[tuple[Any, ...]]
                            ) -> pd.DataFrame:
    """The directory's active listings at their places, as :func:`services` takes them
    (``services`` and ``places`` in the order of
    :class:`vrhub.storage.directory_reads.DirectoryRows`)."""
    active = {str(r[0]): str(r[1]) for r in services if str(r[3]) == "active"}
    rows = [(str(p[1]), active[str(p[1])], p[4], p[5]) for p in places
            if str(p[1]) in active and p[4] is not None and p[5] is not None]
    return pd.DataFrame(rows, columns=list(OPPORTUNITY_COLUMNS))


def services(data: SourceData, area: Area, opportunities: pd.DataFrame | None) -> Section:
    if opportunities is None or not len(opportunities):
        return unavailable("services", "the opportunities directory holds no listings with "
                           "a place yet, so provision cannot be set against violence; "
                           "import the partnership's Open Referral UK feeds "
                           "(vrhub directory import ...)")
    wards = ward_table(data, area)
    geoms = data.geometries.get("ward")
    if not len(wards) or geoms is None:
        return unavailable("services", "there are no ward counts or ward boundaries to set "
                           "provision against: load the MPS ward table and boundaries ("
                           f"{LOAD_HINTS['mps']}; {LOAD_HINTS['boundaries']})")
    missing = [c for c in OPPORTUNITY_COLUMNS if c not in opportunities.columns]
    if missing:
        return unavailable("services", f"the opportunities have no {missing[0]} column")
    mine = geoms[geoms["area_code"].isin(wards["ward_code"])]
    tree = shapely.STRtree(mine.geometry.to_numpy())
    xy = opportunities[["easting", "northing"]].to_numpy(dtype="float64")
    hits = tree.query(shapely.points(xy[:, 0], xy[:, 1]), predicate="within")
    codes = mine["area_code"].to_numpy()
    placed = pd.Series(codes[hits[1]]).value_counts()
    table = wards[["ward_code", "ward", "count", "rate_per_1000"]].copy()
    table["opportunities"] = table["ward_code"].map(placed).fillna(0).astype(int)
    rates = table["rate_per_1000"].to_numpy(dtype="float64")
    cut = float(np.nanquantile(rates, 0.75)) if np.isfinite(rates).any() else np.inf
    table["high_violence"] = table["rate_per_1000"] >= cut
    gaps = table[table["high_violence"] & (table["opportunities"] <= FEW)]
    table = table.sort_values(["high_violence", "opportunities", "rate_per_1000"],
                              ascending=[False, True, False]).reset_index(drop=True)
    figures: dict[str, Any] = {"opportunity_places": len(hits[0]),
                               "high_violence_wards": int(table["high_violence"].sum()),
                               "gap_wards": len(gaps)}
    text = [f"{len(hits[0]):,} places where opportunities are offered lie in the area."]
    if len(gaps):
        text.append("Wards with high violence and little provision (at most "
                    f"{FEW} place): " + ", ".join(gaps["ward"].astype(str)) + ".")
    else:
        text.append("Every ward in the top quarter by violence has more than "
                    f"{FEW} place offering opportunities.")
    return Section("services", SECTION_TITLES["services"], True, None, figures,
                   {"provision": table}, tuple(text),
                   notes=("High violence: the top quarter of the area's wards by rate of "
                          f"{data.definition.place_category.lower()} per 1,000 residents. "
                          "Provision counts the places of active directory listings.",))


def recommendations(text: str) -> Section:
    paragraphs = tuple(p.strip() for p in text.replace("\r\n", "\n").split("\n\n")
                       if p.strip())
    if not paragraphs:
        return unavailable("recommendations", "the partnership has not written its "
                           "recommendations for this edition yet")
    return Section("recommendations", SECTION_TITLES["recommendations"], True, None,
                   {"recommendation_paragraphs": len(paragraphs)}, {}, paragraphs)
