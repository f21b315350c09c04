"""Measuring the geocoder against labelled descriptions.

:func:`evaluate` reports, over every labelled row: % with the right LSOA 2021, % with the
right borough, % within 250 m of the true point, % unresolved, and a reliability table by
confidence band (for each band: how many answers, their mean confidence and the share that
were right). Confidence is meant to be the probability that the LSOA is right, so in a
well-calibrated geocoder the last two columns agree.

The *baseline* (``baseline=True``) is the simplest sensible geocoder: normalise the string,
look the whole of it up as an exact gazetteer name, and take the point of that name
nearest the treating ED. It shows how ambiguous bare street names are, and the geocoder's
accuracy on noisy strings is compared with the baseline's on clean ones.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from vrhub.geography.bng import to_bng
from vrhub.geography.text import normalise_name
from vrhub.places.calibration import reliability_table
from vrhub.places.geocoder import COLUMNS, Geocoder

WITHIN_METRES = 250.0
HIGH_CONFIDENCE = 0.8


def baseline_geocode(geocoder: Geocoder, descriptions: Sequence[str | None],
                     site_codes: Sequence[str | None] | None = None) -> pd.DataFrame:
    """Exact-name lookup, choosing the point nearest the treating ED (or the busiest point
    when the ED is unknown)."""
    g = geocoder.gazetteer
    sites = geocoder.sites
    n = len(descriptions)
    codes = list(site_codes) if site_codes is not None else [None] * n
    rows: list[dict[str, Any]] = []
    for text, site in zip(descriptions, codes, strict=True):
        idx = g.by_name.get(normalise_name(text)) if isinstance(text, str) else None
        if idx is None:
            rows.append({"easting": np.nan, "northing": np.nan, "lsoa21_code": None,
                         "ward_code": None, "borough_code": None,
                         "match_method": "unresolved", "confidence": 0.0,
                         "unresolved_reason": "no exact name"})
            continue
        span = g.points_of(idx)
        pos = sites.position(site)
        if pos is not None:
            d = np.hypot(g.easting[span] - sites.easting[pos],
                         g.northing[span] - sites.northing[pos])
            best = span.start + int(d.argmin())
        else:
            best = span.start + int(g.weight[span].argmax())
        rows.append({"easting": g.easting[best], "northing": g.northing[best],
                     "lsoa21_code": g.lsoa[best], "ward_code": g.ward[best],
                     "borough_code": g.borough[best], "match_method": "exact",
                     "confidence": 1.0, "unresolved_reason": None})
    return pd.DataFrame(rows, columns=list(COLUMNS))


def evaluate(
    geocoder: Geocoder,
    labelled: pd.DataFrame,
    *,
    baseline: bool = False,
    lsoa_borough: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Accuracy and calibration of ``geocoder`` (or of the baseline) on a labelled set
    (columns description, lsoa_code, longitude, latitude, optional site_code)."""
    descriptions = labelled["description"].tolist()
    sites = labelled["site_code"].tolist() if "site_code" in labelled.columns else None
    start = time.perf_counter()
    if baseline:
        result = baseline_geocode(geocoder, descriptions, sites)
    else:
        result = geocoder.geocode(descriptions, sites)
    seconds = time.perf_counter() - start
    return score(result, labelled, lsoa_borough=lsoa_borough or geocoder.gazetteer.lsoa_borough,
                 seconds=seconds, method="baseline (exact name, point nearest the ED)"
                 if baseline else "geocoder")


def score(result: pd.DataFrame, labelled: pd.DataFrame, *,
          lsoa_borough: Mapping[str, str], seconds: float | None = None,
          method: str = "geocoder") -> dict[str, Any]:
    """Compare geocoder output with the labels (see :func:`evaluate`)."""
    n = len(labelled)
    truth_lsoa = labelled["lsoa_code"].astype(object).to_numpy()
    got_lsoa = result["lsoa21_code"].astype(object).to_numpy()
    answered = result["unresolved_reason"].isna().to_numpy()
    lsoa_ok = answered & (got_lsoa == truth_lsoa)
    truth_borough = np.array([lsoa_borough.get(c) for c in truth_lsoa], dtype=object)
    got_borough = result["borough_code"].astype(object).to_numpy()
    borough_ok = answered & (got_borough == truth_borough) & (truth_borough != None)  # noqa: E711
    te, tn = to_bng(labelled["longitude"].to_numpy(float), labelled["latitude"].to_numpy(float))
    dist = np.hypot(result["easting"].to_numpy(float) - np.asarray(te),
                    result["northing"].to_numpy(float) - np.asarray(tn))
    within = answered & (np.nan_to_num(dist, nan=np.inf) <= WITHIN_METRES)
    conf = result["confidence"].to_numpy(float)
    high = answered & (conf >= HIGH_CONFIDENCE)

    def pct(mask: np.ndarray) -> float:
        return round(100.0 * float(mask.sum()) / n, 2) if n else 0.0

    methods = {}
    for name, group in pd.Series(lsoa_ok).groupby(result["match_method"].to_numpy()):
        methods[str(name)] = {"n": len(group),
                              "pct_correct_lsoa": round(100 * float(group.mean()), 2)}
    out: dict[str, Any] = {
        "method": method,
        "n": n,
        "pct_correct_lsoa": pct(lsoa_ok),
        "pct_correct_borough": pct(borough_ok),
        "pct_within_250m": pct(within),
        "pct_unresolved": pct(~answered),
        "high_confidence": {
            "threshold": HIGH_CONFIDENCE,
            "n": int(high.sum()),
            "pct_of_all": pct(high),
            "pct_correct_lsoa": round(100 * float(lsoa_ok[high].mean()), 2)
            if high.any() else None,
        },
        "reliability": reliability_table(conf[answered], lsoa_ok[answered]),
        "by_match_method": methods,
    }
    if seconds is not None:
        out["seconds"] = round(seconds, 3)
        out["descriptions_per_second"] = round(n / seconds, 1) if seconds > 0 else None
    return out
