"""The Knox near-repeat test: exact pair counts against a brute-force double loop on real
Met burglary points, band conventions, reproducibility and input validation."""

from __future__ import annotations

import bisect
import math
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vrhub.analytics.nearrepeat import TABLE_COLUMNS, near_repeat
from vrhub.errors import UserError
from vrhub.progress import Recording

DISTANCE_BANDS = [0, 1, 100, 200, 400, 800]
TIME_BANDS = [0, 1, 31, 61, 91, 182]


@pytest.fixture(scope="module")
def met_burglary() -> pd.DataFrame:
    """Met burglary points, January-June 2024, in a 5.4 km square around central London:
    coordinates on the British National Grid rounded to the metre (so many pairs sit
    exactly on a band edge), dated to the first day of their month."""
    from pyproj import Transformer

    folder = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "police-uk" \
        / "metropolitan" / "burglary"
    files = sorted(folder.glob("2024-0[1-6]_burglary_cleaned.csv.gz"))
    if len(files) < 6:
        if os.environ.get("CI"):
            pytest.fail(f"real data folder {folder} is missing on CI")
        pytest.skip("../shared/data Met burglary files are not present")
    frame = pd.concat(
        [pd.read_csv(f, usecols=["Month", "Longitude", "Latitude"]) for f in files]
    ).dropna()
    to_bng = Transformer.from_crs(4326, 27700, always_xy=True)
    east, north = to_bng.transform(frame["Longitude"].to_numpy(), frame["Latitude"].to_numpy())
    frame = frame.assign(easting=np.round(east), northing=np.round(north),
                         date=pd.to_datetime(frame["Month"] + "-01"))
    inside = frame["easting"].between(527_300, 532_700) & \
        frame["northing"].between(179_300, 184_700)
    return frame.loc[inside, ["easting", "northing", "date"]].reset_index(drop=True)


def _brute_force(frame: pd.DataFrame, s_bands: list[float], t_bands: list[float]
                 ) -> dict[str, np.ndarray]:
    """Observed counts by a plain double loop over all pairs, both metrics at once."""
    xs = frame["easting"].tolist()
    ys = frame["northing"].tolist()
    days = ((frame["date"] - frame["date"].min()) / pd.Timedelta(days=1)).tolist()
    ns, nt = len(s_bands) - 1, len(t_bands) - 1
    manhattan = np.zeros((ns, nt), dtype=np.int64)
    euclidean = np.zeros((ns, nt), dtype=np.int64)

    def band(value: float, edges: list[float]) -> int:
        k = bisect.bisect_right(edges, value) - 1
        return k if 0 <= k < len(edges) - 1 else -1

    n = len(xs)
    for a in range(n):
        xa, ya, ta = xs[a], ys[a], days[a]
        for b in range(a + 1, n):
            tb = band(abs(ta - days[b]), t_bands)
            if tb < 0:
                continue
            dx = abs(xa - xs[b])
            dy = abs(ya - ys[b])
            sm = band(dx + dy, s_bands)
            if sm >= 0:
                manhattan[sm, tb] += 1
            se = band(math.sqrt(dx * dx + dy * dy), s_bands)
            if se >= 0:
                euclidean[se, tb] += 1
    return {"manhattan": manhattan, "euclidean": euclidean}


@pytest.mark.slow
def test_observed_counts_equal_a_brute_force_double_loop_on_real_burglaries(
        met_burglary: pd.DataFrame) -> None:
    assert len(met_burglary) >= 2000
    expected = _brute_force(met_burglary, DISTANCE_BANDS, TIME_BANDS)
    for metric in ("manhattan", "euclidean"):
        result = near_repeat(met_burglary, distance_bands=DISTANCE_BANDS,
                             time_bands=TIME_BANDS, metric=metric,  # type: ignore[arg-type]
                             permutations=9, seed=3)
        observed = result.table["observed"].to_numpy().reshape(expected[metric].shape)
        np.testing.assert_array_equal(observed, expected[metric])
        # The data really exercises the edges: pairs 0 m apart and pairs in every band.
        assert observed[0].sum() > 0
        assert (observed.sum(axis=1) > 0).all()
        assert result.metadata["n_events"] == len(met_burglary)


