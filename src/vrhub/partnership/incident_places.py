"""Where an incident happened: a point from a map click (latitude and longitude) or given
in British National Grid metres, a postcode (vrhub's own postcode directory), or a
description of the place (vrhub's geocoder, the one ED locations go through). The point
must fall in a loaded borough of the study area; otherwise the form says why."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from vrhub.errors import UserError
from vrhub.geography.bng import to_bng
from vrhub.geography.postcodes import PostcodeLookup
from vrhub.partnership.incident_forms import IncidentError, Where, clean_text
from vrhub.standards.study_area import StudyArea
from vrhub.storage.warehouse import Warehouse

#: a geocoded description is used only at or above this calibrated confidence
MIN_CONFIDENCE = 0.5


@dataclass(frozen=True)
class Placed:
    easting: float
    northing: float
    borough_code: str
    ward_code: str | None
    source: str  # point, postcode or description
    text: str | None


class Geocode:
    """A description -> (easting, northing, confidence, reason) function, built on first
    use (the geocoder loads the gazetteer)."""

    def __init__(self, warehouse: Callable[[], Warehouse]) -> None:
        self.warehouse = warehouse
        self._geocoder = None

    def __call__(self, text: str) -> tuple[float, float, float, str | None]:
        if self._geocoder is None:
            from vrhub.places.geocoder import Geocoder

            self._geocoder = Geocoder.build(self.warehouse())  # type: ignore[assignment]
        row = self._geocoder.geocode([text]).iloc[0]  # type: ignore[attr-defined]
        return (float(row["easting"]), float(row["northing"]), float(row["confidence"]),
                row["unresolved_reason"])


def place(where: Where, *, warehouse: Callable[[], Warehouse], postcodes: PostcodeLookup,
          geocode: Callable[[str], tuple[float, float, float, str | None]],
          area: StudyArea | None) -> Placed:
    """Resolve ``where`` to a point in a borough of ``area`` (any loaded borough when
    None); :class:`IncidentError` naming the field when it cannot be."""
    text = None
    if where.easting is not None or where.northing is not None:
        if where.easting is None or where.northing is None:
            raise IncidentError("easting", "give both easting and northing",
                                hint="British National Grid metres, e.g. 533500, 181200")
        easting, northing, source, field = where.easting, where.northing, "point", "easting"
    elif where.latitude is not None or where.longitude is not None:
        if where.latitude is None or where.longitude is None:
            raise IncidentError("latitude", "give both latitude and longitude",
                                hint="choose the place on the map, or type a postcode")
        if not (-90 <= where.latitude <= 90 and -180 <= where.longitude <= 180):
            raise IncidentError("latitude", f"{where.latitude}, {where.longitude} is not a "
                                "latitude and longitude", hint="e.g. 51.5072, -0.1276")
        e, n = to_bng([where.longitude], [where.latitude])
        easting, northing, source, field = float(e[0]), float(n[0]), "point", "latitude"
    elif where.postcode and where.postcode.strip():
        try:
            found = postcodes.place(where.postcode)
        except UserError as exc:
            raise IncidentError("postcode", exc.message, hint=exc.hint) from None
        if found is None:
            raise IncidentError("postcode", f"the postcode {where.postcode.strip().upper()!r} "
                                "is not in vrhub's postcode directory",
                                hint="check it, or choose the place on the map")
        easting, northing, source, field = found.easting, found.northing, "postcode", "postcode"
        text = found.postcode
    elif where.description and where.description.strip():
        text = clean_text(where.description, "description", limit=200)
        assert text is not None
        try:
            easting, northing, confidence, reason = geocode(text)
        except UserError as exc:
            raise IncidentError("description", f"the description cannot be placed: "
                                f"{exc.message}", hint="give a postcode or a map point") from None
        if reason or math.isnan(easting) or confidence < MIN_CONFIDENCE:
            why = reason or (f"the best match is uncertain (confidence {confidence:.2f})")
            raise IncidentError("description", f"{text!r} cannot be placed: {why}",
                                hint="name a street and area (e.g. 'Kingsland High Street, "
                                "Dalston'), give a postcode, or choose the place on the map")
        source, field = "description", "description"
    else:
        raise IncidentError("where", "say where the incident happened",
                            hint="choose the place on the map, give a postcode or describe it")
    if not (math.isfinite(easting) and math.isfinite(northing)):
        raise IncidentError(field, "the place has no coordinates", hint="check the values")
    from vrhub.places.gazetteer import locate_points

    located = locate_points(warehouse(), np.array([easting]), np.array([northing]))
    borough = located.iloc[0]["borough_code"] if len(located) else None
    if not borough or (area is not None and borough not in area):
        outside = area.describe() if area is not None else "the loaded boroughs"
        raise IncidentError(field, f"the place ({easting:,.0f}, {northing:,.0f}) is outside "
                            f"{outside}" + ("" if borough or area is None else
                                            " (it lies in no loaded boundary)"),
                            hint="check the place; incidents are logged inside the "
                            "partnership's area")
    ward = located.iloc[0]["ward_code"]
    return Placed(round(easting, 1), round(northing, 1), str(borough),
                  None if ward is None else str(ward), source, text)
