"""Parts record the range of their month, force, borough and file, and a question bounded on
them reads only the parts that may hold its rows: the same answer as the view over every
part, for every query that declares bounds, on parts of two forces over ten months (the
City of London's in one borough, one part holding two months, one part recorded before
ranges were kept), and for one record by id."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from tests.warehouse_sql import connection, own_connection, rows, scalar
from vrhub.standards.police_uk import POLICE_STREET
from vrhub.standards.provenance import PART_RANGE
from vrhub.standards.registry import all_tables
from vrhub.storage import part_ranges, police_counted
from vrhub.storage.part_ranges import ranges_of
from vrhub.storage.parts import PartStore
from vrhub.storage.queries import QUERIES, NamedQuery
from vrhub.storage.queries.core import TEMPLATES, load_all
from vrhub.storage.queries.events import DISTRICTS_EXAMPLE
from vrhub.storage.queries.records import DATASETS, record_values
from vrhub.storage.warehouse import Warehouse, copy_warehouse

load_all()

FORCES = ("metropolitan", "city-of-london")
MONTHS = [f"2023-{m:02d}" for m in range(1, 9)]
#: part -> its months: one per force and month, one holding two months, one older
PARTS = [(force, (month,)) for force in FORCES for month in MONTHS] + [
    ("metropolitan", ("2023-09", "2023-10")), ("city-of-london", ("2023-04",))]
OLDER = len(PARTS) - 1  # written before ranges were kept: every question reads it

#: queries declaring bounds, and record searches composed with month conditions
NARROWED = [q for q in QUERIES.values() if q.narrows] + [
    q for name in ("records.total.police", "records.page.police", "records.export.police",
                   "records.page.police_everywhere", "records.total.police_rule")
    for q in (TEMPLATES[name].compose(c) for c in (
        ("months",), ("month_from", "month_to"), ("scope_boroughs", "month_from"),
        ("boroughs", "categories", "month_to")))]

BOUNDS: list[dict[str, Any]] = [
    {"first": None, "last": None}, {"first": "2023-03", "last": "2023-05"},
    {"first": "2023-05", "last": "2023-05"}, {"first": "2023-09", "last": "2023-09"},
    {"first": "2023-10", "last": None}, {"first": None, "last": "2022-12"},
    {"first": "2023-06", "last": "2023-02"}, {"first": "2023-04", "last": "2023-04"},
]
MONTH_LISTS = [["2023-03", "2023-07"], ["2023-10"], ["2023-04"], ["2022-01"]]
CITY, OTHERS = DISTRICTS_EXAMPLE[0], list(DISTRICTS_EXAMPLE[1:3])
BOROUGHS = [CITY, OTHERS[0], "E09999999"]
BOROUGH_LISTS = [[CITY], OTHERS, ["E09999999"]]
#: record ids: a row of part 3, a row of the part without ranges, a row part 3 has not,
#: a file no part holds
RECORD_IDS = ["03aaaaaaaaaaaaaa-5", f"{OLDER:02d}aaaaaaaaaaaaaa-1", "03aaaaaaaaaaaaaa-999",
              "99aaaaaaaaaaaaaa-1"]


def _frame(force: str, months: tuple[str, ...], index: int, rng: np.random.Generator
           ) -> pd.DataFrame:
    n = 40
    # the City's rows in one borough; the Met's in two and one outside the study area
    boroughs = [CITY] if force == "city-of-london" else [*OTHERS, "W06000015"]
    return pd.DataFrame({
        "file_id": f"{index:02d}".ljust(64, "a"), "row_number": np.arange(1, n + 1),
        # a few Crime IDs shared between parts: the rows left uncounted are not all new
        "crime_id": [f"c{rng.integers(0, 300)}" for _ in range(n)],
        "month": rng.choice(list(months), n), "force": force, "series": f"{force}-street",
        "crime_id_duplicate": False,
        "crime_type": rng.choice(["Burglary", "Robbery", "Violence and sexual offences"], n),
        "location": rng.choice(["On or near A Road", "On or near B Street"], n),
        "easting": rng.uniform(530000, 531000, n), "northing": rng.uniform(180000, 181000, n),
        "lsoa21_code": "E01000001", "ward_code": "E05009288",
        "borough_code": rng.choice(boroughs, n)})


@pytest.fixture(scope="module")
def path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ranges") / "warehouse.duckdb"
    rng = np.random.default_rng(11)
    with Warehouse(path) as wh:
        wh.ensure_tables(all_tables())
        for index, (force, months) in enumerate(PARTS):
            wh.insert(POLICE_STREET, _frame(force, months, index, rng))
        police_counted.refresh(wh)
    with connection(path, write=True) as con:  # as a warehouse written before ranges leaves it
        con.execute(f"DELETE FROM {PART_RANGE.name} WHERE part LIKE '{OLDER:02d}aaa%'")
    return path


def _params(query: NamedQuery, bounds: dict[str, Any]) -> dict[str, Any]:
    values = {name: None if kind == "str | None" else [] if kind.startswith("list")
              else False if kind == "bool" else 10 if kind == "int" else "x"
              for name, kind in query.params.items()}
    values.update({k: v for k, v in query.example.items() if k in query.params})
    for name, kind in query.params.items():
        if name == "districts":
            values[name] = list(DISTRICTS_EXAMPLE)
        elif name in ("every_category", "every_area"):
            values[name] = True
        elif name in ("borough", "scope_boroughs", "boroughs"):
            values[name] = DISTRICTS_EXAMPLE[0] if kind.startswith("str") else \
                list(DISTRICTS_EXAMPLE[:2])
        elif name == "categories":
            values[name] = ["Burglary", "burglary", "Robbery", "robbery"]
        elif name in ("limit",):
            values[name] = 25
        elif name == "offset":
            values[name] = 5
    values.update({k: v for k, v in bounds.items() if k in query.params})
    return values


def _cases(query: NamedQuery) -> list[dict[str, Any]]:
    if "record_id" in query.params:
        return [record_values(DATASETS["police"], r) or {} for r in RECORD_IDS]
    cases = _month_cases(query)
    kind = query.params.get("borough")
    if kind is not None:
        choices = [*BOROUGHS, None] if kind == "str | None" else BOROUGHS
        cases = [{**c, "borough": b} for c, b in itertools.product(cases, choices)]
    for name in ("boroughs", "scope_boroughs"):
        if name in query.params:
            cases = [{**c, name: b} for c, b in itertools.product(cases, BOROUGH_LISTS)]
    return cases


def _month_cases(query: NamedQuery) -> list[dict[str, Any]]:
    cases = [dict(b) for b in BOUNDS]
    if "month_from" in query.params or "month_to" in query.params:
        cases = [{"month_from": b["first"] or "2023-01", "month_to": b["last"] or "2023-12"}
                 for b in BOUNDS]
    if "months" in query.params:
        cases = [{"months": m} for m in MONTH_LISTS]
    if "force" in query.params:
        cases = [{**c, "first": c["first"] or "2023-01", "last": c["last"] or "2023-12",
                  "force": force} for c, force in itertools.product(
                      BOUNDS, (*FORCES, "nowhere"))]
    return cases


def _sorted(table: pa.Table) -> list[tuple[Any, ...]]:
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    return sorted(zip(*columns, strict=True), key=repr)


def _parts_read(sql: str) -> int | None:
    """Parts the narrowed relation reads (None: the view, every part)."""
    return sql.count(".parquet'") if sql.startswith('WITH "police_street"') else None


def _held(path: Path) -> dict[str, dict[str, tuple[str, str]]]:
    """Each part's least and greatest month, force, borough and file, read from its rows."""
    found = rows(path, "SELECT parse_filename(filename), min(month), max(month), min(force), "
                       "max(force), min(borough_code), max(borough_code), min(file_id), "
                       "max(file_id) FROM read_parquet(?, filename = true) GROUP BY 1",
                 [str(path.with_name("warehouse.parts") / "police_street" / "*.parquet")])
    return {part: {"month": (m0, m1), "force": (f0, f1), "borough_code": (b0, b1),
                   "file_id": (i0, i1)}
            for part, m0, m1, f0, f1, b0, b1, i0, i1 in found}


