"""Reach totals like the strategy's headline figures, from approved returns only.

Each total sums one data element's ``total`` row over the approved return in force of
every programme and period in view (a return submitted, reviewed or awaiting changes is
not counted until approved; a superseded version never is). What each counts, and where
the same person or school can be counted more than once:

=========================  =====================================================================
positive opportunities     places on activities, courses, trips, placements or jobs taken up
funded                     (``positive_opportunities``). Places, not people: a young person
                           taking up three places counts three times.
young people supported     young people starting with a programme (``young_people_new``), summed
                           over periods: each young person once per programme they start. One
                           who starts with two programmes counts twice (programmes do not
                           share ids, so no de-duplication across programmes is possible).
young people reached       different young people taking part in each period
(participations)           (``young_people_reached``), summed over periods: a young person
                           taking part in four quarters counts four times. Not a count of
                           people.
schools supported          schools, colleges, PRUs or alternative provision supported in each
                           period (``schools_supported``), summed: a school supported in several
                           periods or by several programmes counts each time.
=========================  =====================================================================

A borough's totals are those of the programmes serving it (a programme serving several
boroughs counts in each).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

from vrhub.access.principal import Principal
from vrhub.outcomes.context import Outcomes
from vrhub.outcomes.views import View, current_versions, view_of
from vrhub.standards.reporting_periods import ReportingPeriod
from vrhub.storage.outcomes import reach as store


@dataclass(frozen=True)
class Definition:
    element: str
    label: str
    rule: str
    double_counting: str


DEFINITIONS: tuple[Definition, ...] = (
    Definition("positive_opportunities", "Positive opportunities funded",
               "places taken up on activities, courses, trips, placements or jobs, summed "
               "over approved returns",
               "places, not people: a young person taking up several places counts for each"),
    Definition("young_people_new", "Young people supported",
               "young people starting with a programme, summed over approved returns",
               "a young person starting with two programmes counts twice"),
    Definition("young_people_reached", "Young people reached (participations)",
               "different young people taking part in each period, summed over periods",
               "a young person taking part in several periods counts in each: not a count "
               "of people"),
    Definition("schools_supported", "Schools supported",
               "schools, colleges, PRUs or alternative provision supported in each period, "
               "summed over approved returns",
               "a school supported in several periods or by several programmes counts each "
               "time"),
)


@dataclass(frozen=True)
class ReachTotal:
    element: str
    label: str
    value: float
    returns: int
    periods: str
    rule: str
    double_counting: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ReachTotals:
    view: View
    totals: tuple[ReachTotal, ...]
    by_programme: dict[str, dict[str, float]]
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"view": self.view.to_dict(), "totals": [t.to_dict() for t in self.totals],
                "by_programme": self.by_programme, "notes": list(self.notes),
                "counted": "approved returns in force only"}


def compute(view: View, values: list[tuple[str, str, str, float]]) -> ReachTotals:
    """Totals from (programme, period, element, total) rows of approved returns in
    force."""
    wanted = set(view.codes)
    sums: dict[str, float] = defaultdict(float)
    returns: dict[str, set[tuple[str, str]]] = defaultdict(set)
    periods: dict[str, set[str]] = defaultdict(set)
    by_programme: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for programme, period, element, value in values:
        if programme not in wanted:
            continue
        sums[element] += value
        returns[element].add((programme, period))
        periods[element].add(period)
        by_programme[programme][element] += value
    totals = []
    for d in DEFINITIONS:
        found = sorted(periods[d.element], key=ReportingPeriod.parse)
        span = f"{found[0]} to {found[-1]}" if len(found) > 1 else (found[0] if found else "")
        totals.append(ReachTotal(d.element, d.label, sums.get(d.element, 0.0),
                                 len(returns[d.element]), span, d.rule, d.double_counting))
    notes = ["Only approved returns in force are counted."]
    if view.level == "borough":
        notes.append("A borough's totals are those of the programmes serving it; a "
                     "programme serving several boroughs counts in each.")
    return ReachTotals(view, tuple(totals), {p: dict(v) for p, v in by_programme.items()},
                       tuple(notes))


def reach_totals(outcomes: Outcomes, principal: Principal, *, programme: str | None = None,
                 area: str | None = None, borough: str | None = None) -> ReachTotals:
    versions = current_versions(outcomes)
    view = view_of(outcomes, principal, programme=programme, area=area, borough=borough,
                   versions=versions)
    return reach_of(outcomes, view, versions)


def reach_of(outcomes: Outcomes, view: View,
             versions: dict[str, tuple[Any, ...]]) -> ReachTotals:
    """The totals of the programmes of ``view`` (whose access was decided), kept in
    memory while no return changes."""
    key = ("reach", versions["returns"], tuple(view.codes), view.level)
    cached = outcomes.remember(key, lambda: compute(view,
                                                    approved_values(outcomes, view.codes)))
    return ReachTotals(view, cached.totals, cached.by_programme, cached.notes)


def approved_values(outcomes: Outcomes,
                    programmes: list[str]) -> list[tuple[str, str, str, float]]:
    """(programme, period, element, total) of the approved returns in force."""
    if not programmes:
        return []
    with outcomes.sessions() as session:
        return store.approved_totals(session, programmes=programmes,
                                     elements=[d.element for d in DEFINITIONS])
