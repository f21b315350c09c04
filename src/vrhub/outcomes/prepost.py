"""Pre/post change of participants' measures, per programme, priority area or borough.

Pairing: a participant is a programme's pseudonymous id; their ``pre`` and ``post`` rows
(from any periods of the programme) make a pair for every item answered at both. For each
item (ONS4's four items separately, never summed; the SDQ total; a programme's own scales
when one programme is shown) :func:`vrhub.analytics.prepost.paired_change` gives the mean
change with its 95% CI, the paired effect size d_z and the share improved. SWEMWBS is the
raw total of its seven items (only when all seven were answered at both timepoints) and,
once a licensed conversion table is loaded, the metric score too.

Attrition is reported, never dropped silently: young people with a pre but no post (yet),
and those with a post but no pre (who cannot be paired).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from vrhub.access.principal import Principal
from vrhub.analytics.prepost import PairedChange, paired_change
from vrhub.outcomes.context import Outcomes
from vrhub.outcomes.measures import programme_items
from vrhub.outcomes.swemwbs import ConversionTable, current_table
from vrhub.outcomes.views import View, current_versions, view_of
from vrhub.standards.outcomes import MEASURE_ITEMS, SWEMWBS_RAW_ITEMS, SWEMWBS_TOTAL
from vrhub.storage.outcomes import measures as store

EFFECT_SIZE = ("d_z: the mean change divided by the standard deviation of the changes "
               "(paired, n - 1)")
ATTRITION_RULE = ("a young person with a pre measure and no post measure (yet) is counted "
                  "in attrition; one with a post and no pre cannot be paired and is counted "
                  "apart; neither is in the paired figures")
_CACHE_SIZE = 256


@dataclass(frozen=True)
class ItemChange:
    item: str
    label: str
    instrument: str
    change: PairedChange

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.item, "label": self.label, "instrument": self.instrument,
                **self.change.to_dict()}


@dataclass(frozen=True)
class PrePost:
    view: View
    framework_version: str
    participants: dict[str, Any]
    items: tuple[ItemChange, ...]
    conversion_table: str | None
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {"view": self.view.to_dict(), "framework_version": self.framework_version,
                "participants": self.participants, "attrition_rule": ATTRITION_RULE,
                "effect_size": EFFECT_SIZE, "confidence": 0.95,
                "swemwbs_conversion_table": self.conversion_table,
                "items": [i.to_dict() for i in self.items], "notes": list(self.notes)}


def rows(outcomes: Outcomes, versions: dict[str, tuple[Any, ...]] | None = None
         ) -> list[tuple[Any, ...]]:
    """Every counted measure row, kept in memory while no measures upload changes."""
    versions = versions or current_versions(outcomes)
    def read() -> list[tuple[Any, ...]]:
        with outcomes.sessions() as session:
            return list(store.current_measures(session))

    return outcomes.remember(("measure_rows", versions["measures"]), read,
                             replaces="measure_rows")


def prepost(outcomes: Outcomes, principal: Principal, *, programme: str | None = None,
            area: str | None = None, borough: str | None = None) -> PrePost:
    """Pre/post change for what ``principal`` may see of the chosen programmes."""
    versions = current_versions(outcomes)
    view = view_of(outcomes, principal, programme=programme, area=area, borough=borough,
                   versions=versions)
    return prepost_of(outcomes, view, versions)


def rows_of(outcomes: Outcomes, versions: dict[str, tuple[Any, ...]],
            codes: Sequence[str]) -> list[tuple[Any, ...]]:
    """The measure rows of the programmes ``codes`` (from the rows indexed by programme
    once per version, so a view reads its own programmes' rows, not everyone's)."""
    by_programme = outcomes.remember(
        ("measure_rows_by_programme", versions["measures"]),
        lambda: group_by_programme(rows(outcomes, versions), 0),
        replaces="measure_rows_by_programme")
    return [row for code in dict.fromkeys(codes) for row in by_programme.get(code, ())]


def group_by_programme(rows: list[tuple[Any, ...]], position: int
                       ) -> dict[str, list[tuple[Any, ...]]]:
    """``rows`` by the programme code at ``position``, each in its original order."""
    grouped: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        grouped[row[position]].append(row)
    return dict(grouped)


def prepost_of(outcomes: Outcomes, view: View,
               versions: dict[str, tuple[Any, ...]]) -> PrePost:
    """Pre/post change of the programmes of ``view`` (whose access was decided)."""
    framework = outcomes.framework().version
    key = ("prepost", versions["measures"], versions["reference"], tuple(view.codes),
           view.level, framework)
    cached = outcomes.remember(key, lambda: (framework, *compute(
        view, rows_of(outcomes, versions, view.codes), current_table(outcomes))),
        limit=_CACHE_SIZE)
    return PrePost(view, *cached)


def compute(view: View, rows: list[tuple[Any, ...]], table: ConversionTable | None
            ) -> tuple[dict[str, Any], tuple[ItemChange, ...], str | None, tuple[str, ...]]:
    """(participants, item changes, conversion table version, notes) from measure rows
    (:data:`vrhub.storage.outcomes.measures.MEASURE_FIELDS`)."""
    wanted = set(view.codes)
    people: dict[tuple[str, str], dict[str, dict[str, float]]] = defaultdict(dict)
    for programme, _period, participant, timepoint, *_rest, scores in rows:
        if programme in wanted:
            people[(programme, participant)][timepoint] = scores
    items = {code: (i.label, i.instrument, i.higher_is_better)
             for code, i in MEASURE_ITEMS.items() if i.instrument != "swemwbs"}
    if view.level == "programme":
        for code, item in programme_items(view.programmes[0]).items():
            if item.instrument == "scale":
                items[code] = (item.label, "scale", item.higher_is_better)
    pairs: dict[str, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
    with_pre = with_post = paired = 0
    for times in people.values():
        pre, post = times.get("pre"), times.get("post")
        with_pre += pre is not None
        with_post += post is not None
        if pre is None or post is None:
            continue
        paired += 1
        for code in items:
            if code in pre and code in post:
                pairs[code][0].append(pre[code])
                pairs[code][1].append(post[code])
        if all(c in pre and c in post for c in SWEMWBS_RAW_ITEMS):
            before = sum(pre[c] for c in SWEMWBS_RAW_ITEMS)
            after = sum(post[c] for c in SWEMWBS_RAW_ITEMS)
            pairs[SWEMWBS_TOTAL][0].append(before)
            pairs[SWEMWBS_TOTAL][1].append(after)
            if table is not None:
                pairs["swemwbs_metric"][0].append(table.convert(before))
                pairs["swemwbs_metric"][1].append(table.convert(after))
    items[SWEMWBS_TOTAL] = ("SWEMWBS raw total (7 items, 7 to 35)", "swemwbs", True)
    items["swemwbs_metric"] = ("SWEMWBS metric score (converted with the loaded table)",
                               "swemwbs", True)
    out = tuple(ItemChange(code, label, instrument,
                           paired_change(*pairs[code], higher_is_better=better))
                for code, (label, instrument, better) in items.items() if code in pairs)
    participants = {
        "with_pre": with_pre, "with_post": with_post, "paired": paired,
        "pre_without_post": with_pre - paired, "post_without_pre": with_post - paired,
        "attrition_pct": None if not with_pre else 100.0 * (with_pre - paired) / with_pre,
    }
    notes = []
    if table is None:
        notes.append("SWEMWBS is reported as raw totals: no licensed conversion table is "
                     "loaded (`vrhub outcomes swemwbs load-table`).")
    if view.level == "borough":
        notes.append("A borough's figures are those of the programmes serving it; a "
                     "programme serving several boroughs counts in each.")
    return participants, out, table.version if table else None, tuple(notes)
