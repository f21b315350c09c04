"""Exact Poisson intervals, rates and rate ratios against independent implementations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats import rates as sm_rates

from vrhub.analytics.poisson import poisson_ci, rate_ci, rate_ratio
from vrhub.errors import UserError


@pytest.mark.parametrize("count", [0, 1, 2, 5, 17, 100, 2500])
def test_count_interval_matches_statsmodels_exact(count: int) -> None:
    lower, upper = poisson_ci(count)
    expected = sm_rates.confint_poisson(count, 1, method="exact-c", alpha=0.05)
    assert float(lower) == pytest.approx(float(expected[0]), rel=1e-9, abs=1e-12)
    assert float(upper) == pytest.approx(float(expected[1]), rel=1e-9)


def test_count_interval_equals_gamma_quantiles_and_known_values() -> None:
    counts = np.array([1, 3, 10, 40])
    lower, upper = poisson_ci(counts, confidence=0.9)
    np.testing.assert_allclose(lower, stats.gamma.ppf(0.05, counts), rtol=1e-10)
    np.testing.assert_allclose(upper, stats.gamma.ppf(0.95, counts + 1), rtol=1e-10)
    zero_low, zero_high = poisson_ci(0)
    assert float(zero_low) == 0.0
    assert float(zero_high) == pytest.approx(-math.log(0.025), rel=1e-9)  # 3.689


@given(st.integers(min_value=0, max_value=5000))
@settings(max_examples=60, deadline=None)
def test_count_limits_have_exact_tail_probabilities(count: int) -> None:
    lower, upper = poisson_ci(count)
    # the upper limit is the mean at which seeing <= count has probability 2.5%
    assert stats.poisson.cdf(count, float(upper)) == pytest.approx(0.025, rel=1e-6)
    if count:
        assert stats.poisson.sf(count - 1, float(lower)) == pytest.approx(0.025, rel=1e-6)
    assert float(lower) <= count <= float(upper)


def test_rates_scale_counts_and_limits_and_leave_missing_population_empty() -> None:
    rate, low, high = rate_ci([10, 10, 4], [2000, 0, np.nan])
    c_low, c_high = poisson_ci(10)
    assert rate[0] == pytest.approx(5.0)
    assert low[0] == pytest.approx(float(c_low) / 2)
    assert high[0] == pytest.approx(float(c_high) / 2)
    assert np.isnan(rate[1:]).all() and np.isnan(low[1:]).all()


@pytest.mark.parametrize(("x1", "x2", "e1", "e2"), [
    (30, 20, 1.0, 1.0), (5, 12, 1.0, 1.0), (120, 80, 12.0, 10.0), (1, 9, 2.0, 1.0),
])
def test_rate_ratio_interval_is_clopper_pearson_transformed(x1: int, x2: int, e1: float,
                                                            e2: float) -> None:
    rr = rate_ratio(x1, x2, e1, e2)
    ci = stats.binomtest(x1, x1 + x2).proportion_ci(confidence_level=0.95, method="exact")
    to_ratio = lambda p: p / (1 - p) * e2 / e1  # noqa: E731
    assert float(rr.ratio) == pytest.approx((x1 / e1) / (x2 / e2))
    assert float(rr.lower) == pytest.approx(to_ratio(ci.low), rel=1e-9)
    assert float(rr.upper) == pytest.approx(to_ratio(ci.high), rel=1e-9)


@pytest.mark.parametrize(("x1", "x2", "e1", "e2"), [
    (30, 20, 1.0, 1.0), (5, 12, 1.0, 1.0), (120, 80, 12.0, 10.0), (0, 7, 1.0, 1.0),
])
def test_rate_ratio_p_value_matches_statsmodels_exact_conditional(x1: int, x2: int,
                                                                   e1: float, e2: float) -> None:
    rr = rate_ratio(x1, x2, e1, e2)
    expected = sm_rates.test_poisson_2indep(x1, e1, x2, e2, method="exact-cond").pvalue
    assert float(rr.p_value) == pytest.approx(float(expected), rel=1e-9)


def test_rate_ratio_edges_zero_counts() -> None:
    rr = rate_ratio(np.array([0, 4, 0]), np.array([6, 0, 0]))
    assert rr.ratio[0] == 0 and rr.lower[0] == 0 and np.isfinite(rr.upper[0])
    assert np.isinf(rr.ratio[1]) and np.isinf(rr.upper[1]) and rr.lower[1] > 0
    assert np.isnan(rr.ratio[2]) and np.isnan(rr.lower[2]) and np.isnan(rr.p_value[2])


@given(st.integers(0, 400), st.integers(0, 400))
@settings(max_examples=60, deadline=None)
def test_rate_ratio_interval_contains_estimate_and_has_exact_tails(x1: int, x2: int) -> None:
    rr = rate_ratio(x1, x2)
    n = x1 + x2
    if n == 0:
        assert np.isnan(rr.ratio)
        return
    assert float(rr.lower) <= float(rr.ratio) <= float(rr.upper)
    p_low = float(rr.lower) / (1 + float(rr.lower))
    if x1 > 0:
        assert stats.binom.sf(x1 - 1, n, p_low) == pytest.approx(0.025, rel=1e-5)
    if x2 > 0:
        p_high = float(rr.upper) / (1 + float(rr.upper))
        assert stats.binom.cdf(x1, n, p_high) == pytest.approx(0.025, rel=1e-5)


def test_bad_inputs_are_user_errors() -> None:
    with pytest.raises(UserError, match="confidence must lie between 0 and 1"):
        poisson_ci(3, confidence=95)
    with pytest.raises(UserError, match="non-negative"):
        poisson_ci([-1])
    with pytest.raises(UserError, match="exposures"):
        rate_ratio(1, 2, 0.0, 1.0)


@given(st.integers(1, 4000), st.floats(0.02, 0.98), st.floats(-3, 3))
@settings(max_examples=150, deadline=None)
def test_vectorised_p_value_equals_scipy_binomtest(n: int, p0: float, shift: float) -> None:
    # successes near the expected value, where the two tails meet, are the hard cases
    k = int(min(n, max(0, round(n * p0 + shift * math.sqrt(n * p0 * (1 - p0))))))
    rr = rate_ratio(k, n - k, p0, 1 - p0)  # exposures give p = p0 under no change
    assert float(rr.p_value) == pytest.approx(stats.binomtest(k, n, p0).pvalue, rel=1e-9)


def test_the_distributions_are_scipy_stats_to_the_last_bit() -> None:
    """poisson.py evaluates chi2, beta and binom without importing scipy.stats (that import
    cost most of a second per report): every value must equal scipy.stats' exactly,
    including the edges the p-value search reaches (k = -1 and k = n)."""
    from vrhub.analytics import poisson

    rng = np.random.default_rng(7)
    df = np.concatenate([[0.0, 2.0], 2 * rng.integers(0, 400, 300).astype(float) + 2])
    for q in (0.025, 0.975, 0.005, 0.5):
        np.testing.assert_array_equal(poisson._chi2_ppf(q, df), stats.chi2.ppf(q, df))
    a = rng.integers(0, 300, 400).astype(float)
    b = rng.integers(0, 300, 400).astype(float)
    with np.errstate(invalid="ignore"):
        for q in (0.025, 0.975):
            np.testing.assert_array_equal(poisson._beta_ppf(q, a, b), stats.beta.ppf(q, a, b))
    n = rng.integers(1, 2_000, 500).astype(float)
    p = rng.uniform(0.01, 0.99, 500)
    k = np.floor(rng.uniform(-1, 1.0001, 500) * (n + 1))
    inside = np.clip(k, 0, n)
    np.testing.assert_array_equal(poisson._binom_pmf(inside, n, p), stats.binom.pmf(inside, n, p))
    np.testing.assert_array_equal(poisson._binom_cdf(k, n, p), stats.binom.cdf(k, n, p))
    np.testing.assert_array_equal(poisson._binom_sf(k, n, p), stats.binom.sf(k, n, p))
    edges = np.array([-1.0, 0.0, 5.0, 6.0, 7.0])
    six = np.full(5, 6.0)
    np.testing.assert_array_equal(poisson._binom_cdf(edges, six, np.full(5, 0.3)),
                                  stats.binom.cdf(edges, six, 0.3))
    np.testing.assert_array_equal(poisson._binom_sf(edges, six, np.full(5, 0.3)),
                                  stats.binom.sf(edges, six, 0.3))
