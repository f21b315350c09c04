"""The public outcomes page: London-wide and per priority area, every count through
:func:`vrhub.analytics.disclosure.apply` (counts of 1 to 7 suppressed, others rounded to
the nearest 5), every percentage recomputed from the disclosed counts.

- i-Statement KPIs for the latest period each was asked: young people agreeing and
  answering (disclosed), % agreeing from those disclosed counts and its Wilson interval
  from them too (an interval from the exact counts would give them back);
- pre/post change per item: the number of pairs (disclosed); the mean change, interval,
  d_z and % improved only where the pairs were not suppressed;
- participants with a pre, paired, and lost to attrition (disclosed);
- reach totals of approved returns (disclosed), and the number of programmes per area.

No programme, borough, ward or person is named: programme-level figures are too small
for the public.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from vrhub.access.principal import Principal
from vrhub.access.resources import Resource
from vrhub.access.roles import Action
from vrhub.analytics import disclosure
from vrhub.analytics.prepost import wilson_interval
from vrhub.outcomes import istatement_kpis, prepost, reach
from vrhub.outcomes.context import Outcomes
from vrhub.outcomes.istatements import statements
from vrhub.outcomes.programmes import every_programme
from vrhub.outcomes.swemwbs import current_table
from vrhub.outcomes.views import View, current_versions


@dataclass(frozen=True)
class PublicSection:
    code: str
    label: str
    programmes: int | None
    kpis: list[dict[str, Any]]
    prepost: list[dict[str, Any]]
    participants: dict[str, Any]
    reach: list[dict[str, Any]]


@dataclass(frozen=True)
class PublicFigures:
    framework_version: str
    sections: list[PublicSection]
    rule: str = disclosure.RULE


def _disclosed_kpis(report: istatement_kpis.KpiReport) -> list[dict[str, Any]]:
    rows = [{"code": k.statement.code, "period": k.latest.period,
             "agreeing": k.latest.value.count, "answered": k.latest.value.total}
            for k in report.kpis if k.latest is not None]
    if not rows:
        return []
    frame = disclosure.apply(pd.DataFrame(rows), ["agreeing", "answered"],
                             rates={"pct_agreeing": disclosure.Rate("agreeing", "answered",
                                                                    100.0)})
    texts = {k.statement.code: k.statement for k in report.kpis}
    out = []
    for r in frame.to_dict("records"):
        agree, answered = _int(r["agreeing"]), _int(r["answered"])
        ci = (wilson_interval(agree, answered) if agree is not None and answered
              and agree <= answered else None)
        s = texts[r["code"]]
        out.append({"code": r["code"], "statement": s.text, "period": r["period"],
                    "agreeing": agree, "answered": answered,
                    "pct": None if ci is None else ci.pct,
                    "ci_low": None if ci is None else ci.ci_low,
                    "ci_high": None if ci is None else ci.ci_high,
                    "target_pct": s.target_pct})
    return out


def _disclosed_prepost(result: prepost.PrePost) -> tuple[list[dict[str, Any]],
                                                         dict[str, Any]]:
    p = result.participants
    disclosed = disclosure.apply(pd.DataFrame([{
        "with_pre": p["with_pre"], "paired": p["paired"],
        "pre_without_post": p["pre_without_post"]}]),
        ["with_pre", "paired", "pre_without_post"]).to_dict("records")[0]
    people: dict[str, Any] = {str(k): _int(v) for k, v in disclosed.items()}
    if not result.items:
        return [], people
    derived = ["mean_change", "ci_low", "ci_high", "effect_size_dz", "pct_improved"]
    frame = pd.DataFrame([{"item": i.item, "pairs": i.change.pairs,
                           **{d: getattr(i.change, d) for d in derived}}
                          for i in result.items])
    safe = disclosure.apply(frame, ["pairs"], derived_from={d: ["pairs"] for d in derived})
    labels = {i.item: i.label for i in result.items}
    rows = []
    for r in safe.to_dict("records"):
        rows.append({"item": r["item"], "label": labels[r["item"]], "pairs": _int(r["pairs"]),
                     **{d: _float(r[d]) for d in derived}})
    return rows, people


def _disclosed_reach(totals: reach.ReachTotals) -> list[dict[str, Any]]:
    frame = pd.DataFrame([{"element": t.element, "total": round(t.value)}
                          for t in totals.totals])
    safe = disclosure.apply(frame, ["total"]).to_dict("records")
    defs = {d.element: d for d in reach.DEFINITIONS}
    return [{"element": r["element"], "label": defs[r["element"]].label,
             "total": _int(r["total"]), "double_counting": defs[r["element"]].double_counting}
            for r in safe]


def _int(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _float(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def public_figures(outcomes: Outcomes, principal: Principal) -> PublicFigures:
    """The public outcomes figures (anyone; disclosure-controlled)."""
    outcomes.policy.enforce(principal, Action.READ_AGGREGATES,
                            Resource.aggregates("outcomes_public"))
    framework = outcomes.framework()
    versions = current_versions(outcomes)
    key = ("public", tuple(versions.items()), framework.version)

    def compute() -> PublicFigures:
        every = list(every_programme(outcomes, versions))
        measure_rows = prepost.rows(outcomes, versions)
        response_rows = istatement_kpis.responses(outcomes, versions)
        known = statements(outcomes)
        table = current_table(outcomes)
        values = reach.approved_values(outcomes, [p.code for p in every])
        views = [View("all", "", "All programmes in London", tuple(every))]
        views += [View("area", a.code, f"{a.number}. {a.name}",
                       tuple(p for p in every if a.code in p.priority_areas))
                  for a in framework.priority_areas]
        sections = []
        for v in views:
            kpis, _ = istatement_kpis.compute(v, response_rows, known)
            report = istatement_kpis.KpiReport(v, framework.version, kpis, 0)
            participants, items, version, notes = prepost.compute(v, measure_rows, table)
            change = prepost.PrePost(v, framework.version, participants, items, version,
                                     notes)
            change_rows, people = _disclosed_prepost(change)
            count = disclosure.disclose_count(len(v.programmes))
            sections.append(PublicSection(v.code, v.label, count, _disclosed_kpis(report),
                                          change_rows, people,
                                          _disclosed_reach(reach.compute(v, values))))
        return PublicFigures(framework.version, sections)

    # computed once however many ask at the same moment (a new worker's first visitors)
    return outcomes.remember(key, compute, replaces="public")
