"""Trend statistics: vrhub against straightforward reference implementations.

``python -m benchmarks.bench_trends`` writes benchmarks/results/trends.json.

1. Rolling 12-month totals with exact Poisson limits over the real MPS LSOA table
   (../shared/data, every LSOA x minor category x month): vrhub's ``monthly_series``
   against pandas ``groupby().rolling(12, min_periods=1).sum()`` plus scipy chi-square
   quantiles on every row. Results asserted equal.
2. Year-on-year rate-ratio intervals for every ward x category of the MPS ward table:
   vrhub's vectorised ``rate_ratio`` against a per-row ``scipy.stats.binomtest``
   Clopper-Pearson interval (the conditional method done one row at a time). Asserted
   equal to 1e-9.
3. Aoristic hour x weekday weights for seeded synthetic windows of up to three days:
   vrhub against an hour-by-hour Python loop. Asserted equal.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from vrhub.analytics.aoristic import aoristic_weights
from vrhub.analytics.poisson import rate_ratio
from vrhub.analytics.trends import monthly_series

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO.parent / "shared" / "data").resolve()
MPS = SHARED / "london-datastore" / "mps-recorded-crime"
RESULTS = REPO / "benchmarks" / "results" / "trends.json"
REFERENCE_ROWS = 2000


def _long(path: Path, code: str, major: str, minor: str) -> pd.DataFrame:
    wide = pd.read_csv(path, dtype=str)
    months = [c for c in wide.columns if c.isdigit() and c != "202402"]  # 202402: stub
    long = wide.melt(id_vars=[code, major, minor], value_vars=months, var_name="m",
                     value_name="count")
    return pd.DataFrame({"area_code": long[code], "category": long[minor],
                         "month": long["m"].str[:4] + "-" + long["m"].str[4:],
                         "count": pd.to_numeric(long["count"]).astype("float64")})


def _timed(func: Any, repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = func()
        best = min(best, time.perf_counter() - start)
    return best, out


def bench_rolling(repeat: int) -> dict[str, Any]:
    data = _long(MPS / "recorded-crime-lsoa.csv.gz", "lsoa_code", "major_category",
                 "minor_category")
    data = data.groupby(["area_code", "category", "month"], as_index=False)["count"].sum()

    def reference() -> pd.DataFrame:
        frame = data.sort_values(["area_code", "category", "month"]).reset_index(drop=True)
        rolling = frame.groupby(["area_code", "category"])["count"].rolling(
            12, min_periods=1).sum().reset_index(drop=True)
        frame["rolling_total"] = rolling.to_numpy()
        x = frame["count"].to_numpy()
        frame["count_lower"] = np.where(x > 0, stats.chi2.ppf(0.025, 2 * x) / 2, 0.0)
        frame["count_upper"] = stats.chi2.ppf(0.975, 2 * x + 2) / 2
        return frame

    t_ref, ref = _timed(reference, repeat)
    t_vrhub, ours = _timed(lambda: monthly_series(data), repeat)
    ours = ours.sort_values(["area_code", "category", "month"]).reset_index(drop=True)
    for col in ("count", "rolling_total", "count_lower", "count_upper"):
        np.testing.assert_allclose(ours[col].to_numpy(), ref[col].to_numpy(), rtol=1e-12)
    return {"rows": len(data), "reference_s": t_ref, "vrhub_s": t_vrhub,
            "speedup": t_ref / t_vrhub, "identical": True}


def bench_rate_ratio(repeat: int) -> dict[str, Any]:
    data = _long(MPS / "recorded-crime-ward.csv.gz", "wardcode", "majortext", "minortext")
    cur = data[(data["month"] >= "2025-06") & (data["month"] <= "2025-11")]
    prev = data[(data["month"] >= "2024-06") & (data["month"] <= "2024-11")]
    keys = ["area_code", "category"]
    both = cur.groupby(keys)["count"].sum().to_frame("x1").join(
        prev.groupby(keys)["count"].sum().rename("x2"), how="inner")
    both = both[(both["x1"] > 0) & (both["x2"] > 0)]
    x1, x2 = both["x1"].to_numpy(), both["x2"].to_numpy()
    sample = min(len(x1), REFERENCE_ROWS)

    def reference() -> tuple[np.ndarray, np.ndarray]:
        low, high = np.empty(sample), np.empty(sample)
        for i, (a, b) in enumerate(zip(x1[:sample].astype(int), x2[:sample].astype(int),
                                       strict=True)):
            ci = stats.binomtest(a, a + b).proportion_ci(method="exact")
            low[i], high[i] = ci.low / (1 - ci.low), ci.high / (1 - ci.high)
        return low, high

    def ours() -> tuple[np.ndarray, np.ndarray]:
        rr = rate_ratio(x1, x2)
        return rr.lower, rr.upper

    t_sample, ref = _timed(reference, 1)
    t_ref = t_sample * len(x1) / sample
    t_vrhub, got = _timed(ours, repeat)
    np.testing.assert_allclose(got[0][:sample], ref[0], rtol=1e-9)
    np.testing.assert_allclose(got[1][:sample], ref[1], rtol=1e-9)
    return {"series": len(x1), "reference_s": t_ref, "vrhub_s": t_vrhub,
            "speedup": t_ref / t_vrhub, "identical": True,
            "note": f"reference timed on the first {sample} series and scaled linearly; "
                    "vrhub time includes the exact two-sided p-value, the reference "
                    "computes the interval only"}


def bench_aoristic(n: int, seed: int, repeat: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    start = rng.uniform(0, 24 * 365, n)
    end = start + rng.uniform(0, 72, n)

    def reference() -> np.ndarray:
        table = np.zeros(168)
        for s, e in zip(start, end, strict=True):
            if e <= s:
                table[int(s) % 168] += 1
                continue
            h = np.floor(s)
            while h < e:
                table[int(h) % 168] += (min(h + 1, e) - max(h, s)) / (e - s)
                h += 1
        return table

    t_ref, ref = _timed(reference, 1)
    t_vrhub, got = _timed(lambda: aoristic_weights(start, end), repeat)
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-9)
    return {"events": n, "reference_s": t_ref, "vrhub_s": t_vrhub,
            "speedup": t_ref / t_vrhub, "identical": True}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not MPS.exists():
        raise SystemExit(f"{MPS} is missing: the benchmark needs ../shared/data")
    results = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "rolling_12_month": bench_rolling(args.repeat),
        "rate_ratio_interval": bench_rate_ratio(args.repeat),
        "aoristic": bench_aoristic(args.events, args.seed, args.repeat),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
