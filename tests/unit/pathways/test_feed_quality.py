"""How complete an ORUK feed is: the share of its valid services with an address, a way to
get in touch, an age range, a schedule and a category; the score their mean."""

from __future__ import annotations

from typing import Any

from vrhub.pathways.feed_quality import score

FULL: dict[str, Any] = {
    "service_at_locations": [{"location": {"location_type": "physical",
                                           "addresses": [{"postal_code": "E8 1HE"}]}}],
    "contacts": [{"phones": [{"number": "020 7946 0000"}]}],
    "minimum_age": 11,
    "schedules": [{"byday": "MO"}],
    "attributes": [{"taxonomy_term_id": "sport"}],
}
VIRTUAL: dict[str, Any] = {
    "service_at_locations": [{"location": {"location_type": "virtual",
                                           "addresses": [{"address_1": "Online"}]}}],
    "email": "help@example.org",
    "maximum_age": 0,  # an age given, even a strange one, is an age range
}
BARE: dict[str, Any] = {"contacts": [{"name": "Reception"}], "minimum_age": "",
                        "attributes": [{"label": "no term"}], "schedules": []}


def test_each_measure_is_the_share_of_services_that_have_it() -> None:
    quality = score([FULL, VIRTUAL, BARE, FULL], invalid=2)
    assert (quality.services, quality.invalid) == (4, 2)
    assert quality.address == 50.0       # the virtual location's address does not count
    assert quality.contact == 75.0       # a named contact without phone or e-mail does not
    assert quality.age_range == 75.0
    assert quality.schedule == 50.0
    assert quality.taxonomy == 50.0
    assert quality.score == round((50 + 75 + 75 + 50 + 50) / 5, 1) == 60.0
    assert quality.to_dict()["score"] == 60.0


def test_shares_are_rounded_to_one_place_and_an_empty_feed_scores_zero() -> None:
    assert score([FULL, BARE, BARE]).address == 33.3
    empty = score([], invalid=5)
    assert (empty.services, empty.invalid, empty.score) == (0, 5, 0.0)
