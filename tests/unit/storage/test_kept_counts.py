"""Police.uk counts per borough from a read-only warehouse are taken from the whole rolled-up
answer, kept in memory, and are the answers the engine gives each question: the same rows,
order and column types (names or none), for any areas, crime types and months; a question
no row answers is asked of the engine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vrhub.standards.geography_tables import AREA_LOOKUP
from vrhub.standards.police_uk import POLICE_STREET
from vrhub.standards.study_area import study_area
from vrhub.storage import kept_counts, police_counted, police_rollup, series
from vrhub.storage.warehouse import Warehouse

BOROUGHS = ["E09000001", "E09000007", "E09000019", "E09000033"]
OUTSIDE = "E06000001"  # not in the study area: never counted
TYPES = ["Burglary", "Robbery", "Shoplifting", "Vehicle crime"]
MONTHS = [f"2024-{m:02d}" for m in range(1, 9)]

QUESTIONS: list[dict[str, object]] = [
    {},
    {"areas": [BOROUGHS[1]]},
    {"areas": [BOROUGHS[3], BOROUGHS[0], BOROUGHS[3]]},  # any order, repeated
    {"areas": [BOROUGHS[2]], "period": (None, "2024-05")},
    {"areas": [BOROUGHS[0], "E09000999"], "period": ("2024-03", "2024-06")},
    {"categories": ["robbery", "Shoplifting"]},
    {"areas": [BOROUGHS[1]], "categories": ["Burglary"], "period": ("2024-02", None)},
    {"period": ("2024-08", "2024-08")},
    {"areas": ["E09000999"]},  # no rows
    {"areas": [BOROUGHS[0]], "period": ("2030-01", None)},  # no rows
    {"areas": [OUTSIDE]},  # no rows
]


def _street(seed: int) -> pd.DataFrame:
    """Random street rows of two forces in four boroughs (one with no crime of one type),
    some placed in no borough and some outside the study area."""
    rng = np.random.default_rng(seed)
    n = 600
    borough = rng.choice([*BOROUGHS, OUTSIDE, None], n, p=[0.24, 0.24, 0.2, 0.24, 0.04, 0.04])
    crime_type = rng.choice(TYPES, n)
    crime_type[(borough == BOROUGHS[2]) & (crime_type == "Robbery")] = "Burglary"
    force = rng.choice(["metropolitan", "city-of-london"], n)
    return pd.DataFrame({
        "file_id": [f"{f[:4]}".ljust(64, "f") for f in force],
        "row_number": np.arange(1, n + 1), "crime_id": [f"c{i}" for i in range(n)],
        "month": rng.choice(MONTHS, n), "force": force, "series": [f"{f}-street" for f in force],
        "crime_id_duplicate": False, "crime_type": crime_type, "location": "On or near X",
        "lsoa21_code": None, "ward_code": None, "borough_code": borough})


@pytest.fixture(params=[False, True], ids=["unnamed", "named"])
def warehouse_path(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A warehouse as a police load leaves it; with area names for two boroughs (the
    others have none) when ``named``."""
    path = tmp_path / "warehouse.duckdb"
    with Warehouse(path) as wh:
        wh.use_study_area(study_area(" ".join(BOROUGHS)))
        wh.ensure_tables([POLICE_STREET])
        street = _street(seed=3)
        for file_id, part in street.groupby("file_id"):
            wh.insert(POLICE_STREET, part.drop(columns=["file_id"]), {"file_id": file_id})
        if request.param:
            wh.ensure_tables([AREA_LOOKUP])
            wh.insert(AREA_LOOKUP, pd.DataFrame({
                "lsoa21_code": ["E01000001", "E01000002"], "lsoa21_name": ["a", "b"],
                "ward_code": ["E05000001", "E05000002"], "ward_name": ["w1", "w2"],
                "borough_code": BOROUGHS[:2], "borough_name": ["City", "Camden"],
                "file_id": ["c" * 64] * 2}))
        police_counted.refresh(wh)
        police_rollup.refresh(wh)
        assert police_rollup.fresh(wh)
    return path


def _ask(wh: Warehouse, question: dict[str, object]) -> pd.DataFrame:
    return series.monthly_counts(wh, source="police", level="borough", **question).data  # type: ignore[arg-type]


def test_kept_rows_are_the_engines_answers(warehouse_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    with Warehouse(warehouse_path) as writable:  # asks the engine every time
        expected = [_ask(writable, q) for q in QUESTIONS]
    asked = []
    run = series.run
    monkeypatch.setattr(series, "run", lambda wh, query, **values: (
        asked.append(query.name), run(wh, query, **values))[1])
    with Warehouse(warehouse_path, read_only=True) as reader:
        for question, answer in zip(QUESTIONS, expected, strict=True):
            got = _ask(reader, question)
            pd.testing.assert_frame_equal(got, answer, check_exact=True, obj=str(question))
            assert list(got.dtypes) == list(answer.dtypes), question
        again = _ask(reader.cursor(), QUESTIONS[1])  # cursors share what is kept
    pd.testing.assert_frame_equal(again, expected[1])
    counts = [n for n in asked if n.startswith("series.monthly.police.borough.rolled")]
    empty = sum(1 for answer in expected if answer.empty)
    assert empty == 3 and len(counts) == 1 + empty  # the whole answer once, then no rows
    in_boroughs = _street(seed=3)["borough_code"].isin(BOROUGHS).sum()
    assert len(expected[0]) > 100 and expected[0]["count"].sum() == in_boroughs


def test_names_are_text_where_any_row_has_one(warehouse_path: Path) -> None:
    with Warehouse(warehouse_path, read_only=True) as reader:
        named = reader.has_table("area_lookup")
        city = _ask(reader, {"areas": [BOROUGHS[0]]})
        westminster = _ask(reader, {"areas": [BOROUGHS[3]]})
        both = _ask(reader, {"areas": [BOROUGHS[0], BOROUGHS[3]]})
    assert westminster["area_name"].dtype == object
    assert westminster["area_name"].tolist() == [None] * len(westminster)
    if named:
        assert set(city["area_name"]) == {"City"} and city["area_name"].dtype != object
        assert both["area_name"].isna().sum() == len(westminster)
    else:
        assert city["area_name"].dtype == object and both["area_name"].dtype == object


def test_an_answer_kept_in_memory_is_not_changed_by_its_users(tmp_path: Path) -> None:
    whole = pd.DataFrame({"area_code": ["A", "A", "B"], "area_name": [None] * 3,
                          "category": ["x", "y", "x"], "month": ["2024-01"] * 3,
                          "count": [1, 2, 3]})
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.ensure_tables([POLICE_STREET])
    with Warehouse(tmp_path / "w.duckdb", read_only=True) as reader:
        for areas in (None, ["B"]):
            got = kept_counts.taken(reader, "k", whole.copy, areas=areas, categories=None,
                                    first=None, last=None)
            assert got is not None
            got.loc[:, "count"] = 0
        again = kept_counts.taken(reader, "k", whole.copy, areas=["A", "B"],
                                  categories=["x"], first="2024-01", last="2024-01")
    assert again is not None and again["count"].tolist() == [1, 3]
