"""The public search of opportunities on a directory of three hand-written listings: what a
young person types, refused field by field when it cannot be used, and the answers shaped
for reading (distance, sessions in words, ages, cost, a sketch map worked out by hand)."""

from __future__ import annotations

import pytest

from tests.unit.pathways.small_directory import ART, BOXING, CLOSED, HACKNEY
from vrhub.pathways.directory import Directory
from vrhub.pathways.opportunity_search import (
    PublicSearch,
    SearchProblem,
    categories,
    detail,
    query_of,
    search,
)
from vrhub.standards.opportunity_taxonomy import YOUTH_OPPORTUNITIES


@pytest.mark.parametrize(("form", "field", "message"), [
    (PublicSearch(where="Camden"), "where", "'Camden' is not a postcode"),
    (PublicSearch(where=" n1 9zz "), "where", "we could not find N1 9ZZ"),
    (PublicSearch(age="sixteen"), "age", "age must be a number, like 16"),
    (PublicSearch(age="200"), "age", "age must be a number, like 16"),
    (PublicSearch(type="karate"), "type", "choose a type from the list"),
])
def test_a_field_that_cannot_be_used_is_named(small_directory: Directory, form: PublicSearch,
                                              field: str, message: str) -> None:
    with pytest.raises(SearchProblem) as refused:
        query_of(small_directory, form)
    assert (refused.value.field, refused.value.message, refused.value.http_status) == (
        field, message, 400)


def test_results_near_a_postcode_with_a_sketch_map(small_directory: Directory) -> None:
    found = search(small_directory, PublicSearch(where="nw1 1aa", distance="1000"))
    # the closed gym at NW1 1AA itself is not shown to the public
    assert (found.total, found.place, found.first_number) == (1, "NW1 1AA", 1)
    [boxing] = found.items
    assert (boxing.id, boxing.distance, boxing.ages, boxing.cost, boxing.area) == (
        BOXING, "0.5 km", "11 to 18", "Free", None)
    assert boxing.when == "Mondays and Wednesdays, 5pm to 7:30pm (term time)"
    assert boxing.tags == ["Sport and physical activity"]
    assert len(boxing.summary) <= 221 and boxing.summary.endswith("Word…")
    # 500 m away (300 east, 400 north): rings every 250 m out to 500 m, drawn on 144 px
    assert found.map == {
        "size": 320, "centre": 160, "ring_label": "0.25 km",
        "rings": [{"r": 72.0, "label": "0.25 km"}, {"r": 144.0, "label": "0.5 km"}],
        "markers": [{"number": 1, "x": 246.4, "y": 44.8}]}  # 160 + 300 x 0.288, 160 - 400 x 0.288
    assert (found.previous, found.next) == (None, None)


def test_results_by_words_borough_and_type(small_directory: Directory) -> None:
    online = search(small_directory, PublicSearch(q="art"))
    [art] = online.items
    assert (art.id, art.area, art.cost, art.ages, art.when, art.distance) == (
        ART, "Online", "£12.50 Per term", "14 and over", "Saturdays, 10:30am to 12pm", None)
    assert online.map is None
    assert [i.id for i in search(small_directory, PublicSearch(borough=HACKNEY)).items] == [
        BOXING]  # one of its places is in Hackney
    assert [i.id for i in search(small_directory, PublicSearch(type="arts")).items] == [ART]
    assert [i.id for i in search(small_directory, PublicSearch(age="12")).items] == [BOXING]
    assert [i.id for i in search(small_directory, PublicSearch(free=True)).items] == [BOXING]
    assert search(small_directory, PublicSearch(day="SA", time="evening")).total == 0
    assert search(small_directory, PublicSearch(day="SA", time="morning")).total == 1


def test_the_form_remembers_what_was_asked() -> None:
    form = PublicSearch(q="boxing club", free=True, page=2)
    assert form.asked and not PublicSearch().asked
    assert form.url(3) == ("/opportunities?q=boxing+club&distance=5000&free=1&page=3"
                           "#results")


def test_a_listing_page_and_the_categories(small_directory: Directory) -> None:
    boxing = detail(small_directory, BOXING)
    assert boxing is not None
    assert boxing["places_left"] == "4 of 20 places free"
    assert boxing["sessions"] == ["Mondays and Wednesdays, 5pm to 7:30pm (term time)"]
    assert sorted(p["address"][-1] for p in boxing["places"]) == ["E8 1AA", "NW1 2BB"]
    assert boxing["online"] is False and boxing["tags"] == ["Sport and physical activity"]
    art = detail(small_directory, f" {ART.upper()} ")
    assert art is not None
    assert (art["description"], art["online"], art["places"]) == (
        ["Drawing.", "Every week."], True, [])
    assert detail(small_directory, CLOSED) is None  # not active
    assert detail(small_directory, "nope") is None
    groups = categories()
    assert [g["code"] for g in groups] == [t.code for t in YOUTH_OPPORTUNITIES.terms
                                           if t.parent is None]
    assert "sport" in [t.code for t in groups[0]["terms"]]
