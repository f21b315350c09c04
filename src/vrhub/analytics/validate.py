"""Input validation shared by the hotspot family, done once, first, with clear errors.

Every hotspot function calls these before any work. Each error names what is wrong, the
value found and how to fix it; none reveals more than the single offending value.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from vrhub.analytics.grid import COMPILED_MIN_POINTS, compiled_loop
from vrhub.errors import UserError

#: British National Grid bounds used to sanity-check coordinates (metres).
BNG_BOUNDS = (0.0, 0.0, 700_000.0, 1_300_000.0)
KERNELS = ("quartic", "gaussian")


def validate_points(data: pd.DataFrame, *, need_dates: bool = False,
                    weights: str | None = None) -> pd.DataFrame:
    """``data`` with numeric, finite easting/northing inside Great Britain.

    Raises :class:`UserError` naming the first offending row and value.
    """
    if not isinstance(data, pd.DataFrame):
        raise UserError(f"data must be a table of points, got {type(data).__name__}",
                        hint="pass a DataFrame with easting and northing columns")
    needed = ["easting", "northing"] + (["date"] if need_dates else []) + (
        [weights] if weights else [])
    missing = [c for c in needed if c not in data.columns]
    if missing:
        raise UserError(
            f"data has no {', '.join(repr(c) for c in missing)} column "
            f"(columns found: {', '.join(map(str, data.columns)) or 'none'})",
            hint="give points as easting/northing in British National Grid (EPSG:27700)"
            + (" with a 'date' column" if need_dates else ""),
        )
    if not _plainly_valid(data, weights):
        _check_coordinates(data, weights)
    if need_dates:
        dates = pd.to_datetime(data["date"], errors="coerce")
        if dates.isna().any():
            pos = int(np.flatnonzero(dates.isna().to_numpy())[0])
            raise UserError(
                f"{int(dates.isna().sum()):,} rows have a missing or unreadable date; first at "
                f"row {pos + 1}: {data['date'].iloc[pos]!r}",
                hint="dates must be ISO dates such as 2024-03-01",
            )
    return data


def _plainly_valid(data: pd.DataFrame, weights: str | None) -> bool:
    """True when easting, northing (and weights) are float64 columns whose values all lie
    within bounds, checked without per-row temporaries: by the smallest and largest value,
    or in one compiled pass from ``COMPILED_MIN_POINTS`` rows on. A missing or infinite
    value fails a bound too (NaN compares false), so every other case, valid or not, gets
    the row-by-row checks of :func:`_check_coordinates`."""
    minx, miny, maxx, maxy = BNG_BOUNDS
    bounds = [("easting", minx, maxx), ("northing", miny, maxy)]
    if weights:
        bounds.append((weights, 0.0, float(np.finfo(np.float64).max)))
    for column, low, high in bounds:
        if data[column].dtype != np.float64:
            return False
        values = data[column].to_numpy()
        if len(values) >= COMPILED_MIN_POINTS:  # one compiled pass instead of two
            if not compiled_loop(_within_loop)(np.ascontiguousarray(values), low, high):
                return False
        elif len(values) and not (low <= values.min() and values.max() <= high):
            return False
    return True


def _within_loop(values: np.ndarray, low: float, high: float) -> bool:
    """The compiled check of :func:`_plainly_valid`: every value in [low, high] (NaN is
    not). No early exit, so the loop compiles to vector instructions."""
    ok = True
    for i in range(values.shape[0]):
        ok &= (low <= values[i]) & (values[i] <= high)
    return ok


def _check_coordinates(data: pd.DataFrame, weights: str | None) -> None:
    """Row-by-row checks: raise :class:`UserError` naming the first offending row."""
    for column in ("easting", "northing", *([weights] if weights else [])):
        if data[column].dtype == np.float64 and np.isfinite(data[column].to_numpy()).all():
            continue  # the common case, checked without copies
        values = pd.to_numeric(data[column], errors="coerce")
        bad = values.isna() | ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise UserError(
                f"{int(bad.sum()):,} rows have a missing or non-numeric {column}; first at "
                f"row {pos + 1}: {_plain(data[column].iloc[pos])!r}",
                hint="drop points without coordinates before the analysis",
            )
    x = data["easting"].to_numpy(dtype=float)
    y = data["northing"].to_numpy(dtype=float)
    minx, miny, maxx, maxy = BNG_BOUNDS
    outside = (x < minx) | (x > maxx) | (y < miny) | (y > maxy)
    if outside.any():
        pos = int(np.flatnonzero(outside)[0])
        raise UserError(
            f"{int(outside.sum()):,} points lie outside Great Britain in British National "
            f"Grid; first at row {pos + 1}: easting {float(x[pos])!r}, "
            f"northing {float(y[pos])!r}",
            hint="coordinates must be BNG metres (EPSG:27700), not longitude/latitude",
        )
    if weights:
        w = data[weights].to_numpy(dtype=float)
        if (w < 0).any():
            pos = int(np.flatnonzero(w < 0)[0])
            raise UserError(
                f"{weights} must not be negative; row {pos + 1} has {float(w[pos])!r}")


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (so messages read 'nan', not
    'np.float64(nan)')."""
    return value.item() if isinstance(value, np.generic) else value


def validate_area(area: Any) -> BaseGeometry | None:
    if area is None:
        return None
    if not isinstance(area, BaseGeometry) or area.geom_type not in ("Polygon", "MultiPolygon"):
        raise UserError(f"area must be a polygon in EPSG:27700, got {type(area).__name__}",
                        hint="load it with vrhub.storage.points.load_study_area")
    if area.is_empty or area.area <= 0:
        raise UserError("the study area is empty", hint="choose a borough or London")
    return area


def positive_number(name: str, value: Any, *, unit: str = "m") -> float | None:
    """``value`` as a float > 0, or None when it is None (automatic)."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise UserError(f"{name} must be a number of {unit}, got {value!r}") from None
    if not math.isfinite(number) or number <= 0:
        raise UserError(f"{name} must be greater than zero, got {value!r}",
                        hint=f"give {name} in {unit}, or leave it out to choose it automatically")
    return number


def validate_kernel(kernel: str) -> str:
    name = str(kernel).lower()
    if name not in KERNELS:
        raise UserError(f"unknown kernel {kernel!r}", hint="use one of " + ", ".join(KERNELS))
    return name


def validate_proportion(name: str, value: Any) -> float:
    number = positive_number(name, value, unit="proportion")
    if number is None or number >= 1:
        raise UserError(f"{name} must be greater than 0 and less than 1, got {value!r}")
    return number
