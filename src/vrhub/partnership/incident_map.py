"""What the map of an incident's near-repeat zone shows, and the lists beside it: the zone,
the incident's place, ED sites near it, open youth opportunities from the directory in
and around the zone, and the borough's current violence hotspots (the Gi* cells of the
borough profile, :func:`vrhub.reports.borough_profile.named_hotspots`, over the latest 12
months of police.uk street crime loaded). Each map feature carries its own colour and
label (the dashboard's map script draws them); every feature is also listed in a table
on the page."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from shapely.geometry import Point, box, mapping
from shapely.ops import transform

from vrhub.errors import UserError
from vrhub.geography.bng import to_wgs84
from vrhub.pathways.search import DirectoryIndex, SearchQuery
from vrhub.reports.borough_profile import HOTSPOT_CATEGORY, named_hotspots
from vrhub.reports.periods import latest_month
from vrhub.standards.months import Month, shift
from vrhub.storage.warehouse import Warehouse

#: ED sites within this distance of the incident are shown
ED_WITHIN_METRES = 5000.0
#: opportunities are listed within the zone and this far beyond it
OPPORTUNITY_MARGIN_METRES = 400.0
ZONE_COLOUR = "#d4351c"
INCIDENT_COLOUR = "#0b0c0c"
ED_COLOUR = "#1d70b8"
OPPORTUNITY_COLOUR = "#00703c"
HOTSPOT_COLOUR = "#912b88"
#: the legend beside the map: (swatch class, what it marks); the colours above, in the
#: same order as the map draws them (scss $vrhub-classes)
LEGEND = (("incident-zone", "Near-repeat zone"),
          ("incident-hotspot", "Violence hotspot cell (Gi*)"),
          ("incident-place", "Where the incident happened"),
          ("incident-ed", "Emergency department"),
          ("incident-opportunity", "Youth opportunity"))


@dataclass(frozen=True)
class Hotspot:
    """A numbered hotspot: one of the borough's strongest Gi* cells holding offences."""

    number: int
    place: str
    events: int
    z: float
    easting: float
    northing: float
    distance_m: float


@dataclass(frozen=True)
class BoroughHotspots:
    """The borough's current violence hotspots: every hotspot cell (centres, BNG) and the
    strongest numbered, with the months they cover; ``note`` says why there are none."""

    cells: list[tuple[float, float]]
    cell_size: float
    numbered: list[Hotspot]
    months: tuple[str, str] | None
    note: str | None = None

    @property
    def caption(self) -> str:
        if self.months is None:
            return "Violence hotspots"
        return (f"Violence hotspots ({HOTSPOT_CATEGORY.lower()}, Gi*, "
                f"{Month.parse(self.months[0]).label} to {Month.parse(self.months[1]).label})")


_RUNS: dict[tuple[str, str, tuple[str, str]], Any] = {}
_RUNS_LOCK = threading.Lock()


def _gistar(wh: Warehouse, borough: str, months: tuple[str, str], version: str | None
            ) -> Any:
    """The borough profile's Gi* run; kept by ``version`` (a fingerprint of what the
    warehouse holds, so a load makes a new run) when given: the incident page and its map
    ask for the same run."""
    if version is None:
        return named_hotspots(wh, borough, *months)
    key = (version, borough, months)
    with _RUNS_LOCK:
        found = _RUNS.get(key)
    if found is None:
        found = named_hotspots(wh, borough, *months)
        with _RUNS_LOCK:
            if len(_RUNS) >= 64:
                _RUNS.clear()
            _RUNS[key] = found
    return found


def borough_hotspots(wh: Warehouse | None, borough: str, easting: float, northing: float,
                     *, version: str | None = None) -> BoroughHotspots:
    """The hotspots of ``borough`` over the latest 12 months of police.uk street crime
    loaded (the borough profile's Gi* run), the numbered ones with their distance from the
    incident at (``easting``, ``northing``). ``version``: see :func:`_gistar`."""
    last = latest_month(wh, "police") if wh is not None else None
    if wh is None or last is None:
        return BoroughHotspots([], 0.0, [], None,
                               "no police.uk street crimes are loaded, so no hotspots")
    end = str(last)
    months = (shift(end, -11), end)
    try:
        cells, named, cell_size = _gistar(wh, borough, months, version)
    except UserError as exc:
        return BoroughHotspots([], 0.0, [], months, f"no hotspots: {exc.message}")
    numbered = [Hotspot(h["number"], h["place"], h["events"], h["z"], h["x"], h["y"],
                        math.hypot(h["x"] - easting, h["y"] - northing)) for h in named]
    centres = [(float(x), float(y)) for x, y in zip(cells["x"], cells["y"], strict=True)]
    note = None if centres else "no cell of the borough is a significant hotspot"
    return BoroughHotspots(centres, cell_size, numbered, months, note)