def _expected_parts(query: NamedQuery, values: dict[str, Any],
                    held: dict[str, dict[str, tuple[str, str]]]) -> int:
    """Parts that may hold rows within the bounds: the older part, and those whose rows'
    range of every bounded column meets the bound."""
    bounds = query.bounds(values).get("police_street", {})
    return sum(1 for part, ranges in held.items() if part.startswith(f"{OLDER:02d}aaa") or all(
        (lo is None or ranges[c][1] >= lo) and (hi is None or ranges[c][0] <= hi)
        for c, (lo, hi) in bounds.items() if c in ranges))


@pytest.mark.parametrize("query", NARROWED, ids=lambda q: q.name)
def test_a_bounded_question_answers_as_the_view_over_every_part(path: Path,
                                                                query: NamedQuery) -> None:
    held = _held(path)
    assert len(held) == len(PARTS)
    with Warehouse(path, read_only=True) as wh:
        narrowed_once = False
        for case in _cases(query):
            values = query.bind(_params(query, case))
            sql = wh.engine.sql(query, values)  # type: ignore[attr-defined]
            narrowed = wh.engine.arrow(query, values)
            whole = own_connection(wh).sql(query.sql, params=values).to_arrow_table()
            assert narrowed.column_names == whole.column_names
            if "ORDER BY" in query.sql and "LIMIT" in query.sql:  # a page: the same rows
                assert narrowed.to_pylist() == whole.to_pylist(), (query.name, case)
            else:
                assert _sorted(narrowed) == _sorted(whole), (query.name, case)
            read = _parts_read(sql)
            expected = _expected_parts(query, values, held)
            if query.name.startswith("records.total.police_rule"):
                assert read is None  # the rule reads every row: never narrowed
                continue
            if read is None:
                assert expected == len(PARTS), (query.name, case, expected)
            else:
                narrowed_once = True
                assert read == expected, (query.name, case)
        assert narrowed_once or query.name.startswith("records.total.police_rule")


