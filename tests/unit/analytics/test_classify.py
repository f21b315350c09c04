"""Hotspot classification reproduces hand-built cases of every category."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from vrhub.analytics.classify import (
    CATEGORIES,
    ClassifyParams,
    classify_cells,
    hotspot_classify,
    recent_count,
)
from vrhub.analytics.periods import Period, assign_periods, auto_period, parse_period
from vrhub.errors import UserError

T, F = True, False

# Ten periods, so two are recent (floor(0.2 * 10)); sfhotspot's default thresholds.
CASES = {
    # significant in >= 80% of periods
    "persistent": [T, T, T, T, T, T, T, T, F, F],
    # never (< 10%) before the recent periods, significant in >= 20% of the recent ones
    "emerging": [F, F, F, F, F, F, F, F, F, T],
    # significant earlier (>= 10% of older periods), not in recent ones
    "former": [F, T, F, F, T, F, F, F, F, F],
    # significant in >= 10% overall but neither of the above
    "intermittent": [T, F, F, F, F, F, F, F, T, F],
    "none": [F] * 10,
}


def _flags(rows: list[list[bool]]) -> np.ndarray:
    return np.array(rows, dtype=bool)


@pytest.mark.parametrize("side", ["hotspot", "coldspot"])
def test_every_category_on_one_side(side: str) -> None:
    names = list(CASES)
    flags = _flags([CASES[n] for n in names])
    none = np.zeros_like(flags)
    hot, cold = (flags, none) if side == "hotspot" else (none, flags)
    result = classify_cells(hot, cold)
    expected = [f"{n} {side}" if n != "none" else "no pattern" for n in names]
    assert result.tolist() == expected


def test_mixed_and_the_order_of_rules() -> None:
    hot = _flags([CASES["persistent"], CASES["persistent"]])
    cold = _flags([CASES["former"], CASES["none"]])
    assert classify_cells(hot, cold).tolist() == ["mixed hot/coldspot", "persistent hotspot"]
    # recent and overall both high: persistent wins over emerging
    always = _flags([[T] * 10])
    assert classify_cells(always, ~always).tolist() == ["persistent hotspot"]


def test_thresholds_are_respected_at_their_edges() -> None:
    # exactly 80% -> persistent; 70% -> intermittent
    eight = _flags([[T] * 7 + [F, T, F]])
    seven = _flags([[F] + [T] * 6 + [F, T, F]])
    zero = np.zeros((1, 10), dtype=bool)
    assert classify_cells(eight, zero)[0] == "persistent hotspot"
    assert classify_cells(seven, zero)[0] == "intermittent hotspot"
    stricter = ClassifyParams(persistent_prop=0.9)
    assert classify_cells(eight, zero, stricter)[0] == "intermittent hotspot"


def test_recent_periods() -> None:
    assert recent_count(10, 0.2) == 2
    assert recent_count(4, 0.2) == 1  # floor gives 0: at least one recent period
    assert recent_count(2, 0.9) == 1  # and at least one older period
    with pytest.raises(UserError, match="at least 2 periods"):
        recent_count(1, 0.2)


def test_params_are_validated() -> None:
    with pytest.raises(UserError, match="critical_p must be greater than 0 and less than 1"):
        ClassifyParams(critical_p=1.5).validated()


def _cluster(rng: np.random.Generator, centre: tuple[float, float], n: int,
             month: str) -> pd.DataFrame:
    xy = rng.normal(centre, 40, (n, 2))
    return pd.DataFrame({"easting": xy[:, 0], "northing": xy[:, 1],
                         "date": pd.Timestamp(month)})


def test_end_to_end_persistent_emerging_and_former_hotspots() -> None:
    rng = np.random.default_rng(11)
    area = shapely.box(530000, 180000, 533000, 183000)
    months = pd.date_range("2023-01-01", periods=10, freq="MS")
    frames = []
    for i, month in enumerate(months):
        m = month.isoformat()
        background = rng.uniform((530000, 180000), (533000, 183000), (60, 2))
        frames.append(pd.DataFrame({"easting": background[:, 0],
                                    "northing": background[:, 1], "date": month}))
        frames.append(_cluster(rng, (530500, 180500), 40, m))  # every month
        if i >= 8:
            frames.append(_cluster(rng, (532500, 182500), 40, m))  # last two months
        if i < 3:
            frames.append(_cluster(rng, (530500, 182500), 40, m))  # first three months
    data = pd.concat(frames, ignore_index=True)
    result = hotspot_classify(data, area, cell_size=100, period="1 month")
    f = result.frame

    def at(x: float, y: float) -> str:
        cell = f.loc[((f.x - x).abs() < 50) & ((f.y - y).abs() < 50), "classification"]
        return str(cell.iloc[0])

    assert at(530550, 180550) == "persistent hotspot"
    assert at(532550, 182550) == "emerging hotspot"
    assert at(530550, 182550) == "former hotspot"
    assert result.parameters["recent_periods"] == 2
    assert len(result.parameters["periods"]) == 10
    assert set(f["classification"]) <= set(CATEGORIES)
    assert f["n"].sum() == result.summary["events"]
    assert "distance" in result.automatic


def test_periods() -> None:
    assert parse_period("3 months") == Period(3, "months")
    assert parse_period("quarter") == Period(3, "months")
    assert parse_period("2 weeks") == Period(14, "days")
    assert parse_period("1 year") == Period(12, "months")
    with pytest.raises(UserError, match="cannot read the period 'fortnightly'"):
        parse_period("fortnightly")
    monthly = pd.Series(pd.date_range("2022-01-01", "2024-12-01", freq="MS"))
    assert auto_period(monthly) == Period(3, "months")
    assert auto_period(monthly[:12]) == Period(1, "months")
    daily = pd.Series(pd.date_range("2024-01-01", "2024-02-15", freq="D"))
    assert auto_period(daily) == Period(7, "days")
    index, labels = assign_periods(monthly, Period(3, "months"))
    assert labels[:2] == ["2022-01-01", "2022-04-01"] and len(labels) == 12
    assert index[:4].tolist() == [0, 0, 0, 1]


def test_day_periods_are_refused_for_monthly_dates() -> None:
    data = pd.DataFrame({"easting": [530100.0, 530200.0], "northing": [180100.0, 180200.0],
                         "date": ["2024-01-01", "2024-02-01"]})
    with pytest.raises(UserError, match="dates are months only"):
        hotspot_classify(data, shapely.box(530000, 180000, 531000, 181000), cell_size=100,
                         period="28 days")
