"""What the map of an incident's near-repeat zone shows, and the lists beside it: the zone,
the incident's place, ED sites near it and open youth opportunities from the directory in
and around the zone. Each map feature carries its own colour and label (the dashboard's
map script draws them); every feature is also listed in a table on the page."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from shapely.geometry import Point, mapping
from shapely.ops import transform

from vrhub.geography.bng import to_wgs84
from vrhub.pathways.search import DirectoryIndex, SearchQuery

#: ED sites within this distance of the incident are shown
ED_WITHIN_METRES = 5000.0
#: opportunities are listed within the zone and this far beyond it
OPPORTUNITY_MARGIN_METRES = 400.0
ZONE_COLOUR = "#d4351c"
INCIDENT_COLOUR = "#0b0c0c"
ED_COLOUR = "#1d70b8"
OPPORTUNITY_COLOUR = "#00703c"


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
                  places: list[Nearby]) -> list[dict[str, Any]]:
    """GeoJSON features (WGS84) of the zone, the incident and the places near it."""
    centre = Point(easting, northing)
    features = [_feature(centre.buffer(radius_m, 64), ZONE_COLOUR, label)]
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
