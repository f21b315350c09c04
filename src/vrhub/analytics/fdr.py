"""Multiple-testing adjustments: Benjamini-Hochberg false discovery rate and Holm.

A hotspot map tests every cell at once; at p < 0.05 one cell in twenty would look
"significant" by chance. ``fdr_bh`` controls the expected share of false discoveries
among the cells called significant (Benjamini & Hochberg 1995); ``holm`` controls the
chance of any false discovery and is used across the few periods of one cell in
:mod:`vrhub.analytics.classify`. Both return adjusted p-values (NaN stays NaN), equal to
``statsmodels.stats.multitest.multipletests(p, method="fdr_bh" | "holm")[1]``.
"""

from __future__ import annotations

import numpy as np


def fdr_bh(p_values: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values: min over k >= i of p_(k) * m / k, capped at 1."""
    p = np.asarray(p_values, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    valid = ~np.isnan(p)
    pv = p[valid]
    m = pv.size
    if m == 0:
        return out
    order = np.argsort(pv, kind="mergesort")
    ranked = pv[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    np.minimum(adjusted, 1.0, out=adjusted)
    result = np.empty(m)
    result[order] = adjusted
    out[valid] = result
    return out


def holm(p_values: np.ndarray, axis: int = -1) -> np.ndarray:
    """Holm step-down adjusted p-values along ``axis`` (NaNs excluded from the count)."""
    p = np.moveaxis(np.asarray(p_values, dtype=np.float64), axis, -1)
    shape = p.shape
    rows = p.reshape(-1, shape[-1]) if p.ndim else p.reshape(1, 1)
    invalid = np.isnan(rows)
    m = (~invalid).sum(axis=1, keepdims=True)
    order = np.argsort(np.where(invalid, np.inf, rows), axis=1, kind="mergesort")
    ranked = np.take_along_axis(rows, order, axis=1)
    k = np.arange(rows.shape[1])[None, :]
    stepped = np.where(k < m, ranked * (m - k), 0.0)
    adjusted = np.minimum(np.maximum.accumulate(stepped, axis=1), 1.0)
    out = np.empty_like(rows)
    np.put_along_axis(out, order, adjusted, axis=1)
    out[invalid] = np.nan
    return np.moveaxis(out.reshape(shape), -1, axis)
