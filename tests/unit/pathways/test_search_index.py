"""The directory's search index, built from a handful of rows written out here: words
(accents and case ignored, prefixes found), terms standing for their narrower terms, ages,
opening hours, boroughs, and distances to the nearest place worked out by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from vrhub.pathways.search import (
    DirectoryIndex,
    Found,
    SearchQuery,
    build,
    empty,
    minutes,
    words,
)
from vrhub.storage.directory_reads import DirectoryRows

CAMDEN, HACKNEY = "E09000007", "E09000012"
MAY = dt.datetime(2025, 5, 1)


def rows() -> DirectoryRows:
    found = DirectoryRows()
    found.services = [
        # id, name, description, status, organisation, its name, min age, max age, free,
        # modified, reviewed, owner, created
        ("s-box", "Boxing Café", "Evening boxing for teens", "active", "o1", "Camden Youth",
         11, 18, True, MAY, None, "CAM", MAY),
        ("s-art", "Art club", "Painting and drawing", "active", "o2", "Hackney Arts",
         14, None, False, MAY + dt.timedelta(days=30), None, None, MAY),
        ("s-old", "Old boxing gym", "Closed", "inactive", "o1", "Camden Youth",
         None, 10, True, MAY - dt.timedelta(days=30), None, "CAM", MAY),
    ]
    found.terms = [("s-box", "sport-boxing", "youth", "Boxing", "SP-BOX"),
                   ("s-art", "arts", "youth", "Arts", "AR")]
    found.term_tree = [("sport", None, "youth"), ("sport-boxing", "sport", "youth"),
                       ("arts", None, "youth")]
    # a place 300 m east and one 4 km north of (530000, 180000) for boxing; art 500 m west
    found.places = [
        ("p1", "s-box", "l1", "physical", 530300.0, 180000.0, CAMDEN, "NW1 1AA", "Hall"),
        ("p2", "s-box", "l2", "physical", 530000.0, 184000.0, CAMDEN, "NW5 1AA", "Gym"),
        ("p3", "s-art", "l3", "physical", 529500.0, 180000.0, HACKNEY, "E8 1AA", "Studio"),
        ("p4", "s-art", "l4", "virtual", 1.0, 1.0, None, None, "Online"),
    ]
    found.schedules = [("s-box", "MO,WE", "17:00", "19:30", False),
                       ("s-art", "SA", "10:00", "12:00", False)]
    found.areas = [("s-art", HACKNEY)]
    return found


@pytest.fixture(scope="module")
def index() -> DirectoryIndex:
    items = {"s-box": {"id": "s-box", "name": "Boxing Café"}, "s-art": {"id": "s-art"}}
    return build(7, rows(), items)


def ids(found: Found) -> list[str]:
    return [h.service_id for h in found.hits()]


def test_words_and_times_are_read_plainly() -> None:
    assert words("Café, Boxing-Club 2") == ["cafe", "boxing", "club", "2"]
    assert words(None) == []
    assert (minutes("09:30"), minutes("17"), minutes("24:00"), minutes("25:00"),
            minutes("ab"), minutes(None)) == (570, 1020, 1440, None, None, None)


def test_filters_combine(index: DirectoryIndex) -> None:
    def find(**asked: Any) -> list[str]:
        return ids(index.search(SearchQuery(**asked)))

    assert len(index) == 3 and index.version == 7
    assert find() == ["s-box", "s-art", "s-old"]  # in index order without a centre
    assert find(text="CAFE") == ["s-box"]  # accents and case ignored
    assert find(text="box") == ["s-box", "s-old"]  # a word's start is enough
    assert find(text="box", statuses=("active",)) == ["s-box"]
    assert find(text="camden youth teens") == ["s-box"]  # organisation and description
    assert find(term_ids=("sport",)) == ["s-box"]  # a broader term finds narrower ones
    assert find(taxonomy_id="youth") == ["s-box", "s-art"]
    assert find(minimum_age=19) == ["s-art"]  # takes someone 19 or older (no upper age)
    assert find(maximum_age=10) == ["s-old"]
    assert find(free_only=True) == ["s-box", "s-old"]
    assert find(organisation_id="o2") == ["s-art"]
    assert find(owner_code="CAM") == ["s-box", "s-old"]
    assert find(modified_after=MAY) == ["s-box", "s-art"]
    assert find(day="WE") == ["s-box"]
    assert find(day="MO", start_time=19 * 60 + 30) == []  # closes at 19:30
    assert find(end_time=10 * 60) == []  # nothing opens before 10:00
    assert find(end_time=10 * 60 + 1) == ["s-art"]
    assert find(borough=HACKNEY) == ["s-art"]
    assert find(borough=CAMDEN) == ["s-box"]  # located there


def test_nearest_place_first_and_within_a_distance(index: DirectoryIndex) -> None:
    centre = (530000.0, 180000.0)
    found = index.search(SearchQuery(centre=centre))
    hits = found.hits()
    assert [(h.service_id, h.distance) for h in hits] == [
        ("s-box", 300.0), ("s-art", 500.0), ("s-old", None)]  # no place: last
    assert index.place_ids[hits[0].place] == "p1"
    moved = index.search(SearchQuery(centre=(530000.0, 183500.0)))
    box, art, _old = moved.hits()
    assert (box.service_id, box.distance, index.place_ids[box.place or 0]) == (
        "s-box", 500.0, "p2")
    assert art.distance == pytest.approx((500 ** 2 + 3500 ** 2) ** 0.5)
    near = index.search(SearchQuery(centre=centre, proximity=400))
    assert ids(near) == ["s-box"]
    # a centre in Camden without a distance: services serving other boroughs only are left
    # out, those without service areas stay
    assert ids(index.search(SearchQuery(centre=centre, centre_borough=CAMDEN))) == [
        "s-box", "s-old"]
    assert found.json(0, 1) == [b'{"id":"s-box","name":"Boxing Caf\xc3\xa9"}']
    assert found.page(1, 1)[0].service_id == "s-art"
    assert index.items[2] == b"{}"  # a service without a list item


def test_a_rendered_page_is_kept_for_the_index(index: DirectoryIndex) -> None:
    calls: list[int] = []

    def render() -> bytes:
        calls.append(1)
        return b"page"

    assert index.page(("q", 1), render) == index.page(("q", 1), render) == b"page"
    assert calls == [1]
    assert len(empty(3)) == 0 and ids(empty().search(SearchQuery(text="x"))) == []
