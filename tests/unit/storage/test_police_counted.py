"""The rows a police load leaves uncounted (``police_uncounted``) are those the counting
rule names, computed here independently with pandas on random rows of several series:
repeated Crime IDs (the force's own street file first, then series, month, file, row),
and rows without a Crime ID that another series holds at the same force, month, type,
point and location, where the largest number of such rows in any one series counts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.warehouse_sql import rows, scalar
from vrhub.standards.police_uk import POLICE_STREET
from vrhub.storage import police_counted
from vrhub.storage.queries.counted import counted
from vrhub.storage.warehouse import Warehouse

SERIES = ["metropolitan-street", "city-of-london-street", "burglary_cleaned", "btp-street"]
KEY = ["reported_by", "month", "crime_type", "longitude", "latitude", "location"]


def _street(seed: int, n: int = 900) -> pd.DataFrame:
    """Rows of four series, one file per series and month. A third have no Crime ID and
    few distinct keys (so keys repeat within and across series, some with a missing
    force, point or location, some of a force one series alone holds); the others draw
    Crime IDs from a small pool (so IDs repeat)."""
    rng = np.random.default_rng(seed)
    series = rng.choice(SERIES, n)
    month = rng.choice(["2024-01", "2024-02"], n)
    no_id = rng.random(n) < 0.35
    crime_id = np.where(no_id, None, [f"id{i}" for i in rng.integers(0, n // 3, n)])
    point = rng.integers(0, 3, n).astype(float)
    longitude = np.where(rng.random(n) < 0.05, np.nan, -0.1 + point / 100)
    location = np.where(rng.random(n) < 0.05, None, [f"On or near {p:.0f} Road"
                                                     for p in point])
    frame = pd.DataFrame({
        "file_id": [f"{s}-{m}".ljust(64, "0") for s, m in zip(series, month, strict=True)],
        "crime_id": crime_id, "month": month, "series": series,
        "reported_by": rng.choice(["British Transport Police", "Metropolitan Police"], n),
        "crime_type": rng.choice(["Robbery", "Burglary"], n),
        "longitude": longitude, "latitude": 51.5 + point / 100, "location": location,
        "force": "metropolitan", "crime_id_duplicate": False})
    # a force two series hold rows of, one only one series holds (its keys repeat within
    # that series only), and rows naming no force
    kent = np.isin(series, ["btp-street", "burglary_cleaned"]) & (rng.random(n) < 0.3)
    frame.loc[kent, "reported_by"] = "Kent Police"
    frame.loc[(series == "city-of-london-street") & (rng.random(n) < 0.3),
              "reported_by"] = "Surrey Police"
    frame.loc[rng.random(n) < 0.03, "reported_by"] = None
    frame["row_number"] = frame.groupby("file_id").cumcount() + 1
    return frame.sample(frac=1, random_state=seed).reset_index(drop=True)


def _precedence(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(other=~frame["series"].str.endswith("-street")).sort_values(
        ["other", "series", "month", "file_id", "row_number"])


def expected_uncounted(frame: pd.DataFrame) -> set[tuple[str, int, str, str]]:
    """(file, row, series that counts the crime, rule) of every row the rule leaves out."""
    found: set[tuple[str, int, str, str]] = set()
    with_id = _precedence(frame[frame["crime_id"].notna()])
    for _, crime in with_id.groupby("crime_id"):
        for _, row in crime.iloc[1:].iterrows():
            found.add((row["file_id"], int(row["row_number"]), crime["series"].iloc[0],
                       "same_crime_id"))
    # a row with no point or no location is the same incident as no other row
    no_id = frame[frame["crime_id"].isna()].dropna(subset=KEY)
    shared = no_id.groupby(KEY)["series"].transform("nunique") > 1
    no_id = no_id[shared].sort_values(["file_id", "row_number"])
    no_id = no_id.assign(occurrence=no_id.groupby(["series", *KEY]).cumcount())
    for _, incident in _precedence(no_id).groupby([*KEY, "occurrence"]):
        for _, row in incident.iloc[1:].iterrows():
            found.add((row["file_id"], int(row["row_number"]), incident["series"].iloc[0],
                       "same_place_no_id"))
    return found


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_rows_left_uncounted_are_those_the_rule_names(tmp_path: Path, seed: int) -> None:
    frame = _street(seed)
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.ensure_tables([POLICE_STREET])
        wh.insert(POLICE_STREET, frame)
        left_out = police_counted.refresh(wh)
        got = {(f, int(r), s, rule) for f, r, s, rule in rows(
            wh, "SELECT file_id, row_number, counted_series, rule FROM police_uncounted")}
        expected = expected_uncounted(frame)
        assert got == expected
        assert left_out == len(expected)
        # and the rule applied in a query (a warehouse not loaded by vrhub) agrees
        assert scalar(wh, f"SELECT count(*) FROM {counted(listed=False, study_area=False)} "
                          "t") == len(frame) - len(expected)
    # the rule had work of each kind, keys two series hold a different number of times
    # included
    assert {rule for *_, rule in expected} == {"same_crime_id", "same_place_no_id"}
    no_id = frame[frame["crime_id"].isna()].dropna(subset=KEY)
    per_series = no_id.groupby([*KEY, "series"]).size().groupby(KEY).agg(["size", "nunique"])
    assert ((per_series["size"] > 1) & (per_series["nunique"] > 1)).any()
    # keys of a force two series hold, shared; of a force one series alone holds,
    # repeated within it (each row counts)
    kent = no_id[no_id["reported_by"] == "Kent Police"]
    assert (kent.groupby(KEY)["series"].nunique() > 1).any()
    alone = no_id[no_id["reported_by"] == "Surrey Police"].groupby(KEY).size()
    assert (alone > 1).any()
