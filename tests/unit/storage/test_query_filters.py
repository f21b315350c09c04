"""The optional filters of named queries (``vrhub.storage.queries.filters``): each holds for
every row when its parameter is None, and selects the rows it names otherwise."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from vrhub.storage.queries.filters import BOROUGH, MONTH_RANGE, in_borough, month_range

ROWS = [("2023-01", "E09000001"), ("2023-02", "E09000033"), ("2023-03", "E09000001"),
        ("2023-04", None)]


def _kept(condition: str, params: dict[str, Any]) -> list[tuple[str, str | None]]:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (month VARCHAR, borough_code VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", ROWS)
    found = con.execute(f"SELECT * FROM t WHERE {condition} ORDER BY month", params)
    return [tuple(r) for r in found.fetchall()]


@pytest.mark.parametrize("first, last, months", [
    (None, None, ["2023-01", "2023-02", "2023-03", "2023-04"]),
    ("2023-02", None, ["2023-02", "2023-03", "2023-04"]),
    (None, "2023-02", ["2023-01", "2023-02"]),
    ("2023-02", "2023-03", ["2023-02", "2023-03"]),
    ("2023-05", None, []),
])
def test_month_range_bounds_are_each_optional(first: str | None, last: str | None,
                                              months: list[str]) -> None:
    assert set(MONTH_RANGE) == {"first", "last"}
    kept = _kept(month_range(), {"first": first, "last": last})
    assert [m for m, _ in kept] == months


def test_month_range_reads_the_month_it_is_given() -> None:
    # the month of another expression: a date's month as text
    kept = _kept(month_range("strftime(CAST(month || '-15' AS DATE), '%Y-%m')"),
                 {"first": "2023-03", "last": None})
    assert [m for m, _ in kept] == ["2023-03", "2023-04"]


def test_in_borough_keeps_every_row_without_a_borough_and_one_borough_with_it() -> None:
    assert set(BOROUGH) == {"borough"}
    assert len(_kept(in_borough(), {"borough": None})) == len(ROWS)  # even the unplaced
    assert _kept(in_borough(), {"borough": "E09000001"}) == [("2023-01", "E09000001"),
                                                             ("2023-03", "E09000001")]
