"""ED assaults against police-recorded violence: the hidden-violence ratio."""

from __future__ import annotations

import pandas as pd
import pytest
from scipy import stats

from vrhub.analytics.hidden_violence import COLUMNS, hidden_violence, overall_ratio
from vrhub.errors import UserError
from vrhub.progress import Recording


def _counts(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["area_code", "month", "count"])


def test_ratio_over_common_months_with_exact_interval() -> None:
    ed = _counts([("A", "2024-01", 30), ("A", "2024-02", 20), ("B", "2024-02", 4),
                  ("A", "2024-03", 99)])  # 2024-03: police have no data
    police = _counts([("A", "2024-01", 10), ("A", "2024-02", 15), ("B", "2024-01", 6)])
    notes = Recording()
    out = hidden_violence(ed, police, progress=notes)
    assert tuple(out.columns) == COLUMNS
    a = out.set_index("area_code").loc["A"]
    assert (a["ed_count"], a["police_count"], a["months"]) == (50, 25, 2)
    assert a["ratio"] == pytest.approx(2.0)
    ci = stats.binomtest(50, 75).proportion_ci(method="exact")
    assert a["ratio_lower"] == pytest.approx(ci.low / (1 - ci.low))
    assert a["ratio_upper"] == pytest.approx(ci.high / (1 - ci.high))
    b = out.set_index("area_code").loc["B"]
    assert (b["ed_count"], b["police_count"]) == (4, 6)
    assert any("2024-03" in n for n in notes.notes)


def test_by_month_rows_and_area_missing_from_one_source_counts_zero() -> None:
    ed = _counts([("A", "2024-01", 3), ("C", "2024-01", 2)])
    police = _counts([("A", "2024-01", 0), ("A", "2024-02", 5)])
    out = hidden_violence(ed, police, by_month=True, ed_coverage=["2024-01", "2024-02"])
    assert list(zip(out["area_code"], out["month_from"], strict=True)) == [
        ("A", "2024-01"), ("A", "2024-02"), ("C", "2024-01")]
    c = out[out["area_code"] == "C"].iloc[0]
    assert c["police_count"] == 0 and c["ratio"] == float("inf")
    a2 = out[(out["area_code"] == "A") & (out["month_from"] == "2024-02")].iloc[0]
    assert a2["ed_count"] == 0 and a2["ratio"] == 0


def test_overall_ratio_sums_every_row() -> None:
    out = hidden_violence(_counts([("A", "2024-01", 6), ("B", "2024-01", 6)]),
                          _counts([("A", "2024-01", 3), ("B", "2024-01", 1)]))
    overall = overall_ratio(out)
    assert overall["ratio"] == pytest.approx(3.0)
    assert overall["ratio_lower"] < 3.0 < overall["ratio_upper"]


def test_no_common_month_is_a_user_error() -> None:
    with pytest.raises(UserError, match="share no month"):
        hidden_violence(_counts([("A", "2024-01", 1)]), _counts([("A", "2025-01", 1)]))
