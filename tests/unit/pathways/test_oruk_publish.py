"""The /oruk/ answers of a directory of three hand-written listings, checked against the
ORUK profile's own schemas (../shared/standards/oruk-uk-3.0), and the request filters
refused with what was wrong and how to ask instead."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest

from tests.directory_support import errors_of, list_errors
from tests.unit.pathways.small_directory import ART, BOXING, CLOSED, ORG
from vrhub.errors import NotFound, UserError
from vrhub.pathways import oruk_publish as publish
from vrhub.pathways import oruk_records
from vrhub.pathways.directory import Directory
from vrhub.pathways.oruk_publish import Paging, PlaceNotFound
from vrhub.standards.opportunity_taxonomy import YOUTH_OPPORTUNITIES
from vrhub.storage import directory_reads as reads
from vrhub.storage.appdb.directory_models import DirectoryTaxonomyTerm

ALL = Paging(1, 50)


def query(directory: Directory, **params: str) -> publish.SearchQuery:
    return publish.service_query(directory, params)


def page(directory: Directory, paging: Paging = ALL, **params: str) -> dict[str, object]:
    body: dict[str, object] = json.loads(publish.services_page(
        directory, query(directory, **params), paging))
    assert list_errors("/services", body) == []
    return body


def ids(body: dict[str, object]) -> list[str]:
    return [item["id"] for item in body["contents"]]  # type: ignore[attr-defined]


@pytest.mark.parametrize(("call", "message", "hint"), [
    (lambda: publish.paging("0", None), "page 0 is outside 1 to 10000000",
     "give page as a number from 1 to 10000000"),
    (lambda: publish.paging(None, "x"), "per_page 'x' is not a whole number",
     "give per_page as a number from 1 to 500"),
    (lambda: publish.paging(None, "501"), "per_page 501 is outside 1 to 500",
     "give per_page as a number from 1 to 500"),
    (lambda: publish.flag("top_only", "maybe"), "top_only 'maybe' is not true or false",
     "use top_only=true"),
    (lambda: publish.parse_day("Funday"), "day 'Funday' is not a day of the week",
     "use MO, TU, WE, TH, FR, SA or SU (or the day's name)"),
    (lambda: publish.parse_time("start_time", "1630"),
     "start_time '1630' is not a time of day", "give start_time as HH:MM, such as 16:30"),
    (lambda: publish.parse_when("last week"), "modified_after 'last week' is not a date and "
     "time", "use ISO 8601, such as 2025-01-31 or 2025-01-31T09:00:00Z"),
])
def test_a_filter_that_cannot_be_read_is_refused(call: Callable[[], object], message: str,
                                                 hint: str) -> None:
    with pytest.raises(UserError) as refused:
        call()
    assert (refused.value.message, refused.value.hint, refused.value.http_status) == (
        message, hint, 400)


def test_filters_are_read() -> None:
    assert publish.paging("3", "20").offset == 40
    assert publish.paging(None, "") == Paging(1, 50)
    assert (publish.flag("x", "Yes"), publish.flag("x", "0"), publish.flag("x", None)) == (
        True, False, False)
    assert (publish.parse_day("monday"), publish.parse_day("fr"), publish.parse_day("")) == (
        "MO", "FR", None)
    assert publish.parse_time("end_time", "16:30") == 16 * 60 + 30
    assert publish.parse_when("2025-01-31T09:00:00+01:00") == dt.datetime(2025, 1, 31, 8, 0)
    assert publish.parse_when("2025-01-31") == dt.datetime(2025, 1, 31)


def test_postcodes_and_distances_are_checked(small_directory: Directory) -> None:
    with pytest.raises(PlaceNotFound) as unknown:
        query(small_directory, postcode="n1 9zz")
    assert unknown.value.message == "postcode 'N1 9ZZ' is not in the postcode directory"
    assert (unknown.value.code, unknown.value.http_status) == ("unknown_postcode", 400)
    with pytest.raises(UserError, match=r"^proximity needs a postcode to measure from"):
        query(small_directory, proximity="2000")
    with pytest.raises(UserError, match=r"^proximity '0' is outside 1 to 100000 metres"):
        query(small_directory, postcode="NW1 1AA", proximity="0")
    with pytest.raises(UserError, match=r"^proximity 'far' is not a distance in metres"):
        query(small_directory, postcode="NW1 1AA", proximity="far")
    with pytest.raises(UserError, match=r"^minimum_age 'old' is not an age in years"):
        query(small_directory, minimum_age="old")
    with pytest.raises(UserError, match=r"^maximum_age '200' is not an age in years"):
        query(small_directory, maximum_age="200")
    assert not publish.needs_lookup(small_directory, {"postcode": "NW1 1AA"})  # in memory
    assert publish.locate(small_directory, " ") is None
    assert publish.locate(Directory(small_directory.sessions, None), None) is None
    with pytest.raises(PlaceNotFound, match="this directory has no postcode data"):
        publish.locate(Directory(small_directory.sessions, None), "NW1 1AA")


def test_service_lists_validate_and_filter(small_directory: Directory) -> None:
    every = page(small_directory)
    assert (every["total_items"], every["size"], every["first_page"], every["last_page"]) == (
        3, 3, True, True)
    assert set(ids(every)) == {BOXING, ART, CLOSED}  # any status unless filtered
    assert ids(page(small_directory, search="boxing")) == [BOXING, CLOSED]
    second = page(small_directory, Paging(2, 2))
    assert (second["total_pages"], second["size"], second["page_number"]) == (2, 1, 2)
    # nearest first: the closed gym is at NW1 1AA itself; NW1 2BB, where the club is, lies
    # 300 m east and 400 m north of it: 500 m
    assert ids(page(small_directory, postcode="NW1 1AA", proximity="500")) == [CLOSED, BOXING]
    assert ids(page(small_directory, postcode="NW1 1AA", proximity="499")) == [CLOSED]
    assert ids(page(small_directory, minimum_age="19")) == [ART, CLOSED]
    assert ids(page(small_directory, day="saturday", start_time="11:00")) == [ART]
    boxing_term = YOUTH_OPPORTUNITIES.term_id("sport")
    assert ids(page(small_directory, taxonomy_term_id=boxing_term)) == [BOXING]
    full = publish.services_page_full(small_directory, query(small_directory, search="art"),
                                      ALL)
    assert list_errors("/services", full) == []
    assert [s["name"] for s in full["contents"]] == ["Art online"]
    minimal = publish.services_page_minimal(small_directory, query(small_directory), ALL)
    assert all(item["last_modified"].endswith("Z") and len(item) == 2
               for item in minimal["contents"])
    lines = list(publish.services_ndjson(small_directory, query(small_directory,
                                                                search="boxing")))
    assert [json.loads(line)["id"] for line in lines] == [BOXING, CLOSED]
    assert all(line.endswith(b"\n") for line in lines)


def test_one_service_is_published_fully_nested(small_directory: Directory) -> None:
    boxing = publish.service_document(small_directory, BOXING.upper())
    assert errors_of("service.json", boxing) == []
    assert (boxing["minimum_age"], boxing["maximum_age"]) == (11, 18)  # whole numbers
    assert [s["notes"] for s in boxing["schedules"]] == ["Term time only"]
    assert boxing["service_capacity"][0]["available"] == 4
    assert boxing["organization"]["name"] == "Camden Youth Trust"
    postcodes = [sal["location"]["addresses"][0]["postal_code"]
                 for sal in boxing["service_at_locations"]]
    assert sorted(postcodes) == ["E8 1AA", "NW1 2BB"]
    art = publish.service_document(small_directory, ART)
    assert errors_of("service.json", art) == []
    assert art["cost_options"][0]["amount"] == 12.5
    assert art["service_at_locations"][0]["location"]["addresses"] == []  # online
    with pytest.raises(NotFound) as missing:
        publish.service_document(small_directory, "nope")
    assert (missing.value.message, missing.value.hint) == (
        "there is no service 'nope'", "list services at /oruk/services")


def test_organisations_taxonomies_and_places_validate(small_directory: Directory) -> None:
    organisations = publish.organisations_page(small_directory, None, ALL)
    assert list_errors("/organizations", organisations) == []
    assert [o["id"] for o in organisations["contents"]] == [ORG]
    org = publish.organisation_document(small_directory, ORG, full_service=False)
    assert errors_of("organization.json", org) == []
    assert sorted(s["name"] for s in org["services"]) == [
        "Art online", "Camden Boxing Club", "Old boxing gym"]
    taxonomies = publish.taxonomies_page(small_directory, None, ALL)
    assert list_errors("/taxonomies", taxonomies) == []
    youth = publish.taxonomy_document(small_directory, YOUTH_OPPORTUNITIES.id)
    assert errors_of("taxonomy.json", youth) == []
    assert len(youth["taxonomy_terms"]) == len(YOUTH_OPPORTUNITIES.terms)
    top = publish.taxonomy_terms_page(small_directory, {"taxonomy_id": YOUTH_OPPORTUNITIES.id,
                                                        "top_only": "true"}, ALL)
    assert list_errors("/taxonomy_terms", top) == []
    assert top["total_items"] == sum(t.parent is None for t in YOUTH_OPPORTUNITIES.terms)
    term = publish.taxonomy_term_document(small_directory, YOUTH_OPPORTUNITIES.term_id("sport"))
    assert errors_of("taxonomy_term.json", term) == []
    assert term["parent_id"] == YOUTH_OPPORTUNITIES.term_id("activities")
    near = publish.service_at_locations_page(
        small_directory, query(small_directory, postcode="E8 1AA", search="boxing"), ALL)
    assert list_errors("/service_at_locations", near) == []
    # the club's two places (the Hackney one nearest first), then the closed gym's one
    assert [(p["service"]["id"], p["location"]["addresses"][0]["postal_code"])
            for p in near["contents"]] == [(BOXING, "E8 1AA"), (BOXING, "NW1 2BB"),
                                           (CLOSED, "NW1 1AA")]
    one = publish.service_at_location_document(small_directory, near["contents"][0]["id"])
    assert errors_of("service_at_location.json", one) == []
    assert one["service"]["id"] == BOXING
    assert errors_of("api_details.json", publish.api_details("https://x.example/oruk/")) == []
    for missing in (lambda: publish.organisation_document(small_directory, "x",
                                                          full_service=True),
                    lambda: publish.taxonomy_document(small_directory, "x"),
                    lambda: publish.taxonomy_term_document(small_directory, "x"),
                    lambda: publish.service_at_location_document(small_directory, "x")):
        with pytest.raises(NotFound):
            missing()


def test_records_leave_out_what_is_absent_and_keep_times_in_utc(
        small_directory: Directory) -> None:
    assert oruk_records.timestamp(dt.datetime(2025, 1, 2, 3, 4, 5, 600)) == \
        "2025-01-02T03:04:05Z"
    assert oruk_records.timestamp(None) is None
    with small_directory.sessions() as session:
        art = reads.service(session, ART)
        assert art is not None
        item = oruk_records.service_item(art)
    assert {"maximum_age", "url", "email", "alert"}.isdisjoint(item)  # absent, not null
    assert item["minimum_age"] == 14 and isinstance(item["minimum_age"], int)
    assert item["last_modified"].endswith("Z")
    relative = DirectoryTaxonomyTerm(id=ART, name="Art", term_uri="terms/art",
                                     taxonomy_id=YOUTH_OPPORTUNITIES.id)
    assert "term_uri" not in oruk_records.term(relative, {})  # only absolute addresses
    relative.term_uri = "https://example.org/terms/art"
    assert oruk_records.term(relative, {YOUTH_OPPORTUNITIES.id: "Youth"})["taxonomy"] == "Youth"
    assert oruk_records.term(relative, {})["term_uri"] == "https://example.org/terms/art"
