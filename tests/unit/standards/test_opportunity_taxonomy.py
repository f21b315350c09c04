"""The directory's vocabularies: a two-level youth-opportunities list and the VRU's five
priority areas, every term with an identifier that is the same in every deployment."""

from __future__ import annotations

import uuid

import pytest

from vrhub.standards.opportunity_taxonomy import (
    VOCABULARIES,
    VRU_PRIORITIES,
    YOUTH_OPPORTUNITIES,
    stable_id,
    vocabulary,
)

#: The namespace every published identifier is made in; changing it would re-identify every
#: term in every feed already published.
PUBLISHED_NAMESPACE = uuid.UUID("8d3c3c9e-5b8a-4f0e-9a51-6f2d2b7a1c19")


def test_identifiers_are_version_5_uuids_of_the_codes_in_the_published_namespace() -> None:
    sport = YOUTH_OPPORTUNITIES.term_id("sport")
    assert sport == str(uuid.uuid5(PUBLISHED_NAMESPACE,
                                   "taxonomy/vrhub-youth-opportunities/term/sport"))
    assert uuid.UUID(sport).version == 5
    assert YOUTH_OPPORTUNITIES.id == str(uuid.uuid5(PUBLISHED_NAMESPACE,
                                                    "taxonomy/vrhub-youth-opportunities"))
    assert stable_id("a", "b") == stable_id("a", "b") != stable_id("a/b", "")


def test_every_term_has_its_own_identifier_across_both_vocabularies() -> None:
    ids = [vocab.term_id(term.code) for vocab in VOCABULARIES for term in vocab.terms]
    assert len(ids) == len(set(ids)) == sum(len(v.terms) for v in VOCABULARIES)
    for vocab in VOCABULARIES:
        codes = [term.code for term in vocab.terms]
        assert len(codes) == len(set(codes)), vocab.code


def test_youth_opportunities_are_two_levels_deep() -> None:
    groups = {t.code for t in YOUTH_OPPORTUNITIES.terms if t.parent is None}
    assert groups == {"activities", "learning-work", "support"}
    children = [t for t in YOUTH_OPPORTUNITIES.terms if t.parent is not None]
    assert children and all(t.parent in groups for t in children)
    assert YOUTH_OPPORTUNITIES.term("mentoring").parent == "support"


def test_the_vru_has_five_flat_priority_areas() -> None:
    assert len(VRU_PRIORITIES.terms) == 5
    assert all(t.parent is None for t in VRU_PRIORITIES.terms)


def test_unknown_codes_are_refused() -> None:
    assert vocabulary("vrhub-vru-priorities") is VRU_PRIORITIES
    with pytest.raises(KeyError, match="no-such-list"):
        vocabulary("no-such-list")
    with pytest.raises(KeyError, match="skating"):
        YOUTH_OPPORTUNITIES.term("skating")
