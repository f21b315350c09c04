"""The public summary of a needs assessment: every count through
:mod:`vrhub.analytics.disclosure` (1 to 7 suppressed, the rest rounded to 5), every rate,
share, change and interval recomputed from the disclosed counts, nothing finer than ward
(no LSOA table or map, no hotspot cells) and no times of day (no hour-by-day profile).

Each table keeps only what :data:`PUBLIC_TABLES` lists; a table not listed is left out of
the public summary (the safe default). The findings are written again from the disclosed
tables; the summary is then scanned by :func:`vrhub.analytics.disclosure.scan_frame` and
:func:`~vrhub.analytics.disclosure.scan_text`, and refused if anything slipped through.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from vrhub.analytics import disclosure
from vrhub.analytics.poisson import rate_ci, rate_ratio
from vrhub.errors import DisclosureError
from vrhub.partnership import sna_people, sna_trends, sna_where
from vrhub.partnership.sna_model import NeedsAssessment, Section

Fix = Callable[[pd.DataFrame], pd.DataFrame]


def _float(frame: pd.DataFrame, column: str) -> np.ndarray:
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype="float64")


def _trends(frame: pd.DataFrame) -> pd.DataFrame:
    count, pop = _float(frame, "count"), _float(frame, "population")
    scale = 12 / _float(frame, "months_covered")
    known = np.isfinite(count)
    rate, low, high = rate_ci(np.where(known, count, 0), pop)
    for column, values in (("rate_per_1000", rate), ("rate_lower", low),
                           ("rate_upper", high)):
        frame[column] = np.where(known, values * scale, np.nan).round(3)
    london = _float(frame, "london_count")
    frame["london_rate_per_1000"] = (london / _float(frame, "london_population") * 1000
                                     * scale).round(3)
    previous, months = _float(frame, "previous"), _float(frame, "previous_months")
    both = known & np.isfinite(previous) & np.isfinite(months)
    rr = rate_ratio(np.where(both, count, 0), np.where(both, previous, 0),
                    _float(frame, "months_covered"), np.where(both, months, 1))
    with np.errstate(invalid="ignore"):
        frame["pct_change"] = np.where(both & (previous > 0), (rr.ratio - 1) * 100, np.nan)
    for column, values in (("ratio_lower", rr.lower), ("ratio_upper", rr.upper),
                           ("p_value", rr.p_value)):
        frame[column] = np.where(both, values, np.nan)
    return frame


def _per_1000(frame: pd.DataFrame) -> pd.DataFrame:
    frame["rate_per_1000"] = (_float(frame, "count") / _float(frame, "population")
                              * 1000).round(2)
    return frame


def _deciles(frame: pd.DataFrame) -> pd.DataFrame:
    count, pop = _float(frame, "count"), _float(frame, "population")
    known = np.isfinite(count)
    rate, low, high = rate_ci(np.where(known, count, 0), pop)
    for column, values in (("rate_per_1000", rate), ("rate_lower", low),
                           ("rate_upper", high)):
        frame[column] = np.where(known, values, np.nan).round(2)
    frame["share_of_events"] = (count / np.nansum(count)).round(3)
    return frame


def _season(frame: pd.DataFrame) -> pd.DataFrame:
    average = _float(frame, "count") / _float(frame, "years")
    frame["average"] = average.round(1)
    frame["index"] = (average / np.nanmean(average) * 100).round(1)
    return frame


def _ages(frame: pd.DataFrame) -> pd.DataFrame:
    count = _float(frame, "count")
    frame["share"] = (count / np.nansum(count)).round(3)
    return frame


def _ed_police(frame: pd.DataFrame) -> pd.DataFrame:
    ed, police = _float(frame, "ed_count"), _float(frame, "police_count")
    known = np.isfinite(ed) & np.isfinite(police)
    rr = rate_ratio(np.where(known, ed, 0), np.where(known, police, 0))
    for column, values in (("ratio", rr.ratio), ("ratio_lower", rr.lower),
                           ("ratio_upper", rr.upper)):
        frame[column] = np.where(known, values, np.nan).round(3)
    return frame


def _same(frame: pd.DataFrame) -> pd.DataFrame:
    return frame


#: (section, table) -> (count columns, how the rest is recomputed from them)
PUBLIC_TABLES: dict[tuple[str, str], tuple[tuple[str, ...], Fix]] = {
    ("definition", "definition"): ((), _same),
    ("sources", "sources"): ((), _same),  # its caveats (text) go to the section's notes
    ("trends", "trends"): (("count", "previous", "london_count"), _trends),
    ("where", "wards"): (("count", "previous"), _per_1000),
    ("where", "deprivation"): (("count",), _deciles),
    ("when", "seasonal"): (("count",), _season),
    ("who", "ages"): (("count",), _ages),
    ("who", "ed_police"): (("ed_count", "police_count"), _ed_police),
    ("risk", "deprivation_domains"): ((), _same),
    ("risk", "population"): ((), _same),
    ("services", "provision"): (("count",), _per_1000),
}
#: figures left out of the public summary (times of day, cells finer than wards)
WITHHELD_FIGURES = {"busiest_day", "busiest_hour", "friday_saturday_night_share_pct",
                    "persistent_hotspot_cells", "emerging_hotspot_cells",
                    "intermittent_hotspot_cells", "lsoas"}
COUNT_FIGURES = {"ed_assaults", "ed_assaults_under_25"}


def public_table(section: str, name: str, frame: pd.DataFrame) -> pd.DataFrame | None:
    """The table as the public summary shows it, or None when it is left out."""
    rule = PUBLIC_TABLES.get((section, name))
    if rule is None:
        return None
    counts, fix = rule
    if "caveat" in frame.columns:
        frame = frame.drop(columns="caveat")
    out = disclosure.apply(frame, list(counts))
    declared = out.attrs.get("vrhub", {})
    out = fix(out.copy())
    out.attrs["vrhub"] = declared
    return out


def _figures(section: Section, tables: dict[str, pd.DataFrame], area_is_london: bool,
             end: str, place: str) -> tuple[dict[str, Any], list[str]]:
    figures = {k: v for k, v in section.figures.items() if k not in WITHHELD_FIGURES}
    for key in COUNT_FIGURES & set(figures):
        value = figures[key]
        figures[key] = None if value is None else disclosure.disclose_count(int(value))
    text: list[str] = []
    if section.key == "trends" and "trends" in tables:
        found, text = sna_trends.findings(tables["trends"], end, area_is_london)
        figures.update(found)
    elif section.key == "where":
        if "wards" in tables:
            found, text = sna_where.ward_findings(tables["wards"], place)
            figures.update(found)
        if "deprivation" in tables:
            found, more = sna_where.deprivation_findings(tables["deprivation"], place)
            figures.update(found)
            text += more
    elif section.key == "when" and "seasonal" in tables:
        found, text = sna_people.season_findings(tables["seasonal"])
        figures.update(found)
    elif section.key == "who":
        if "ages" in tables:
            found, text = sna_people.age_findings(tables["ages"])
            figures.update(found)
        if "ed_police" in tables:
            found, more = sna_people.ratio_findings(tables["ed_police"], place)
            figures.update(found)
            text += more
    elif section.key in ("definition", "risk", "services", "recommendations", "sources"):
        text = [disclosure.disclose_text(t) for t in section.text]
    return figures, text


def public_section(section: Section, area_is_london: bool, end: str, place: str
                   ) -> Section:
    tables = {}
    for name, frame in section.tables.items():
        shown = public_table(section.key, name, frame)
        if shown is not None:
            tables[name] = shown
    figures, text = _figures(section, tables, area_is_london, end, place)
    left_out = [n for n in section.tables if n not in tables]
    notes = [disclosure.disclose_text(n) for n in section.notes]
    for frame in section.tables.values():
        if "caveat" in frame.columns:
            notes += [disclosure.disclose_text(f"{source}: {caveat}") for source, caveat
                      in zip(frame["source"].astype(str), frame["caveat"].astype(str),
                             strict=True) if caveat]
    if left_out or section.maps:
        notes.append("The public summary leaves out what is finer than a ward or gives "
                      "times of day (" + ", ".join([*left_out, *(["maps"] if section.maps
                                                                 else [])])
                      + "); they are in the full edition.")
    notes.append(f"Counts are disclosure-controlled: {disclosure.RULE}; rates, shares and "
                 "changes are computed from the controlled counts.")
    reason = disclosure.disclose_text(section.reason) if section.reason else None
    return replace(section, reason=reason, figures=figures, tables=tables, text=tuple(text),
                   maps=(), notes=tuple(notes) if section.tables else section.notes)


def check_public(assessment: NeedsAssessment) -> None:
    """Refuse a public summary with a count the rule does not allow (a fault in vrhub)."""
    for section in assessment.sections:
        for name, frame in section.tables.items():
            declared = frame.attrs.get("vrhub", {}).get("disclosure", {})
            problems = disclosure.scan_frame(frame, name=f"{section.key}/{name}",
                                             counts=declared.get("counts", []))
            if problems:
                raise DisclosureError("the public summary would publish: "
                                      + problems[0].describe(),
                                      hint="this is a fault in vrhub; report it")
        for i, text in enumerate((*section.text, *section.notes, section.reason or "")):
            problems = disclosure.scan_text(text, field_name=f"{section.key} text {i + 1}")
            if problems:
                raise DisclosureError("the public summary would publish: "
                                      + problems[0].describe(),
                                      hint="this is a fault in vrhub; report it")


def public_summary(assessment: NeedsAssessment) -> NeedsAssessment:
    """The public edition of a full assessment (see the module docstring)."""
    if assessment.edition == "public":
        return assessment
    area_is_london = assessment.area_code == "E12000007"
    place = "violence with injury"
    for section in assessment.sections:
        if section.key == "definition" and section.figures.get("place_category"):
            place = str(section.figures["place_category"]).lower()
    sections = tuple(public_section(s, area_is_london, assessment.period_to, place)
                     for s in assessment.sections)
    public = replace(assessment, edition="public", sections=sections)
    check_public(public)
    return public
