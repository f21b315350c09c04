"""The one statement of how police.uk crime types correspond to the MPS categories: every
current police.uk type is either mapped or named as having no counterpart, no MPS category
is counted twice, and a type is found whatever its case."""

from __future__ import annotations

from vrhub.standards.police_uk import CRIME_TYPES
from vrhub.standards.reconcile import (
    CATEGORY_MAP,
    OUTSIDE,
    UNMATCHED_MPS_MAJORS,
    UNMATCHED_POLICE_TYPES,
    WITHIN,
    category_match,
)

#: police.uk types of before May 2013, which no MPS table of today sits beside
RETIRED_TYPES = {"Violent crime", "Public disorder and weapons"}


def test_every_current_police_type_is_mapped_or_said_to_have_no_counterpart() -> None:
    mapped = [m.police_type for m in CATEGORY_MAP]
    assert len(mapped) == len(set(mapped))
    assert set(mapped) | set(UNMATCHED_POLICE_TYPES) == set(CRIME_TYPES) - RETIRED_TYPES
    assert not set(mapped) & set(UNMATCHED_POLICE_TYPES)


def test_no_mps_category_is_counted_under_two_police_types() -> None:
    whole_majors = [major for m in CATEGORY_MAP if not m.minors for major in m.majors]
    assert len(whole_majors) == len(set(whole_majors))
    minors = [(m.majors, minor) for m in CATEGORY_MAP for minor in m.minors]
    assert len(minors) == len(set(minors))
    split = {major for m in CATEGORY_MAP if m.minors for major in m.majors}
    assert not split & set(whole_majors)  # a major split by minors is never taken whole
    assert not set(UNMATCHED_MPS_MAJORS) & (set(whole_majors) | split)


def test_a_type_is_found_whatever_its_case_and_spacing() -> None:
    match = category_match("  bicycle THEFT ")
    assert match is not None
    assert (match.majors, match.minors, match.match) == (("THEFT",), ("BICYCLE THEFT",),
                                                          "same")
    assert category_match("Violence and sexual offences").majors == (  # type: ignore[union-attr]
        "VIOLENCE AGAINST THE PERSON", "SEXUAL OFFENCES")
    assert category_match("Anti-social behaviour") is None
    assert category_match("Fraud") is None


def test_the_agreement_bands_widen_up_to_the_threshold_for_listing_cells() -> None:
    assert list(WITHIN) == sorted(WITHIN)
    assert max(WITHIN) == OUTSIDE
