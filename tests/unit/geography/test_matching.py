"""Matching a parsed description to gazetteer names, on a gazetteer of five points."""

from __future__ import annotations

import pandas as pd

from vrhub.geography.gazetteer import Gazetteer, from_frame
from vrhub.geography.matching import OTHER_TYPE_SCORE, Matcher
from vrhub.geography.text import parse

WARD = "E05000268"


def _gazetteer() -> Gazetteer:
    rows = [  # sorted by name: alexandra avenue = point 0, alexandra road = points 1-2,
        # crouch end = 3, hornsey = 4
        ("alexandra road", "street", None, 530000.0, 189000.0),
        ("alexandra road", "street", None, 530400.0, 189300.0),
        ("alexandra avenue", "street", None, 520000.0, 180000.0),
        ("hornsey", "area", WARD, 530500.0, 189500.0),
        ("crouch end", "area", None, 529800.0, 188000.0),
    ]
    frame = pd.DataFrame(rows, columns=["name", "kind", "area_code", "easting", "northing"])
    frame["weight"] = 1.0
    frame["lsoa21_code"] = None
    frame["ward_code"] = None
    frame["borough_code"] = None
    postcodes = {"N89JS": (530100.0, 189100.0, "E01002000", WARD, "E09000014")}
    return from_frame(frame, postcodes)


def test_a_street_with_a_shop_and_a_ward_is_the_street_narrowed_to_the_ward() -> None:
    found = Matcher(_gazetteer()).match(parse("o/s tesco, alexandra rd, hornsey"))
    assert found is not None
    assert found.method == "exact"
    assert found.score == 1.0
    assert found.points.tolist() == [1, 2]  # both points of Alexandra Road
    assert found.area_codes == [WARD]  # Hornsey narrows by area, not by its point
    assert found.context_points is None
    assert found.unexplained == 0  # 'tesco' and 'o/s' are shop and filler words


def test_a_known_postcode_is_its_point() -> None:
    found = Matcher(_gazetteer()).match(parse("outside N8 9JS"))
    assert found is not None
    assert (found.method, found.score) == ("postcode", 1.0)
    assert found.point == (530100.0, 189100.0, "E01002000", WARD, "E09000014")


def test_a_name_without_its_street_type_reads_every_street_of_that_name() -> None:
    found = Matcher(_gazetteer()).match(parse("alexandra"))
    assert found is not None
    assert found.method == "street_type_missing"
    assert found.points.tolist() == [0, 1, 2]  # Avenue and Road


def test_a_street_type_the_gazetteer_lacks_scores_lower() -> None:
    found = Matcher(_gazetteer()).match(parse("alexandra gardens"))
    assert found is not None
    assert found.method == "other_street_type"
    assert found.score == OTHER_TYPE_SCORE / 100 == 0.7
    assert found.points.tolist() == [0, 1, 2]


def test_a_misspelt_street_is_found_by_similarity_below_full_score() -> None:
    found = Matcher(_gazetteer()).match(parse("alexnadra road"))
    assert found is not None
    assert found.method == "fuzzy"
    assert 0.75 <= found.score < 1.0
    assert found.points.tolist() == [1, 2]


def test_unknown_words_with_a_known_area_count_as_unexplained() -> None:
    found = Matcher(_gazetteer()).match(parse("zebrafield, crouch end"))
    assert found is not None
    assert found.method == "area"
    assert found.points.tolist() == [3]
    assert found.unexplained == 1  # 'zebrafield' names something the gazetteer lacks


def test_nothing_known_matches_nothing() -> None:
    assert Matcher(_gazetteer()).match(parse("qwxv zzkj")) is None
