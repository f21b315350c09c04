"""A police.uk record search's crimes per month, summed from the borough counts kept in
memory by a read-only warehouse (:mod:`vrhub.storage.kept_months`), are the engine's answer
to the same search (:data:`~vrhub.storage.queries.records.ROLLED_UP_MONTHS`) for every
combination of scope, boroughs, crime types and months; the counts are asked once; and the
record pages and totals they lead to are those of a writable warehouse."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.unit.storage.test_kept_counts import BOROUGHS, OUTSIDE, _street
from vrhub.access.scopes import Scope
from vrhub.standards.police_uk import POLICE_STREET
from vrhub.standards.study_area import study_area
from vrhub.storage import kept_months, police_counted, police_rollup, records
from vrhub.storage.queries.core import rows
from vrhub.storage.queries.records import ROLLED_UP_MONTHS
from vrhub.storage.warehouse import Warehouse

CONDITIONS: list[tuple[str, object]] = [
    ("scope_boroughs", [BOROUGHS[0], BOROUGHS[2]]),
    ("boroughs", [BOROUGHS[2]]),
    ("boroughs", [BOROUGHS[1], BOROUGHS[3], OUTSIDE, "E09000999"]),
    ("categories", ["robbery", "burglary"]),
    ("categories", ["shoplifting", "no such type"]),
    ("month_from", "2024-03"),
    ("month_to", "2024-06"),
    ("month_to", "2023-12"),  # before every month: nothing
]


@pytest.fixture
def warehouse_path(tmp_path: Path) -> Path:
    """Street rows of two forces in four boroughs, some in no borough and some outside
    the study area, a tenth of them in no month and no burglary before April, as a police
    load leaves them."""
    path = tmp_path / "warehouse.duckdb"
    street = _street(seed=5)
    street.loc[np.random.default_rng(5).random(len(street)) < 0.1, "month"] = None
    # no burglary (the first crime type in order) before April: a borough's counts do not
    # come in month order
    street = street[~((street["crime_type"] == "Burglary")
                      & (street["month"].fillna("9999") < "2024-04"))]
    with Warehouse(path) as wh:
        wh.use_study_area(study_area(" ".join(BOROUGHS)))
        wh.ensure_tables([POLICE_STREET])
        for file_id, part in street.groupby("file_id"):
            wh.insert(POLICE_STREET, part.drop(columns=["file_id"]), {"file_id": file_id})
        police_counted.refresh(wh)
        police_rollup.refresh(wh)
    return path


def _searches() -> list[tuple[list[str], dict[str, object]]]:
    """Every combination of up to three conditions (a condition named once)."""
    found = []
    for size in (1, 2, 3):
        for chosen in itertools.combinations(CONDITIONS, size):
            names = [name for name, _ in chosen]
            if len(set(names)) == len(names):
                found.append((names, dict(chosen)))
    return found


def test_months_summed_in_memory_are_the_engines(warehouse_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    searches = _searches()
    with Warehouse(warehouse_path, read_only=True) as reader:
        reader.use_study_area(study_area(" ".join(BOROUGHS)))
        expected = [[(None if m is None else str(m), int(n)) for m, n in rows(
            reader, ROLLED_UP_MONTHS.compose(names), **values)] for names, values in searches]
        asked: list[str] = []
        for name in ("rows", "run_arrow"):  # every question kept_months asks the engine
            real = getattr(kept_months, name)
            monkeypatch.setattr(kept_months, name, lambda wh, query, real=real, **values: (
                asked.append(query.name), real(wh, query, **values))[1])
        for (names, values), answer in zip(searches, expected, strict=True):
            assert kept_months.by_month(reader, names, values) == answer, (names, values)
        # the searches naming a borough were summed from counts asked once; the others
        # (crime types or months of every borough) were asked of the engine
        assert asked.count("records.rolled_up_boroughs.police") == 1
        unnamed = [s for s in searches if not {"scope_boroughs", "boroughs"} & set(s[0])]
        assert len(asked) == 1 + len(unnamed)
    assert any(m is None for answer in expected for m, _ in answer)  # rows with no month
    assert sum(not answer for answer in expected) > 3  # searches matching nothing
    assert sum(len(answer) > 2 for answer in expected) > 20


@pytest.mark.parametrize("scope", [Scope(everything=True),
                                   Scope(boroughs=frozenset(BOROUGHS[1:3]))])
def test_record_pages_are_those_of_a_writable_warehouse(warehouse_path: Path,
                                                        scope: Scope) -> None:
    questions = [records.Filters(boroughs=[BOROUGHS[1]]),
                 records.Filters(boroughs=[BOROUGHS[2]], categories=["Burglary"]),
                 records.Filters(boroughs=[BOROUGHS[1], BOROUGHS[2]], month_from="2024-04"),
                 records.Filters(month_to="2024-05")]
    pages = [(0, 25), (25, 25), (40, 100)]

    def answers(wh: Warehouse) -> list[tuple[list[dict[str, object]], int]]:
        wh.use_study_area(study_area(" ".join(BOROUGHS)))
        return [records.search(wh, "police", scope, q, limit=limit, offset=offset)
                for q in questions for offset, limit in pages]

    with Warehouse(warehouse_path) as writable:
        expected = answers(writable)
    with Warehouse(warehouse_path, read_only=True) as reader:
        assert answers(reader) == expected
    assert all(total > 0 for _, total in expected[:9])
    assert sum(len(page) for page, _ in expected) > 200
    assert pd.Series([total for _, total in expected]).nunique() > 2
