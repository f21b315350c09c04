"""Measuring the geocoder per style of noise, with its confidence calibrated on some styles
and judged on the others.

A geocoder tuned on one way of writing locations can look well calibrated on that way and
be over-confident on another. So the labelled clean strings are rewritten in every style
of :mod:`vrhub.geography.noise_styles`; the confidence is fitted on the *tuning* styles
only (:func:`fit_on_styles`: a logistic fit on 70% of their answers, then the top end
lowered on the other 30% until at least 95% of the answers at confidence >= 0.8 are right
in every tuning style); and every style is reported, the *held-out* ones being the test.

For each style: % correct LSOA, its ratio to the exact-name baseline on the clean strings
(target >= :data:`RATIO_TARGET`), answers with confidence >= 0.8 and the share of them
right (target >= :data:`PRECISION_TARGET`), the reliability table and the variants drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from vrhub.errors import UserError
from vrhub.geography import noise_styles
from vrhub.places import calibration as cal
from vrhub.places.evaluation import HIGH_CONFIDENCE, evaluate
from vrhub.places.geocoder import Geocoder

TUNING_STYLES = ("mixed", "landmark", "number", "squash", "postcode_district")
"""Styles the confidence is fitted on by default."""
HELD_OUT_STYLES = ("area", "case", "typo", "street_type", "reorder", "junction", "compound")
"""Styles never used to fit the confidence by default: the test of it."""
RATIO_TARGET = 0.95
"""% correct LSOA on a style, over the exact-name baseline's on the clean strings."""
PRECISION_TARGET = 0.90
"""Share right among the answers with confidence >= 0.8."""
VALIDATION_SHARE = 0.3
FIT_PRECISION = 0.92


def parse_styles(text: str | None, default: Sequence[str]) -> tuple[str, ...]:
    """Style names from 'a,b,c', 'all' or 'none' (no styles)."""
    if text is None:
        return tuple(default)
    text = text.strip().lower()
    if text == "all":
        return noise_styles.ALL_STYLES
    if text in ("", "none"):
        return ()
    names = tuple(dict.fromkeys(s.strip() for s in text.split(",") if s.strip()))
    unknown = [s for s in names if s not in noise_styles.ALL_STYLES]
    if unknown:
        from vrhub.suggest import did_you_mean

        raise UserError(f"unknown noise style {unknown[0]!r}."
                        f"{did_you_mean(unknown[0], noise_styles.ALL_STYLES)}",
                        hint="choose from: " + ", ".join(noise_styles.ALL_STYLES))
    return names


def with_context(geocoder: Geocoder, clean: pd.DataFrame,
                 areas: pd.DataFrame | None = None) -> pd.DataFrame:
    """``clean`` with what the styles need: easting/northing of the true point, ward and
    borough names (from ``areas``: lsoa21_code, ward_name, borough_name, when missing) and
    a street recorded near the point (``nearby_street``, from the gazetteer)."""
    from vrhub.geography.bng import to_bng

    out = clean.copy()
    if "easting" not in out.columns or "northing" not in out.columns:
        e, n = to_bng(out["longitude"].to_numpy(float), out["latitude"].to_numpy(float))
        out["easting"], out["northing"] = np.asarray(e, float), np.asarray(n, float)
    if areas is not None and ("ward_name" not in out.columns
                              or "borough_name" not in out.columns):
        names = areas.drop_duplicates("lsoa21_code").set_index("lsoa21_code")
        out["ward_name"] = out["lsoa_code"].map(names["ward_name"])
        out["borough_name"] = out["lsoa_code"].map(names["borough_name"])
    if "nearby_street" not in out.columns:
        out["nearby_street"] = noise_styles.nearby_streets(out, street_points(geocoder))
    return out


def street_points(geocoder: Geocoder) -> pd.DataFrame:
    """Every street point of the gazetteer: description (the street's name), easting,
    northing."""
    g = geocoder.gazetteer
    streets = [i for i, kind in enumerate(g.kinds) if kind == "street"]
    counts = np.array([g.offsets[i + 1] - g.offsets[i] for i in streets], dtype=np.int64)
    points = np.concatenate([np.arange(g.offsets[i], g.offsets[i + 1]) for i in streets]) \
        if streets else np.zeros(0, dtype=np.int64)
    names = np.repeat(np.array([g.names[i].title() for i in streets], dtype=object), counts)
    return pd.DataFrame({"description": names, "easting": g.easting[points],
                         "northing": g.northing[points]})


def stations(geocoder: Geocoder) -> pd.DataFrame:
    """Station names of the gazetteer with a point each (for the ``mixed`` style)."""
    g = geocoder.gazetteer
    rows = [(g.names[i].title(), float(g.easting[g.offsets[i]]),
             float(g.northing[g.offsets[i]]))
            for i, kind in enumerate(g.kinds) if kind == "station"
            and g.offsets[i + 1] > g.offsets[i]]
    return pd.DataFrame(rows, columns=["name", "easting", "northing"])


def noisy_sets(geocoder: Geocoder, clean: pd.DataFrame, styles: Sequence[str], *,
               seed: int) -> dict[str, pd.DataFrame]:
    """One noisy copy of ``clean`` (made by :func:`with_context`) per style, each with its
    own seed derived from ``seed`` and the style's name."""
    st = stations(geocoder)
    out = {}
    for style in styles:
        offset = sum(ord(c) for c in style)
        out[style] = noise_styles.apply_style(clean, style, seed=seed * 1009 + offset,
                                              stations=st)
    return out