@dataclass(frozen=True)
class Nearby:
    kind: str  # ed_site or opportunity
    name: str
    distance_m: float
    easting: float
    northing: float
    link: str | None = None


def _wgs84(shape: Any) -> Any:
    def project(x: Any, y: Any, z: Any = None) -> tuple[Any, Any]:
        lon, lat = to_wgs84(np.asarray(x, float), np.asarray(y, float))
        return lon, lat

    return transform(project, shape)


def _feature(shape: Any, fill: str, label: str, *, stroke: str | None = None
             ) -> dict[str, Any]:
    properties: dict[str, Any] = {"fill": fill, "label": label}
    if stroke:
        properties["stroke"] = stroke
    return {"type": "Feature", "geometry": mapping(_wgs84(shape)), "properties": properties}


def nearby(easting: float, northing: float, radius_m: float, *,
           ed_sites: list[dict[str, Any]], directory: DirectoryIndex | None) -> list[Nearby]:
    """ED sites within :data:`ED_WITHIN_METRES` and active opportunities within the zone
    and :data:`OPPORTUNITY_MARGIN_METRES` beyond, nearest first within each kind."""
    out: list[Nearby] = []
    for site in ed_sites:
        e, n = site.get("easting"), site.get("northing")
        if e is None or n is None:
            continue
        d = math.hypot(float(e) - easting, float(n) - northing)
        if d <= ED_WITHIN_METRES:
            out.append(Nearby("ed_site", str(site.get("site_name") or site["site_code"]), d,
                              float(e), float(n)))
    if directory is not None and len(directory):
        found = directory.search(SearchQuery(centre=(easting, northing),
                                             proximity=radius_m + OPPORTUNITY_MARGIN_METRES,
                                             statuses=("active",)))
        for hit in found.hits(0, 50):
            if hit.place is None or hit.distance is None:
                continue
            out.append(Nearby("opportunity", directory.names[hit.position], hit.distance,
                              float(directory.place_x[hit.place]),
                              float(directory.place_y[hit.place]),
                              f"/opportunities/{hit.service_id}"))
    return sorted(out, key=lambda item: (item.kind, item.distance_m))


def zone_features(easting: float, northing: float, radius_m: float, label: str,
                  places: list[Nearby], hotspots: BoroughHotspots | None = None
                  ) -> list[dict[str, Any]]:
    """GeoJSON features (WGS84), in drawing order: the zone, the borough's hotspot cells
    (over the zone, so that those inside it show), the incident and the places near it."""
    centre = Point(easting, northing)
    features = [_feature(centre.buffer(radius_m, 64), ZONE_COLOUR, label)]
    if hotspots is not None and hotspots.cells:
        half = hotspots.cell_size / 2
        number = {(h.easting, h.northing): h for h in hotspots.numbered}
        for x, y in hotspots.cells:
            named = number.get((x, y))
            text = (f"Hotspot {named.number}: {named.place} ({named.events:,} offences)"
                    if named else "Violence hotspot cell")
            features.append(_feature(box(x - half, y - half, x + half, y + half),
                                     HOTSPOT_COLOUR, f"{text}; {hotspots.caption}"))
    features.append(_feature(centre.buffer(25, 16), INCIDENT_COLOUR,
                             "Where the incident happened"))
    for item in places:
        mark = Point(item.easting, item.northing)
        if item.kind == "ed_site":
            features.append(_feature(mark.buffer(60, 4), ED_COLOUR,
                                     f"Emergency department: {item.name} "
                                     f"({item.distance_m:,.0f} m)"))
        else:
            features.append(_feature(mark.buffer(20, 12), OPPORTUNITY_COLOUR,
                                     f"Opportunity: {item.name} ({item.distance_m:,.0f} m)"))
    return features
