"""KPIs from i-Statements: the percentage of young people who agree.

For each statement, over the survey responses of the programmes in view: **% agreeing** =
respondents answering 4 (agree) or 5 (strongly agree) / respondents who answered the
statement (a blank is not an answer and is left out of both), with its 95% Wilson score
interval. Per reporting period (the trend), and for the latest period broken down by age
band, sex, ethnic group and the respondent's borough. Against the statement's target the
latest period is:

- ``met``: the percentage is at or above the target;
- ``not met``: the interval's upper end is below the target (short of it beyond chance);
- ``short``: below the target, but within the interval's reach (not yet clear);
- ``no target`` / ``no data``.

Every result names the framework version it was computed under.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from vrhub.access.principal import Principal
from vrhub.analytics.prepost import Proportion, wilson_interval
from vrhub.outcomes.context import Outcomes
from vrhub.outcomes.istatements import StatementView, statements
from vrhub.outcomes.prepost import group_by_programme
from vrhub.outcomes.views import View, current_versions, view_of
from vrhub.standards.outcomes import AGREE_AT_LEAST
from vrhub.standards.reporting_periods import ReportingPeriod
from vrhub.storage.outcomes import surveys as store

RULE = ("% agreeing: respondents answering agree or strongly agree, out of those who "
        "answered the statement (blanks left out); 95% Wilson score interval")
BREAKDOWNS = ("age_band", "sex", "ethnicity", "borough")
_CACHE_SIZE = 256


@dataclass(frozen=True)
class KpiValue:
    period: str
    label: str
    value: Proportion

    def to_dict(self) -> dict[str, Any]:
        return {"period": self.period, "label": self.label, **self.value.to_dict()}


@dataclass(frozen=True)
class Kpi:
    statement: StatementView
    latest: KpiValue | None
    status: str
    trend: tuple[KpiValue, ...]
    breakdowns: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.statement.code, "statement": self.statement.text,
                "kpi_set": self.statement.kpi_set, "theme": self.statement.theme,
                "priority_area": self.statement.priority_area,
                "outcome": self.statement.outcome,
                "baseline_pct": self.statement.baseline_pct,
                "target_pct": self.statement.target_pct, "status": self.status,
                "latest": self.latest.to_dict() if self.latest else None,
                "trend": [v.to_dict() for v in self.trend], "breakdowns": self.breakdowns}


@dataclass(frozen=True)
class KpiReport:
    view: View
    framework_version: str
    kpis: tuple[Kpi, ...]
    respondents: int

    def to_dict(self) -> dict[str, Any]:
        return {"view": self.view.to_dict(), "framework_version": self.framework_version,
                "rule": RULE, "respondents": self.respondents,
                "kpis": [k.to_dict() for k in self.kpis]}


def status(value: Proportion | None, target: float | None) -> str:
    if value is None or value.pct is None:
        return "no data"
    if target is None:
        return "no target"
    if value.pct >= target:
        return "met"
    if value.ci_high is not None and value.ci_high < target:
        return "not met"
    return "short"


def responses(outcomes: Outcomes, versions: dict[str, tuple[Any, ...]] | None = None
              ) -> list[tuple[Any, ...]]:
    """Every counted response, kept in memory while no survey upload changes."""
    versions = versions or current_versions(outcomes)
    def read() -> list[tuple[Any, ...]]:
        with outcomes.sessions() as session:
            return list(store.current_responses(session))

    return outcomes.remember(("survey_rows", versions["surveys"]), read,
                             replaces="survey_rows")


def responses_of(outcomes: Outcomes, versions: dict[str, tuple[Any, ...]],
                 codes: Sequence[str]) -> list[tuple[Any, ...]]:
    """The counted responses of the programmes ``codes`` (indexed by programme once per
    version of the survey rows)."""
    by_programme = outcomes.remember(
        ("survey_rows_by_programme", versions["surveys"]),
        lambda: group_by_programme(responses(outcomes, versions), 1),
        replaces="survey_rows_by_programme")
    return [row for code in dict.fromkeys(codes) for row in by_programme.get(code, ())]


def kpis(outcomes: Outcomes, principal: Principal, *, programme: str | None = None,
         area: str | None = None, borough: str | None = None,
         kpi_set: str | None = None) -> KpiReport:
    """The i-Statement KPIs of what ``principal`` may see. For a priority area, the
    statements that inform it; otherwise every statement answered in the view."""
    versions = current_versions(outcomes)
    view = view_of(outcomes, principal, programme=programme, area=area, borough=borough,
                   versions=versions)
    return kpis_of(outcomes, view, versions, kpi_set=kpi_set)


def kpis_of(outcomes: Outcomes, view: View, versions: dict[str, tuple[Any, ...]], *,
            kpi_set: str | None = None) -> KpiReport:
    """The KPIs of the programmes of ``view`` (whose access was decided)."""
    framework = outcomes.framework().version
    key = ("kpis", versions["surveys"], tuple(view.codes), view.level, view.code, kpi_set,
           framework)
    cached = outcomes.remember(key, lambda: compute(
        view, responses_of(outcomes, versions, view.codes), statements(outcomes),
        kpi_set=kpi_set), limit=_CACHE_SIZE)
    return KpiReport(view, framework, *cached)


def compute(view: View, rows: list[tuple[Any, ...]], known: dict[str, StatementView], *,
            kpi_set: str | None = None) -> tuple[tuple[Kpi, ...], int]:
    """(KPIs, respondents) from response rows (:data:`store.RESPONSE_FIELDS`)."""
    wanted = set(view.codes)
    mine = [row for row in rows if row[1] in wanted]
    # statement -> period -> [agree, answered]
    counts: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for _survey, _prog, period, _borough, _age, _sex, _ethnicity, answers in mine:
        for code, answer in answers.items():
            cell = counts[code][period]
            cell[0] += answer >= AGREE_AT_LEAST
            cell[1] += 1
    respondents = len(mine)
    # breakdowns are shown for each statement's latest period only: counted for that alone
    latest_of = {code: max(periods, key=ReportingPeriod.parse)
                 for code, periods in counts.items()}
    # statement -> breakdown -> category -> [agree, answered] (in its latest period)
    by: dict[str, dict[str, dict[str, list[int]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(lambda: [0, 0])))
    for _survey, _prog, period, borough, age, sex, ethnicity, answers in mine:
        groups = (("age_band", age), ("sex", sex), ("ethnicity", ethnicity),
                  ("borough", borough))
        for code, answer in answers.items():
            if latest_of[code] != period:
                continue
            agree = answer >= AGREE_AT_LEAST
            cells = by[code]
            for name, category in groups:
                part = cells[name][category or "not known"]
                part[0] += agree
                part[1] += 1
    chosen = [s for s in known.values()
              if (s.code in counts or view.level == "area")
              and (view.level != "area" or s.priority_area == view.code)
              and (kpi_set is None or (s.kpi_set or "").lower() == kpi_set.lower())]
    out = []
    for statement in chosen:
        periods = sorted(counts.get(statement.code, {}), key=ReportingPeriod.parse)
        trend = tuple(KpiValue(p, ReportingPeriod.parse(p).short_label,
                               wilson_interval(*counts[statement.code][p])) for p in periods)
        latest = trend[-1] if trend else None
        breakdowns: dict[str, list[dict[str, Any]]] = {}
        if latest is not None:
            for name in BREAKDOWNS:
                parts = by[statement.code][name]
                breakdowns[name] = [{"category": cat, **wilson_interval(*parts[cat]).to_dict()}
                                    for cat in sorted(parts)]
        out.append(Kpi(statement, latest, status(latest.value if latest else None,
                                                 statement.target_pct), trend, breakdowns))
    return tuple(out), respondents
