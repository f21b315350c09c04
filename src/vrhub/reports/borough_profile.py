"""The board-ready borough profile: one or two printed pages a community-safety manager can
put in front of a board, and the same as an accessible web page.

Computed once here, rendered by the web layer (HTML page and a WeasyPrint PDF of the same
content):

* headline changes in plain English with an exact 95% interval for the ratio of two
  Poisson counts (this year's 12 months against the 12 before; the conditional binomial
  method of :func:`vrhub.analytics.poisson.rate_ratio`, through
  :func:`vrhub.analytics.trends.year_on_year`): "Violence with injury fell 8% (95% CI 3% to
  12%) in the year to October 2025";
* the borough's violence hotspots (Gi*, police.uk violence and sexual offences, latest 12
  months) named by ward and nearest street, drawn on a map of its wards (an SVG made here,
  so the PDF needs no JavaScript);
* the ward table: violence with injury this year and last, per 1,000 residents;
* ED assaults against police-recorded violence with injury per ward, through the one ED
  decision (:meth:`vrhub.access.policy.Policy.ed_figures`): exact inside the reader's scope,
  disclosure-controlled outside it;
* the period and the data caveats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely

from vrhub.access.ed_figures import EDView
from vrhub.analytics import disclosure as sdc
from vrhub.analytics import hotspots
from vrhub.errors import UserError
from vrhub.places.labels import place_labels
from vrhub.reports import ed_figures, headlines
from vrhub.reports.overview_figures import VIOLENCE_WITH_INJURY
from vrhub.standards.months import Month, shift
from vrhub.storage.points import load_points, load_study_area
from vrhub.storage.queries import areas as area_queries
from vrhub.storage.series import (
    area_geometries,
    istv_counts_by_age,
    monthly_counts,
    population_by_area,
)
from vrhub.storage.warehouse import Warehouse

HOTSPOT_CATEGORY = "Violence and sexual offences"
HOTSPOT_CELL_M = 150
NAMED_HOTSPOTS = 5
MAP_WIDTH = 640


@dataclass(frozen=True)
class Headline:
    category: str
    current: int
    previous: int
    ratio: float
    lower: float
    upper: float
    p_value: float
    start: str
    end: str
    complete: bool

    @property
    def sentence(self) -> str:
        """The change in plain English with its 95% interval."""
        name = self.category[:1].upper() + self.category[1:].lower()
        year = f"in the year to {Month.parse(self.end).label}"
        counts = f"({self.current:,} against {self.previous:,} the year before)"
        if not math.isfinite(self.ratio) or self.previous == 0:
            return f"{name}: {self.current:,} {year}, none the year before."
        if self.upper < 1:
            return (f"{name} fell {pct(1 - self.ratio)} (95% CI {pct(1 - self.upper)} to "
                    f"{pct(1 - self.lower)}) {year} {counts}.")
        if self.lower > 1:
            return (f"{name} rose {pct(self.ratio - 1)} (95% CI {pct(self.lower - 1)} to "
                    f"{pct(self.upper - 1)}) {year} {counts}.")
        return (f"{name} was little changed {year}: {signed(self.ratio)} (95% CI "
                f"{signed(self.lower)} to {signed(self.upper)}), within what chance alone "
                f"could give {counts}.")


def pct(fraction: float) -> str:
    return f"{abs(fraction) * 100:.0f}%"


def signed(ratio: float) -> str:
    """A ratio as a change: 0.93 -> '7% lower', 1.05 -> '5% higher'."""
    if not math.isfinite(ratio):
        return "no upper limit"
    change = (ratio - 1) * 100
    if round(change) == 0:
        return "no change"
    return f"{abs(change):.0f}% {'higher' if change > 0 else 'lower'}"


@dataclass
class BoroughProfile:
    code: str
    name: str
    start: str
    end: str
    headlines: list[Headline]
    wards: list[dict[str, Any]]
    hotspots: list[dict[str, Any]]
    map_svg: str
    ed_police: list[dict[str, Any]]
    ed_detail: str
    caveats: list[str] = field(default_factory=list)
    ed_ages: bool = False
    """Whether the ED rows carry an under-25 count (the ED records have age bands)."""
    versus: dict[str, Any] | None = None
    """The headline categories against similar boroughs and London (set by the caller
    from :func:`vrhub.reports.comparison.compare`, cached with the borough page's)."""

    @property
    def period(self) -> str:
        return f"{Month.parse(self.start).label} to {Month.parse(self.end).label}"


def headline_changes(wh: Warehouse, borough: str, end: str) -> list[Headline]:
    """Latest 12 months against the 12 before for the headline categories the data hold."""
    try:
        yoy = headlines.headline_changes(wh, borough, end).frame
    except UserError:
        return []
    return [Headline(str(row["category"]), int(row["current"]), int(row["previous"]),
                     float(row["rate_ratio"]), float(row["ratio_lower"]),
                     float(row["ratio_upper"]), float(row["p_value"]),
                     str(row["current_from"]), str(row["current_to"]), bool(row["complete"]))
            for _, row in yoy.iterrows()]


def ward_table(wh: Warehouse, borough: str, end: str) -> list[dict[str, Any]]:
    """Violence with injury per ward: this year, the year before, per 1,000 residents."""
    counts = monthly_counts(wh, source="mps", level="ward", areas=[borough],
                            categories=[VIOLENCE_WITH_INJURY],
                            period=(shift(end, -23), end)).data
    if not len(counts):
        return []
    start = shift(end, -11)
    current = counts[counts["month"] >= start].groupby("area_code")["count"].sum()
    previous = counts[counts["month"] < start].groupby("area_code")["count"].sum()
    names = counts.groupby("area_code")["area_name"].first()
    try:
        population = population_by_area(wh, "ward")[0].set_index("area_code")["population"]
    except UserError:
        population = pd.Series(dtype=float)
    rows = []
    for code in names.index:
        n = int(current.get(code, 0))
        people = population.get(code)
        rows.append({"code": str(code), "name": str(names[code]), "current": n,
                     "previous": int(previous.get(code, 0)),
                     "rate": round(n / float(people) * 1000, 1)
                     if people is not None and pd.notna(people) and people > 0 else None})
    return sorted(rows, key=lambda r: (-r["current"], r["name"]))


def named_hotspots(wh: Warehouse, borough: str, start: str, end: str
                   ) -> tuple[pd.DataFrame, list[dict[str, Any]], float]:
    """Gi* hotspot cells of violence in the borough (frame of cells, the strongest named,
    the cell size); empty when there are no located events."""
    last_day = Month.parse(end).last_day.isoformat()
    points = load_points(wh, "police", [HOTSPOT_CATEGORY], start=f"{start}-01", end=last_day,
                         borough=borough)
    if len(points.frame) < 10:
        return pd.DataFrame(columns=["x", "y"]), [], float(HOTSPOT_CELL_M)
    area = load_study_area(wh, borough)
    result = hotspots.run(points.frame, area.geometry, "gistar", cell_size=HOTSPOT_CELL_M)
    frame = result.frame
    hot = frame[frame["hotspot"].astype(str) == "hotspot"].sort_values(
        "gistar_z", ascending=False)
    # a significant cell may hold no offence itself (its neighbours make it hot): the named
    # ones are where offences were recorded
    top = hot[hot["n"] > 0].head(NAMED_HOTSPOTS)
    places = place_labels(wh, top["x"].to_numpy(float), top["y"].to_numpy(float))
    named = [{"number": i + 1, "place": p or "Outside the loaded wards", "events": int(n),
              "z": round(float(z), 1), "x": float(x), "y": float(y)}
             for i, (p, n, z, x, y) in enumerate(zip(places, top["n"], top["gistar_z"],
                                                     top["x"], top["y"], strict=True))]
    return hot, named, float(result.grid.cell_size)


def hotspot_map(wh: Warehouse, borough: str, cells: pd.DataFrame, named: list[dict[str, Any]],
                cell_size: float, title: str) -> str:
    """An SVG map of the borough's wards (outlined and named), its hotspot cells and the
    numbers of the named hotspots; British National Grid, north up."""
    wards = area_geometries(wh, "ward")
    boroughs = area_geometries(wh, "borough")
    if boroughs is None:
        return ""
    outline = boroughs[boroughs["area_code"] == borough]
    if not len(outline):
        return ""
    xmin, ymin, xmax, ymax = outline.total_bounds
    pad = 150.0
    xmin, ymin, xmax, ymax = xmin - pad, ymin - pad, xmax + pad, ymax + pad
    scale = MAP_WIDTH / (xmax - xmin)
    height = (ymax - ymin) * scale

    def path(geom: Any) -> str:
        parts = []
        polygons = getattr(geom, "geoms", [geom])
        for polygon in polygons:
            for ring in [polygon.exterior, *polygon.interiors]:
                xy = np.asarray(ring.coords)
                px = (xy[:, 0] - xmin) * scale
                py = (ymax - xy[:, 1]) * scale
                parts.append("M" + "L".join(f"{a:.1f},{b:.1f}" for a, b in
                                            zip(px, py, strict=True)) + "Z")
        return "".join(parts)

    shapes = []
    labels = []
    if wards is not None:
        mine = wards[wards.intersects(outline.geometry.iloc[0].buffer(-50))]
        by_code = area_queries.names_at_level(wh, "ward22")
        for code, geom in zip(mine["area_code"], mine.geometry, strict=True):
            simple = shapely.simplify(geom, 10)
            shapes.append(f'<path class="ward" d="{path(simple)}"/>')
            at = shapely.point_on_surface(geom)
            labels.append(f'<text class="ward-name" x="{(at.x - xmin) * scale:.1f}" '
                          f'y="{(ymax - at.y) * scale:.1f}">{_escape(by_code.get(code, code))}'
                          "</text>")
    side = cell_size * scale
    for x, y in zip(cells["x"], cells["y"], strict=True):  # over the ward fills
        shapes.append(f'<rect class="hot" x="{(x - cell_size / 2 - xmin) * scale:.1f}" '
                      f'y="{(ymax - y - cell_size / 2) * scale:.1f}" width="{side:.1f}" '
                      f'height="{side:.1f}"/>')
    border = shapely.simplify(outline.geometry.iloc[0], 10)
    shapes.append(f'<path class="borough" d="{path(border)}"/>')
    for h in named:
        cx, cy = (h["x"] - xmin) * scale, (ymax - h["y"]) * scale
        labels.append(f'<circle class="marker" cx="{cx:.1f}" cy="{cy:.1f}" r="9"/>'
                      f'<text class="marker-number" x="{cx:.1f}" y="{cy + 4:.1f}">'
                      f'{h["number"]}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="vrhub-profile-map" '
            f'viewBox="0 0 {MAP_WIDTH} {height:.0f}" role="img" aria-labelledby="map-title">'
            f'<title id="map-title">{_escape(title)}</title>'
            + "".join(shapes) + "".join(labels) + "</svg>")


def _escape(text: str) -> str:
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def build(wh: Warehouse, borough: str, name: str, end: str, ed_view: EDView
          ) -> BoroughProfile:
    """The profile of ``borough`` for the 12 months ending ``end`` (YYYY-MM)."""
    start = shift(end, -11)
    heads = headline_changes(wh, borough, end)
    cells, named, cell_size = named_hotspots(wh, borough, start, end)
    title = (f"Map of {name}'s wards with violence hotspots, {Month.parse(start).label} to "
             f"{Month.parse(end).label}; numbered hotspots are listed in the table")
    svg = hotspot_map(wh, borough, cells, named, cell_size, title)
    try:
        comparison = ed_figures.ed_vs_police(wh, ed_view, borough, (start, end))
    except UserError:
        comparison = []
    has_ages = add_under_25(wh, ed_view, borough, (start, end), comparison)
    caveats = [
        f"Period: the 12 months {Month.parse(start).label} to {Month.parse(end).label}, "
        "against the 12 months before. Changes are given with exact 95% confidence "
        "intervals for the ratio of the two years' counts (Poisson counts, conditional "
        "binomial method); an interval that includes no change could be chance.",
        "Police figures are Metropolitan Police recorded crime (London Datastore), counted "
        "by the month an offence was recorded, by ward and borough of the offence.",
        f"Hotspots: Getis-Ord Gi* on {HOTSPOT_CATEGORY.lower()} from police.uk street-level "
        f"crime, {cell_size:.0f} m grid cells, significant after a false discovery rate "
        "correction. police.uk moves each crime to a nearby anonymised point on a street, so "
        "a hotspot is right to a street, not an address.",
        "Places are named by the ward the cell's centre falls in and the nearest named street "
        "within 250 m.",
    ]
    if comparison:
        caveats.append(
            "ED assaults are attendances recorded by emergency departments (ISTV), counted "
            "by the ward where the assault happened; many are never reported to the police. "
            + ("Shown exactly: the borough is in your access." if ed_view.exact else
               "Disclosure-controlled: counts of 1 to 7 are suppressed and others rounded "
               "to the nearest 5."))
    if has_ages:
        caveats.append("Under-25 ED assaults are those whose record carries an age band "
                       "under 25 (0-10, 11-15, 16-17, 18-24); records without an age are "
                       "not counted in that column.")
    profile = BoroughProfile(borough, name, start, end, heads, ward_table(wh, borough, end),
                             named, svg, comparison, ed_view.detail.value, caveats)
    profile.ed_ages = has_ages
    return profile


UNDER_25 = ("0-10", "11-15", "16-17", "18-24")


def add_under_25(wh: Warehouse, view: EDView, borough: str,
                 period: tuple[str | None, str | None], rows: list[dict[str, Any]]) -> bool:
    """Add ``under_25`` (ED assaults of patients under 25) to each ED-police ward row when
    the borough's ED records carry ages: exact inside the reader's scope, disclosure-
    controlled outside it (None when suppressed). Returns whether ages were available."""
    if not rows:
        return False
    counts = istv_counts_by_age(wh, borough=borough, bands=UNDER_25, period=period)
    if counts is None:
        return False
    by_ward = dict(zip(counts["area_code"].astype(str), counts["count"].astype(int),
                       strict=True))
    frame = pd.DataFrame({"area_code": [r["area_code"] for r in rows],
                          "under_25": [by_ward.get(r["area_code"], 0) for r in rows]})
    if not view.exact:
        frame = sdc.apply(frame, ["under_25"])
    for row, value in zip(rows, frame["under_25"], strict=True):
        row["under_25"] = None if pd.isna(value) else int(value)
    return True
