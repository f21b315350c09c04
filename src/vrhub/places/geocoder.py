"""Geocoding free-text ED assault locations to a point, LSOA 2021, ward and borough.

The method, in order (details in ``docs/explanation/geocoding.md``):

1. **Home.** 'home', 'own address', 'his flat' (or location type ``home``) are not
   geocoded: the answer is unresolved with reason 'home address (not geocoded)'.
2. **Postcode.** A full postcode found in the imported ONS Postcode Directory gives the
   postcode centroid and its LSOA.
3. **Names.** The description is normalised (:mod:`vrhub.geography.text`) and every run of
   words in each comma-separated part is looked up: first as a full gazetteer name
   ('alexandra road'), then as a street name whose type was left out ('alexandra').
   'Junction of A and B' / 'A / B' looks up both streets and keeps the points where they
   meet. If nothing matches exactly, runs of words are matched by similarity
   (rapidfuzz) against names that share a word, a sound (metaphone) or a first syllable.
   A second recognised name (a ward or borough, a station, another street) narrows the
   candidates: points in that area, or near that place, are preferred.
4. **Choosing among points.** A name can refer to many police.uk snap points, across LSOAs
   and boroughs. Each candidate point gets a posterior weight
   ``prior(point) * P(treating ED | point) * context``, where the prior is the number of
   crimes recorded at the point and ``P(ED | point)`` is a distance-decay choice model over
   all ED sites (a patient injured at the point goes to a nearby ED, more likely the
   nearest). Weights are summed by LSOA; the LSOA with the largest share is returned,
   with its heaviest point.
5. **Confidence.** The share of the chosen LSOA, the quality of the string match and the
   number of candidate LSOAs go through a fitted logistic calibration
   (:mod:`vrhub.places.calibration`), so that confidence estimates the probability
   that the LSOA is right.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from vrhub.errors import UserError
from vrhub.geography.gazetteer import Gazetteer
from vrhub.geography.matching import Match, Matcher
from vrhub.geography.text import parse
from vrhub.places import gazetteer as gaz
from vrhub.places.calibration import Calibration
from vrhub.places.calibration import active as active_calibration
from vrhub.progress import SILENT, Progress
from vrhub.storage.warehouse import Warehouse

COLUMNS = ("easting", "northing", "lsoa21_code", "ward_code", "borough_code",
           "match_method", "confidence", "unresolved_reason")

HOME_REASON = "home address (not geocoded)"
DENSITY_METRES = 300.0
LOG_TYPICAL_LSOA_AREA = math.log(300_000.0)
"""log(m²) used when the LSOA's area is not known (a typical inner-London LSOA)."""
EXACT_METHODS = frozenset({"exact", "postcode"})
"""Match methods where the description named a gazetteer entry exactly."""
HOME_LOCATION_TYPES = frozenset({"home", "own home", "home address", "dwelling",
                                 "private residence", "residence"})


@dataclass(frozen=True)
class Parameters:
    """Tuning constants of the candidate model (see the module docstring)."""

    prior_power: float = 1.0
    """Exponent on the crimes-at-point prior (1 = proportional to recorded crime)."""
    ed_decay_metres: float = 2000.0
    """Distance scale of the ED choice model: P(ED | point) ∝ exp(-distance / scale)."""
    area_boost: float = 30.0
    """How much more likely points inside a named ward or borough are."""
    context_boost: float = 8.0
    """How much more likely points near a second named place (station, street) are."""
    context_metres: float = 600.0
    """'Near' for the second named place."""


@dataclass
class EdSites:
    """Treating-ED sites: code -> row index, and their coordinates."""

    index: dict[str, int] = field(default_factory=dict)
    easting: np.ndarray = field(default_factory=lambda: np.zeros(0))
    northing: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @classmethod
    def from_warehouse(cls, warehouse: Warehouse) -> EdSites:
        if not warehouse.has_table("ed_site"):
            return cls()
        from vrhub.storage.queries import gazetteer as gq
        from vrhub.storage.queries import run

        frame = run(warehouse, gq.ED_SITES_PLACED)
        return cls.from_frame(frame)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> EdSites:
        codes = [str(c).strip().upper() for c in frame["site_code"]]
        return cls(index={c: i for i, c in enumerate(codes)},
                   easting=frame["easting"].to_numpy(float),
                   northing=frame["northing"].to_numpy(float))

    def position(self, site_code: str | None) -> int | None:
        if not site_code or not isinstance(site_code, str):
            return None
        return self.index.get(site_code.strip().upper())


