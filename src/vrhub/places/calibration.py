"""Turning the geocoder's evidence into a calibrated confidence.

The confidence the geocoder reports is meant to be the probability that the LSOA it
returns is the right one: of the answers given confidence 0.8, about 80% should be right.
The raw evidence is the posterior share of the chosen LSOA among the candidate points of
the matched name(s) (see :mod:`vrhub.places.geocoder`); that share is over-confident
when the string match itself is uncertain (a fuzzy match, a street type left out) and
under-confident for exact, unambiguous names. A small logistic regression on labelled
descriptions maps the features below to a probability. Its coefficients are data: the
default set ships in ``vrhub/places/data/geocoder_calibration.json`` and
``vrhub istv calibrate-geocoder --labelled FILE`` fits and stores a new set in the
warehouse, which then takes precedence.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from vrhub.standards.gazetteer import GEOCODER_CALIBRATION
from vrhub.storage.warehouse import Warehouse

FEATURES = (
    "logit_share",       # log-odds of the chosen LSOA's posterior share, clipped to +-6
    "score",             # string similarity of the match, 0-1 (1 = exact)
    "type_missing",      # the street type was left out ('Alexandra' for 'Alexandra Road')
    "fuzzy",             # a misspelt name matched by similarity
    "intersection",      # two streets meeting
    "area_only",         # only a ward or borough was recognised
    "postcode",          # a full postcode was found in the directory
    "no_site",           # the treating ED was not known
    "log_candidates",    # log(1 + number of distinct LSOAs among the candidate points)
    "context",           # an area / station / second street narrowed the candidates
    "unseen",            # Good-Turing: share of the candidates' crimes at points seen once,
                         # an estimate of how often a new crime there falls at an unseen point
    "log_total",         # log(1 + crimes recorded at the candidate points)
    "other_type",        # only the same name with another street type was found
    "log_spread",        # log(1 + extent in metres of the candidate points)
    "log_points_in_lsoa",  # log(1 + candidate points inside the chosen LSOA)
    "log_lsoa_area",     # log(area of the chosen LSOA, m²): big LSOAs are easier to hit
    "log_points",        # log(1 + candidate points): one snap point seen is thin evidence
    "log_density",       # log(1 + crimes at gazetteer points within 300 m of the answer)
    "single_point",      # the name has one snap point seen: one LSOA only because seen once
    "one_lsoa_thin",     # all candidates in one LSOA, on two crimes or fewer
    "log_ed_km",         # log(1 + km from the chosen point to the treating ED)
    "exact",             # the description named a gazetteer entry exactly
    "unexplained",       # log(1 + words naming something the gazetteer does not know)
)

HIGH = 0.8
HIGH_PRECISION = 0.96
"""At least this share of the fitting answers given confidence >= HIGH must be right."""

BANDS = (0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 1.0000001)


@dataclass(frozen=True)
class Calibration:
    """Logistic calibration: P(correct) = sigmoid(intercept + sum(coef_i * feature_i))."""

    intercept: float
    coefficients: dict[str, float]
    fitted_on: str = "default"

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        z = np.full(len(features), self.intercept, dtype=float)
        for name, coef in self.coefficients.items():
            if name in features.columns:
                z += coef * features[name].to_numpy(dtype=float)
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    def to_json(self) -> dict[str, Any]:
        return {"intercept": self.intercept, "coefficients": self.coefficients,
                "fitted_on": self.fitted_on, "features": list(FEATURES)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Calibration:
        return cls(intercept=float(data["intercept"]),
                   coefficients={k: float(v) for k, v in data["coefficients"].items()},
                   fitted_on=str(data.get("fitted_on", "")))


IDENTITY = Calibration(intercept=0.0, coefficients={"logit_share": 1.0}, fitted_on="identity")


def default() -> Calibration:
    """The calibration shipped with vrhub (or the identity map if the file is missing)."""
    try:
        text = resources.files("vrhub.places").joinpath(
            "data/geocoder_calibration.json").read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError):
        return IDENTITY
    return Calibration.from_json(json.loads(text))


def active(warehouse: Warehouse) -> Calibration:
    """The most recent calibration stored in the warehouse, else the shipped default."""
    if warehouse.has_table(GEOCODER_CALIBRATION.name):
        from vrhub.storage.queries import gazetteer as gq
        from vrhub.storage.queries import value

        found = value(warehouse, gq.LATEST_CALIBRATION)
        if found is not None:
            return Calibration.from_json(json.loads(found))
    return default()


def store(warehouse: Warehouse, calibration: Calibration, *, labelled_file: str,
          n: int) -> None:
    warehouse.ensure_tables([GEOCODER_CALIBRATION])
    with warehouse.atomic():
        warehouse.insert(GEOCODER_CALIBRATION, pd.DataFrame({
            "fitted_at": [dt.datetime.now(dt.UTC).replace(tzinfo=None)],
            "labelled_file": [labelled_file],
            "n": [n],
            "coefficients": [json.dumps(calibration.to_json())],
        }))


def fit(features: pd.DataFrame, correct: np.ndarray, *, ridge: float = 1.0,
        high: float = HIGH, precision: float = HIGH_PRECISION,
        fitted_on: str = "") -> Calibration:
    """Fit the logistic calibration by penalised maximum likelihood (L2 penalty ``ridge``
    on the coefficients, not the intercept). Features absent from ``features`` get 0.

    The fitted log-odds are then lowered, if needed, by the smallest amount that makes at
    least ``precision`` of the fitting answers with confidence >= ``high`` right: a
    deliberately conservative top end, so that users can trust 'high confidence' answers
    on data a little different from the fitting data."""
    names = [f for f in FEATURES if f in features.columns
             and features[f].to_numpy(dtype=float).std() > 0]
    x = features[names].to_numpy(dtype=float)
    y = np.asarray(correct, dtype=float)
    design = np.column_stack([np.ones(len(x)), x])

    def loss(beta: np.ndarray) -> tuple[float, np.ndarray]:
        z = design @ beta
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        eps = 1e-12
        nll = -np.sum(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))
        penalty = 0.5 * ridge * np.sum(beta[1:] ** 2)
        grad = design.T @ (p - y)
        grad[1:] += ridge * beta[1:]
        return float(nll + penalty), grad

    result = minimize(loss, np.zeros(design.shape[1]), jac=True, method="L-BFGS-B")
    beta = result.x
    beta[0] -= _conservative_shift(design @ beta, y, high=high, precision=precision)
    return Calibration(intercept=float(beta[0]),
                       coefficients={n: float(b) for n, b in zip(names, beta[1:], strict=True)},
                       fitted_on=fitted_on)


def _conservative_shift(z: np.ndarray, y: np.ndarray, *, high: float,
                        precision: float, groups: np.ndarray | None = None,
                        min_answers: int = 30) -> float:
    """The smallest lowering of the log-odds after which at least ``precision`` of the
    answers with confidence >= ``high`` are right, overall and within every group (a
    group with fewer than ``min_answers`` such answers is judged with the rest only)."""
    threshold = np.log(high / (1 - high))
    labels = np.zeros(len(z), dtype=int) if groups is None else np.asarray(groups)
    for shift in np.arange(0.0, 3.01, 0.05):
        chosen = z - shift >= threshold
        if not chosen.any():
            return float(shift)
        ok = y[chosen].mean() >= precision
        for label in np.unique(labels):
            mask = chosen & (labels == label)
            if mask.sum() >= min_answers and y[mask].mean() < precision:
                ok = False
        if ok:
            return float(shift)
    return 3.0


def lower_top(calibration: Calibration, features: pd.DataFrame, correct: np.ndarray, *,
              groups: np.ndarray | None = None, high: float = HIGH,
              precision: float = HIGH_PRECISION, fitted_on: str | None = None
              ) -> Calibration:
    """``calibration`` with its intercept lowered so that, on a *validation* set not used
    to fit it, at least ``precision`` of the answers with confidence >= ``high`` are right,
    overall and within each group (e.g. each source of labelled data): the guard that
    keeps 'high confidence' honest where the evidence is thinner than in the fitting data."""
    p = np.clip(calibration.predict(features), 1e-12, 1 - 1e-12)
    z = np.log(p / (1 - p))
    shift = _conservative_shift(z, np.asarray(correct, dtype=float), high=high,
                                precision=precision, groups=groups)
    return Calibration(intercept=calibration.intercept - shift,
                       coefficients=dict(calibration.coefficients),
                       fitted_on=calibration.fitted_on if fitted_on is None else fitted_on)


def reliability_table(confidence: np.ndarray, correct: np.ndarray,
                      bands: tuple[float, ...] = BANDS) -> list[dict[str, Any]]:
    """Answers by confidence band: how many, mean confidence, share actually right."""
    conf = np.asarray(confidence, dtype=float)
    ok = np.asarray(correct, dtype=bool)
    rows = []
    for low, high in itertools.pairwise(bands):
        mask = (conf >= low) & (conf < high)
        n = int(mask.sum())
        rows.append({
            "band": f"{low:.1f}-{min(high, 1.0):.1f}",
            "n": n,
            "mean_confidence": float(conf[mask].mean()) if n else None,
            "share_correct": float(ok[mask].mean()) if n else None,
        })
    return rows
