"""FDR (Benjamini-Hochberg) and Holm adjustments equal statsmodels' on random p-values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vrhub.analytics.fdr import fdr_bh, holm

multitest = pytest.importorskip("statsmodels.stats.multitest")


@pytest.mark.parametrize("seed", range(5))
def test_fdr_bh_matches_statsmodels(seed: int) -> None:
    rng = np.random.default_rng(seed)
    # a mixture of nulls (uniform) and signals (near zero), with ties
    p = np.concatenate([rng.uniform(size=5000), rng.beta(0.2, 20, size=500),
                        np.full(20, 0.01), [0.0, 1.0]])
    rng.shuffle(p)
    expected = multitest.multipletests(p, method="fdr_bh")[1]
    np.testing.assert_allclose(fdr_bh(p), expected, rtol=0, atol=1e-15)


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), size=st.integers(1, 60),
       decimals=st.sampled_from([1, 2, 6, 15]))
def test_fdr_bh_matches_statsmodels_on_any_p(seed: int, size: int,
                                                    decimals: int) -> None:
    # rounding to few decimals makes ties, which is where step-up/step-down rules differ
    p = np.round(np.random.default_rng(seed).uniform(size=size) ** 3, decimals)
    np.testing.assert_allclose(fdr_bh(p), multitest.multipletests(p, method="fdr_bh")[1],
                               rtol=1e-12, atol=1e-15)


def test_nan_is_kept_and_not_counted() -> None:
    p = np.array([0.01, np.nan, 0.04, 0.03])
    out = fdr_bh(p)
    assert np.isnan(out[1])
    np.testing.assert_allclose(out[[0, 2, 3]],
                               multitest.multipletests(p[[0, 2, 3]], method="fdr_bh")[1])
    assert np.isnan(fdr_bh(np.array([np.nan]))).all()


def test_holm_along_an_axis() -> None:
    rng = np.random.default_rng(3)
    p = rng.uniform(size=(40, 6)) ** 2
    p[5, 2] = np.nan
    out = holm(p, axis=1)
    # (statsmodels' Holm takes a quarter of a second per call, so only a few rows)
    for i in (0, 7, 39):
        np.testing.assert_allclose(out[i], multitest.multipletests(p[i], method="holm")[1])
    row = p[5][~np.isnan(p[5])]
    np.testing.assert_allclose(out[5][~np.isnan(p[5])],
                               multitest.multipletests(row, method="holm")[1])
    assert np.isnan(out[5, 2])
    np.testing.assert_allclose(holm(p.T, axis=0), out.T)
