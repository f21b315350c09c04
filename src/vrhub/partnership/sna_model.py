"""The shapes of a needs assessment: its sections and the assessment itself.

Defined here so the section builders and :mod:`vrhub.partnership.sna` share them;
:mod:`vrhub.partnership.sna` re-exports both.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

SECTION_KEYS: tuple[str, ...] = ("definition", "sources", "trends", "where", "when", "who",
                                 "risk", "services", "recommendations")
SECTION_TITLES = {
    "definition": "The definition of serious violence used",
    "sources": "Data sources and their caveats",
    "trends": "Trends",
    "where": "Where violence happens",
    "when": "When violence happens",
    "who": "Who is affected",
    "risk": "Risk and protective factors",
    "services": "Services and gaps",
    "recommendations": "Recommendations",
}
Figure = int | float | str | None


@dataclass(frozen=True)
class Area:
    """What an assessment covers: a borough, or London (every borough)."""

    code: str
    name: str
    boroughs: tuple[str, ...]

    @property
    def is_london(self) -> bool:
        return len(self.boroughs) != 1 or self.boroughs[0] != self.code


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    available: bool
    """False when the area has no data for it (``reason`` says what is missing)."""
    reason: str | None
    """Why it is not available, or its caveats, in plain English."""
    figures: dict[str, Figure]
    """Flat, named headline figures (what editions are compared on)."""
    tables: dict[str, pd.DataFrame]
    """Named tables (the XLSX annex has one sheet each)."""
    text: tuple[str, ...] = ()
    """Findings in plain English, one paragraph each."""
    maps: tuple[tuple[str, str], ...] = ()
    """(alternative text, SVG) of each map drawn for the section."""
    notes: tuple[str, ...] = ()
    """How the figures were made (method and caveats), one paragraph each."""

    def __post_init__(self) -> None:
        # a caveat several queries report (one per category read) is said once
        object.__setattr__(self, "notes", tuple(dict.fromkeys(self.notes)))


@dataclass(frozen=True)
class NeedsAssessment:
    area_code: str
    area_name: str
    edition: str
    """``full`` (restricted) or ``public`` (disclosure-controlled summary)."""
    period_from: str
    period_to: str
    definition_version: str
    recommendations: str
    sections: tuple[Section, ...]
    built_at: dt.datetime

    def section(self, key: str) -> Section:
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)


def unavailable(key: str, reason: str, *, tables: dict[str, pd.DataFrame] | None = None,
                figures: dict[str, Figure] | None = None) -> Section:
    """A section the area has no data for: it stays in the report, saying why."""
    return Section(key, SECTION_TITLES[key], False, reason, dict(figures or {}),
                   dict(tables or {}))
