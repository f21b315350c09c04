"""Paired pre/post change and the proportion agreeing, as pure functions.

:func:`paired_change` takes the scores of the same people before and after and returns,
with the number of pairs:

- the mean change (post - pre) with its 95% confidence interval from Student's t with
  n - 1 degrees of freedom (mean ± t(0.975, n-1) × sd / √n, the interval of a paired t
  test);
- the paired effect size **d_z**: the mean change divided by the standard deviation of
  the changes (sample sd, n - 1). Cohen's d_z, not d_av or d_rm: it says how consistent
  the change is across people, not how large it is against the spread of scores;
- the share improved, unchanged and worse, judged in the item's own direction (for
  anxiety and the SDQ, lower is better, so a fall is an improvement).

Fewer than two pairs give no interval or effect size (None), said in ``note``.

:func:`wilson_interval` is the Wilson score interval of a proportion (95% by default),
which stays inside 0..1 and behaves at 0% and 100% where the normal approximation fails.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats

CONFIDENCE = 0.95


@dataclass(frozen=True)
class PairedChange:
    pairs: int
    mean_pre: float | None
    mean_post: float | None
    mean_change: float | None
    sd_change: float | None
    ci_low: float | None
    ci_high: float | None
    effect_size_dz: float | None
    improved: int
    unchanged: int
    worse: int
    pct_improved: float | None
    higher_is_better: bool
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def paired_change(pre: Any, post: Any, *, higher_is_better: bool = True,
                  confidence: float = CONFIDENCE) -> PairedChange:
    """Pre/post change of paired scores (``pre[i]`` and ``post[i]`` are one person)."""
    before = np.asarray(pre, dtype="float64")
    after = np.asarray(post, dtype="float64")
    if before.shape != after.shape or before.ndim != 1:
        raise ValueError("pre and post must be one-dimensional and of the same length")
    n = int(before.size)
    if n == 0:
        return PairedChange(0, None, None, None, None, None, None, None, 0, 0, 0, None,
                            higher_is_better, "no pairs")
    diff = after - before
    better = diff > 0 if higher_is_better else diff < 0
    worse = diff < 0 if higher_is_better else diff > 0
    improved, declined = int(better.sum()), int(worse.sum())
    mean = float(diff.mean())
    base: dict[str, Any] = dict(
                pairs=n, mean_pre=float(before.mean()), mean_post=float(after.mean()),
                mean_change=mean, improved=improved, unchanged=n - improved - declined,
                worse=declined, pct_improved=100.0 * improved / n,
                higher_is_better=higher_is_better)
    if n < 2:
        return PairedChange(**base, sd_change=None, ci_low=None, ci_high=None,
                            effect_size_dz=None, note="one pair: no interval or effect size")
    sd = float(diff.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    dz = mean / sd if sd > 0 else None
    note = "" if sd > 0 else "every pair changed by the same amount: no effect size"
    return PairedChange(**base, sd_change=sd, ci_low=mean - half, ci_high=mean + half,
                        effect_size_dz=dz, note=note)


@dataclass(frozen=True)
class Proportion:
    count: int
    total: int
    pct: float | None
    ci_low: float | None
    ci_high: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def wilson_interval(count: int, total: int, *, confidence: float = CONFIDENCE) -> Proportion:
    """``count`` of ``total`` as a percentage with its Wilson score interval (percent)."""
    if total < 0 or count < 0 or count > total:
        raise ValueError(f"{count} of {total} is not a proportion")
    if total == 0:
        return Proportion(count, total, None, None, None)
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    p = count / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return Proportion(count, total, 100.0 * p, 100.0 * max(0.0, centre - half),
                      100.0 * min(1.0, centre + half))