def test_same_seed_same_result_and_seed_changes_simulations(met_burglary: pd.DataFrame) -> None:
    sample = met_burglary.iloc[:800]
    args = {"distance_bands": [0, 100, 200, 400], "time_bands": [0, 1, 31, 61],
            "permutations": 19}
    first = near_repeat(sample, seed=42, **args)  # type: ignore[arg-type]
    second = near_repeat(sample, seed=42, **args)  # type: ignore[arg-type]
    other = near_repeat(sample, seed=43, **args)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(first.table, second.table)
    assert (first.table["observed"] == other.table["observed"]).all()
    assert not np.allclose(first.table["sim_mean"], other.table["sim_mean"])
    assert first.metadata["parameters"]["seed"] == 42


def test_same_events_in_another_order_give_the_same_result(met_burglary: pd.DataFrame) -> None:
    """A warehouse scan returns rows in no set order: the answer is the events' and the
    seed's, not the order they arrived in."""
    sample = met_burglary.iloc[:800]
    shuffled = sample.sample(frac=1.0, random_state=3).reset_index(drop=True)
    assert not shuffled["easting"].equals(sample["easting"].reset_index(drop=True))
    args = {"distance_bands": [0, 100, 200, 400], "time_bands": [0, 1, 31, 61],
            "permutations": 19, "seed": 42}
    pd.testing.assert_frame_equal(near_repeat(sample, **args).table,  # type: ignore[arg-type]
                                  near_repeat(shuffled, **args).table)  # type: ignore[arg-type]


def test_missing_seed_is_drawn_announced_and_recorded() -> None:
    frame = _points([(0, 0, 0), (10, 0, 1), (500, 0, 3)])
    notes = Recording()
    result = near_repeat(frame, distance_bands=[0, 100], time_bands=[0, 7], permutations=9,
                         progress=notes)
    seed = result.metadata["parameters"]["seed"]
    assert isinstance(seed, int)
    assert any(str(seed) in note for note in notes.notes)
    again = near_repeat(frame, distance_bands=[0, 100], time_bands=[0, 7], permutations=9,
                        seed=seed)
    pd.testing.assert_frame_equal(result.table, again.table)


def _points(rows: list[tuple[float, float, float]]) -> pd.DataFrame:
    return pd.DataFrame({
        "easting": [r[0] for r in rows], "northing": [r[1] for r in rows],
        "date": [pd.Timestamp("2024-03-01") + pd.Timedelta(days=r[2]) for r in rows],
    })


def _cell(result: object, distance_band: str, time_band: str) -> int:
    table = result.table  # type: ignore[attr-defined]
    row = table[(table["distance_band"] == distance_band) & (table["time_band"] == time_band)]
    assert len(row) == 1
    return int(row["observed"].iloc[0])


def test_band_labels_are_half_open_intervals() -> None:
    frame = _points([(0, 0, 0), (10, 0, 1), (500, 0, 3)])
    result = near_repeat(frame, distance_bands=[0, 0.5, 100, math.inf],
                         time_bands=[0, 7, 14.5], permutations=9, seed=1)
    assert list(result.table.columns) == list(TABLE_COLUMNS)
    assert list(dict.fromkeys(result.table["distance_band"])) == \
        ["[0, 0.5)", "[0.5, 100)", "[100, inf)"]
    assert list(dict.fromkeys(result.table["time_band"])) == ["[0, 7)", "[7, 14.5)"]
    wide = result.heatmap()
    assert list(wide.index) == ["[0, 0.5)", "[0.5, 100)", "[100, inf)"]
    assert list(wide.columns) == ["[0, 7)", "[7, 14.5)"]
    assert result.heatmap("observed").to_numpy().sum() == 3