def fit_on_styles(geocoder: Geocoder, sets: dict[str, pd.DataFrame], *, seed: int,
                  fitted_on: str = "noise styles") -> cal.Calibration:
    """A calibration fitted on the answers to ``sets`` only (see the module docstring)."""
    features, correct, groups = [], [], []
    for style, frame in sets.items():
        out, feats = geocoder.geocode_with_features(frame["description"].tolist(),
                                                    _sites(frame))
        answered = out["unresolved_reason"].isna().to_numpy()
        features.append(feats[answered])
        correct.append((out["lsoa21_code"].to_numpy(object)
                        == frame["lsoa_code"].to_numpy(object))[answered])
        groups.append(np.full(int(answered.sum()), style))
    x = pd.concat(features, ignore_index=True).fillna(0.0)
    y = np.concatenate(correct).astype(float)
    g = np.concatenate(groups)
    if len(y) < 50 or y.all() or not y.any():
        raise UserError(
            f"the tuning styles give {len(y)} answers, {int(y.sum())} of them right: too "
            "few, or no mix of right and wrong, to fit a calibration",
            hint="use a labelled set of at least a few hundred descriptions")
    validation = np.random.default_rng(seed).random(len(y)) < VALIDATION_SHARE
    fitted = cal.fit(x[~validation], y[~validation])
    return cal.lower_top(fitted, x[validation], y[validation], groups=g[validation],
                         precision=FIT_PRECISION, fitted_on=fitted_on)


def evaluate_styles(geocoder: Geocoder, clean: pd.DataFrame, *, styles: Sequence[str],
                    calibrate_on: Sequence[str], seed: int,
                    lsoa_borough: dict[str, str] | None = None) -> dict[str, Any]:
    """Per-style accuracy and reliability (see the module docstring). ``clean`` is a
    labelled set prepared by :func:`with_context`. With ``calibrate_on`` empty the
    geocoder's own calibration is judged, and every style counts as held out."""
    calibrate_on = tuple(calibrate_on)
    wanted = tuple(dict.fromkeys([*calibrate_on, *styles]))
    sets = noisy_sets(geocoder, clean, wanted, seed=seed)
    baseline = evaluate(geocoder, clean, baseline=True, lsoa_borough=lsoa_borough)
    original = geocoder.calibration
    report: dict[str, Any] = {
        "n": len(clean), "seed": seed, "calibrated_on": list(calibrate_on),
        "targets": {"lsoa_ratio_to_baseline": RATIO_TARGET,
                    "high_confidence_precision": PRECISION_TARGET,
                    "high_confidence_threshold": HIGH_CONFIDENCE},
        "baseline_clean": _brief(baseline),
    }
    try:
        if calibrate_on:
            geocoder.calibration = fit_on_styles(
                geocoder, {s: sets[s] for s in calibrate_on}, seed=seed,
                fitted_on="styles: " + ", ".join(calibrate_on))
        report["calibration"] = geocoder.calibration.to_json()
        report["geocoder_clean"] = _brief(evaluate(geocoder, clean,
                                                   lsoa_borough=lsoa_borough))
        per_style: dict[str, Any] = {}
        for style in wanted:
            result = evaluate(geocoder, sets[style], lsoa_borough=lsoa_borough)
            entry = _brief(result)
            entry["role"] = "tuning" if style in calibrate_on else "held_out"
            entry["lsoa_ratio_to_baseline"] = (
                round(result["pct_correct_lsoa"] / baseline["pct_correct_lsoa"], 4)
                if baseline["pct_correct_lsoa"] else None)
            entry["meets_targets"] = _meets(entry)
            entry["variants"] = {str(k): int(v) for k, v in
                                 sets[style]["noise"].value_counts().items()}
            per_style[style] = entry
        report["styles"] = per_style
    finally:
        geocoder.calibration = original
    held = [v for v in report["styles"].values() if v["role"] == "held_out"]
    report["held_out"] = {
        "styles": [s for s, v in report["styles"].items() if v["role"] == "held_out"],
        "min_lsoa_ratio_to_baseline": min((v["lsoa_ratio_to_baseline"] for v in held
                                           if v["lsoa_ratio_to_baseline"] is not None),
                                          default=None),
        "min_high_confidence_precision": min(
            (v["high_confidence"]["share_correct"] for v in held
             if v["high_confidence"]["share_correct"] is not None), default=None),
        "all_meet_targets": all(v["meets_targets"] for v in held),
    }
    return report


def _sites(frame: pd.DataFrame) -> list[str | None] | None:
    return frame["site_code"].tolist() if "site_code" in frame.columns else None


def _brief(result: dict[str, Any]) -> dict[str, Any]:
    high = result["high_confidence"]
    share = high["pct_correct_lsoa"]
    return {
        "n": result["n"], "pct_correct_lsoa": result["pct_correct_lsoa"],
        "pct_correct_borough": result["pct_correct_borough"],
        "pct_within_250m": result["pct_within_250m"],
        "pct_unresolved": result["pct_unresolved"],
        "high_confidence": {"n": high["n"], "pct_of_all": high["pct_of_all"],
                            "share_correct": None if share is None else round(share / 100, 4)},
        "reliability": result["reliability"],
    }


def _meets(entry: dict[str, Any]) -> bool:
    ratio = entry["lsoa_ratio_to_baseline"]
    share = entry["high_confidence"]["share_correct"]
    return (ratio is not None and ratio >= RATIO_TARGET
            and (share is None or share >= PRECISION_TARGET))
