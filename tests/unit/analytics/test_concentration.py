"""Concentration curve, Gini and the share of events in the top x% of areas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vrhub.analytics.concentration import (
    CURVE_COLUMNS,
    concentration_curve,
    concentration_summary,
    gini,
    share_in_top,
)
from vrhub.errors import UserError
from vrhub.progress import Recording


def _areas(counts: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"area_code": [f"E05{i:06d}" for i in range(len(counts))],
                         "count": counts})


def _gini_mean_difference(x: np.ndarray) -> float:
    """Independent definition: mean absolute difference over twice the mean."""
    x = np.asarray(x, dtype=float)
    return float(np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean()))


@given(st.lists(st.integers(0, 500), min_size=1, max_size=60).filter(lambda v: sum(v) > 0))
@settings(max_examples=80, deadline=None)
def test_gini_matches_the_mean_absolute_difference_definition(values: list[int]) -> None:
    assert gini(np.array(values)) == pytest.approx(_gini_mean_difference(np.array(values)),
                                                   abs=1e-12)


def test_gini_extremes() -> None:
    assert gini(np.array([5, 5, 5, 5])) == pytest.approx(0.0)
    assert gini(np.array([0, 0, 0, 12])) == pytest.approx(3 / 4)
    assert np.isnan(gini(np.array([0, 0])))


def test_curve_ranks_areas_and_accumulates_shares() -> None:
    curve = concentration_curve(_areas([1, 6, 0, 3]))
    assert tuple(curve.columns) == CURVE_COLUMNS
    assert list(curve["count"]) == [6, 3, 1, 0]
    np.testing.assert_allclose(curve["area_share"], [0.25, 0.5, 0.75, 1.0])
    np.testing.assert_allclose(curve["event_share"], [0.6, 0.9, 1.0, 1.0])
    assert curve.attrs["vrhub"]["parameters"]["gini"] == pytest.approx(
        _gini_mean_difference(np.array([1, 6, 0, 3])))


def test_share_in_top_ten_percent_and_rounding_is_announced() -> None:
    counts = [100] + [10] * 9
    assert share_in_top(_areas(counts), top_percent=10) == pytest.approx(100 / 190)
    notes = Recording()
    summary = concentration_summary(_areas([50, 30, 10, 5, 5]), top_percent=10,
                                    progress=notes)
    assert summary["top_areas"] == 1 and summary["top_share"] == pytest.approx(0.5)
    assert any("rounded up to 1 area" in n for n in notes.notes)


def test_rows_of_one_area_are_summed_first() -> None:
    data = pd.DataFrame({"area_code": ["A", "A", "B"], "count": [2, 3, 5]})
    curve = concentration_curve(data)
    assert sorted(curve["count"]) == [5, 5]


def test_bad_inputs() -> None:
    with pytest.raises(UserError, match="top percent"):
        concentration_summary(_areas([1, 2]), top_percent=0)
    with pytest.raises(UserError, match="missing column"):
        concentration_curve(pd.DataFrame({"code": ["A"], "count": [1]}))
    with pytest.raises(UserError, match="no areas"):
        concentration_curve(pd.DataFrame({"area_code": [], "count": []}))