def test_pairs_exactly_on_an_edge_land_in_the_upper_band() -> None:
    frame = _points([
        (0, 0, 0),
        (100, 0, 0),    # 100 m, 0 days from the first: [100, 200) x [0, 7)
        (0, 400, 7),    # 400 m from the first: at the last edge, not counted
        (1000, 0, 0),   # far from everything
    ])
    result = near_repeat(frame, distance_bands=[0, 100, 200, 400], time_bands=[0, 7, 14],
                         permutations=9, seed=1)
    assert _cell(result, "[0, 100)", "[0, 7)") == 0
    assert _cell(result, "[100, 200)", "[0, 7)") == 1
    # (100, 0) and (0, 400) are 500 m apart (Manhattan): not counted either.
    assert result.table["observed"].sum() == 1
    # Time edge: 7 days apart falls in [7, 14), not [0, 7).
    close_in_space = _points([(0, 0, 0), (50, 0, 7)])
    timed = near_repeat(close_in_space, distance_bands=[0, 100], time_bands=[0, 7, 14],
                        permutations=9, seed=1)
    assert _cell(timed, "[0, 100)", "[0, 7)") == 0
    assert _cell(timed, "[0, 100)", "[7, 14)") == 1


def test_manhattan_and_euclidean_differ_on_a_diagonal() -> None:
    frame = _points([(0, 0, 0), (60, 60, 2)])  # Euclidean 84.9 m, Manhattan 120 m
    kwargs = {"distance_bands": [0, 100, 200], "time_bands": [0, 7], "permutations": 9,
              "seed": 1}
    manhattan = near_repeat(frame, metric="manhattan", **kwargs)  # type: ignore[arg-type]
    euclidean = near_repeat(frame, metric="euclidean", **kwargs)  # type: ignore[arg-type]
    assert _cell(manhattan, "[100, 200)", "[0, 7)") == 1
    assert _cell(euclidean, "[0, 100)", "[0, 7)") == 1
    assert _cell(euclidean, "[100, 200)", "[0, 7)") == 0


def test_unbounded_last_distance_band_counts_every_remaining_pair() -> None:
    rng = np.random.default_rng(7)
    n = 300
    frame = pd.DataFrame({"easting": rng.integers(0, 3000, n).astype(float),
                          "northing": rng.integers(0, 3000, n).astype(float),
                          "date": pd.Timestamp("2024-01-01")
                          + pd.to_timedelta(rng.integers(0, 90, n), unit="D")})
    bands = [0, 100, 250, math.inf]
    times = [0, 7, 30, math.inf]
    result = near_repeat(frame, distance_bands=bands, time_bands=times, permutations=19,
                         seed=5)
    expected = _brute_force(frame, bands, times)["manhattan"]
    np.testing.assert_array_equal(
        result.table["observed"].to_numpy().reshape(expected.shape), expected)
    assert result.table["observed"].sum() == n * (n - 1) // 2
    # every permutation keeps the all-pairs total, so the simulated means add up to it too
    assert result.table["sim_mean"].sum() == pytest.approx(n * (n - 1) // 2)


def test_p_values_and_ratios_follow_the_definitions() -> None:
    # A planted near-repeat pattern: events in tight space-time clusters plus background.
    rng = np.random.default_rng(11)
    rows = []
    for _ in range(40):
        cx, cy, ct = rng.uniform(0, 5000), rng.uniform(0, 5000), rng.uniform(0, 300)
        for _ in range(4):
            rows.append((cx + rng.uniform(-40, 40), cy + rng.uniform(-40, 40),
                         ct + rng.uniform(0, 5)))
    for _ in range(200):
        rows.append((rng.uniform(0, 5000), rng.uniform(0, 5000), rng.uniform(0, 300)))
    frame = pd.DataFrame(rows, columns=["easting", "northing", "date"])  # numeric days
    permutations = 99
    result = near_repeat(frame, distance_bands=[0, 100, 200, 400], time_bands=[0, 7, 14, 28],
                         permutations=permutations, seed=2)
    table = result.table
    assert ((table["p_value"] >= 1 / (permutations + 1)) & (table["p_value"] <= 1)).all()
    assert np.allclose((table["p_value"] * (permutations + 1)).round(),
                       table["p_value"] * (permutations + 1))
    near = table[(table["distance_band"] == "[0, 100)") & (table["time_band"] == "[0, 7)")]
    assert near["knox_ratio_mean"].iloc[0] > 3
    assert near["p_value"].iloc[0] == pytest.approx(1 / (permutations + 1))
    defined = table["sim_mean"] > 0
    assert np.allclose(table.loc[defined, "knox_ratio_mean"],
                       table.loc[defined, "observed"] / table.loc[defined, "sim_mean"])
    undefined = table["sim_median"] == 0
    assert table.loc[undefined, "knox_ratio_median"].isna().all()


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 300), st.integers(0, 300), st.integers(0, 40)),
                min_size=2, max_size=40),
       st.sampled_from(["manhattan", "euclidean"]))
