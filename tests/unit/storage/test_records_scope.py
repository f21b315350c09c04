"""Record-level queries (vrhub.storage.records): every read is cut to the caller's scope,
filters narrow it, pages are stable, and a record's owner is read without the record."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.street_rows import street_warehouse
from vrhub.access.scopes import Scope
from vrhub.errors import NotFound, UserError
from vrhub.storage import records
from vrhub.storage.warehouse import Warehouse

CAMDEN, HACKNEY, ISLINGTON = "E09000007", "E09000012", "E09000019"
FILE_ID = "a" * 64
# (borough, ward, month, crime type) of rows 1..7
ROWS = [(CAMDEN, "E05013652", "2024-01", "Burglary"),
        (CAMDEN, "E05013652", "2024-02", "Robbery"),
        (CAMDEN, "E05013653", "2024-03", "Burglary"),
        (HACKNEY, "E05009367", "2024-01", "Burglary"),
        (HACKNEY, "E05009367", "2024-02", "Burglary"),
        (HACKNEY, "E05009368", "2024-03", "Robbery"),
        (ISLINGTON, "E05013700", "2024-02", "Burglary")]


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[Warehouse]:
    wh = street_warehouse(tmp_path / "w.duckdb", FILE_ID, [
        {"month": month, "crime_type": kind, "easting": 528000.0 + i, "ward_code": ward,
         "borough_code": borough}
        for i, (borough, ward, month, kind) in enumerate(ROWS, start=1)])
    yield wh
    wh.close()


def crime_ids(found: list[dict[str, object]]) -> list[str]:
    return [str(r["crime_id"]) for r in found]


def test_a_borough_scope_sees_its_borough_only(warehouse: Warehouse) -> None:
    found, total = records.search(warehouse, "police", Scope(boroughs=frozenset({HACKNEY})),
                                  records.Filters())
    assert total == 3
    assert crime_ids(found) == ["crime-4", "crime-5", "crime-6"]  # by month
    assert {r["borough_code"] for r in found} == {HACKNEY}


def test_an_empty_scope_sees_nothing_and_everything_sees_all(warehouse: Warehouse) -> None:
    assert records.search(warehouse, "police", Scope(), records.Filters()) == ([], 0)
    # an ED-site scope has no rows in a dataset without sites
    sites = Scope(sites=frozenset({"RJ122"}))
    assert records.search(warehouse, "police", sites, records.Filters()) == ([], 0)
    found, total = records.search(warehouse, "police", Scope(everything=True),
                                  records.Filters())
    assert total == 7 and len(found) == 7


def test_filters_narrow_inside_the_scope_never_beyond(warehouse: Warehouse) -> None:
    two = Scope(boroughs=frozenset({CAMDEN, HACKNEY}))
    found, total = records.search(warehouse, "police", two, records.Filters(
        categories=["BURGLARY"], month_from="2024-02", month_to="2024-03"))
    assert (crime_ids(found), total) == (["crime-5", "crime-3"], 2)
    found, total = records.search(warehouse, "police", two,
                                  records.Filters(wards=["E05013652"]))
    assert (crime_ids(found), total) == (["crime-1", "crime-2"], 2)
    # asking for a borough outside the scope finds nothing from it
    found, total = records.search(warehouse, "police", two,
                                  records.Filters(boroughs=[ISLINGTON]))
    assert (found, total) == ([], 0)


def test_pages_are_stable_and_carry_the_total(warehouse: Warehouse) -> None:
    everything = Scope(everything=True)
    pages = [records.search(warehouse, "police", everything, records.Filters(),
                            limit=3, offset=offset) for offset in (0, 3, 6, 9)]
    assert [total for _page, total in pages] == [7, 7, 7, 7]
    ids = [r["record_id"] for page, _total in pages for r in page]
    assert len(ids) == len(set(ids)) == 7
    assert ids[0] == f"{FILE_ID[:16]}-1"
    months = [r["month"] for page, _total in pages for r in page]
    assert months == sorted(months)


def test_an_export_holds_the_scope_s_rows(warehouse: Warehouse) -> None:
    frame = records.export_frame(warehouse, "police", Scope(boroughs=frozenset({CAMDEN})),
                                 records.Filters(categories=["Burglary"]))
    assert list(frame["crime_id"]) == ["crime-1", "crime-3"]
    assert list(frame.columns[:2]) == ["record_id", "crime_id"]


def test_owner_and_get_one_record(warehouse: Warehouse) -> None:
    record_id = f"{FILE_ID[:16]}-4"
    assert records.owner(warehouse, "police", record_id) == (HACKNEY, None)
    record = records.get(warehouse, "police", record_id)
    assert record["crime_id"] == "crime-4" and record["easting"] == 528004.0
    with pytest.raises(NotFound, match=r"no police record 'nope'"):
        records.owner(warehouse, "police", "nope")
    with pytest.raises(NotFound, match=r"no police record 'nope'"):
        records.get(warehouse, "police", "nope")


def test_bad_questions_are_refused_with_the_reason(warehouse: Warehouse) -> None:
    with pytest.raises(NotFound, match=r"no record-level dataset 'crimes'"):
        records.search(warehouse, "crimes", Scope(everything=True), records.Filters())
    with pytest.raises(UserError, match=r"dataset police has no ED site column"):
        records.search(warehouse, "police", Scope(everything=True),
                       records.Filters(sites=["RJ122"]))


def test_a_dataset_not_loaded_reads_as_empty(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "empty.duckdb") as wh:
        assert records.search(wh, "stop-search", Scope(everything=True),
                              records.Filters()) == ([], 0)
        frame = records.export_frame(wh, "istv", Scope(everything=True), records.Filters())
        assert frame.empty and "assault_id" in frame.columns


def test_record_values_are_json_ready_as_the_warehouse_returns_them() -> None:
    """A page's rows as the API sends them, from the values DuckDB answers with: NaN and
    null as None, dates and timestamps as ISO text, text, whole numbers and flags as they
    are."""
    answer = duckdb.connect().execute(
        "SELECT * FROM (VALUES (530001.5, TIMESTAMP '2024-03-01 22:15:00', "
        "DATE '2024-03-01', '2024-03', 1, true), ('NaN'::DOUBLE, NULL, DATE '2024-03-02', "
        "NULL, 2, false), (NULL, TIMESTAMP '2024-03-02 00:05:00', NULL, '2024-03', NULL, "
        "NULL)) AS t(easting, assault_at, arrival, month, row_number, known)")
    found = records._records([d[0] for d in answer.description], answer.fetchall())
    assert found[0] == {"easting": 530001.5, "assault_at": "2024-03-01T22:15:00",
                        "arrival": "2024-03-01", "month": "2024-03", "row_number": 1,
                        "known": True}
    assert found[1] == {"easting": None, "assault_at": None, "arrival": "2024-03-02",
                        "month": None, "row_number": 2, "known": False}
    assert found[2]["easting"] is None and found[2]["arrival"] is None
    assert found[2]["assault_at"] == "2024-03-02T00:05:00" and found[2]["known"] is None
