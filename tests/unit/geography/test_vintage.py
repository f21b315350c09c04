"""LSOA 2011 <-> 2021 apportioning: the rule for each change type, and conservation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vrhub.errors import UserError
from vrhub.geography.vintage import compute_weights, lsoa11_to_21, lsoa21_to_11

# A: unchanged; B -> B1 + B2 (split); C1 + C2 -> C (merged); X1, X2 -> Y1, Y2 (complex)
PAIRS = pd.DataFrame(
    [("A", "A", "U"), ("B", "B1", "S"), ("B", "B2", "S"), ("C1", "C", "M"),
     ("C2", "C", "M"), ("X1", "Y1", "X"), ("X1", "Y2", "X"), ("X2", "Y2", "X")],
    columns=["lsoa11_code", "lsoa21_code", "change"],
)
POP21 = pd.Series({"A": 1000, "B1": 300, "B2": 900, "C": 2000, "Y1": 500, "Y2": 1500},
                  dtype=float)
POP11 = pd.Series({"A": 950, "B": 1100, "C1": 600, "C2": 1400, "X1": 1000, "X2": 1000},
                  dtype=float)


def lookup() -> pd.DataFrame:
    return compute_weights(PAIRS, POP21, POP11)


def test_unchanged_moves_one_to_one() -> None:
    out = lsoa11_to_21(pd.DataFrame({"lsoa_code": ["A"], "n": [7]}), "n", lookup())
    assert out.to_dict("records") == [{"lsoa21_code": "A", "n": 7.0}]


def test_split_divides_by_census_2021_population_of_children() -> None:
    out = lsoa11_to_21(pd.DataFrame({"lsoa_code": ["B"], "n": [100]}), "n", lookup())
    got = dict(zip(out["lsoa21_code"], out["n"], strict=True))
    assert got == pytest.approx({"B1": 25.0, "B2": 75.0})


def test_merge_sums_going_to_2021_and_splits_by_2011_population_going_back() -> None:
    frame = pd.DataFrame({"lsoa_code": ["C1", "C2"], "n": [3, 4]})
    assert lsoa11_to_21(frame, "n", lookup())["n"].tolist() == [7.0]
    back = lsoa21_to_11(pd.DataFrame({"lsoa_code": ["C"], "n": [10]}), "n", lookup())
    assert dict(zip(back["lsoa11_code"], back["n"], strict=True)) == pytest.approx(
        {"C1": 3.0, "C2": 7.0})


def test_split_children_sum_back_to_their_parent() -> None:
    frame = pd.DataFrame({"lsoa_code": ["B1", "B2"], "n": [5, 6]})
    out = lsoa21_to_11(frame, "n", lookup())
    assert out.to_dict("records") == [{"lsoa11_code": "B", "n": 11.0}]


def test_complex_changes_use_population_shares() -> None:
    out = lsoa11_to_21(pd.DataFrame({"lsoa_code": ["X1"], "n": [40]}), "n", lookup())
    got = dict(zip(out["lsoa21_code"], out["n"], strict=True))
    assert got == pytest.approx({"Y1": 10.0, "Y2": 30.0})


def test_equal_shares_without_population_are_marked() -> None:
    weights = compute_weights(PAIRS)
    split = weights[weights["lsoa11_code"] == "B"]
    assert split["weight_11_to_21"].tolist() == [0.5, 0.5]
    assert set(split["weight_basis"]) == {"equal"}
    assert weights.loc[weights["change"] == "U", "weight_basis"].tolist() == ["one-to-one"]


def test_partial_population_falls_back_to_equal_shares_for_that_group() -> None:
    weights = compute_weights(PAIRS, POP21.drop("B2"), POP11)
    split = weights[weights["lsoa11_code"] == "B"]
    assert split["weight_11_to_21"].tolist() == [0.5, 0.5]
    merged = weights[weights["lsoa21_code"] == "C"]
    assert merged["weight_21_to_11"].tolist() == pytest.approx([0.3, 0.7])


def test_by_columns_are_carried_through() -> None:
    frame = pd.DataFrame({"lsoa_code": ["B", "B", "A"], "month": ["2024-01", "2024-02",
                                                                  "2024-01"],
                          "n": [4, 8, 1]})
    out = lsoa11_to_21(frame, "n", lookup(), by=["month"])
    assert list(out.columns) == ["lsoa21_code", "month", "n"]
    assert out.groupby("month")["n"].sum().to_dict() == pytest.approx({"2024-01": 5.0,
                                                                       "2024-02": 8.0})


def test_unmatched_code_is_an_error_naming_it_or_dropped_on_request() -> None:
    frame = pd.DataFrame({"lsoa_code": ["A", "E01999999"], "n": [1, 2]})
    with pytest.raises(UserError, match="E01999999"):
        lsoa11_to_21(frame, "n", lookup())
    out = lsoa11_to_21(frame, "n", lookup(), on_unmatched="drop")
    assert out["n"].sum() == 1.0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 500), min_size=6, max_size=6),
       st.lists(st.floats(1, 5000), min_size=6, max_size=6),
       st.booleans())
def test_totals_are_conserved_both_ways(values: list[int], pops: list[float],
                                        with_population: bool) -> None:
    p21 = pd.Series(pops, index=POP21.index) if with_population else None
    p11 = pd.Series(pops, index=POP11.index) if with_population else None
    table = compute_weights(PAIRS, p21, p11)
    codes11 = ["A", "B", "C1", "C2", "X1", "X2"]
    frame = pd.DataFrame({"lsoa_code": codes11, "n": values})
    forward = lsoa11_to_21(frame, "n", table)
    assert forward["n"].sum() == pytest.approx(sum(values))
    back = lsoa21_to_11(forward.rename(columns={"lsoa21_code": "lsoa_code"}), "n", table)
    assert back["n"].sum() == pytest.approx(sum(values))
    for column, key in (("weight_11_to_21", "lsoa11_code"), ("weight_21_to_11", "lsoa21_code")):
        sums = table.groupby(key)[column].sum().to_numpy()
        assert np.allclose(sums, 1.0)
