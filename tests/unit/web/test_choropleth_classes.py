"""Choropleth classes: quintiles of the known values, each value in the class whose range
holds it, unknown values unclassed; fewer distinct values use the darker end; the measure
asked for is checked."""

from __future__ import annotations

import pytest

from vrhub.errors import UserError
from vrhub.web.choropleth import PALETTE, classes, parse_measure


def test_ten_values_fall_two_to_each_quintile() -> None:
    values = [float(v) for v in range(1, 11)]
    found, legend = classes(values)
    assert found == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert [e["colour"] for e in legend] == list(PALETTE)
    # numpy's linear quantiles of 1..10 at 0, 20, ..., 100%: 1, 2.8, 4.6, 6.4, 8.2, 10
    assert [round(e["low"], 6) for e in legend] == [1.0, 2.8, 4.6, 6.4, 8.2]
    assert legend[-1]["high"] == 10.0
    for value, k in zip(values, found, strict=True):
        entry = legend[k]  # offset 0: the class is the legend's index
        assert entry["low"] <= value <= entry["high"]


def test_unknown_values_stay_unclassed_and_do_not_move_the_edges() -> None:
    found, legend = classes([None, 1.0, float("nan"), 10.0, 5.5])
    assert found[0] is None and found[2] is None
    assert legend[0]["low"] == 1.0 and legend[-1]["high"] == 10.0
    assert found[1] == 0 and found[3] == 4


def test_few_distinct_values_use_the_darker_classes() -> None:
    # quintile edges of 0, 0, 0, 7: 0, 0, 0, 0, 2.8 (linear between 0 and 7), 7;
    # two distinct ranges, drawn in the two darkest colours
    found, legend = classes([0.0, 0.0, 0.0, 7.0])
    assert [(e["index"], round(e["low"], 6), round(e["high"], 6)) for e in legend] == [
        (3, 0.0, 2.8), (4, 2.8, 7.0)]
    assert found == [3, 3, 3, 4]
    same, legend = classes([3.0, 3.0])
    assert same == [4, 4] and len(legend) == 1
    assert classes([None, None]) == ([None, None], [])


def test_the_measure_is_a_rate_or_a_count() -> None:
    assert parse_measure("rate") == "rate" and parse_measure("count") == "count"
    assert parse_measure(None) is None and parse_measure("") is None
    with pytest.raises(UserError, match=r"show a rate or a count \(found 'share'\)"):
        parse_measure("share")
