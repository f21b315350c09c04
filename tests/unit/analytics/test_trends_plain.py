"""Monthly series and year-on-year change against a plain month-by-month count of the
same random rows, with months no row covers, months the source does not cover, areas
covered by their own publishers' months and rows outside the period."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from vrhub.analytics import trends
from vrhub.analytics.trends import SERIES_COLUMNS, YOY_COLUMNS, monthly_series, year_on_year


def _add(month: str, n: int) -> str:
    return str(pd.Period(month, freq="M") + n)


def _span(first: str, last: str) -> list[str]:
    return [str(p) for p in pd.period_range(first, last, freq="M")]


def _question(seed: int) -> dict:
    """Random rows (some areas named) and the coverage and period asked about them."""
    rng = np.random.default_rng(seed)
    calendar = _span("2022-01", "2024-12")
    areas = [f"E05{i:06d}" for i in rng.choice(100, rng.integers(1, 5), replace=False)]
    categories = [f"type {c}" for c in "ABCD"[:rng.integers(1, 5)]]
    rows = [(a, c, m, int(rng.poisson(rng.choice([0.7, 8.0]))))
            for a in areas for c in categories for m in calendar if rng.random() < 0.6]
    rows += [(*rows[0][:3], 3)]  # a repeated area, category and month: summed
    data = pd.DataFrame(rows, columns=["area_code", "category", "month", "count"])
    data = data.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    named = set(areas[::2])
    data["area_name"] = [f"Area {a[-3:]}" if a in named else None for a in data["area_code"]]
    coverage = [m for m in calendar if rng.random() < 0.85]  # gaps: not covered
    own = {a: [m for m in coverage if rng.random() < 0.8] for a in areas[:1]}
    first = str(rng.choice(calendar[:18]))
    last = str(rng.choice([m for m in calendar if m >= first]))
    return {"data": data, "coverage": coverage, "area_coverage": own,
            "period": (first, last), "window": int(rng.choice([3, 12]))}


def _keys(q: dict) -> list[tuple[str, str]]:
    """The series: areas and categories with a row up to the period's end."""
    data = q["data"][q["data"]["month"] <= q["period"][1]]
    return sorted(set(zip(data["area_code"], data["category"], strict=True)))


def _text(values: pd.Series) -> list[str | None]:
    return [None if pd.isna(v) else v for v in values]


def _plain_counts(data: pd.DataFrame) -> dict[tuple[str, str, str], float]:
    counts: dict[tuple[str, str, str], float] = defaultdict(float)
    for row in data.itertuples(index=False):
        counts[(row.area_code, row.category, row.month)] += row.count
    return counts


def _covers(q: dict, area: str, month: str) -> bool:
    own = q["area_coverage"].get(area)
    return month in q["coverage"] and (own is None or month in own)


def _plain_series(q: dict) -> pd.DataFrame:
    """One row per area, category and covered month of the period, worked out month by
    month: an uncovered month counts nothing and does not complete a window."""
    first, last = q["period"]
    window = q["window"]
    counts = _plain_counts(q["data"])
    names = {a: n for a, n in zip(q["data"]["area_code"], q["data"]["area_name"],
                                  strict=True) if n is not None}
    out = []
    for area, category in _keys(q):
        for month in _span(first, last):
            if month not in q["coverage"]:
                continue
            in_window = [_add(month, -k) for k in range(window)]
            covered = [m for m in in_window if _covers(q, area, m)]
            count = counts.get((area, category, month), 0.0) if _covers(q, area, month) else 0.0
            out.append({"area_code": area, "area_name": names.get(area),
                        "category": category, "month": month, "count": count,
                        "count_lower": stats.chi2.ppf(0.025, 2 * count) / 2 if count else 0.0,
                        "count_upper": stats.chi2.ppf(0.975, 2 * count + 2) / 2,
                        "rolling_total": sum(counts.get((area, category, m), 0.0)
                                             for m in covered),
                        "rolling_months": len(covered),
                        "rolling_complete": len(covered) == window})
    return pd.DataFrame(out)


@pytest.fixture(params=["small", "large"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways of counting: plain Python for a few rows, pandas for many."""
    if request.param == "large":
        monkeypatch.setattr(trends, "SMALL", 0)
    return str(request.param)


@pytest.mark.parametrize("seed", range(12))
def test_monthly_series_matches_a_plain_month_by_month_count(seed: int, path: str) -> None:
    q = _question(seed)
    out = monthly_series(q["data"], period=q["period"], coverage=q["coverage"],
                         area_coverage=q["area_coverage"], window=q["window"])
    expected = _plain_series(q)
    assert tuple(out.columns) == SERIES_COLUMNS
    assert len(out) == len(expected) > 0
    for column in ("area_code", "category", "month", "rolling_months", "rolling_complete"):
        assert out[column].tolist() == expected[column].tolist(), column
    assert _text(out["area_name"]) == _text(expected["area_name"])
    for column in ("count", "rolling_total", "count_lower", "count_upper"):
        np.testing.assert_allclose(out[column].to_numpy(), expected[column].to_numpy(),
                                   rtol=1e-9, err_msg=column)
    assert out["population"].isna().all() and out["rolling_rate_per_1000"].isna().all()
    # the types callers rely on
    assert out["count"].dtype == np.float64 and out["rolling_months"].dtype == np.int64
    assert out["rolling_complete"].dtype == bool


@pytest.mark.parametrize("seed", range(12))
def test_year_on_year_matches_a_plain_sum_of_the_two_windows(seed: int, path: str) -> None:
    q = _question(seed)
    end = q["period"][1]
    window = min(q["window"], 12)
    current = [_add(end, -k) for k in range(window)]
    previous = [_add(m, -12) for m in current]
    if not any(m in q["coverage"] for m in current) or not any(
            m in q["coverage"] for m in previous):
        pytest.skip("the period leaves one window uncovered (a user error, tested apart)")
    out = year_on_year(q["data"], period=q["period"], coverage=q["coverage"],
                       area_coverage=q["area_coverage"], window=window)
    assert tuple(out.columns) == YOY_COLUMNS
    counts = _plain_counts(q["data"])
    keys = _keys(q)
    assert list(zip(out["area_code"], out["category"], strict=True)) == keys
    for (area, category), row in zip(keys, out.itertuples(index=False), strict=True):
        cur = [m for m in current if _covers(q, area, m)]
        prev = [m for m in previous if _covers(q, area, m)]
        assert row.current == sum(counts.get((area, category, m), 0.0) for m in cur)
        assert row.previous == sum(counts.get((area, category, m), 0.0) for m in prev)
        assert (row.current_months, row.previous_months) == (len(cur), len(prev))
        assert row.complete == (len(cur) == len(prev) == window)
        assert row.change == row.current - row.previous
        if cur and prev and row.current + row.previous:
            expected = (row.current / len(cur)) / (row.previous / len(prev)) if (
                row.previous) else np.inf
            assert row.rate_ratio == pytest.approx(expected)
        else:
            assert np.isnan(row.rate_ratio)
