"""Monthly series, rolling totals, rates and year-on-year change."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from vrhub.analytics.trends import SERIES_COLUMNS, YOY_COLUMNS, monthly_series, year_on_year
from vrhub.errors import UserError
from vrhub.progress import Recording


def _months(first: str, n: int) -> list[str]:
    return [str(p) for p in pd.period_range(first, periods=n, freq="M")]


def _frame(rng: np.random.Generator, areas: list[str], months: list[str]) -> pd.DataFrame:
    rows = [(a, "VIOLENCE WITH INJURY", m, int(rng.poisson(20))) for a in areas for m in months]
    return pd.DataFrame(rows, columns=["area_code", "category", "month", "count"])


def test_rolling_totals_match_pandas_rolling_and_early_windows_are_marked() -> None:
    rng = np.random.default_rng(1)
    data = _frame(rng, ["E05000001", "E05000002"], _months("2022-01", 30))
    out = monthly_series(data)
    assert tuple(out.columns) == SERIES_COLUMNS
    for area, part in out.groupby("area_code"):
        src = data[data["area_code"] == area].set_index("month")["count"]
        expected = src.rolling(12, min_periods=1).sum().to_numpy()
        np.testing.assert_allclose(part["rolling_total"].to_numpy(), expected)
        assert list(part["rolling_months"])[:12] == list(range(1, 13))
        assert not part["rolling_complete"].iloc[:11].any()
        assert part["rolling_complete"].iloc[11:].all()


def test_absent_area_months_are_zero_but_uncovered_months_are_not() -> None:
    data = pd.DataFrame({
        "area_code": ["A", "B", "A", "A"],
        "category": ["v"] * 4,
        "month": ["2024-01", "2024-01", "2024-02", "2024-04"],  # 2024-03: no rows at all
        "count": [5, 3, 4, 6],
    })
    notes = Recording()
    out = monthly_series(data, progress=notes)
    b = out[out["area_code"] == "B"].set_index("month")
    assert list(b.index) == ["2024-01", "2024-02", "2024-04"]  # 2024-03 not covered
    assert b.loc["2024-02", "count"] == 0  # covered month, no row: a true zero
    a = out[out["area_code"] == "A"].set_index("month")
    assert a.loc["2024-04", "rolling_total"] == 15 and a.loc["2024-04", "rolling_months"] == 3
    assert any("2024-03" in n for n in notes.notes)
    assert out.attrs["vrhub"]["choices"] == notes.notes


def test_explicit_coverage_and_period_start_keep_earlier_months_in_windows() -> None:
    months = _months("2023-01", 24)
    data = pd.DataFrame({"area_code": "A", "category": "v", "month": months, "count": 1})
    out = monthly_series(data, period=("2024-01", None), coverage=months)
    assert out["month"].iloc[0] == "2024-01"
    assert out["rolling_total"].iloc[0] == 12 and out["rolling_complete"].all()


def test_rates_per_1000_with_exact_limits_and_missing_population_announced() -> None:
    data = pd.DataFrame({"area_code": ["A", "B"], "category": "v", "month": "2024-01",
                         "count": [10, 3]})
    notes = Recording()
    out = monthly_series(data, population=pd.DataFrame({"area_code": ["A"],
                                                        "population": [2000]}),
                         progress=notes)
    a = out.set_index("area_code").loc["A"]
    assert a["rate_per_1000"] == pytest.approx(5.0)
    assert a["rate_lower"] == pytest.approx(stats.chi2.ppf(0.025, 20) / 2 / 2)
    assert np.isnan(out.set_index("area_code").loc["B", "rate_per_1000"])
    assert any("no population for 1 area" in n for n in notes.notes)


def test_year_on_year_counts_and_exact_interval() -> None:
    months = _months("2023-01", 24)
    data = pd.DataFrame({"area_code": "A", "category": "v", "month": months,
                         "count": [10] * 12 + [15] * 12})
    out = year_on_year(data)
    assert tuple(out.columns) == YOY_COLUMNS
    row = out.iloc[0]
    assert (row["previous"], row["current"]) == (120, 180)
    assert (row["current_from"], row["current_to"]) == ("2024-01", "2024-12")
    assert row["pct_change"] == pytest.approx(50.0)
    ci = stats.binomtest(180, 300).proportion_ci(method="exact")
    assert row["ratio_lower"] == pytest.approx(ci.low / (1 - ci.low))
    assert row["ratio_upper"] == pytest.approx(ci.high / (1 - ci.high))
    assert row["p_value"] == pytest.approx(stats.binomtest(180, 300).pvalue)
    assert bool(row["complete"])


def test_year_on_year_with_a_short_previous_year_compares_per_covered_month() -> None:
    months = _months("2023-04", 21)  # previous window 2023-01..12 has only 9 months
    data = pd.DataFrame({"area_code": "A", "category": "v", "month": months, "count": 10})
    notes = Recording()
    row = year_on_year(data, progress=notes).iloc[0]
    assert row["previous_months"] == 9 and row["current_months"] == 12
    assert row["rate_ratio"] == pytest.approx(1.0)  # same monthly rate: no change
    assert not row["complete"]
    assert any("incomplete" in n for n in notes.notes)


def test_areas_are_covered_by_their_own_publishers_months() -> None:
    """Area A's publisher covers 24 months, area B's only the last 6 (another force):
    B's rolling totals are never complete over 12 months, and its year-on-year change
    has no ratio, though the source covers every month."""
    months = _months("2023-01", 24)
    data = pd.DataFrame({"area_code": ["A"] * 24 + ["B"] * 6, "category": "v",
                         "month": months + months[-6:], "count": 10})
    own = {"A": months, "B": months[-6:]}
    series = monthly_series(data, coverage=months, area_coverage=own)
    a = series[series["area_code"] == "A"].set_index("month")
    b = series[series["area_code"] == "B"].set_index("month")
    assert a.loc["2024-12", "rolling_complete"] and a.loc["2024-12", "rolling_total"] == 120
    assert not b["rolling_complete"].any()
    assert b.loc["2024-12", "rolling_months"] == 6 and b.loc["2024-12", "rolling_total"] == 60
    # without per-area coverage, B would be read as complete over the source's months
    assert monthly_series(data, coverage=months).set_index(["area_code", "month"]).loc[
        ("B", "2024-12"), "rolling_complete"]
    yoy = year_on_year(data, coverage=months, area_coverage=own).set_index("area_code")
    assert bool(yoy.loc["A", "complete"]) and yoy.loc["A", "rate_ratio"] == pytest.approx(1)
    assert yoy.loc["B", "previous_months"] == 0 and yoy.loc["B", "current_months"] == 6
    assert not yoy.loc["B", "complete"] and np.isnan(yoy.loc["B", "rate_ratio"])


def test_year_on_year_without_the_earlier_year_is_a_user_error() -> None:
    data = pd.DataFrame({"area_code": "A", "category": "v", "month": _months("2024-01", 12),
                         "count": 1})
    with pytest.raises(UserError, match="do not cover both"):
        year_on_year(data)


def test_bad_frames_are_user_errors_naming_the_problem() -> None:
    with pytest.raises(UserError, match="missing column"):
        monthly_series(pd.DataFrame({"area_code": ["A"], "month": ["2024-01"]}))
    bad = pd.DataFrame({"area_code": ["A"], "category": ["v"], "month": ["2024/01"],
                        "count": [1]})
    with pytest.raises(UserError, match="'2024/01'"):
        monthly_series(bad)
    negative = bad.assign(month="2024-01", count=-2)
    with pytest.raises(UserError, match="non-negative"):
        monthly_series(negative)
    with pytest.raises(UserError, match="starts"):
        monthly_series(bad.assign(month="2024-01"), period=("2024-05", "2024-01"))
