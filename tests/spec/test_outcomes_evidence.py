"""The evidence library searched on the app database (SQLite and real PostgreSQL): every
word in the title or findings, any case; each tag filter; programme and YEF strand; an
unknown value refused with the values it is closest to. The answers are checked against
a plain reading of the same rule over the items in memory."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from tests.helpers_outcomes import ADMIN, VRU, lead, programme
from vrhub.access.principal import PUBLIC
from vrhub.access.services import AccessServices
from vrhub.errors import CodeError, PermissionDenied
from vrhub.outcomes import evidence, evidence_search, programmes
from vrhub.outcomes.context import Outcomes

ITEMS: list[dict[str, Any]] = [
    {"code": "EV-1", "title": "Mentoring girls in Camden: an evaluation",
     "method": "quasi-experimental", "published_on": "2024-06-01",
     "findings": "Wellbeing rose; school EXCLUSIONS fell by a fifth.",
     "priority_areas": ["CYP-PO"], "target_groups": ["young women and girls"],
     "timing": ["secondary"], "intervention_types": ["mentoring"],
     "yef_strand": "mentoring", "programmes": ["LCPF-CAM-01"]},
    {"code": "EV-2", "title": "Parenting programmes review", "method": "systematic review",
     "published_on": "2023-01-15",
     "findings": "Parenting support reduces later violence; 100% of trials agreed.",
     "priority_areas": ["FAM", "CYP-PO"], "target_groups": ["parents and carers"],
     "timing": ["primary"], "intervention_types": ["parenting", "family support"],
     "yef_strand": "parenting-programmes", "programmes": []},
    {"code": "EV-3", "title": "A&E navigators: process evaluation", "method": "process",
     "findings": "Navigators reached young people after an assault; mentoring_after "
     "discharge helped.",
     "priority_areas": ["CYP-RH"], "target_groups": ["young people"],
     "timing": ["tertiary", "secondary"], "intervention_types": ["navigators"],
     "yef_strand": "ae-navigators", "programmes": ["LCPF-CAM-01", "CIF-HAC-01"]},
    {"code": "EV-4", "title": "Sport and wellbeing", "method": "pre/post",
     "published_on": "2025-02-01", "findings": "Small gains.",
     "priority_areas": ["CAP"], "target_groups": ["young people", "communities"],
     "timing": ["primary"], "intervention_types": ["sport"], "yef_strand": None,
     "programmes": []},
]


@pytest.fixture
def library(services: AccessServices) -> Outcomes:
    outcomes = Outcomes(services.sessions, services.policy)
    programmes.save_programmes(outcomes, ADMIN, [
        programme(), programme("CIF-HAC-01", boroughs=["E09000012"], funding_stream="CIF"),
        programme("MYENDS-HAC-02", boroughs=["E09000012"], funding_stream="MYENDS")])
    for raw in ITEMS:
        evidence.add_item(outcomes, ADMIN, raw)
    return outcomes


def codes(found: evidence_search.EvidenceSearch) -> list[str]:
    return [i.code for i in found.items]


def by_hand(text: str, filters: dict[str, str]) -> list[str]:
    """The same rule read plainly over the items: every word in title or findings (any
    case), every filter among the item's tags; newest first, undated last."""
    fields = {"priority_area": "priority_areas", "target_group": "target_groups",
              "timing": "timing", "intervention_type": "intervention_types",
              "programme": "programmes"}
    out = []
    for raw in ITEMS:
        haystack = (raw["title"] + " " + raw["findings"]).lower()
        if not all(w.lower() in haystack for w in text.split()):
            continue
        if any((raw[fields[k]] if k in fields else [raw[k]]).count(v) == 0
               for k, v in filters.items()):
            continue
        out.append(raw)
    out.sort(key=lambda r: (r.get("published_on") is None,
                            -dt.date.fromisoformat(r["published_on"]).toordinal()
                            if r.get("published_on") else 0))
    return [r["code"] for r in out]


def test_search_finds_every_word_in_title_or_findings(library: Outcomes) -> None:
    everything = evidence_search.search(library, VRU)
    assert codes(everything) == ["EV-4", "EV-1", "EV-2", "EV-3"]  # newest first, undated last
    assert everything.total == 4
    assert codes(evidence_search.search(library, VRU, "exclusions")) == ["EV-1"]
    assert codes(evidence_search.search(library, VRU, "MENTORING wellbeing")) == ["EV-1"]
    assert codes(evidence_search.search(library, VRU, "mentoring")) == ["EV-1", "EV-3"]
    assert codes(evidence_search.search(library, VRU, "mentoring parenting")) == []
    # LIKE's wildcards are searched for as themselves
    assert codes(evidence_search.search(library, VRU, "100%")) == ["EV-2"]
    assert codes(evidence_search.search(library, VRU, "mentoring_after")) == ["EV-3"]
    assert codes(evidence_search.search(library, VRU, "a&e")) == ["EV-3"]
    # tags are filters, not words: "tertiary" is in no title or findings
    assert codes(evidence_search.search(library, VRU, "tertiary")) == []


