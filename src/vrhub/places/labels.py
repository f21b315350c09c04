"""Names for points on a map that a reader recognises: "Dalston ward, Kingsland High Street".

A point is named by the ward it falls in (the loaded ward boundaries) and the nearest named
street within ``STREET_RADIUS_M`` (gazetteer street points, or police.uk snap points when no
gazetteer is built). Names that are not streets ("Supermarket", "Parking Area") are left out
by requiring a street type as the last word ("Road", "Street", "High Street", "Broadway").
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from vrhub.geography.text import STREET_TYPES, normalise_name, strip_police_prefix
from vrhub.places import placement
from vrhub.storage.names import area_names
from vrhub.storage.streets import street_points
from vrhub.storage.warehouse import Warehouse

STREET_RADIUS_M = 250.0
"""A street further than this from a point does not name it."""

_ONE_WORD_STREETS = frozenset({"broadway", "highway", "embankment", "strand", "mall"})


def is_street(name: str) -> bool:
    key = normalise_name(name)
    words = key.split()
    if not words:
        return False
    return (len(words) > 1 and words[-1] in STREET_TYPES) or key in _ONE_WORD_STREETS


def nearest_streets(warehouse: Warehouse, easting: np.ndarray, northing: np.ndarray,
                    radius: float = STREET_RADIUS_M) -> list[str | None]:
    """The nearest named street to each point (None when none lies within ``radius``)."""
    x = np.asarray(easting, dtype=float)
    y = np.asarray(northing, dtype=float)
    if not len(x):
        return []
    box = (float(x.min() - radius), float(y.min() - radius), float(x.max() + radius),
           float(y.max() + radius))
    points = street_points(warehouse, box)
    if not len(points):
        return [None] * len(x)
    names = pd.Series(points["name"].astype(str).map(strip_police_prefix))
    unique = names.drop_duplicates()
    street = dict(zip(unique, unique.map(is_street), strict=True))
    keep = names.map(street).to_numpy(bool)
    if not keep.any():
        return [None] * len(x)
    tree = cKDTree(np.column_stack([points["easting"].to_numpy(float)[keep],
                                    points["northing"].to_numpy(float)[keep]]))
    distance, index = tree.query(np.column_stack([x, y]), distance_upper_bound=radius)
    kept = names.to_numpy(object)[keep]
    return [str(kept[i]) if np.isfinite(d) else None
            for d, i in zip(distance, index, strict=True)]


def ward_names(warehouse: Warehouse, easting: np.ndarray, northing: np.ndarray
               ) -> list[str | None]:
    """The name of the ward each point falls in (None outside every loaded ward)."""
    if not len(easting):
        return []
    located = placement.locate(warehouse, easting, northing)
    names = area_names(warehouse, "ward")
    by_code = dict(zip(names["code"].astype(str), names["name"].astype(str), strict=True))
    return [by_code.get(str(c)) if isinstance(c, str) else None
            for c in located["ward_code"]]


def describe(ward: str | None, street: str | None) -> str:
    """'Dalston ward, Kingsland High Street', 'Dalston ward', 'near Kingsland High Street'
    or '' when neither is known."""
    if ward and street:
        return f"{ward} ward, {street}"
    if ward:
        return f"{ward} ward"
    if street:
        return f"near {street}"
    return ""


def place_labels(warehouse: Warehouse, easting: np.ndarray, northing: np.ndarray
                 ) -> list[str]:
    """A reader's name for each point (see :func:`describe`)."""
    wards = ward_names(warehouse, easting, northing)
    streets = nearest_streets(warehouse, easting, northing)
    return [describe(w, s) for w, s in zip(wards, streets, strict=True)]
