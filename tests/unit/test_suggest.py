""""Did you mean …?": the closest names only, case ignored, and a typed beginning when
nothing is close."""

from __future__ import annotations

from vrhub.suggest import close_matches, did_you_mean

BOROUGHS = ["Hackney", "Haringey", "Harrow", "Havering", "Hammersmith and Fulham",
            "Lambeth", "Southwark", "Lewisham", "Tower Hamlets"]


def test_a_near_miss_suggests_the_one_close_name_and_not_its_neighbours() -> None:
    assert close_matches("Hakney", BOROUGHS) == ["Hackney"]
    assert did_you_mean("hakney", BOROUGHS) == " Did you mean 'Hackney'?"


def test_two_names_equally_close_are_both_offered_best_first() -> None:
    assert close_matches("Lambeh", ["Lambert", "Lambeth", "Southwark"]) == ["Lambeth"]
    assert did_you_mean("Robber", ["Burglary", "Robbery", "Robbers"]) == \
        " Did you mean 'Robbery' or 'Robbers'?"
    three = did_you_mean("burglar", ["Burglary", "burglary ", "Burglars", "Robbery"])
    assert three.count("'") == 6 and ", " in three and " or " in three


def test_case_differences_give_one_suggestion_in_the_first_spelling() -> None:
    assert close_matches("SOUTHWAR", ["Southwark", "SOUTHWARK", "southwark"]) == ["Southwark"]


def test_a_typed_beginning_or_fragment_is_found_when_nothing_is_close() -> None:
    assert close_matches("tow", BOROUGHS) == ["Tower Hamlets"]
    assert close_matches("fulham", BOROUGHS) == ["Hammersmith and Fulham"]


def test_nothing_close_or_nothing_typed_suggests_nothing() -> None:
    assert close_matches("Zzyzx", BOROUGHS) == []
    assert did_you_mean("Zzyzx", BOROUGHS) == ""
    assert did_you_mean("   ", BOROUGHS) == ""
    assert did_you_mean("Hackney", []) == ""
