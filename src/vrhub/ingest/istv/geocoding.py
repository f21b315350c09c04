"""Place accepted ISTV records on the map with the free-text location geocoder.

The geocoder (:mod:`vrhub.places.geocoder`) reads the *redacted* location description,
the site that treated the patient (assaults cluster near the ED) and the location type.
When it is not installed or cannot be built (no gazetteer loaded yet), records are stored
with ``geocode_unresolved_reason = 'geocoder not available'`` and can be placed later with
``vrhub istv geocode``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from vrhub.progress import SILENT, Progress
from vrhub.storage.warehouse import Warehouse

GEO_COLUMNS = ("easting", "northing", "lsoa21_code", "ward_code", "borough_code",
               "geocode_method", "geocode_confidence", "geocode_unresolved_reason")
NOT_AVAILABLE = "geocoder not available"
_RENAME = {"match_method": "geocode_method", "confidence": "geocode_confidence",
           "unresolved_reason": "geocode_unresolved_reason"}


@dataclass
class GeocoderHandle:
    """Builds the geocoder once per load, on first use, and remembers why it could not."""

    warehouse: Warehouse
    progress: Progress = SILENT
    _geocoder: Any = None
    _tried: bool = False
    unavailable_reason: str | None = None
    notes: list[str] = field(default_factory=list)

    def get(self) -> Any:
        if self._tried:
            return self._geocoder
        self._tried = True
        cls = geocoder_class()
        if cls is None:
            self.unavailable_reason = "the geocoder module is not installed"
            return None
        try:
            if hasattr(cls, "load"):
                self._geocoder = cls.load(self.warehouse)
            else:
                self._geocoder = cls.build(self.warehouse, progress=self.progress)
        except Exception as exc:  # a missing gazetteer must not block receiving data
            self.unavailable_reason = f"the geocoder could not start ({_describe(exc)})"
            self._geocoder = None
        if self._geocoder is None and self.unavailable_reason is None:
            self.unavailable_reason = "the geocoder has no gazetteer loaded"
        return self._geocoder


def geocoder_class() -> Any:
    """The geocoder class, or None when its module is not installed."""
    try:
        return importlib.import_module("vrhub.places.geocoder").Geocoder
    except (ImportError, AttributeError):
        return None


def _describe(exc: Exception) -> str:
    message = getattr(exc, "message", None)
    return str(message) if message else type(exc).__name__


def unresolved(n: int) -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series([None] * n, dtype=object) for c in GEO_COLUMNS})
    frame["geocode_unresolved_reason"] = NOT_AVAILABLE
    for c in ("easting", "northing", "geocode_confidence"):
        frame[c] = frame[c].astype(float)
    return frame


def geocode_frame(handle: GeocoderHandle, records: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    """Geo columns for ``records`` (columns location_description, site_code, location_type),
    in the same order, and whether a geocoder ran."""
    n = len(records)
    if n == 0:
        return unresolved(0), False
    geocoder = handle.get()
    if geocoder is None:
        return unresolved(n), False
    try:
        result = geocoder.geocode(
            records["location_description"].fillna("").tolist(),
            site_codes=records["site_code"].tolist(),
            location_types=records["location_type"].tolist(),
        )
    except Exception as exc:  # keep the data; it can be geocoded again later
        handle.unavailable_reason = f"the geocoder failed ({_describe(exc)})"
        return unresolved(n), False
    frame = pd.DataFrame(result).rename(columns=_RENAME).reset_index(drop=True)
    out = pd.DataFrame(index=range(n))
    for column in GEO_COLUMNS:
        out[column] = frame[column].to_numpy() if column in frame.columns else None
    out["easting"] = pd.to_numeric(out["easting"], errors="coerce")
    out["northing"] = pd.to_numeric(out["northing"], errors="coerce")
    out["geocode_confidence"] = pd.to_numeric(out["geocode_confidence"], errors="coerce")
    for column in ("lsoa21_code", "ward_code", "borough_code", "geocode_method",
                   "geocode_unresolved_reason"):
        out[column] = [None if _isnull(v) else str(v) for v in out[column]]
    return out, True


def _isnull(value: object) -> bool:
    try:
        return value is None or bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False