def test_each_filter_and_their_combinations(library: Outcomes) -> None:
    cases = {
        "priority_area": ["CYP-PO", "FAM", "CYP-RH", "EDU"],
        "target_group": ["young people", "parents and carers", "schools"],
        "timing": ["primary", "secondary", "tertiary"],
        "intervention_type": ["mentoring", "family support", "sport"],
        "method": ["process", "systematic review", "qualitative"],
        "programme": ["LCPF-CAM-01", "CIF-HAC-01", "MYENDS-HAC-02"],
        "yef_strand": ["mentoring", "ae-navigators", "sports-programmes"],
    }
    for name, values in cases.items():
        for value in values:
            found = evidence_search.search(library, VRU, **{name: value})
            assert codes(found) == by_hand("", {name: value}), (name, value)
    assert codes(evidence_search.search(library, VRU, priority_area="CYP-PO")) == \
        ["EV-1", "EV-2"]
    assert codes(evidence_search.search(library, VRU, timing="secondary")) == ["EV-1", "EV-3"]
    assert codes(evidence_search.search(library, VRU, programme="CIF-HAC-01")) == ["EV-3"]
    # a programme with no evidence yet is known, and finds nothing
    assert codes(evidence_search.search(library, VRU, programme="MYENDS-HAC-02")) == []
    for (a, va), (b, vb) in itertools.combinations(
            [("priority_area", "CYP-PO"), ("timing", "secondary"),
             ("target_group", "young people"), ("programme", "LCPF-CAM-01")], 2):
        found = evidence_search.search(library, VRU, "", **{a: va, b: vb})
        assert codes(found) == by_hand("", {a: va, b: vb}), (a, b)
    found = evidence_search.search(library, VRU, "wellbeing", timing="secondary",
                                   programme="LCPF-CAM-01")
    assert codes(found) == ["EV-1"] == by_hand("wellbeing", {"timing": "secondary",
                                                             "programme": "LCPF-CAM-01"})


def test_filters_take_any_case_and_answer_in_the_librarys(library: Outcomes) -> None:
    found = evidence_search.search(library, VRU, priority_area="cyp-po",
                                   target_group="Young Women and Girls", timing="SECONDARY",
                                   programme="lcpf-cam-01")
    assert codes(found) == ["EV-1"]
    assert found.filters == {"priority_area": "CYP-PO", "target_group":
                             "young women and girls", "timing": "secondary",
                             "programme": "LCPF-CAM-01"}
    assert found.to_dict()["found"] == 1 and found.to_dict()["library_size"] == 4
    assert "family support" in found.options["intervention_type"]
    assert found.options["programme"] == ["CIF-HAC-01", "LCPF-CAM-01"]


def test_unknown_values_are_refused_with_did_you_mean(library: Outcomes) -> None:
    with pytest.raises(CodeError, match=r"timing 'secondry' is not known\. "
                                        r"Did you mean 'secondary'\?"):
        evidence_search.search(library, VRU, timing="secondry")
    with pytest.raises(CodeError, match=r"priority area 'CYP-P0' is not known\. Did you mean "
                                        r"'CYP-PO'"):
        evidence_search.search(library, VRU, priority_area="CYP-P0")
    with pytest.raises(CodeError, match=r"intervention type 'mentorin' is not known\. "
                                        r"Did you mean 'mentoring'\?") as refused:
        evidence_search.search(library, VRU, intervention_type="mentorin")
    assert refused.value.http_status == 422
    assert "family support" in (refused.value.hint or "")
    with pytest.raises(CodeError, match=r"YEF Toolkit strand 'mentor' is not known\. Did you "
                                        r"mean 'mentoring'\?"):
        evidence_search.search(library, VRU, yef_strand="mentor")
    with pytest.raises(CodeError, match=r"programme 'LCPF-CAM-09' is not known\. Did you "
                                        r"mean 'LCPF-CAM-01'\?"):
        evidence_search.search(library, VRU, programme="LCPF-CAM-09")
    with pytest.raises(CodeError, match=r"there is no evidence filter 'area'"):
        evidence_search.search(library, VRU, area="FAM")


def test_who_may_search(library: Outcomes) -> None:
    assert codes(evidence_search.search(library, lead(), "mentoring")) == ["EV-1", "EV-3"]
    with pytest.raises(PermissionDenied, match="may not read outcomes"):
        evidence_search.search(library, PUBLIC, "mentoring")


def test_control_characters_are_blanks(library: Outcomes) -> None:
    assert evidence_search.words_of("a\x00b \tc\n") == ["a", "b", "c"]
    assert codes(evidence_search.search(library, VRU, "exclusions\x00fell")) == ["EV-1"]