def test_answers_are_not_empty_comparisons(path: Path) -> None:
    with Warehouse(path, read_only=True) as wh:
        query = QUERIES["police.force_points"]
        values = query.bind({"force": "city-of-london", "crime_type": "Burglary",
                             "first": "2023-04", "last": "2023-04"})
        found = wh.engine.arrow(query, values).num_rows
        direct = scalar(wh, "SELECT count(*) FROM police_street WHERE force = "
                            "'city-of-london' AND crime_type = 'Burglary' AND month = '2023-04'")
    # the older part (City of London, April) is read as well as the ranged one
    assert found == direct > 0


def test_one_record_is_read_from_its_own_file_s_part(path: Path) -> None:
    from vrhub.storage import records

    direct = rows(path, "SELECT crime_id, month, borough_code FROM police_street WHERE "
                        "file_id = ? AND row_number = 5", ["03".ljust(64, "a")])
    assert len(direct) == 1
    with Warehouse(path, read_only=True) as wh:
        query = QUERIES["records.record.police"]
        values = query.bind(record_values(DATASETS["police"], "03aaaaaaaaaaaaaa-5") or {})
        # part 3, and the part written before ranges were kept (it may hold anything)
        assert _parts_read(wh.engine.sql(query, values)) == 2  # type: ignore[attr-defined]
        record = records.get(wh, "police", "03aaaaaaaaaaaaaa-5")
        assert [(record["crime_id"], record["month"], record["borough_code"])] == direct
        assert record["record_id"] == "03aaaaaaaaaaaaaa-5"
        assert records.owner(wh, "police", "03aaaaaaaaaaaaaa-5") == (direct[0][2], None)


