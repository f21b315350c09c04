"""The data-quality score on a submission's receipt: validity, completeness and placement,
weighted 0.4, 0.4 and 0.2, the last left out when no geocoder ran."""

from __future__ import annotations

import pandas as pd
import pytest

from vrhub.ingest.istv.quality_score import score

ACCEPTED = pd.DataFrame({
    "arrival_at": [pd.Timestamp("2024-01-05 23:40"), None, pd.Timestamp("2024-01-07 01:10"),
                   pd.Timestamp("2024-01-09 14:00")],
    "assault_time_known": [True, False, True, True],
    "assault_method": ["knife", "other", "other", "unknown"],
    "location_type": ["street", "home", "unknown", "unknown"],
    "location_description": ["Mare St", None, "Park", None],
    "method_other_description": [None, "bottle", None, None],
})


def test_the_score_weights_validity_completeness_and_placement() -> None:
    result = score(5, ACCEPTED, geocoded=1)
    # elements filled: arrival 3/4, time 3/4, method 3/4, place type 2/4, description 2/4,
    # and of the two 'other' methods one is described: 1/2
    assert result.completeness == {"arrival_at": 0.75, "assault_time": 0.75,
                                   "assault_method": 0.75, "location_type": 0.5,
                                   "location_description": 0.5,
                                   "method_other_description": 0.5}
    completeness = (0.75 * 3 + 0.5 * 3) / 6
    assert result.parts == {"validity": 0.8, "completeness": pytest.approx(completeness),
                            "geocoded": 0.25}
    assert result.score == round(100 * (0.4 * 0.8 + 0.4 * completeness + 0.2 * 0.25), 1)
    assert result.score == 62.0


def test_without_a_geocoder_the_other_parts_carry_the_whole_weight() -> None:
    result = score(5, ACCEPTED, geocoded=None)
    completeness = 0.625
    assert result.parts["geocoded"] is None
    assert result.score == round(100 * (0.8 + completeness) / 2, 1)
    assert result.score == pytest.approx(71.25, abs=0.05)


def test_no_other_method_leaves_its_description_out_of_completeness() -> None:
    knives = ACCEPTED.assign(assault_method="knife")
    result = score(4, knives, geocoded=4)
    assert result.completeness["method_other_description"] is None
    assert result.parts["completeness"] == pytest.approx((0.75 + 0.75 + 1 + 0.5 + 0.5) / 5)


def test_nothing_read_scores_zero_and_nothing_accepted_scores_no_validity() -> None:
    assert score(0, ACCEPTED.iloc[:0], geocoded=None).score == 0.0
    empty = score(3, ACCEPTED.iloc[:0], geocoded=0)
    assert empty.parts == {"validity": 0.0, "completeness": 0.0, "geocoded": 0.0}
    assert empty.score == 0.0
