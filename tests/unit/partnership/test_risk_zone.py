"""The near-repeat zone of a critical incident: the rule applied to a Knox table, checked
against the table the Knox test itself gives for the same events and seed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vrhub.analytics.nearrepeat import near_repeat
from vrhub.partnership.risk_zone import (
    DISTANCE_BANDS,
    ED_TIME_BANDS,
    Zone,
    seed_for,
    zone_from_events,
)

MONTHS = ("2024-10", "2025-09")


def _background(n: int, rng: np.random.Generator) -> pd.DataFrame:
    return pd.DataFrame({
        "easting": rng.uniform(520_000, 526_000, n),
        "northing": rng.uniform(170_000, 176_000, n),
        "date": pd.Timestamp("2024-10-01") + pd.to_timedelta(rng.integers(0, 365, n), "D"),
    })


def _with_repeats(rng: np.random.Generator) -> pd.DataFrame:
    """Background events, plus 60 pairs each within 60 m and 4 days of each other."""
    base = _background(400, rng)
    seeds = base.sample(60, random_state=1)
    repeats = pd.DataFrame({
        "easting": seeds["easting"].to_numpy() + rng.uniform(-30, 30, 60),
        "northing": seeds["northing"].to_numpy() + rng.uniform(-30, 30, 60),
        "date": seeds["date"].to_numpy() + pd.to_timedelta(rng.integers(0, 4, 60), "D"),
    })
    return pd.concat([base, repeats], ignore_index=True)


def test_a_clear_near_repeat_pattern_gives_the_first_bands() -> None:
    events = _with_repeats(np.random.default_rng(5))
    zone = zone_from_events(events, source="istv", category=None, borough="E09000012",
                            months=MONTHS, seed=11, area_name="Hackney")
    # the same run, done here: the closest, shortest cell stands out
    table = near_repeat(events, distance_bands=DISTANCE_BANDS, time_bands=ED_TIME_BANDS,
                        permutations=99, seed=11).table
    first = table.iloc[0]
    assert first["knox_ratio_mean"] > 3 and first["p_value"] == pytest.approx(0.01)
    assert zone.basis == "knox"
    assert [r["observed"] for r in zone.table] == table["observed"].tolist()
    # the rule by hand: consecutive significant bands from the first, along each axis
    n_t = len(ED_TIME_BANDS) - 1

    def significant(d: int, t: int) -> bool:
        row = table.iloc[d * n_t + t]
        return bool(row["knox_ratio_mean"] >= 1.2 and row["p_value"] <= 0.05)

    d = 0
    while d + 1 < len(DISTANCE_BANDS) - 1 and significant(d + 1, 0):
        d += 1
    t = 0
    while t + 1 < n_t and significant(0, t + 1):
        t += 1
    assert (zone.radius_m, zone.window_days) == (DISTANCE_BANDS[d + 1], ED_TIME_BANDS[t + 1])
    assert zone.radius_m == 100 and zone.window_days == 7
    assert "within 100 m and 7 days" in zone.reason


def test_no_pattern_falls_back_to_the_stated_default() -> None:
    events = _background(400, np.random.default_rng(2))
    zone = zone_from_events(events, source="istv", category=None, borough="E09000012",
                            months=MONTHS, seed=3, area_name="Hackney")
    assert (zone.basis, zone.radius_m, zone.window_days) == ("default", 400, 14)
    assert zone.reason.startswith("no significant near-repeat pattern in Hackney's events")
    assert len(zone.table) == 3 * 4  # the figures are still shown


def test_too_few_events_are_not_tested() -> None:
    events = _background(12, np.random.default_rng(2))
    zone = zone_from_events(events, source="police", category="Violence and sexual offences",
                            borough="E09000012", months=MONTHS, seed=3, area_name="Hackney")
    assert zone.basis == "default" and zone.table == []
    assert "too few events to test (12 with a point" in zone.reason


def test_the_zone_survives_storage_and_names_the_command_that_repeats_it() -> None:
    events = _with_repeats(np.random.default_rng(5))
    zone = zone_from_events(events, source="police", category="Violence and sexual offences",
                            borough="E09000012", months=MONTHS, seed=seed_for("CI-ABC234"),
                            area_name="Hackney")
    again = Zone.from_dict(zone.to_dict())
    assert again == zone
    assert again.command == (
        "vrhub nearrepeat --source police --category 'Violence and sexual offences' "
        "--borough E09000012 --from 2024-10 --to 2025-09 --distance-bands 0,100,200,400 "
        f"--time-bands 0,32,63,94 --permutations 99 --seed {seed_for('CI-ABC234')}")
    assert seed_for("CI-ABC234") == seed_for("CI-ABC234") != seed_for("CI-ABC235")
