"""Exact confidence intervals for counts, rates and rate ratios.

Recorded crime and ED attendances are counts of rare, independent-enough events, so the
usual model is Poisson. Normal approximations fail exactly where analysts look hardest
(small areas, single months, falls to zero), so everything here is exact:

- a count ``x``: the Garwood (1936) interval from chi-square quantiles,
  ``[chi2(a/2; 2x) / 2, chi2(1 - a/2; 2x + 2) / 2]`` (lower limit 0 when ``x = 0``);
- a rate ``x / population * per``: the count interval scaled the same way;
- a ratio of two Poisson rates ``(x1 / e1) / (x2 / e2)`` (year-on-year change, ED versus
  police): the conditional method. Given ``n = x1 + x2``, ``x1`` is Binomial(n, p) with
  ``p = R e1 / (R e1 + e2)``; a Clopper-Pearson interval for ``p`` maps to one for ``R`` by
  ``R = p / (1 - p) * e2 / e1``. The p-value for ``R = 1`` is the exact two-sided binomial
  test of ``p = e1 / (e1 + e2)`` (the "minimum likelihood" rule used by
  ``scipy.stats.binomtest``).

Functions accept scalars or arrays and return float arrays; an undefined value (a ratio
with no events at all) is NaN and an unbounded limit is ``inf``.

The distributions are evaluated with the ``scipy.special`` functions that
``scipy.stats.chi2``, ``beta`` and ``binom`` call themselves (so every figure is the same to
the last bit, which tests/unit/analytics/test_poisson.py checks against ``scipy.stats``), without
importing ``scipy.stats``: that import alone took most of a second of every report.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special
from scipy.special import _ufuncs as boost

from vrhub.analytics.series_inputs import check_confidence
from vrhub.errors import UserError

FloatArray = NDArray[np.float64]


def _chi2_ppf(q: float, df: FloatArray) -> FloatArray:
    """``scipy.stats.chi2.ppf`` for 0 < q < 1 (NaN where ``df`` is not positive)."""
    return np.where(df > 0, 2 * special.gammaincinv(df / 2, q), np.nan)


def _beta_ppf(q: float, a: FloatArray, b: FloatArray) -> FloatArray:
    """``scipy.stats.beta.ppf`` for 0 < q < 1 (NaN where ``a`` or ``b`` is not positive)."""
    valid = (a > 0) & (b > 0)
    return np.where(valid, boost._beta_ppf(q, np.where(valid, a, 1.0),
                                           np.where(valid, b, 1.0)), np.nan)


def _binom_pmf(k: FloatArray, n: FloatArray, p: FloatArray) -> FloatArray:
    """``scipy.stats.binom.pmf`` for whole ``0 <= k <= n`` and 0 < p < 1."""
    return np.asarray(boost._binom_pmf(k, n, p), dtype="float64")


def _binom_cdf(k: FloatArray, n: FloatArray, p: FloatArray) -> FloatArray:
    """``scipy.stats.binom.cdf`` for whole ``k`` (0 below 0, 1 from ``n`` on)."""
    inside = (k >= 0) & (k < n)
    return np.where(inside, boost._binom_cdf(np.where(inside, k, 0.0), n, p),
                    np.where(k < 0, 0.0, 1.0))


def _binom_sf(k: FloatArray, n: FloatArray, p: FloatArray) -> FloatArray:
    """``scipy.stats.binom.sf`` for whole ``k`` (1 below 0, 0 from ``n`` on)."""
    inside = (k >= 0) & (k < n)
    return np.where(inside, boost._binom_sf(np.where(inside, k, 0.0), n, p),
                    np.where(k < 0, 1.0, 0.0))


def _counts(values: ArrayLike, name: str) -> FloatArray:
    arr = np.asarray(values, dtype="float64")
    if np.any(~np.isfinite(arr)) or np.any(arr < 0):
        raise UserError(f"{name} must be finite, non-negative counts; found {arr.ravel()[:5]!r}")
    return arr


def poisson_ci(count: ArrayLike, confidence: float = 0.95) -> tuple[FloatArray, FloatArray]:
    """Exact (Garwood) confidence limits for the mean of a Poisson count."""
    x = _counts(count, "count")
    alpha = 1 - check_confidence(confidence, what="poisson_ci")
    # counts repeat a lot (monthly area counts are small integers): compute each once
    values, inverse = np.unique(x, return_inverse=True)
    with np.errstate(invalid="ignore"):
        lower = np.where(values > 0, _chi2_ppf(alpha / 2, 2 * values) / 2, 0.0)
        upper = _chi2_ppf(1 - alpha / 2, 2 * values + 2) / 2
    shape = x.shape
    return (np.asarray(lower, dtype="float64")[inverse].reshape(shape),
            np.asarray(upper, dtype="float64")[inverse].reshape(shape))


def rate_ci(count: ArrayLike, population: ArrayLike, *, per: float = 1000.0,
            confidence: float = 0.95) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Rate per ``per`` residents with exact limits; NaN where the population is missing
    or not positive."""
    x = _counts(count, "count")
    pop = np.asarray(population, dtype="float64")
    lower, upper = poisson_ci(x, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        valid = np.isfinite(pop) & (pop > 0)
        scale = np.where(valid, per / np.where(valid, pop, 1.0), np.nan)
    return x * scale, lower * scale, upper * scale


@dataclass(frozen=True)
class RateRatio:
    """Ratio of two Poisson rates with its exact conditional interval and p-value."""

    ratio: FloatArray
    lower: FloatArray
    upper: FloatArray
    p_value: FloatArray


def rate_ratio(x1: ArrayLike, x2: ArrayLike, exposure1: ArrayLike = 1.0,
               exposure2: ArrayLike = 1.0, *, confidence: float = 0.95) -> RateRatio:
    """``(x1 / exposure1) / (x2 / exposure2)`` with the exact conditional (binomial)
    interval: Clopper-Pearson on ``p = x1 / (x1 + x2)`` transformed to the ratio scale."""
    a1, a2 = np.broadcast_arrays(_counts(x1, "x1"), _counts(x2, "x2"))
    e1, e2 = np.broadcast_arrays(np.asarray(exposure1, dtype="float64"),
                                 np.asarray(exposure2, dtype="float64"))
    if np.any(~(e1 > 0)) or np.any(~(e2 > 0)):
        raise UserError("exposures of a rate ratio must be positive numbers")
    e1 = np.broadcast_to(e1, a1.shape)
    e2 = np.broadcast_to(e2, a1.shape)
    alpha = 1 - check_confidence(confidence, what="rate_ratio")
    n = a1 + a2
    with np.errstate(divide="ignore", invalid="ignore"):
        p_low = np.where(a1 > 0, _beta_ppf(alpha / 2, a1, n - a1 + 1), 0.0)
        p_high = np.where(a2 > 0, _beta_ppf(1 - alpha / 2, a1 + 1, n - a1), 1.0)
        scale = e2 / e1
        ratio = np.where(n > 0, np.where(a2 > 0, a1 / np.where(a2 > 0, a2, 1) * scale, np.inf),
                         np.nan)
        lower = np.where(n > 0, p_low / (1 - p_low) * scale, np.nan)
        upper = np.where(n > 0, np.where(p_high < 1, p_high / (1 - p_high) * scale, np.inf),
                         np.nan)
    p_value = _conditional_p_values(a1, n, e1 / (e1 + e2))
    return RateRatio(np.asarray(ratio, dtype="float64"), np.asarray(lower, dtype="float64"),
                     np.asarray(upper, dtype="float64"), p_value)


def _conditional_p_values(x1: FloatArray, n: FloatArray, p0: FloatArray) -> FloatArray:
    """Exact two-sided binomial p-values of ``x1`` successes in ``n`` trials against
    ``p0``, by the minimum-likelihood rule of ``scipy.stats.binomtest``: the probability of
    every outcome no more likely than the one observed (relative tolerance 1e-7)."""
    k, trials, p = (np.asarray(a, dtype="float64").ravel() for a in (x1, n, p0))
    out = np.full(k.shape, np.nan)
    valid = trials > 0
    k, trials, p = k[valid], trials[valid], p[valid]
    target = _binom_pmf(k, trials, p) * (1 + 1e-7)
    pval = np.ones(k.shape)
    below = k < p * trials
    above = k > p * trials
    if below.any():  # other tail: the first j >= ceil(np) with pmf(j) <= target
        kb, nb, pb, tb = k[below], trials[below], p[below], target[below]
        j = _first_at_most(nb, pb, tb, np.ceil(pb * nb), nb)
        pval[below] = _binom_cdf(kb, nb, pb) + _binom_sf(j - 1, nb, pb)
    if above.any():  # other tail: the last j <= floor(np) with pmf(j) <= target
        ka, na, pa, ta = k[above], trials[above], p[above], target[above]
        j = _last_at_most(na, pa, ta, np.zeros_like(na), np.floor(pa * na))
        pval[above] = _binom_cdf(j, na, pa) + _binom_sf(ka - 1, na, pa)
    out[valid] = np.minimum(1.0, pval)
    return out.reshape(np.shape(x1))


def _first_at_most(n: FloatArray, p: FloatArray, target: FloatArray, lo: FloatArray,
                   hi: FloatArray) -> FloatArray:
    """Smallest j in [lo, hi] with pmf(j) <= target, pmf decreasing there (hi + 1: none)."""
    lo, hi = lo.copy(), hi + 1
    while np.any(lo < hi):
        active = lo < hi
        mid = np.floor((lo + hi) / 2)
        ok = _binom_pmf(mid, n, p) <= target
        hi = np.where(active & ok, mid, hi)
        lo = np.where(active & ~ok, mid + 1, lo)
    return lo


def _last_at_most(n: FloatArray, p: FloatArray, target: FloatArray, lo: FloatArray,
                  hi: FloatArray) -> FloatArray:
    """Largest j in [lo, hi] with pmf(j) <= target, pmf increasing there (lo - 1: none)."""
    lo, hi = lo - 1, hi.copy()
    while np.any(lo < hi):
        active = lo < hi
        mid = np.ceil((lo + hi) / 2)
        ok = _binom_pmf(mid, n, p) <= target
        lo = np.where(active & ok, mid, lo)
        hi = np.where(active & ~ok, mid - 1, hi)
    return lo
