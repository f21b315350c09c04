"""The data-quality score of one submission, 0-100, printed on its receipt.

It rewards what makes ISTV data usable for prevention — records that pass validation, with
their elements filled in and a location that can be placed on a map:

* **validity** (weight 0.4): records accepted / records read;
* **completeness** (weight 0.4): mean, over the accepted records, of the share with each
  element usefully filled — arrival date-time, assault time (not just the date), a method
  other than 'unknown', a location type other than 'unknown', a location description, and a
  description of the method where it is 'other';
* **geocoded** (weight 0.2): accepted records whose description was placed on the map.
  When no geocoder ran, this part is left out and the other weights are scaled up.

A file with no readable records scores 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

WEIGHTS = {"validity": 0.4, "completeness": 0.4, "geocoded": 0.2}


@dataclass(frozen=True)
class Score:
    score: float
    parts: dict[str, float | None]
    completeness: dict[str, float | None]


def completeness(accepted: pd.DataFrame) -> dict[str, float | None]:
    """Share (0-1) of accepted records with each element usefully filled."""
    n = len(accepted)
    if n == 0:
        return {}

    def share(mask: pd.Series) -> float:
        return float(mask.sum()) / n

    others = accepted["assault_method"] == "other"
    return {
        "arrival_at": share(accepted["arrival_at"].notna()),
        "assault_time": share(accepted["assault_time_known"].astype(bool)),
        "assault_method": share(accepted["assault_method"] != "unknown"),
        "location_type": share(accepted["location_type"] != "unknown"),
        "location_description": share(accepted["location_description"].notna()),
        "method_other_description": (
            float(accepted.loc[others, "method_other_description"].notna().mean())
            if others.any() else None
        ),
    }


def score(rows_read: int, accepted: pd.DataFrame, *, geocoded: int | None) -> Score:
    """Score a submission; ``geocoded`` is the number of accepted rows placed on the map, or
    None when no geocoder ran."""
    if rows_read == 0:
        return Score(0.0, {"validity": None, "completeness": None, "geocoded": None}, {})
    parts: dict[str, float | None] = {"validity": len(accepted) / rows_read}
    filled = completeness(accepted)
    values = [v for v in filled.values() if v is not None]
    parts["completeness"] = sum(values) / len(values) if values else 0.0
    parts["geocoded"] = (geocoded / len(accepted) if len(accepted) else 0.0) \
        if geocoded is not None else None
    used = {k: w for k, w in WEIGHTS.items() if parts.get(k) is not None}
    total = sum(used.values())
    value = sum(float(parts[k] or 0.0) * w for k, w in used.items()) / total
    return Score(round(100 * value, 1), parts, filled)