class Geocoder:
    """Geocodes location descriptions against a gazetteer. Build once, call often."""

    def __init__(self, gazetteer: Gazetteer, sites: EdSites,
                 calibration: Calibration, parameters: Parameters | None = None) -> None:
        self.gazetteer = gazetteer
        self.sites = sites
        self.calibration = calibration
        self.parameters = parameters or Parameters()
        self.matcher = Matcher(gazetteer)
        self._match_cache: dict[str, Match | None] = {}
        self._resolve_cache: dict[tuple[str, int | None], dict[str, Any]] = {}
        self._choice_cache: dict[int, np.ndarray] = {}
        self._log_denominator: np.ndarray | None = None
        self._density: np.ndarray | None = None

    def prepare(self) -> Geocoder:
        """Do the one-off work (vocabulary, ED choice model) now rather than on the first
        descriptions."""
        self.matcher.prepare()
        for pos in range(len(self.sites.easting)):
            self._ed_choice(pos)
        self._local_density()
        return self

    def _local_density(self) -> np.ndarray:
        """For every point, log(1 + crimes recorded at gazetteer points within
        :data:`DENSITY_METRES`): where the loaded data are dense, a street's snap points
        have probably all been seen; where they are sparse, the answer rests on few."""
        if self._density is None:
            from scipy.spatial import cKDTree

            g = self.gazetteer
            density = np.zeros(g.n_points)
            if g.n_points:
                xy = np.column_stack([g.easting, g.northing])
                for i, near in enumerate(cKDTree(xy).query_ball_point(xy, DENSITY_METRES)):
                    density[i] = math.log1p(float(g.weight[near].sum()))
            self._density = density
        return self._density

    @classmethod
    def build(cls, warehouse: Warehouse, progress: Progress = SILENT) -> Geocoder:
        """Load the persisted gazetteer, building it first if it is missing or was built
        from police.uk rows that have since changed."""
        if not gaz.is_current(warehouse):
            if warehouse.read_only:
                if not warehouse.has_table("gazetteer_point"):
                    raise UserError(
                        "there is no gazetteer yet and the warehouse is open read-only",
                        hint="run `vrhub istv gazetteer build` once")
                progress.note("The gazetteer is older than the police.uk data loaded; "
                              "run `vrhub istv gazetteer build` to bring it up to date.")
            else:
                progress.note("Building the gazetteer from the warehouse (first use or new "
                              "police.uk data).")
                gaz.build(warehouse, progress)
        return cls(gaz.load(warehouse), EdSites.from_warehouse(warehouse),
                   active_calibration(warehouse)).prepare()

    # -- public API ---------------------------------------------------------------------
    def geocode(
        self,
        descriptions: Sequence[str | None],
        site_codes: Sequence[str | None] | None = None,
        location_types: Sequence[str | None] | None = None,
    ) -> pd.DataFrame:
        """One row per description (same order) with columns :data:`COLUMNS`."""
        frame, _ = self.geocode_with_features(descriptions, site_codes, location_types)
        return frame

    def geocode_with_features(
        self,
        descriptions: Sequence[str | None],
        site_codes: Sequence[str | None] | None = None,
        location_types: Sequence[str | None] | None = None,
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """As :meth:`geocode`, plus the calibration features of each answer."""
        n = len(descriptions)
        sites = list(site_codes) if site_codes is not None else [None] * n
        types = list(location_types) if location_types is not None else [None] * n
        if len(sites) != n or len(types) != n:
            raise ValueError("descriptions, site_codes and location_types differ in length")
        rows: list[dict[str, Any]] = []
        seen: dict[tuple[Any, Any, Any], dict[str, Any]] = {}
        for text, site, ltype in zip(descriptions, sites, types, strict=True):
            key = (text, site, ltype)
            row = seen.get(key)
            if row is None:
                row = seen[key] = self._one(text, site, ltype)
            rows.append(row)
        frame = pd.DataFrame(rows, columns=[*COLUMNS, "_features"])
        features = pd.DataFrame([r or {} for r in frame.pop("_features")])
        answered = frame["unresolved_reason"].isna().to_numpy()
        confidence = np.zeros(n)
        if answered.any():
            confidence[answered] = self.calibration.predict(features[answered])
        # confidence is P(LSOA right): nil when no LSOA could be given
        confidence[frame["lsoa21_code"].isna().to_numpy()] = 0.0
        frame["confidence"] = np.round(confidence, 4)
        frame["easting"] = frame["easting"].astype(float)
        frame["northing"] = frame["northing"].astype(float)
        for col in ("lsoa21_code", "ward_code", "borough_code", "match_method",
                    "unresolved_reason"):
            values = frame[col].astype(object)
            frame[col] = values.where(values.notna(), None)
        return frame, features

    # -- one description ----------------------------------------------------------------
    def _one(self, text: str | None, site: str | None, ltype: str | None) -> dict[str, Any]:
        if isinstance(ltype, str) and ltype.strip().lower() in HOME_LOCATION_TYPES:
            return _unresolved(HOME_REASON)
        if not isinstance(text, str) or not text.strip():
            return _unresolved("no location description")
        parsed = parse(text)
        if parsed.home:
            return _unresolved(HOME_REASON)
        key = parsed.key
        if key not in self._match_cache:
            self._match_cache[key] = self.matcher.match(parsed)
        match = self._match_cache[key]
        if match is None:
            return _unresolved("no place name recognised")
        site_pos = self.sites.position(site)
        cache_key = (key, site_pos)
        result = self._resolve_cache.get(cache_key)
        if result is None:
            result = self._resolve(match, site_pos)
            self._resolve_cache[cache_key] = result
        return result

    def _log_area(self, lsoa_id: int) -> float:
        area = self.gazetteer.lsoa_area.get(self.gazetteer.lsoa_codes[lsoa_id])
        return math.log(area) if area else LOG_TYPICAL_LSOA_AREA

    def _log_ed_km(self, point: int, site_pos: int | None) -> float:
        """log(1 + km from the chosen point to the treating ED); 0 when the ED is unknown
        (``no_site`` carries that case)."""
        if site_pos is None or not len(self.sites.easting):
            return 0.0
        g = self.gazetteer
        return math.log1p(math.hypot(float(g.easting[point]) - self.sites.easting[site_pos],
                                     float(g.northing[point]) - self.sites.northing[site_pos])
                          / 1000.0)

    def _ed_choice(self, site_pos: int) -> np.ndarray:
        """P(patient attends ED ``site_pos`` | injured at point), for every gazetteer
        point: a distance-decay (multinomial logit) choice among all ED sites."""
        column = self._choice_cache.get(site_pos)
        if column is None:
            g, scale = self.gazetteer, self.parameters.ed_decay_metres
            if self._log_denominator is None:
                lse = np.empty(g.n_points)
                for start in range(0, g.n_points, 20_000):
                    part = slice(start, start + 20_000)
                    logits = -np.hypot(
                        g.easting[part, None] - self.sites.easting[None, :],
                        g.northing[part, None] - self.sites.northing[None, :]) / scale
                    top = logits.max(axis=1)
                    lse[part] = top + np.log(np.exp(logits - top[:, None]).sum(axis=1))
                self._log_denominator = lse
            own = -np.hypot(g.easting - self.sites.easting[site_pos],
                            g.northing - self.sites.northing[site_pos]) / scale
            column = np.exp(own - self._log_denominator)
            self._choice_cache[site_pos] = column
        return column

    def _resolve(self, match: Match, site_pos: int | None) -> dict[str, Any]:
        g = self.gazetteer
        p = self.parameters
        if match.point is not None:  # a postcode centroid
            e, n, lsoa, ward, borough = match.point
            return _answer(e, n, lsoa, ward, borough, match.method, _features(
                match, share=0.97, n_lsoas=1, site_known=site_pos is not None, total=100.0))
        idx = match.points
        if not len(idx):
            return _unresolved("no place name recognised")
        if len(idx) == 1 and g.lsoa_id[idx[0]] >= 0:
            point = int(idx[0])
            feats = _features(match, share=1.0, n_lsoas=1, site_known=site_pos is not None,
                              total=float(g.weight[point]),
                              singletons=int(g.weight[point] <= 1))
            feats["log_density"] = float(self._local_density()[point])
            feats["single_point"] = 1.0
            feats["one_lsoa_thin"] = float(g.weight[point] <= 2)
            feats["log_ed_km"] = self._log_ed_km(point, site_pos)
            return _answer(float(g.easting[point]), float(g.northing[point]), g.lsoa[point],
                           g.ward[point], g.borough[point], match.method, feats)
        x, y = g.easting[idx], g.northing[idx]
        weight = np.power(np.maximum(g.weight[idx], 1e-9), p.prior_power)
        if site_pos is not None and len(self.sites.easting):
            weight = weight * self._ed_choice(site_pos)[idx]
        context = False
        if match.area_codes:
            inside = np.zeros(len(idx), dtype=bool)
            for code in match.area_codes:
                inside |= (g.ward[idx] == code) | (g.borough[idx] == code)
            if inside.any() and not inside.all():
                weight = weight * np.where(inside, p.area_boost, 1.0)
                context = True
        if match.context_points is not None and len(match.context_points):
            cx = g.easting[match.context_points]
            cy = g.northing[match.context_points]
            near = _near_any(x, y, cx, cy, p.context_metres)
            if near.any() and not near.all():
                weight = weight * np.where(near, p.context_boost, 1.0)
                context = True
        lsoa_ids = g.lsoa_id[idx]
        known = lsoa_ids >= 0
        if not known.any():  # e.g. imported names with no LSOA boundaries loaded
            point = int(idx[int(weight.argmax())])
            feats = _features(match, share=0.0, n_lsoas=0, site_known=site_pos is not None)
            feats["no_lsoa"] = 1.0
            return _answer(float(g.easting[point]), float(g.northing[point]), None,
                           g.ward[point], g.borough[point], match.method, feats)
        total = weight[known].sum()
        if total <= 0:
            weight = np.ones(len(idx))
            total = float(known.sum())
        by_lsoa = np.bincount(lsoa_ids[known], weights=weight[known])
        best = int(by_lsoa.argmax())
        share = float(by_lsoa[best] / by_lsoa.sum())
        in_best = np.flatnonzero(lsoa_ids == best)
        chosen = in_best[int(weight[in_best].argmax())]
        point = idx[chosen]
        n_lsoas = int((by_lsoa > 0).sum())
        raw = g.weight[idx]
        feats = _features(match, share=share, n_lsoas=n_lsoas,
                          site_known=site_pos is not None, context=context,
                          total=float(raw.sum()), singletons=int((raw <= 1).sum()))
        feats["log_spread"] = math.log1p(math.hypot(float(x.max() - x.min()),
                                                    float(y.max() - y.min())))
        feats["log_points_in_lsoa"] = math.log1p(len(in_best))
        feats["log_points"] = math.log1p(len(idx))
        feats["log_density"] = float(self._local_density()[point])
        feats["log_lsoa_area"] = self._log_area(best)
        feats["one_lsoa_thin"] = float(n_lsoas == 1 and float(raw.sum()) <= 2)
        feats["log_ed_km"] = self._log_ed_km(int(point), site_pos)
        return _answer(float(g.easting[point]), float(g.northing[point]), g.lsoa[point],
                       g.ward[point], g.borough[point], match.method, feats)


def _near_any(x: np.ndarray, y: np.ndarray, cx: np.ndarray, cy: np.ndarray,
              radius: float) -> np.ndarray:
    if len(x) * len(cx) <= 2_000_000:
        d2 = (x[:, None] - cx[None, :]) ** 2 + (y[:, None] - cy[None, :]) ** 2
        return bool_any(d2 <= radius * radius)
    from scipy.spatial import cKDTree

    dist, _ = cKDTree(np.column_stack([cx, cy])).query(np.column_stack([x, y]), k=1)
    return np.asarray(dist <= radius)


def bool_any(matrix: np.ndarray) -> np.ndarray:
    return np.asarray(matrix.any(axis=1))


def _features(match: Match, *, share: float, n_lsoas: int, site_known: bool,
              context: bool = False, total: float = 0.0, singletons: int = 0
              ) -> dict[str, float]:
    s = min(max(share, 1e-4), 1 - 1e-4)
    return {
        "log_spread": 0.0,
        "log_points_in_lsoa": math.log(2.0),
        "log_points": math.log(2.0),
        "log_density": 3.0,
        "log_lsoa_area": LOG_TYPICAL_LSOA_AREA,
        "unseen": singletons / total if total > 0 else 1.0,
        "log_total": math.log1p(total),
        "other_type": float(match.method == "other_street_type"),
        "logit_share": min(max(math.log(s / (1 - s)), -6.0), 6.0),
        "score": match.score,
        "type_missing": float(match.method == "street_type_missing"),
        "fuzzy": float(match.method.startswith("fuzzy")),
        "intersection": float(match.method == "intersection"),
        "area_only": float(match.method == "area"),
        "postcode": float(match.method == "postcode"),
        "no_site": float(not site_known),
        "log_candidates": math.log1p(n_lsoas),
        "context": float(context),
        "single_point": 0.0,
        "one_lsoa_thin": 0.0,
        "log_ed_km": 0.0,
        "exact": float(match.method in EXACT_METHODS),
        "unexplained": math.log1p(match.unexplained),
    }


def _answer(e: float, n: float, lsoa: Any, ward: Any, borough: Any, method: str,
            features: dict[str, float]) -> dict[str, Any]:
    return {"easting": e, "northing": n, "lsoa21_code": lsoa, "ward_code": ward,
            "borough_code": borough, "match_method": method, "confidence": None,
            "unresolved_reason": None, "_features": features}


def _unresolved(reason: str) -> dict[str, Any]:
    return {"easting": np.nan, "northing": np.nan, "lsoa21_code": None, "ward_code": None,
            "borough_code": None, "match_method": "unresolved", "confidence": 0.0,
            "unresolved_reason": reason, "_features": None}