def test_the_ranges_are_those_of_the_rows(path: Path) -> None:
    recorded = rows(path, f"SELECT part, column_name, least, greatest FROM {PART_RANGE.name} "
                          "ORDER BY ALL")
    expected = sorted((part, column, *bound) for part, ranges in _held(path).items()
                      for column, bound in ranges.items()
                      if not part.startswith(f"{OLDER:02d}aaa"))
    assert recorded == expected
    assert len(recorded) == 4 * (len(PARTS) - 1)
    assert {r[3] for r in recorded if r[1] == "borough_code"} == {CITY, "W06000015"}


def test_ranges_of_plain_encoded_and_empty_columns() -> None:
    months = pa.chunked_array([pa.array(["2023-04", None, "2023-02"]),
                               pa.array(["2023-09"])])
    force = pa.chunked_array([pa.array(["b", "a", None]).dictionary_encode(),
                              pa.array([None], pa.string()).dictionary_encode()])
    boroughs = pa.chunked_array([pa.array(["E09000007", "E09000001", "E09000033", None])])
    # a file's one id, as a column of one dictionary value
    files = pa.chunked_array([pa.DictionaryArray.from_arrays(
        pa.array([0, 0, 0, 0], pa.int32()), pa.array(["ab" * 32]))])
    data = pa.table({"month": months, "force": force, "borough_code": boroughs,
                     "file_id": files})
    assert ranges_of(POLICE_STREET, data) == (("month", "2023-02", "2023-09"),
                                              ("force", "a", "b"),
                                              ("borough_code", "E09000001", "E09000033"),
                                              ("file_id", "ab" * 32, "ab" * 32))
    empty = pa.table({name: pa.nulls(3, pa.string()) for name in POLICE_STREET.part_ranges})
    assert ranges_of(POLICE_STREET, empty) == tuple((name, None, None)
                                                    for name in POLICE_STREET.part_ranges)


def test_a_part_of_blank_months_is_read_only_by_unbounded_questions(tmp_path: Path) -> None:
    store = PartStore(tmp_path / "warehouse.duckdb")
    parts: list[tuple[str, part_ranges.Recorded]] = [
        ("a", {"month": (None, None)}), ("b", {"month": ("2023-01", "2023-02")}), ("c", {})]
    chosen = store.narrowed(POLICE_STREET, parts, {"month": ("2023-02", None)})
    assert chosen is not None and "/b'" in chosen and "/c'" in chosen and "/a'" not in chosen
    assert store.narrowed(POLICE_STREET, parts,
                          {"series": ("x", "x")}) is None  # not a ranged column


def _met_months(wh: Warehouse, rng: np.random.Generator, *months: str) -> None:
    """A part of the Met's rows for each of ``months`` (file ids 01, 02, ...)."""
    wh.ensure_tables([POLICE_STREET])
    for index, month in enumerate(months, start=1):
        wh.insert(POLICE_STREET, _frame("metropolitan", (month,), index, rng))


