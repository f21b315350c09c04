"""Searching the evidence library: free text over titles and findings, and filters by each
tag (priority area, target group, timing, intervention type), method, programme and YEF
Toolkit strand.

The page, the API and the CLI all call :func:`search`. Every word of the text must appear
in the title or the findings, in any case; every filter given must be among the item's
tags. A filter value that is not known (not in the framework, the vocabulary or the
library) is refused with the values it is closest to, rather than answering "nothing
found" for a typing slip.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from vrhub.access.principal import Principal
from vrhub.access.roles import Action
from vrhub.errors import CodeError
from vrhub.outcomes.context import Outcomes
from vrhub.outcomes.evidence import (
    METHODS,
    TARGET_GROUPS,
    TIMINGS,
    EvidenceItem,
    item_of,
    toolkit,
)
from vrhub.storage.outcomes import evidence as store
from vrhub.storage.outcomes.programmes import programme_codes
from vrhub.suggest import did_you_mean

#: the filters a search takes, in the order forms show them, with their labels
FILTERS = {"priority_area": "Priority area", "target_group": "Target group",
           "timing": "Timing", "intervention_type": "Intervention type",
           "method": "Method", "programme": "Programme", "yef_strand": "YEF Toolkit strand"}
MAX_TEXT = 200


class EvidenceFilterError(CodeError):
    """A search filter (``field``, a key of :data:`FILTERS` or ``search``) cannot be used."""

    def __init__(self, field: str, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.field = field


@dataclass(frozen=True)
class EvidenceSearch:
    """What a search found: the items (newest first), how many the library holds, the
    search as understood (values in their canonical spelling), and the values each filter
    may take (for a form)."""

    items: list[EvidenceItem]
    total: int
    text: str
    filters: dict[str, str]
    options: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"search": self.text, "filters": self.filters, "found": len(self.items),
                "library_size": self.total, "items": [i.to_dict() for i in self.items]}


def words_of(text: str) -> list[str]:
    """The words of a free-text search (blank-separated, case kept; control characters,
    which no title holds and PostgreSQL refuses in a query, are blanks)."""
    return [w for w in re.split(r"\s+", re.sub(r"[\x00-\x1f\x7f]", " ", text)) if w]


def _canonical(name: str, value: str, known: Iterable[str]) -> str:
    choices = sorted(set(known))
    by_folded = {c.casefold(): c for c in choices}
    found = by_folded.get(value.strip().casefold())
    if found is not None:
        return found
    label = FILTERS[name] if name == "yef_strand" else FILTERS[name].lower()
    listed = ", ".join(choices[:20]) + (" ..." if len(choices) > 20 else "")
    hint = (f"use one of: {listed}" if choices
            else f"no evidence item has a {label} yet; leave the filter out")
    raise EvidenceFilterError(name, f"{label} {value!r} is not known."
                              f"{did_you_mean(value, choices)}", hint=hint)


def search(outcomes: Outcomes, principal: Principal, text: str = "",
           **filters: str | None) -> EvidenceSearch:
    """The evidence items matching every word of ``text`` and every filter given (keys of
    :data:`FILTERS`; blank values are ignored). Unknown filter values are refused
    (:class:`~vrhub.errors.CodeError`, with "did you mean")."""
    unknown = sorted(set(filters) - set(FILTERS))
    if unknown:
        raise CodeError(f"there is no evidence filter {unknown[0]!r}."
                        f"{did_you_mean(unknown[0], FILTERS)}",
                        hint="filter by " + ", ".join(FILTERS))
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise EvidenceFilterError("search", f"the search text is {len(text)} characters long",
                                  hint=f"search with up to {MAX_TEXT} characters")
    outcomes.policy.enforce_outcome_scope(principal, Action.READ_OUTCOMES, "evidence",
                                          detail="evidence library")
    wanted = {k: v.strip() for k, v in filters.items() if v is not None and v.strip()}
    with outcomes.sessions() as session:
        in_use = store.evidence_tags(session)
        options = _options(outcomes, in_use)
        chosen: dict[str, str] = {}
        for name, value in wanted.items():
            known = options[name]
            if name == "programme" and value.upper() not in known:
                known = [*known, *programme_codes(session, [value.upper()])]
            chosen[name] = _canonical(name, value, known)
        query = store.EvidenceQuery(
            words=words_of(text),
            tags={k: v for k, v in chosen.items() if k in store.TAG_COLUMNS},
            method=chosen.get("method"), yef_strand=chosen.get("yef_strand"))
        items = [item_of(r) for r in store.search_evidence(session, query)]
        total = store.count_evidence(session)
    return EvidenceSearch(items, total, text, chosen, options)


def _options(outcomes: Outcomes, in_use: dict[str, set[str]]) -> dict[str, list[str]]:
    framework = outcomes.framework()
    return {
        "priority_area": [a.code for a in framework.priority_areas],
        "target_group": sorted(set(TARGET_GROUPS) | in_use["target_group"]),
        "timing": list(TIMINGS),
        "intervention_type": sorted(in_use["intervention_type"]),
        "method": list(METHODS),
        "programme": sorted(in_use["programme"]),
        "yef_strand": [s.code for s in toolkit(outcomes).strands],
    }