def test_counts_match_brute_force_on_random_small_sets(
        rows: list[tuple[int, int, int]], metric: str) -> None:
    frame = _points([(float(a), float(b), float(c)) for a, b, c in rows])
    bands, times = [0, 50, 100, 200], [0, 3, 7, 21]
    result = near_repeat(frame, distance_bands=bands, time_bands=times, metric=metric,  # type: ignore[arg-type]
                         permutations=3, seed=0)
    expected = _brute_force(frame, bands, times)[metric]
    np.testing.assert_array_equal(
        result.table["observed"].to_numpy().reshape(expected.shape), expected)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"distance_bands": [0, 200, 100]}, "strictly increasing"),
        ({"distance_bands": [-50, 100]}, "zero or positive"),
        ({"time_bands": [0]}, "at least two edges"),
        ({"time_bands": [0, math.inf, 30]}, "only the last edge may be infinite"),
        ({"metric": "chebyshev"}, "unknown distance metric"),
        ({"permutations": 1}, "at least 2"),
        ({"x": "x_coord"}, "no column(s) 'x_coord'"),
    ],
)
def test_invalid_parameters_are_clear_user_errors(kwargs: dict[str, object],
                                                  message: str) -> None:
    frame = _points([(0, 0, 0), (10, 0, 1)])
    args: dict[str, object] = {"distance_bands": [0, 100], "time_bands": [0, 7],
                               "permutations": 9, "seed": 1, **kwargs}
    with pytest.raises(UserError, match=re.escape(message)):
        near_repeat(frame, **args)  # type: ignore[arg-type]


def test_bad_events_are_clear_user_errors() -> None:
    args = {"distance_bands": [0, 100], "time_bands": [0, 7], "permutations": 9, "seed": 1}
    with pytest.raises(UserError, match="at least 2 events; found 1"):
        near_repeat(_points([(0, 0, 0)]), **args)  # type: ignore[arg-type]
    with_nat = _points([(0, 0, 0), (5, 5, 1), (9, 9, 2)])
    with_nat.loc[1, "date"] = pd.NaT
    with pytest.raises(UserError, match=r"1 missing time\(s\) \(NaT; first at data row 2\)"):
        near_repeat(with_nat, **args)  # type: ignore[arg-type]
    no_location = _points([(0, 0, 0), (5, 5, 1)])
    no_location.loc[0, "easting"] = np.nan
    with pytest.raises(UserError, match="'easting' has 1 missing"):
        near_repeat(no_location, **args)  # type: ignore[arg-type]


def test_degree_coordinates_are_announced() -> None:
    frame = pd.DataFrame({"easting": [-0.1, -0.1005, -0.098], "northing": [51.5, 51.5002, 51.51],
                          "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-05"])})
    notes = Recording()
    result = near_repeat(frame, distance_bands=[0, 100], time_bands=[0, 7], permutations=9,
                         seed=1, progress=notes)
    assert any("longitude/latitude" in n for n in notes.notes)
    assert any("longitude/latitude" in n for n in result.metadata["notes"])


