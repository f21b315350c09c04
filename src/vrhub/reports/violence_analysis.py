"""The Python API behind ``vrhub deprivation`` and ``vrhub compare`` (and, in
:mod:`vrhub.reports.trend_analysis`, ``vrhub trends``): each function reads what it needs
from the warehouse (:mod:`vrhub.storage.series`), runs the pure functions of
:mod:`vrhub.analytics` and returns an :class:`AnalysisResult` carrying the table, a
summary, the parameters, the data provenance and every automatic choice. The CLI and the
web layer call these same functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from vrhub.analytics import concentration, deprivation, hidden_violence
from vrhub.analytics import disclosure as sdc
from vrhub.analytics.poisson import rate_ratio
from vrhub.analytics.series_inputs import (
    parse_period,
)
from vrhub.errors import DisclosureError, UserError
from vrhub.progress import SILENT, Progress
from vrhub.reports.outputs import output_metadata
from vrhub.standards.deprivation import HIGH_VIOLENCE_OFFENCES
from vrhub.standards.months import month_span, shift
from vrhub.storage import series
from vrhub.storage.warehouse import Warehouse

if TYPE_CHECKING:
    import geopandas as gpd

VWI = "VIOLENCE WITH INJURY"
"""The MPS minor category the VRU strategy's violence x deprivation map counts."""

Period = tuple[str | None, str | None]


@dataclass
class AnalysisResult:
    """One analysis: its table, a JSON-ready summary, and how it was made."""

    analysis: str
    level: str | None
    frame: pd.DataFrame
    summary: dict[str, Any]
    parameters: dict[str, Any]
    provenance: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    disclosure: dict[str, Any] | None = None
    """What disclosure control did (None: the result holds no health data)."""
    period: dict[str, Any] | None = None
    """The months it covers, as :func:`vrhub.reports.periods.describe` states them."""

    def metadata(self) -> dict[str, Any]:
        return output_metadata(self.parameters, self.provenance, analysis=self.analysis,
                               level=self.level, choices=self.notes,
                               columns=list(self.frame.columns), summary=self.summary,
                               disclosure=self.disclosure, period=self.period)

    def to_json(self, rows: int | None = None) -> dict[str, Any]:
        """Summary, parameters, choices and provenance (plus up to ``rows`` rows)."""
        out: dict[str, Any] = {"analysis": self.analysis, "level": self.level,
                               "parameters": self.parameters, "summary": self.summary,
                               "choices": self.notes, "provenance": self.provenance,
                               "rows": len(self.frame), "columns": list(self.frame.columns),
                               "disclosure": self.disclosure, "period": self.period}
        if rows:
            head = self.frame.head(rows).replace({np.inf: None, -np.inf: None})
            out["data"] = head.astype(object).where(head.notna(), None).to_dict("records")
        return out


