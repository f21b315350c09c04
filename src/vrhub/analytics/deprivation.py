"""Violence and deprivation: area deprivation from LSOA IMD, the VRU's "high violence x
high deprivation" view, rates by IMD decile and the correlation of rates with IMD.

The Index of Multiple Deprivation ranks every LSOA in England (rank 1 = most deprived;
decile 1 = most deprived tenth). Wards and boroughs have no official IMD, so it is derived
from their LSOAs with one of the two measures MHCLG itself publishes for larger areas:

``average_rank`` (default)
    the population-weighted mean of the LSOA ranks, placed in the national LSOA decile it
    would fall in: ``ceil(10 * average_rank / N)`` where N is the number of LSOAs in
    England for that edition (32,844 in 2019, 33,755 in 2025). A ward is "high
    deprivation" when that decile is one of ``deciles`` (default 1 and 2).
``extent``
    the share of the area's residents living in LSOAs whose own decile is one of
    ``deciles``; "high deprivation" when that share is at least ``extent_threshold``
    (default 0.5).

Average rank keeps pockets of deprivation visible without letting one small LSOA decide a
whole ward; extent answers "how many residents live in deprived neighbourhoods". Both are
reported whichever rule classifies. See docs/explanation/violence-and-deprivation.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from vrhub.analytics.poisson import rate_ci
from vrhub.analytics.series_inputs import (
    Choices,
    check_confidence,
    check_counts,
    require_columns,
)
from vrhub.errors import UserError
from vrhub.progress import SILENT, Progress
from vrhub.standards.deprivation import HIGH_VIOLENCE_OFFENCES

NATIONAL_LSOAS = {"2019": 32_844, "2025": 33_755}
"""Number of LSOAs ranked in England by each IMD edition (the denominator of deciles)."""

Rule = Literal["average_rank", "extent"]
RULES: tuple[str, ...] = ("average_rank", "extent")

AREA_COLUMNS = (
    "area_code", "area_name", "lsoas", "population", "imd_average_rank",
    "imd_average_score", "imd_decile", "extent_share", "high_deprivation",
)
"""Columns of :func:`area_deprivation`: ``lsoas`` LSOAs with an IMD value in the area,
``population`` their residents (NaN when weighting was equal), ``imd_average_rank`` the
population-weighted mean national rank, ``imd_average_score`` the weighted mean score
(NaN when the edition carries no scores), ``imd_decile`` the national decile of the
average rank, ``extent_share`` the share of residents in LSOAs of the chosen deciles,
``high_deprivation`` the classification by the chosen rule."""

MAP_COLUMNS = (
    "area_code", "area_name", "count", "high_violence", "imd_average_rank", "imd_decile",
    "extent_share", "high_deprivation", "group",
)
"""Columns of :func:`violence_deprivation`: ``count`` violence with injury in the window,
``group`` one of ``both``, ``violence only``, ``deprivation only``, ``neither``."""

GROUPS = ("both", "violence only", "deprivation only", "neither")

DECILE_COLUMNS = ("imd_decile", "areas", "count", "population", "rate_per_1000",
                  "rate_lower", "rate_upper", "share_of_events", "share_of_population")
"""Columns of :func:`rates_by_decile`."""

CORRELATION_KEYS = ("n", "rate", "deprivation", "pearson_r", "pearson_p", "pearson_lower",
                    "pearson_upper", "spearman_rho", "spearman_p", "spearman_lower",
                    "spearman_upper")
"""Keys of :func:`deprivation_correlation`."""


def national_decile(rank: np.ndarray | pd.Series | float, edition: str) -> np.ndarray:
    """National IMD decile of a (possibly fractional) rank: ``ceil(10 * rank / N)``."""
    n = _national_count(edition)
    r = np.asarray(rank, dtype="float64")
    with np.errstate(invalid="ignore"):
        return np.clip(np.ceil(10 * r / n), 1, 10)


def _national_count(edition: str) -> int:
    if edition not in NATIONAL_LSOAS:
        raise UserError(f"unknown IMD edition {edition!r}",
                        hint="use one of " + ", ".join(NATIONAL_LSOAS))
    return NATIONAL_LSOAS[edition]


def _check_deciles(deciles: Sequence[int]) -> tuple[int, ...]:
    out = tuple(sorted({int(d) for d in deciles}))
    if not out or any(d < 1 or d > 10 for d in out):
        raise UserError(f"IMD deciles must be whole numbers 1 to 10; found {list(deciles)!r}",
                        hint="for example --deciles 1,2")
    return out


def area_deprivation(imd: pd.DataFrame, lookup: pd.DataFrame, *, edition: str = "2025",
                     population: pd.DataFrame | None = None, rule: Rule = "average_rank",
                     deciles: Sequence[int] = (1, 2), extent_threshold: float = 0.5,
                     progress: Progress = SILENT) -> pd.DataFrame:
    """Deprivation of larger areas (wards, boroughs) from their LSOAs.

    ``imd``: ``lsoa_code``, ``imd_rank``, ``imd_decile`` and optionally ``imd_score``.
    ``lookup``: ``lsoa_code``, ``area_code``, optional ``area_name`` (one row per LSOA).
    ``population``: optional ``lsoa_code``, ``population`` weights; without it every LSOA
    weighs the same (announced). Returns :data:`AREA_COLUMNS`.
    """
    what = "area deprivation"
    choices = Choices(progress)
    require_columns(imd, ("lsoa_code", "imd_rank", "imd_decile"), what=f"{what} (IMD)")
    require_columns(lookup, ("lsoa_code", "area_code"), what=f"{what} (lookup)")
    if rule not in RULES:
        raise UserError(f"unknown deprivation rule {rule!r}", hint="use " + " or ".join(RULES))
    chosen = _check_deciles(deciles)
    if not 0 < extent_threshold <= 1:
        raise UserError(f"extent threshold must lie in (0, 1]; found {extent_threshold!r}")
    _national_count(edition)
    frame = lookup[["lsoa_code", "area_code"]
                   + (["area_name"] if "area_name" in lookup.columns else [])].copy()
    if "area_name" not in frame.columns:
        frame["area_name"] = pd.NA
    cols = ["lsoa_code", "imd_rank", "imd_decile"] + (
        ["imd_score"] if "imd_score" in imd.columns else [])
    frame = frame.merge(imd[cols].drop_duplicates("lsoa_code"), on="lsoa_code", how="left")
    if "imd_score" not in frame.columns:
        frame["imd_score"] = np.nan
    missing = int(frame["imd_rank"].isna().sum())
    if missing:
        choices.note(f"{missing} LSOA(s) in the lookup have no IMD {edition} value and are "
                     "left out")
    frame = frame.dropna(subset=["imd_rank"])
    if population is not None:
        require_columns(population, ("lsoa_code", "population"), what=f"{what} (population)")
        pop = population.groupby("lsoa_code")["population"].sum()
        frame["weight"] = frame["lsoa_code"].map(pop).astype("float64")
        absent = int(frame["weight"].isna().sum())
        if absent:
            choices.note(f"{absent} LSOA(s) have no population and are left out of weighting")
        frame = frame.dropna(subset=["weight"])
    else:
        frame["weight"] = 1.0
        choices.note("no population given: every LSOA weighs the same")
    frame["in_deciles"] = frame["imd_decile"].astype("float64").isin([float(d) for d in chosen])
    frame["w_rank"] = frame["weight"] * frame["imd_rank"].astype("float64")
    frame["w_score"] = frame["weight"] * frame["imd_score"].astype("float64")
    frame["w_in"] = frame["weight"] * frame["in_deciles"]
    grouped = frame.groupby("area_code", sort=True).agg(
        area_name=("area_name", "first"), lsoas=("lsoa_code", "size"),
        weight=("weight", "sum"), w_rank=("w_rank", "sum"),
        w_score=("w_score", lambda s: s.sum(min_count=len(s))), w_in=("w_in", "sum"),
    ).reset_index()
    if not len(grouped):
        raise UserError(f"{what}: no LSOA in the lookup has an IMD {edition} value",
                        hint=f"load IMD {edition} (vrhub load imd ...) and the area lookup")
    with np.errstate(invalid="ignore", divide="ignore"):
        grouped["imd_average_rank"] = grouped["w_rank"] / grouped["weight"]
        grouped["imd_average_score"] = grouped["w_score"] / grouped["weight"]
        grouped["extent_share"] = grouped["w_in"] / grouped["weight"]
    grouped["imd_decile"] = national_decile(grouped["imd_average_rank"], edition).astype("int64")
    grouped["population"] = grouped["weight"] if population is not None else np.nan
    if rule == "average_rank":
        grouped["high_deprivation"] = grouped["imd_decile"].isin(chosen)
    else:
        grouped["high_deprivation"] = grouped["extent_share"] >= extent_threshold
    result = grouped[list(AREA_COLUMNS)].reset_index(drop=True)
    return choices.attach(result, function="area_deprivation", parameters={
        "edition": edition, "rule": rule, "deciles": list(chosen),
        "extent_threshold": extent_threshold, "population_weighted": population is not None})


def violence_deprivation(violence: pd.DataFrame, deprivation: pd.DataFrame, *,
                         min_count: float = HIGH_VIOLENCE_OFFENCES,
                         progress: Progress = SILENT) -> pd.DataFrame:
    """Cross high violence with high deprivation per area (the VRU strategy's map).

    ``violence``: ``area_code``, ``count`` (violence with injury over the window; optional
    ``area_name``); ``deprivation``: the output of :func:`area_deprivation`. An area is
    "high violence" when its count is *more than* ``min_count``. Areas missing from either
    side are kept with the missing side false and announced. Returns :data:`MAP_COLUMNS`.
    """
    what = "violence and deprivation"
    choices = Choices(progress)
    require_columns(violence, ("area_code", "count"), what=f"{what} (violence)")
    require_columns(deprivation, ("area_code", "imd_average_rank", "imd_decile",
                                  "extent_share", "high_deprivation"),
                    what=f"{what} (deprivation)")
    if min_count < 0:
        raise UserError(f"the violence threshold must not be negative; found {min_count!r}")
    v = violence.copy()
    v["count"] = check_counts(v["count"], what=what)
    names = v.get("area_name", pd.Series(pd.NA, index=v.index))
    v = pd.DataFrame({"area_code": v["area_code"], "count": v["count"], "v_name": names})
    v = v.groupby("area_code").agg(count=("count", "sum"), v_name=("v_name", "first"))
    d = deprivation.set_index("area_code")
    merged = v.join(d, how="outer")
    no_imd = merged["imd_average_rank"].isna() & merged["count"].notna()
    if no_imd.any():
        choices.note(f"{int(no_imd.sum())} area(s) with violence counts have no deprivation "
                     f"value (e.g. {merged.index[no_imd][0]}); shown as not deprived")
    no_count = merged["count"].isna()
    if no_count.any():
        choices.note(f"{int(no_count.sum())} area(s) with a deprivation value have no violence "
                     "counts; shown with 0")
    merged["count"] = merged["count"].fillna(0.0)
    merged["area_name"] = merged["v_name"].where(merged["v_name"].notna(),
                                                 merged.get("area_name"))
    merged["high_violence"] = merged["count"] > min_count
    merged["high_deprivation"] = merged["high_deprivation"].fillna(False).astype(bool)
    hv, hd = merged["high_violence"], merged["high_deprivation"]
    merged["group"] = np.select([hv & hd, hv & ~hd, ~hv & hd], list(GROUPS[:3]), GROUPS[3])
    result = merged.reset_index().rename(columns={"index": "area_code"})
    result = result[list(MAP_COLUMNS)].sort_values("area_code").reset_index(drop=True)
    return choices.attach(result, function="violence_deprivation",
                          parameters={"min_count": min_count})


def violence_deprivation_summary(mapped: pd.DataFrame) -> dict[str, Any]:
    """Areas and events per group, and the share of all events in "both" areas."""
    total = float(mapped["count"].sum())
    groups = {}
    for g in GROUPS:
        part = mapped[mapped["group"] == g]
        groups[g] = {"areas": len(part), "events": float(part["count"].sum()),
                     "share_of_events": float(part["count"].sum() / total) if total else None}
    return {"areas": len(mapped), "events": total, "groups": groups}


def rates_by_decile(data: pd.DataFrame, *, confidence: float = 0.95,
                    progress: Progress = SILENT) -> pd.DataFrame:
    """Events per 1,000 residents in each IMD decile (the deprivation gradient).

    ``data``: one row per area with ``count``, ``population`` and ``imd_decile``. Returns
    :data:`DECILE_COLUMNS`, one row per decile present, with exact Poisson limits.
    """
    what = "rates by IMD decile"
    choices = Choices(progress)
    check_confidence(confidence, what=what)
    require_columns(data, ("count", "population", "imd_decile"), what=what)
    frame = data.dropna(subset=["population", "imd_decile"]).copy()
    if len(frame) < len(data):
        choices.note(f"{len(data) - len(frame)} area(s) without population or decile left out")
    frame["count"] = check_counts(frame["count"], what=what)
    grouped = frame.groupby("imd_decile").agg(
        areas=("count", "size"), count=("count", "sum"), population=("population", "sum"))
    grouped = grouped.reset_index()
    grouped["imd_decile"] = grouped["imd_decile"].astype("int64")
    rate, low, high = rate_ci(grouped["count"], grouped["population"], confidence=confidence)
    grouped["rate_per_1000"], grouped["rate_lower"], grouped["rate_upper"] = rate, low, high
    grouped["share_of_events"] = grouped["count"] / grouped["count"].sum()
    grouped["share_of_population"] = grouped["population"] / grouped["population"].sum()
    return choices.attach(grouped[list(DECILE_COLUMNS)], function="rates_by_decile",
                          parameters={"confidence": confidence})


def _fisher_interval(r: float, n: int, confidence: float, spearman: bool) -> tuple[float, float]:
    """Fisher-z interval; for Spearman with the Bonett-Wright variance (1 + r^2/2)/(n - 3)."""
    if n <= 3 or not math.isfinite(r) or abs(r) >= 1:
        return (float("nan"), float("nan"))
    from scipy import stats  # imported where used: it costs every report most of a second

    z = math.atanh(r)
    var = (1 + r * r / 2) / (n - 3) if spearman else 1 / (n - 3)
    q = stats.norm.ppf(1 - (1 - confidence) / 2) * math.sqrt(var)
    return (math.tanh(z - q), math.tanh(z + q))


def deprivation_correlation(data: pd.DataFrame, *, rate: str = "rate_per_1000",
                            deprivation: str = "imd_score", confidence: float = 0.95,
                            progress: Progress = SILENT) -> dict[str, Any]:
    """Pearson and Spearman correlation of area rates with a deprivation measure.

    Rows with a missing rate or measure are left out (announced). Pearson's interval is
    scipy's Fisher-z interval; Spearman's uses Fisher z with the Bonett-Wright variance.
    Returns :data:`CORRELATION_KEYS` (plus ``choices``).
    """
    what = "deprivation correlation"
    choices = Choices(progress)
    check_confidence(confidence, what=what)
    require_columns(data, (rate, deprivation), what=what)
    x = pd.to_numeric(data[deprivation], errors="coerce").to_numpy(dtype="float64")
    y = pd.to_numeric(data[rate], errors="coerce").to_numpy(dtype="float64")
    ok = np.isfinite(x) & np.isfinite(y)
    if (~ok).any():
        choices.note(f"{int((~ok).sum())} area(s) without a {rate} or {deprivation} "
                     "value left out")
    x, y = x[ok], y[ok]
    n = len(x)
    if n < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        raise UserError(f"{what}: needs at least 3 areas with varying values; found {n}",
                        hint="choose a finer --level or load population and IMD data")
    from scipy import stats  # imported where used: it costs every report most of a second

    pearson = stats.pearsonr(x, y)
    p_ci = pearson.confidence_interval(confidence_level=confidence)
    spearman = stats.spearmanr(x, y)
    rho = float(spearman.statistic)
    s_low, s_high = _fisher_interval(rho, n, confidence, spearman=True)
    return {"n": n, "rate": rate, "deprivation": deprivation,
            "pearson_r": float(pearson.statistic), "pearson_p": float(pearson.pvalue),
            "pearson_lower": float(p_ci.low), "pearson_upper": float(p_ci.high),
            "spearman_rho": rho, "spearman_p": float(spearman.pvalue),
            "spearman_lower": s_low, "spearman_upper": s_high,
            "choices": list(choices.notes)}