# -- the whole-day histogram keeps the figures of pair-by-pair counting -----------------------
def _clustered(n: int, seed: int) -> pd.DataFrame:
    """``n`` events in a 3 km square over a year, dated to the day, a fifth of them near
    repeats (within about 50 m and 10 days) of another."""
    rng = np.random.default_rng(seed)
    base = int(n * 0.8)
    x, y = rng.uniform(0, 3000, base), rng.uniform(0, 3000, base)
    d = rng.integers(0, 365, base)
    k = rng.integers(0, base, n - base)
    x2, y2 = x[k] + rng.normal(0, 50, n - base), y[k] + rng.normal(0, 50, n - base)
    d2 = d[k] + rng.integers(0, 10, n - base)
    return pd.DataFrame({"easting": np.r_[x, x2], "northing": np.r_[y, y2],
                         "date": pd.Timestamp("2024-01-01")
                         + pd.to_timedelta(np.r_[d, d2], "D")})


def test_figures_are_those_of_pair_by_pair_counting() -> None:
    """Written out from the implementation that binned every pair's time gap in each
    permutation (before the whole-day histogram), given the events in the order the test
    shuffles them (date, easting, northing): same seed, same simulations."""
    events = _clustered(800, 4)
    table = near_repeat(events, distance_bands=[0, 100, 200, 400],
                        time_bands=[0, 7, 14, 28, 56], permutations=99, seed=7).table
    assert list(table["observed"]) == [119, 57, 58, 81, 107, 97, 147, 263, 289, 301, 583,
                                       983]
    assert list(table["p_value"]) == [0.01, 0.01, 0.67, 1.0, 0.01, 0.02, 0.49, 0.65, 0.07,
                                      0.13, 0.08, 0.93]
    assert [round(v, 2) for v in table["sim_mean"]] == [
        28.79, 30.92, 60.24, 112.41, 72.25, 75.13, 145.58, 269.59, 265.34, 281.79, 551.75,
        1023.04]
    unbounded = near_repeat(events, distance_bands=[0, 100, math.inf],
                            time_bands=[0, 14, math.inf], permutations=19, seed=8).table
    assert list(unbounded["observed"]) == [176, 656, 23067, 295701]
    assert list(unbounded["p_value"]) == [0.05, 1.0, 1.0, 0.05]
    assert [round(v, 2) for v in unbounded["sim_mean"]] == [63.0, 769.0, 23180.0,
                                                            295588.0]


@pytest.mark.parametrize(("distance_bands", "time_bands", "metric"), [
    ([0, 100, 200, 400], [0, 7, 14, 28, 56], "manhattan"),
    ([0, 100, 200, math.inf], [0, 7, 14, math.inf], "manhattan"),
    ([50, 150, math.inf], [3, 10, 40], "euclidean"),
    ([50, math.inf], [0, 10, 40], "manhattan"),
    ([0, 150, 300], [0, 32, 63, 94], "euclidean"),
])
def test_whole_day_histogram_and_pair_by_pair_counting_agree(
        monkeypatch: pytest.MonkeyPatch, distance_bands: list[float],
        time_bands: list[float], metric: str) -> None:
    from vrhub.analytics import knox_pairs

    events = _clustered(600, 9)
    kwargs = {"distance_bands": distance_bands, "time_bands": time_bands, "metric": metric,
              "permutations": 19, "seed": 11}
    fast = near_repeat(events, **kwargs).table  # type: ignore[arg-type]
    monkeypatch.setattr(knox_pairs, "MAX_SPAN_DAYS", -1)  # every pair binned one by one
    slow = near_repeat(events, **kwargs).table  # type: ignore[arg-type]
    assert fast["observed"].sum() > 0
    pd.testing.assert_frame_equal(fast, slow)


def test_whole_day_pairs_only_for_whole_days() -> None:
    from vrhub.analytics.knox_pairs import WholeDayPairs

    pairs = (np.array([0, 1]), np.array([1, 2]), np.array([0, 0]), 1)
    whole = WholeDayPairs.build(np.array([0.0, 3.0, 5.0]), *pairs)
    assert whole is not None and whole.span == 5
    # gaps 0-3 = -3 and 3-5 = -2, at columns span - 3 and span - 2
    histogram = whole.gap_histogram(whole.whole_days)
    assert np.flatnonzero(histogram[0]).tolist() == [2, 3]
    assert WholeDayPairs.build(np.array([0.0, 3.5, 5.0]), *pairs) is None
