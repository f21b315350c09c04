"""The evidence library's one search query, on SQLite and PostgreSQL alike: every word in
the title or findings (any case, ``%`` and ``_`` taken literally), every tag by its exact
value, newest publication first with undated items last."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from vrhub.access.services import AccessServices
from vrhub.errors import Conflict
from vrhub.storage.outcomes import evidence as store
from vrhub.storage.outcomes.evidence import EvidenceQuery


def item(code: str, title: str, published: dt.date | None, **tags: Any) -> dict[str, Any]:
    return {"code": code, "title": title, "published_on": published, "method": "rct",
            "findings": tags.pop("findings", ""), **tags}


def test_search_matches_words_tags_and_method(services: AccessServices) -> None:
    with services.sessions() as session, session.begin():
        store.add_evidence(session, item(
            "E1", "Mentoring cut reoffending by 50%", dt.date(2023, 5, 1),
            target_groups=["young people"], priority_areas=["CYP-PO"]), created_by="vru")
        store.add_evidence(session, item(
            "E2", "Sport programmes and 5000 young people", dt.date(2024, 1, 9),
            findings="MENTORING sessions helped", target_groups=["young people in care"],
            yef_strand="sport"), created_by="vru")
        store.add_evidence(session, item("E3", "Undated note on mentoring_schemes", None,
                                         method="qualitative"), created_by="vru")
    with services.sessions() as session:
        def codes(**asked: Any) -> list[str]:
            return [e.code for e in store.search_evidence(session, EvidenceQuery(**asked))]

        assert codes() == ["E2", "E1", "E3"]  # newest first, undated last
        assert codes(words=["mentoring"]) == ["E2", "E1", "E3"]  # title or findings, any case
        assert codes(words=["mentoring", "sport"]) == ["E2"]  # every word
        assert codes(words=["50%"]) == ["E1"]  # not "5000": % is a character, not a wildcard
        assert codes(words=["g_s"]) == ["E3"]  # nor is _
        # a tag is matched whole: "young people" is not "young people in care"
        assert codes(tags={"target_group": "young people"}) == ["E1"]
        assert codes(tags={"target_group": "young people in care"}) == ["E2"]
        assert codes(tags={"target_group": "young"}) == []
        assert codes(method="qualitative") == ["E3"]
        assert codes(yef_strand="sport", words=["sport"]) == ["E2"]
        tags = store.evidence_tags(session)
        assert tags["target_group"] == {"young people", "young people in care"}
        assert tags["priority_area"] == {"CYP-PO"}
        assert tags["programme"] == set()
        assert store.count_evidence(session) == 3
        assert [e.code for e in store.all_evidence(session)] == ["E2", "E1", "E3"]
        found = store.get_evidence(session, "E1")
        assert found is not None and found.created_by == "vru"
        assert store.get_evidence(session, "E9") is None


def test_a_code_is_used_once(services: AccessServices) -> None:
    with services.sessions() as session, session.begin():
        store.add_evidence(session, item("E1", "First", None), created_by="vru")
    with services.sessions() as session, pytest.raises(Conflict) as refused:
        store.add_evidence(session, item("E1", "Second", None), created_by="vru")
    assert refused.value.message == "there is already an evidence item 'E1'"
    assert (refused.value.hint, refused.value.http_status) == ("choose another code", 409)
    with services.sessions() as session:
        assert [e.title for e in store.all_evidence(session)] == ["First"]
