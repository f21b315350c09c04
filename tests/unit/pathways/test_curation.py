"""Listings kept current: staleness, and what a provider may and may not keep."""

from __future__ import annotations

import datetime as dt

import pytest

from vrhub.access.listings import listing_decision
from vrhub.access.principal import Principal
from vrhub.access.roles import Action, Role
from vrhub.pathways.curation import ListingError, ListingForm, is_stale, to_record

NOW = dt.datetime(2026, 6, 1)


@pytest.mark.parametrize(("reviewed", "created", "stale"), [
    (None, dt.datetime(2026, 5, 1), False),  # new, not yet due
    (None, dt.datetime(2025, 11, 1), True),  # never reviewed in seven months
    (dt.datetime(2026, 1, 1), dt.datetime(2020, 1, 1), False),  # reviewed five months ago
    (dt.datetime(2025, 11, 20), dt.datetime(2020, 1, 1), True),  # over six months
])
def test_a_listing_is_stale_six_months_after_its_last_review(
        reviewed: dt.datetime | None, created: dt.datetime, stale: bool) -> None:
    assert is_stale(reviewed, created, 6, NOW) is stale


def test_providers_keep_only_their_organisations_listings() -> None:
    provider = Principal("p@example.org", Role.PROVIDER, organisation="ORG1")
    curator = Principal("c@example.org", Role.DIRECTORY_CURATOR, organisation="VRU")
    analyst = Principal("a@example.org", Role.PAN_LONDON_ANALYST, organisation="VRU")
    assert listing_decision(provider, Action.MANAGE_LISTINGS, "ORG1").allowed
    assert not listing_decision(provider, Action.MANAGE_LISTINGS, "ORG2").allowed
    assert not listing_decision(provider, Action.REVIEW_LISTINGS, "ORG1").allowed
    assert listing_decision(curator, Action.REVIEW_LISTINGS, "ORG2").allowed
    assert listing_decision(analyst, Action.MANAGE_LISTINGS, None).reason == (
        "the pan-london analyst role may not manage listings")


@pytest.mark.parametrize(("change", "message"), [
    ({"name": " "}, "name is required"),
    ({"minimum_age": 19, "maximum_age": 12}, "minimum age 19 is above maximum age 12"),
    ({"postcode": None}, "postcode is required for a service with a place"),
    ({"postcode": "SW1"}, "postcode 'SW1' is not a UK postcode"),
    ({"url": "javascript:alert(1)"}, "is not a web address"),
    ({"opportunity_terms": ["knitting"]}, "category 'knitting' is not in the Youth "
                                          "opportunities list"),
])
def test_bad_listings_are_refused_naming_the_field(change: dict[str, object],
                                                  message: str) -> None:
    fields: dict[str, object] = dict(name="Boxing", description="d", organisation_name="o",
                                     postcode="SE1 7EH")
    fields.update(change)
    with pytest.raises(ListingError, match=message.replace("(", r"\(").replace(")", r"\)")):
        to_record(ListingForm(**fields),  # type: ignore[arg-type]
                  service_id="ac148810-d857-441c-9679-408f346de14b",
                  organisation_id="d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610")