def test_replaced_parts_lose_their_ranges_and_a_rollback_writes_none(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    rng = np.random.default_rng(3)
    with Warehouse(path) as wh:
        _met_months(wh, rng, "2023-01", "2023-02")
        ranged = len(POLICE_STREET.part_ranges)
        assert scalar(wh, f"SELECT count(*) FROM {PART_RANGE.name}") == 2 * ranged
        with wh.atomic():
            wh.parts.unlist(own_connection(wh), POLICE_STREET, ["01".ljust(64, "a")])
        assert scalar(wh, f"SELECT count(DISTINCT part) FROM {PART_RANGE.name}") == 1
        assert scalar(wh, f"SELECT min(least) FROM {PART_RANGE.name} "
                          "WHERE column_name = 'month'") == "2023-02"
        with pytest.raises(RuntimeError, match="stop"), wh.atomic():
            wh.insert(POLICE_STREET, _frame("city-of-london", ("2023-03",), 3, rng))
            raise RuntimeError("stop")
        assert scalar(wh, f"SELECT count(*) FROM {PART_RANGE.name}") == ranged


def test_parts_without_ranges_get_them_when_opened_for_writing(path: Path,
                                                               tmp_path: Path) -> None:
    copy = tmp_path / "warehouse.duckdb"
    copy_warehouse(path, copy)
    with connection(copy, write=True) as con:
        before = con.execute(f"SELECT * FROM {PART_RANGE.name} ORDER BY ALL").fetchall()
        # no ranges for parts 00-09; parts 10-12 without a borough range (as a warehouse
        # written when ranges of month and force only were kept leaves them)
        con.execute(f"DELETE FROM {PART_RANGE.name} WHERE part LIKE '0%' "
                    "OR (part LIKE '1%' AND column_name = 'borough_code')")
    with Warehouse(copy) as wh:
        wh.open()
        after = rows(wh, f"SELECT * FROM {PART_RANGE.name} ORDER BY ALL")
    older = [r for r in after if r[1].startswith(f"{OLDER:02d}aaa")]
    file_id = f"{OLDER:02d}".ljust(64, "a")
    assert sorted(older) == [("police_street", older[0][1], "borough_code", CITY, CITY),
                             ("police_street", older[0][1], "file_id", file_id, file_id),
                             ("police_street", older[0][1], "force", "city-of-london",
                              "city-of-london"),
                             ("police_street", older[0][1], "month", "2023-04", "2023-04")]
    assert sorted(set(after) - set(older)) == sorted(before)


def test_a_reader_reads_the_listings_once_and_a_writer_sees_new_parts(
        path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    original = part_ranges.listed

    def counted(con: Any, table: Any) -> Any:
        calls.append(table.name)
        return original(con, table)

    monkeypatch.setattr(part_ranges, "listed", counted)
    query = QUERIES["police.force_points"]
    values = query.bind({"force": "metropolitan", "crime_type": "Burglary",
                         "first": "2023-02", "last": "2023-03"})
    with Warehouse(path, read_only=True) as wh:
        for _ in range(3):
            wh.engine.arrow(query, values)
            wh.cursor().engine.arrow(query, values)
    assert calls == ["police_street"]
    writable = tmp_path / "w.duckdb"
    rng = np.random.default_rng(5)
    with Warehouse(writable) as wh:
        _met_months(wh, rng, "2023-02", "2023-07")
        first = wh.engine.arrow(query, values).num_rows
        wh.insert(POLICE_STREET, _frame("metropolitan", ("2023-03",), 3, rng))
        second = wh.engine.arrow(query, values).num_rows
        direct = scalar(wh, "SELECT count(*) FROM police_street WHERE crime_type = "
                            "'Burglary' AND month BETWEEN '2023-02' AND '2023-03'")
    assert 0 < first < second == direct


def test_a_reader_of_a_warehouse_without_ranges_reads_every_part(path: Path,
                                                                 tmp_path: Path) -> None:
    copy = tmp_path / "warehouse.duckdb"
    copy_warehouse(path, copy)
    with connection(copy, write=True) as con:
        con.execute(f"DROP TABLE {PART_RANGE.name}")
    query = QUERIES["points.count.police"]
    values = query.bind(_params(query, {"first": "2023-03", "last": "2023-03"}))
    with Warehouse(copy, read_only=True) as old, Warehouse(path, read_only=True) as new:
        assert old.engine.sql(query, values) == query.sql  # type: ignore[attr-defined]
        assert new.engine.sql(query, values) != query.sql  # type: ignore[attr-defined]
        assert old.engine.arrow(query, values) == new.engine.arrow(query, values)