class Notes:
    """Collects notes from queries and analytics and passes them on to ``progress``."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.notes: list[str] = []

    def note(self, message: str) -> None:
        if message in self.notes:
            return
        self.notes.append(message)
        self.progress.note(message)

    def extend(self, messages: Sequence[str]) -> None:
        for m in messages:
            self.note(m)

    def task(self, description: str, total: float | None = None) -> Any:
        return self.progress.task(description, total)


def with_geometry(warehouse: Warehouse, frame: pd.DataFrame,
                  level: str | None) -> gpd.GeoDataFrame | None:
    """``frame`` joined to the boundaries of ``level`` (None when none are loaded)."""
    if level is None or "area_code" not in frame.columns:
        return None
    shapes = series.area_geometries(warehouse, level)
    if shapes is None:
        return None
    import geopandas as gpd

    joined = shapes.merge(frame, on="area_code", how="right")
    return gpd.GeoDataFrame(joined, geometry="geometry", crs=27700)


def _window(coverage: list[str], months: int, end: str | None, notes: Notes) -> Period:
    """The ``months`` months ending at ``end`` (default: the last covered month)."""
    if not coverage:
        raise UserError("the source covers no months")
    if end is None:
        end = coverage[-1]
        notes.note(f"window ends at the last month with data: {end}")
    start = shift(end, 1 - months)
    covered = [m for m in month_span(start, end) if m in set(coverage)]
    if len(covered) < months:
        notes.note(f"only {len(covered)} of the {months} months {start}..{end} are covered "
                   "by the data; counts are for the covered months only")
    return (start, end)


def _in_covered_boroughs(warehouse: Warehouse, frame: pd.DataFrame, level: str,
                         with_data: pd.Series, notes: Notes) -> pd.DataFrame:
    """Rows of ``frame`` (per area) whose borough has any data in ``with_data`` (area
    codes): the MPS does not police the City of London, so its areas are not zeros."""
    lookup = series.lsoa_lookup(warehouse, level).drop_duplicates("area_code")
    boroughs = set(lookup.loc[lookup["area_code"].isin(set(with_data)), "borough_code"])
    keep = set(lookup.loc[lookup["borough_code"].isin(boroughs), "area_code"])
    inside = frame["area_code"].isin(keep)
    if (~inside).any():
        notes.note(f"{int((~inside).sum())} area(s) outside the boroughs the source covers "
                   "are left out")
    return frame[inside].reset_index(drop=True)


# -- deprivation -----------------------------------------------------------------------


def area_deprivation(warehouse: Warehouse, level: str, *, edition: str = "2025",
                     rule: str = "average_rank", deciles: Sequence[int] = (1, 2),
                     extent_threshold: float = 0.5, notes: Notes | None = None
                     ) -> pd.DataFrame:
    """Deprivation of the areas of ``level`` from their LSOAs, weighted by residents where
    population is loaded (the IMD's own way for larger areas), else every LSOA equally
    (noted). The one derivation behind the CLI's map, the overview and its publication."""
    notes = notes if notes is not None else Notes(SILENT)
    imd = series.lsoa_imd(warehouse, edition)
    lsoa_pop: pd.DataFrame | None = None
    try:
        lsoa_pop, pop_notes = series.population_by_area(warehouse, "lsoa")
        notes.extend(pop_notes)
        lsoa_pop = lsoa_pop.rename(columns={"area_code": "lsoa_code"})
    except UserError:
        notes.note("no population loaded: LSOAs are weighted equally")
    lookup = series.lsoa_lookup(warehouse, level)
    return deprivation.area_deprivation(imd, lookup, edition=edition, population=lsoa_pop,
                                        rule=rule,  # type: ignore[arg-type]
                                        deciles=deciles, extent_threshold=extent_threshold,
                                        progress=notes)


def deprivation_map(warehouse: Warehouse, *, level: str = "ward",
                    min_vwi: float = HIGH_VIOLENCE_OFFENCES,
                    deciles: Sequence[int] = (1, 2), months: int = 12,
                    period: Period = (None, None), rule: str = "average_rank",
                    extent_threshold: float = 0.5, edition: str = "2025",
                    category: str = VWI, progress: Progress = SILENT) -> AnalysisResult:
    """The VRU strategy's view: areas with more than ``min_vwi`` violence-with-injury
    offences in ``months`` months against high deprivation
    (:data:`vrhub.analytics.deprivation.MAP_COLUMNS`)."""
    period = parse_period(period, what="violence and deprivation map")
    notes = Notes(progress)
    counts = series.monthly_counts(warehouse, source="mps", level=level, categories=[category])
    notes.extend(counts.notes)
    start, end = _window(counts.coverage, months, period[1], notes)
    in_window = counts.data[(counts.data["month"] >= start) & (counts.data["month"] <= end)]
    violence = in_window.groupby("area_code").agg(
        area_name=("area_name", "first"), count=("count", "sum")).reset_index()
    dep = area_deprivation(warehouse, level, edition=edition, rule=rule, deciles=deciles,
                            extent_threshold=extent_threshold, notes=notes)
    dep = _in_covered_boroughs(warehouse, dep, level, violence["area_code"], notes)
    frame = deprivation.violence_deprivation(violence, dep, min_count=min_vwi, progress=notes)
    summary = deprivation.violence_deprivation_summary(frame)
    summary["window"] = [start, end]
    params = {"level": level, "min_vwi": min_vwi, "deciles": list(deciles), "months": months,
              "window": [start, end], "rule": rule, "extent_threshold": extent_threshold,
              "imd_edition": edition, "category": category}
    provenance = counts.provenance + series.provenance_for(
        warehouse, ["imd", "population", "area_lookup"])
    return AnalysisResult("deprivation.map", level, frame, summary, params, provenance,
                          notes.notes)


def deprivation_correlation(warehouse: Warehouse, *, level: str = "ward",
                            source: str = "mps", category: str = VWI, months: int = 12,
                            period: Period = (None, None), edition: str = "2025",
                            confidence: float = 0.95,
                            progress: Progress = SILENT) -> AnalysisResult:
    """Rates per 1,000 residents over ``months`` months against IMD, per area: Pearson and
    Spearman correlation, and the rate in each IMD decile."""
    period = parse_period(period, what="deprivation correlation")
    notes = Notes(progress)
    counts = series.monthly_counts(warehouse, source=source, level=level,
                                   categories=[category] if category else None)
    notes.extend(counts.notes)
    start, end = _window(counts.coverage, months, period[1], notes)
    in_window = counts.data[(counts.data["month"] >= start) & (counts.data["month"] <= end)]
    dep = area_deprivation(warehouse, level, edition=edition, rule="average_rank",
                            deciles=(1, 2), extent_threshold=0.5, notes=notes)
    dep = _in_covered_boroughs(warehouse, dep, level, in_window["area_code"], notes)
    population, pop_notes = series.population_by_area(warehouse, level)
    frame = dep[["area_code", "area_name", "imd_average_rank", "imd_average_score",
                 "imd_decile"]].merge(population, on="area_code", how="left")
    totals = in_window.groupby("area_code")["count"].sum()
    frame["count"] = frame["area_code"].map(totals).fillna(0.0)
    frame["rate_per_1000"] = frame["count"] / frame["population"] * 1000
    if frame["imd_average_score"].notna().any():
        measure = "imd_average_score"
    else:
        n = deprivation.NATIONAL_LSOAS[edition]
        frame["imd_rank_reversed"] = n + 1 - frame["imd_average_rank"]
        measure = "imd_rank_reversed"
        notes.note(f"IMD {edition} scores are not loaded: correlating with the reversed "
                   f"average rank ({n} + 1 - rank, so higher means more deprived)")
    corr = deprivation.deprivation_correlation(frame, rate="rate_per_1000",
                                               deprivation=measure, confidence=confidence,
                                               progress=notes)
    corr.pop("choices", None)
    by_decile = deprivation.rates_by_decile(frame, confidence=confidence, progress=notes)
    summary = {"window": [start, end], "correlation": corr,
               "by_decile": by_decile.to_dict("records")}
    frame = frame[["area_code", "area_name", "count", "population", "rate_per_1000",
                   "imd_average_rank", "imd_average_score", "imd_decile"]]
    params = {"level": level, "source": source, "category": category, "months": months,
              "window": [start, end], "imd_edition": edition, "confidence": confidence}
    provenance = counts.provenance + series.provenance_for(
        warehouse, ["imd", "population", "area_lookup"])
    notes.extend(pop_notes)
    return AnalysisResult("deprivation.correlation", level, frame, summary, params,
                          provenance, notes.notes)


def deprivation_concentration(warehouse: Warehouse, *, level: str = "ward",
                              source: str = "mps", category: str | None = VWI,
                              months: int = 12, period: Period = (None, None),
                              top: float = 10.0, progress: Progress = SILENT) -> AnalysisResult:
    """How concentrated events are across areas over ``months`` months: the curve
    (:data:`vrhub.analytics.concentration.CURVE_COLUMNS`), Gini and the top ``top``% share."""
    period = parse_period(period, what="concentration")
    notes = Notes(progress)
    counts = series.monthly_counts(warehouse, source=source, level=level,
                                   categories=[category] if category else None)
    notes.extend(counts.notes)
    start, end = _window(counts.coverage, months, period[1], notes)
    in_window = counts.data[(counts.data["month"] >= start) & (counts.data["month"] <= end)]
    areas = in_window.groupby("area_code").agg(area_name=("area_name", "first"),
                                               count=("count", "sum")).reset_index()
    try:  # areas with no events still count, within the boroughs the source covers
        every = series.lsoa_lookup(warehouse, level).drop_duplicates("area_code")
        covered = every.loc[every["area_code"].isin(areas["area_code"]), "borough_code"]
        missing = every[~every["area_code"].isin(areas["area_code"])
                        & every["borough_code"].isin(set(covered))]
        if len(missing):
            notes.note(f"{len(missing)} area(s) of the covered boroughs with no events "
                       "counted as 0")
            areas = pd.concat([areas, missing[["area_code", "area_name"]].assign(count=0.0)],
                              ignore_index=True)
    except UserError:
        notes.note("no area lookup loaded: only areas with events are ranked")
    frame = concentration.concentration_curve(areas, progress=notes)
    summary: dict[str, Any] = dict(
        concentration.concentration_summary(areas, top_percent=top, progress=notes))
    summary["window"] = [start, end]
    params = {"level": level, "source": source, "category": category, "months": months,
              "window": [start, end], "top": top}
    return AnalysisResult("deprivation.concentration", level, frame, summary, params,
                          counts.provenance, notes.notes)


# -- ED versus police ------------------------------------------------------------------

NOT_CONTROLLED = {"applied": False, "warning": "exact ED counts: for internal analysis only; "
                  "do not share or publish (run again with disclosure control)"}


def disclosed(frame: pd.DataFrame, counts: list[str]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``frame`` with ED ``counts`` suppressed (1-7) and rounded (to 5)."""
    try:
        out = sdc.apply(frame, counts)
    except DisclosureError as exc:
        raise DisclosureError(exc.message, hint=f"{exc.hint}; or, for an internal analysis "
                              "that will not be shared, pass --no-disclose") from None
    meta = {"applied": True, **sdc.disclosure_metadata(out)}
    return out, meta


def as_float(values: pd.Series) -> np.ndarray:
    if values.dtype == np.float64:  # already plain numbers (NaN where missing)
        return values.to_numpy(dtype="float64", copy=True)
    return np.asarray(values.astype("Float64").to_numpy(dtype="float64", na_value=np.nan))


def _disclose_comparison(frame: pd.DataFrame, confidence: float,
                         notes: Notes) -> tuple[pd.DataFrame, dict[str, Any]]:
    out, meta = disclosed(frame, ["ed_count"])
    ed = as_float(out["ed_count"])
    known = np.isfinite(ed)
    rr = rate_ratio(np.where(known, ed, 0.0), out["police_count"].to_numpy(dtype="float64"),
                    confidence=confidence)
    for col, values in (("ratio", rr.ratio), ("ratio_lower", rr.lower),
                        ("ratio_upper", rr.upper)):
        out[col] = np.where(known, values, np.nan)
    notes.note("disclosure control: ED counts of 1-7 suppressed and the rest rounded to the "
               "nearest 5; ratios and intervals recomputed from the disclosed counts")
    return out, meta




def ed_police(warehouse: Warehouse, *, level: str = "borough", period: Period = (None, None),
              by_month: bool = False, police_source: str = "mps",
              police_category: str = VWI, areas: Sequence[str] | None = None,
              confidence: float = 0.95, disclose: bool = True,
              progress: Progress = SILENT) -> AnalysisResult:
    """ED assault attendances beside police-recorded violence, with the ED/police ratio
    (:data:`vrhub.analytics.hidden_violence.COLUMNS`).

    With ``disclose`` (the default) ED counts go through disclosure control and the ratios
    are recomputed from the disclosed counts; LSOA-level results are then refused (public
    outputs are never finer than ward)."""
    period = parse_period(period, what="ED-police comparison")
    notes = Notes(progress)
    ed = series.monthly_counts(warehouse, source="istv", level=level, areas=areas,
                               period=period)
    police = series.monthly_counts(warehouse, source=police_source, level=level, areas=areas,
                                   categories=[police_category], period=period)
    notes.extend(ed.notes + police.notes)

    def within(months: list[str]) -> list[str]:
        return [m for m in months if (not period[0] or m >= period[0])
                and (not period[1] or m <= period[1])]

    frame = hidden_violence.hidden_violence(
        ed.data, police.data, by_month=by_month, ed_coverage=within(ed.coverage),
        police_coverage=within(police.coverage), confidence=confidence, progress=notes)
    overall: dict[str, float | None] = dict(
        hidden_violence.overall_ratio(frame, confidence=confidence))
    control: dict[str, Any] = dict(NOT_CONTROLLED)
    if disclose:
        frame_total = float(frame["ed_count"].sum())
        frame, control = _disclose_comparison(frame, confidence, notes)
        total = sdc.disclose_count(int(frame_total))
        overall = (dict(hidden_violence.overall_ratio(
            pd.DataFrame({"ed_count": [total], "police_count": [overall["police_count"]]}),
            confidence=confidence)) if total is not None else
            {"ed_count": None, "police_count": overall["police_count"], "ratio": None,
             "ratio_lower": None, "ratio_upper": None})
    summary = {"areas": int(frame["area_code"].nunique()),
               "months": [frame["month_from"].min(), frame["month_to"].max()],
               "overall": overall}
    params = {"level": level, "period": list(period), "by_month": by_month,
              "police_source": police_source, "police_category": police_category,
              "areas": list(areas or []), "confidence": confidence, "disclose": disclose}
    return AnalysisResult("compare.ed_police", level, frame, summary, params,
                          ed.provenance + police.provenance, notes.notes, control)
