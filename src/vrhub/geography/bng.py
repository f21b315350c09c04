"""WGS84 longitude/latitude <-> British National Grid (EPSG:27700), and the GB envelope.

police.uk publishes WGS84 coordinates; every distance, area and point-in-polygon test in
vrhub works in British National Grid metres. The transformation uses pyproj's default
WGS84 -> OSGB36 pipeline, which is accurate to a few metres without the OSTN15 grid
(police.uk points are already snapped to anonymised map points, so this is ample).

"Inside Great Britain" is an envelope test, not a coastline test: a point passes when its
longitude/latitude lie in the box around GB and its grid reference lies on the National
Grid (0-700 km east, 0-1,300 km north). It catches swapped axes, signs dropped, (0, 0) and
points abroad; it does not decide whether a point lies on land.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt
from pyproj import Transformer

WGS84 = "EPSG:4326"
BNG = "EPSG:27700"

#: Longitude/latitude box around Great Britain and its islands (Scilly to Shetland).
GB_LONGITUDE = (-8.75, 1.90)
GB_LATITUDE = (49.80, 60.95)
#: The extent of the National Grid, metres.
GB_EASTING = (0.0, 700_000.0)
GB_NORTHING = (0.0, 1_300_000.0)

FloatArray = npt.NDArray[np.float64]


@lru_cache(maxsize=2)
def _transformer(source: str, target: str) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)


def prepare() -> None:
    """Create the transformations now (about 30 ms, once per process): a loader does it
    while its workers read their first files, which then convert at once."""
    _transformer(WGS84, BNG)


def to_bng(longitude: npt.ArrayLike, latitude: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Easting and northing (metres) of WGS84 points; NaN in, NaN out."""
    lon = np.asarray(longitude, dtype=float)
    lat = np.asarray(latitude, dtype=float)
    easting, northing = _transformer(WGS84, BNG).transform(lon, lat)
    return np.asarray(easting, dtype=float), np.asarray(northing, dtype=float)


def to_wgs84(easting: npt.ArrayLike, northing: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Longitude and latitude (degrees) of British National Grid points."""
    x = np.asarray(easting, dtype=float)
    y = np.asarray(northing, dtype=float)
    lon, lat = _transformer(BNG, WGS84).transform(x, y)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def lonlat_in_great_britain(
    longitude: npt.ArrayLike, latitude: npt.ArrayLike
) -> npt.NDArray[np.bool_]:
    """True where a WGS84 point lies in the GB envelope (False for NaN)."""
    lon = np.asarray(longitude, dtype=float)
    lat = np.asarray(latitude, dtype=float)
    with np.errstate(invalid="ignore"):
        return (
            (lon >= GB_LONGITUDE[0]) & (lon <= GB_LONGITUDE[1])
            & (lat >= GB_LATITUDE[0]) & (lat <= GB_LATITUDE[1])
        )


def bng_in_great_britain(
    easting: npt.ArrayLike, northing: npt.ArrayLike
) -> npt.NDArray[np.bool_]:
    """True where a grid reference lies on the National Grid (False for NaN)."""
    x = np.asarray(easting, dtype=float)
    y = np.asarray(northing, dtype=float)
    with np.errstate(invalid="ignore"):
        return (
            (x >= GB_EASTING[0]) & (x <= GB_EASTING[1])
            & (y >= GB_NORTHING[0]) & (y <= GB_NORTHING[1])
        )
