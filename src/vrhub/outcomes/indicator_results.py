"""Indicator results from programmes' approved returns, per period, for a programme, a
priority area, a borough or every programme the reader may see.

Only the version in force of a return counts, and only once approved. A data element's
value for a view and period is the sum over the view's programmes of their figures for
the returns whose period falls in it (a monthly programme's months add up to the quarter).
The numerator and denominator are evaluated on those sums, then multiplied; the latest
period is compared with the target and broken down by the indicator's disaggregations
where the returns give the breakdown. Every result names the framework and indicator-set
versions it was computed under.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from vrhub.access.principal import Principal
from vrhub.outcomes.context import Outcomes
from vrhub.outcomes.indicators import Indicator, indicator_set
from vrhub.outcomes.views import View, view_of
from vrhub.standards.reporting_periods import ReportingPeriod
from vrhub.storage.outcomes import returns as store


@dataclass(frozen=True)
class Point:
    period: str
    label: str
    numerator: float | None
    denominator: float | None
    value: float | None
    status: str

    def to_dict(self) -> dict[str, Any]:
        return {"period": self.period, "label": self.label, "numerator": self.numerator,
                "denominator": self.denominator, "value": self.value, "status": self.status}


@dataclass
class Result:
    indicator: Indicator
    series: list[Point] = field(default_factory=list)
    breakdowns: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def latest(self) -> Point | None:
        return self.series[-1] if self.series else None

    @property
    def status(self) -> str:
        return self.latest.status if self.latest else "no data"

    def to_dict(self) -> dict[str, Any]:
        return {"indicator": self.indicator.to_dict(),
                "latest": self.latest.to_dict() if self.latest else None,
                "status": self.status, "series": [p.to_dict() for p in self.series],
                "breakdowns": self.breakdowns, "notes": self.notes}


@dataclass
class Results:
    view: View
    framework_version: str
    indicator_version: str
    results: list[Result]

    def to_dict(self) -> dict[str, Any]:
        return {"view": self.view.to_dict(), "framework_version": self.framework_version,
                "indicator_version": self.indicator_version,
                "results": [r.to_dict() for r in self.results]}


Rows = list[tuple[str, str, str, str, str, float]]
#: results are kept in ``Outcomes.figure_cache`` by (data version, indicator set,
#: framework, programmes): recomputed whenever a return is added or moves
_CACHE_SIZE = 512


def return_indicators(outcomes: Outcomes, principal: Principal, *,
                      programme: str | None = None, area: str | None = None,
                      borough: str | None = None) -> Results:
    """The return indicators for the programmes in view (see the module docstring)."""
    view = view_of(outcomes, principal, programme=programme, area=area, borough=borough)
    found = indicator_set(outcomes)
    framework = outcomes.framework()
    wanted = found.of_source("return")
    elements = sorted({e for i in wanted for e in i.elements})
    with outcomes.sessions() as session:
        version = store.data_version(session)
        key = ("return_indicators", version, found.version, framework.version,
               tuple(view.codes))
        cached = outcomes.figure_cache.get(key)
        if cached is None:
            rows = store.approved_values(session, programmes=view.codes, elements=elements)
            cached = [compute(i, rows) for i in wanted]
            if len(outcomes.figure_cache) > _CACHE_SIZE:
                outcomes.figure_cache.clear()
            outcomes.figure_cache[key] = cached
    return Results(view, framework.version, found.version, cached)


def compute(indicator: Indicator, rows: Rows) -> Result:
    """One indicator over approved return figures (programme, period, element, breakdown,
    category, value): pure."""
    result = Result(indicator)
    totals: dict[ReportingPeriod, dict[str, float]] = defaultdict(dict)
    split: dict[ReportingPeriod, dict[tuple[str, str], dict[str, float]]] = defaultdict(
        lambda: defaultdict(dict))
    skipped = 0
    targets: dict[str, ReportingPeriod | None] = {}
    for _programme, period_code, element, breakdown, category, figure in rows:
        if period_code not in targets:
            period = ReportingPeriod.parse(period_code)
            into = ReportingPeriod.containing(period.first_day, indicator.period_type)
            targets[period_code] = into if period.length <= into.length else None
        target = targets[period_code]
        if target is None:
            skipped += 1
            continue
        if breakdown == "total":
            totals[target][element] = totals[target].get(element, 0.0) + figure
        else:
            cell = split[target][(breakdown, category)]
            cell[element] = cell.get(element, 0.0) + figure
    if skipped:
        result.notes.append(f"{skipped} figure(s) of returns covering more than a "
                            f"{indicator.period_type} are not counted")
    for period in sorted(totals):
        numerator = indicator.numerator.evaluate(totals[period])
        denominator = (indicator.denominator.evaluate(totals[period])
                       if indicator.denominator else None)
        value = indicator.value(numerator, denominator)
        result.series.append(Point(period.code, period.short_label, numerator, denominator,
                                   value, indicator.status(value)))
    if result.series and indicator.disaggregations:
        latest = ReportingPeriod.parse(result.series[-1].period)
        for breakdown in indicator.disaggregations:
            cells = sorted((cat, values) for (b, cat), values in split[latest].items()
                           if b == breakdown)
            out = []
            for category, values in cells:
                num = indicator.numerator.evaluate(values)
                den = indicator.denominator.evaluate(values) if indicator.denominator \
                    else None
                out.append({"category": category, "numerator": num, "denominator": den,
                            "value": indicator.value(num, den)})
            if out:
                result.breakdowns[breakdown] = out
    return result
