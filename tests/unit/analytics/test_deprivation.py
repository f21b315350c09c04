"""Area deprivation from LSOA IMD, the violence x deprivation view, rates by decile and
correlation with IMD."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from vrhub.analytics.deprivation import (
    AREA_COLUMNS,
    MAP_COLUMNS,
    area_deprivation,
    deprivation_correlation,
    national_decile,
    rates_by_decile,
    violence_deprivation,
    violence_deprivation_summary,
)
from vrhub.errors import UserError
from vrhub.progress import Recording

IMD = pd.DataFrame({
    "lsoa_code": ["L1", "L2", "L3", "L4"],
    "imd_rank": [1000, 5000, 20000, 30000],
    "imd_decile": [1, 2, 6, 9],
    "imd_score": [60.0, 40.0, 15.0, 5.0],
})
LOOKUP = pd.DataFrame({"lsoa_code": ["L1", "L2", "L3", "L4"],
                       "area_code": ["W1", "W1", "W2", "W2"],
                       "area_name": ["Ward one", "Ward one", "Ward two", "Ward two"]})
POP = pd.DataFrame({"lsoa_code": ["L1", "L2", "L3", "L4"], "population": [1000, 3000, 2000, 2000]})


def test_national_decile_reproduces_published_imd_2025_deciles(shared_data: Path) -> None:
    imd = pd.read_csv(shared_data / "imd2025" / "England-IMD-2025.csv.gz")
    np.testing.assert_array_equal(national_decile(imd["imd_rank"], "2025"), imd["imd_dec"])


def test_population_weighted_average_rank_and_extent() -> None:
    out = area_deprivation(IMD, LOOKUP, population=POP).set_index("area_code")
    assert tuple(out.reset_index().columns) == AREA_COLUMNS
    w1 = out.loc["W1"]
    assert w1["imd_average_rank"] == pytest.approx((1000 * 1000 + 5000 * 3000) / 4000)
    assert w1["imd_average_score"] == pytest.approx((60 * 1000 + 40 * 3000) / 4000)
    assert w1["imd_decile"] == math.ceil(10 * 4000 / 33755) == 2
    assert w1["extent_share"] == pytest.approx(1.0) and w1["high_deprivation"]
    w2 = out.loc["W2"]
    assert w2["imd_decile"] == 8 and w2["extent_share"] == 0 and not w2["high_deprivation"]
    assert w2["population"] == 4000


def test_extent_rule_and_equal_weights_are_announced() -> None:
    lookup = LOOKUP.assign(area_code=["W1", "W2", "W2", "W2"])
    notes = Recording()
    out = area_deprivation(IMD, lookup, rule="extent", extent_threshold=0.3,
                           progress=notes).set_index("area_code")
    assert out.loc["W2", "extent_share"] == pytest.approx(1 / 3)
    assert bool(out.loc["W2", "high_deprivation"])  # 1/3 >= 0.3
    assert out.loc["W2", "imd_average_rank"] == pytest.approx((5000 + 20000 + 30000) / 3)
    assert any("weighs the same" in n for n in notes.notes)
    assert np.isnan(out.loc["W2", "population"])


def test_lsoas_without_imd_are_left_out_and_counted() -> None:
    lookup = pd.concat([LOOKUP, pd.DataFrame({"lsoa_code": ["L9"], "area_code": ["W2"],
                                              "area_name": ["Ward two"]})])
    notes = Recording()
    out = area_deprivation(IMD, lookup, population=POP, progress=notes)
    assert out.set_index("area_code").loc["W2", "lsoas"] == 2
    assert any("1 LSOA(s) in the lookup have no IMD" in n for n in notes.notes)


def test_bad_deprivation_parameters() -> None:
    with pytest.raises(UserError, match="deciles must be whole numbers 1 to 10"):
        area_deprivation(IMD, LOOKUP, deciles=(0, 2))
    with pytest.raises(UserError, match="unknown deprivation rule"):
        area_deprivation(IMD, LOOKUP, rule="median")  # type: ignore[arg-type]
    with pytest.raises(UserError, match="unknown IMD edition"):
        area_deprivation(IMD, LOOKUP, edition="2015")


def test_violence_threshold_is_strictly_more_than_and_groups_cover_every_area() -> None:
    dep = area_deprivation(IMD, LOOKUP, population=POP)
    violence = pd.DataFrame({"area_code": ["W1", "W2", "W3"], "count": [351, 350, 900]})
    notes = Recording()
    mapped = violence_deprivation(violence, dep, min_count=350, progress=notes)
    assert tuple(mapped.columns) == MAP_COLUMNS
    groups = dict(zip(mapped["area_code"], mapped["group"], strict=True))
    assert groups == {"W1": "both", "W2": "neither", "W3": "violence only"}
    assert any("no deprivation value" in n for n in notes.notes)
    summary = violence_deprivation_summary(mapped)
    assert summary["groups"]["both"] == {"areas": 1, "events": 351.0,
                                         "share_of_events": pytest.approx(351 / 1601)}
    assert sum(g["areas"] for g in summary["groups"].values()) == 3


def test_rates_by_decile_pool_counts_and_population() -> None:
    data = pd.DataFrame({"imd_decile": [1, 1, 5], "count": [10, 20, 5],
                         "population": [1000, 2000, 5000]})
    out = rates_by_decile(data).set_index("imd_decile")
    assert out.loc[1, "rate_per_1000"] == pytest.approx(10.0)
    assert out.loc[1, "rate_lower"] == pytest.approx(stats.chi2.ppf(0.025, 60) / 2 / 3)
    assert out.loc[5, "share_of_events"] == pytest.approx(5 / 35)


def test_correlation_matches_scipy_and_the_bonett_wright_interval() -> None:
    rng = np.random.default_rng(7)
    score = rng.uniform(5, 60, 80)
    rate = 2 + 0.1 * score + rng.normal(0, 1.5, 80)
    data = pd.DataFrame({"rate_per_1000": rate, "imd_score": score})
    data.loc[3, "imd_score"] = np.nan
    out = deprivation_correlation(data)
    ok = data.dropna()
    r, p = stats.pearsonr(ok["imd_score"], ok["rate_per_1000"])
    rho, p_rho = stats.spearmanr(ok["imd_score"], ok["rate_per_1000"])
    assert out["n"] == 79
    assert out["pearson_r"] == pytest.approx(r) and out["pearson_p"] == pytest.approx(p)
    z, se = math.atanh(r), 1 / math.sqrt(79 - 3)
    assert out["pearson_lower"] == pytest.approx(math.tanh(z - 1.959963985 * se), rel=1e-6)
    assert out["spearman_rho"] == pytest.approx(rho)
    assert out["spearman_p"] == pytest.approx(p_rho)
    se_s = math.sqrt((1 + rho**2 / 2) / 76)
    assert out["spearman_upper"] == pytest.approx(
        math.tanh(math.atanh(rho) + 1.959963985 * se_s), rel=1e-6)
    assert any("1 area(s)" in n for n in out["choices"])


def test_correlation_needs_three_varying_areas() -> None:
    with pytest.raises(UserError, match="at least 3 areas"):
        deprivation_correlation(pd.DataFrame({"rate_per_1000": [1, 2],
                                              "imd_score": [3, 4]}))
