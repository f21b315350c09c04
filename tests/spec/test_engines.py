"""Every named query gives the same answer on DuckDB and on Apache Spark (local), over two
workspaces: a real slice of police.uk (City of London, January to September 2023), every
other declared table present (empty where nothing is loaded); and the synthetic demo
workspace, which holds every source the demo loads (boundaries, lookups, population, IMD,
MPS counts, police.uk street crimes, ED sites and ED submissions), with each query's
parameters taken from that workspace's own rows so that the answers are not empty. Spark
starts once for the whole test session."""

from __future__ import annotations

import datetime as dt
import decimal
import math
import os
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.conftest import SHARED_DATA
from tests.warehouse_sql import rows as sql_rows
from vrhub.standards.registry import all_tables
from vrhub.storage.queries import QUERIES, NamedQuery
from vrhub.storage.queries.core import TEMPLATES, load_all
from vrhub.storage.warehouse import Warehouse

try:
    import pyspark  # noqa: F401
except ImportError:  # pragma: no cover - CI installs the dev extra, which holds it
    if os.environ.get("CI"):
        raise
    pytest.skip("the Spark extra is not installed", allow_module_level=True)

from vrhub.storage.engines.spark import SparkEngine, spark_session

load_all()

#: representative compositions of each template (record searches), by name
COMPOSED = {query.name: query for declared in TEMPLATES.values()
            for query in declared.example_queries()}


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    interrupted = signal.getsignal(signal.SIGINT)
    session = spark_session("local[2]")  # Spark installs its own Ctrl-C handler
    yield session
    session.stop()
    # the handler cancels the (stopped) context's jobs: put the one before it back, or an
    # interrupt as the test worker ends reaches a context that is gone
    if threading.current_thread() is threading.main_thread():  # where Spark set it
        signal.signal(signal.SIGINT, interrupted)


def _complete(wh: Warehouse) -> Warehouse:
    """Every declared table present (empty where nothing was loaded), and the view of
    current ED rows."""
    from vrhub.storage.queries.istv import ensure_current_view

    wh.ensure_tables(all_tables())
    ensure_current_view(wh)
    return wh


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    if not SHARED_DATA.exists():
        if os.environ.get("CI"):
            pytest.fail(f"real data folder {SHARED_DATA} is missing on CI")
        pytest.skip("../shared/data is not present")
    from vrhub.ingest import police_uk
    from vrhub.ingest.inputs import discover

    home = tmp_path_factory.mktemp("engines-real")
    files = discover([SHARED_DATA / "police-uk" / "city-of-london"], police_uk.PATTERNS)
    with Warehouse(home / "warehouse.duckdb") as wh:
        police_uk.load_street(wh, [f for f in files if f.logical_name.startswith("2023-0")])
        yield _complete(wh)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    from vrhub.demo import build_demo

    home = tmp_path_factory.mktemp("engines-synthetic")
    with Warehouse(home / "warehouse.duckdb") as wh:
        build_demo(wh, home)
        yield _complete(wh)


#: parameter values read from the workspace, so that answers are not empty
_FROM_DATA: dict[str, Callable[[Warehouse], Any]] = {
    "file_id": lambda wh: _pick(wh, "SELECT file_id FROM provenance ORDER BY loaded_at"),
    "sha256": lambda wh: _pick(wh, "SELECT sha256 FROM istv_submission ORDER BY sha256"),
    "submission_id": lambda wh: _pick(wh, "SELECT submission_id FROM istv_submission "
                                          "ORDER BY 1"),
    "site": lambda wh: _pick(wh, "SELECT site_code FROM istv_submission ORDER BY 1"),
    "version": lambda wh: _pick(wh, "SELECT version FROM istv_codelist ORDER BY 1"),
    "year": lambda wh: _pick(wh, "SELECT max(year) FROM population WHERE source = 'mye'"),
}


def _pick(wh: Warehouse, sql: str) -> Any:
    # the test's own question of the workspace, independent of the queries under test
    found = sql_rows(wh, sql)
    return found[0][0] if found and found[0][0] is not None else None


#: what a query of a module reads, when the workspace holds it: (source of its files,
#: table and column of its force or site, table of its months)
_SOURCE_OF = {"mps": "mps", "police": "police", "istv": "istv"}


def _params(wh: Warehouse, query: NamedQuery) -> dict[str, Any]:
    params = dict(query.example)
    for name in query.params:
        if name in _FROM_DATA and query.params[name] in ("str", "int", "str | None"):
            found = _FROM_DATA[name](wh)
            if found is not None:
                params[name] = int(found) if query.params[name] == "int" else str(found)
    module = query.name.split(".")[0]
    source = _SOURCE_OF.get(module)
    if source and "file_id" in query.params:
        found = _pick(wh, "SELECT file_id FROM provenance WHERE source = "
                          f"'{source}' ORDER BY file_name")
        if found is not None:
            params["file_id"] = str(found)
    if module == "police" and _pick(wh, "SELECT count(*) FROM police_street"):
        params.update({k: v for k, v in {
            "force": _pick(wh, 'SELECT "force" FROM police_street GROUP BY 1 '
                               "ORDER BY count(*) DESC, 1"),
            "first": _pick(wh, "SELECT min(month) FROM police_street"),
            "last": _pick(wh, "SELECT max(month) FROM police_street"),
        }.items() if k in query.params and v is not None})
    if module == "mps" and "months" in query.params:
        held = [m for (m,) in sql_rows(
            wh, "SELECT DISTINCT month FROM mps_crime_count ORDER BY 1 LIMIT 3")]
        if held:
            params["months"] = held
    if module == "series":
        params.update(_series_params(wh, query))
    if "sites" in query.params:
        held = [s for (s,) in sql_rows(
            wh, "SELECT DISTINCT site_code FROM istv_submission ORDER BY 1")]
        if held:
            params["sites"] = held
    if "record_id" in query.params:
        params.update(_held_record(wh, query.name.rsplit(".", 1)[1]) or {})
    return params


#: a police.uk record's id, in the test's own SQL: its file's id (16 characters) and row
_FILE_AND_ROW = "substr(file_id, 1, 16) || '-' || CAST(row_number AS VARCHAR)"
#: dataset -> (table, a record's id, the order of its rows)
_RECORD_IDS = {
    "police": ("police_street", _FILE_AND_ROW, "file_id, row_number"),
    "stop-search": ("police_stop_search", _FILE_AND_ROW, "file_id, row_number"),
    "istv": ("istv_assault_current", "assault_id", "assault_id"),
}


def _held_record(wh: Warehouse, name: str) -> dict[str, Any] | None:
    """The values of the one-record questions naming a record the workspace holds (its
    tenth row, or the last of fewer), so that both engines are asked for a row, not none."""
    from vrhub.storage.queries.records import DATASETS, record_values

    table, id_sql, order = _RECORD_IDS[name]
    found = sql_rows(wh, f"SELECT {id_sql} FROM {table} ORDER BY {order} LIMIT 10")
    return record_values(DATASETS[name], str(found[-1][0])) if found else None


#: the series questions' sources: the table and the month of a row
_SERIES_SOURCES = {"police": ("police_street", "month"), "mps": ("mps_crime_count", "month"),
                   "istv": ("istv_assault", "strftime(assault_at, '%Y-%m')")}


def _series_params(wh: Warehouse, query: NamedQuery) -> dict[str, Any]:
    """Values of the series questions' filters that select some of the workspace's rows:
    the study area, the borough with most rows, the months but the first and last, the
    most frequent categories."""
    parts = query.name.split(".")
    source = next((s for s in _SERIES_SOURCES if s in parts), None)
    if source is None and ("istv" in query.name or "assault" in query.name):
        source = "istv"
    out: dict[str, Any] = {}
    if "districts" in query.params:
        out["districts"] = list(wh.study_area.districts)
    if "year" in query.params and "source" in query.params:
        found = sql_rows(wh, "SELECT source, year FROM population WHERE lsoa_vintage = "
                             "'2021' ORDER BY year DESC, source LIMIT 1")
        if found:
            out["source"], out["year"] = str(found[0][0]), int(found[0][1])
    if source is None:
        return out
    table, month = _SERIES_SOURCES[source]
    borough = _pick(wh, f"SELECT borough_code FROM {table} WHERE borough_code IS NOT NULL "
                        "GROUP BY 1 ORDER BY count(*) DESC, 1")
    if borough is not None and "areas" in query.params:
        out["areas"] = [borough]
    if borough is not None and "borough" in query.params:
        out["borough"] = borough
    months = [m for (m,) in sql_rows(
        wh, f"SELECT DISTINCT {month} FROM {table} WHERE {month} IS NOT NULL ORDER BY 1")]
    if len(months) > 2 and "first" in query.params:
        out["first"], out["last"] = months[1], months[-2]
    if source == "police" and "categories" in query.params:
        out["categories"] = [c for (c,) in sql_rows(
            wh, "SELECT crime_type FROM police_street GROUP BY 1 ORDER BY count(*) DESC, 1 "
                "LIMIT 2")] or query.example["categories"]
    if source == "mps" and "minors" in query.params:
        pairs = sql_rows(wh, "SELECT major_category, minor_category FROM mps_crime_count "
                             "GROUP BY 1, 2 ORDER BY count(*) DESC, 1, 2")
        if pairs:
            out["minors"] = [pairs[0][1]]
            if "majors" in query.params:
                out["majors"] = [m for m, _ in pairs if m != pairs[0][0]][:1]
    return out


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return round(float(value), 9)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime().replace(tzinfo=None).isoformat()
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if hasattr(value, "item"):  # numpy scalars
        return _cell(value.item())
    return value


def _normal(frame: Any) -> tuple[list[str], list[tuple[Any, ...]]]:
    columns = [str(c) for c in frame.column_names]
    values = [[_cell(v) for v in frame.column(i).to_pylist()]
              for i in range(frame.num_columns)]
    found = list(zip(*values, strict=True)) if values else []
    return columns, sorted(found, key=repr)


def _compare(wh: Warehouse, engine: SparkEngine, query: NamedQuery) -> int:
    params = query.bind(_params(wh, query))
    duck = wh.engine.arrow(query, params)
    spark = engine.arrow(query, params)
    assert _normal(spark) == _normal(duck), f"{query.name}: Spark differs from DuckDB"
    return duck.num_rows


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_named_query_agrees_on_real_police_data(name: str, real: Warehouse,
                                                      spark: Any) -> None:
    engine = _engine(real, spark)
    _compare(real, engine, QUERIES[name])


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_named_query_agrees_on_the_synthetic_workspace(name: str, synthetic: Warehouse,
                                                             spark: Any) -> None:
    engine = _engine(synthetic, spark)
    _compare(synthetic, engine, QUERIES[name])


def _same(value: Any) -> Any:
    """A value compared as itself, NaN as a marker (NaN equals nothing, itself included),
    and a whole-number sum (DuckDB's HUGEINT, which Arrow carries as a 38-digit decimal)
    as the whole number the rows give."""
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, decimal.Decimal) and value == value.to_integral_value():
        return int(value)
    return value


@pytest.mark.parametrize("name", sorted(QUERIES) + sorted(COMPOSED))
def test_duckdb_rows_are_its_arrow_answer_as_python_values(name: str,
                                                           synthetic: Warehouse) -> None:
    """Short answers are read as rows (a statement, planned once) and long ones as Arrow
    (a relation): the two give the same names, values and types (in any order: not every
    query orders its rows wholly)."""
    query = QUERIES.get(name) or COMPOSED[name]
    params = query.bind(_params(synthetic, query))
    table = synthetic.engine.arrow(query, params)
    columns, found = synthetic.engine.rows(query, params)
    expected = sorted((tuple(map(_same, row)) for row in zip(
        *(table.column(i).to_pylist() for i in range(table.num_columns)), strict=True)),
        key=repr)
    assert columns == table.column_names
    found = sorted((tuple(map(_same, row)) for row in found), key=repr)
    assert found == expected
    assert [[type(v) for v in row] for row in found] == [[type(v) for v in row]
                                                          for row in expected]


def test_the_synthetic_workspace_answers_with_rows(synthetic: Warehouse, spark: Any) -> None:
    """Not an empty comparison: every table the demo fills is read, with rows, by some
    named query on Spark, and the queries of each source's module find rows."""
    engine = _engine(synthetic, spark)
    answered: set[str] = set()
    by_module: dict[str, int] = {}
    for name, query in sorted(QUERIES.items()):
        rows = engine.arrow(query, query.bind(_params(synthetic, query))).num_rows
        module = name.split(".")[0]
        by_module[module] = by_module.get(module, 0) + rows
        if rows:
            answered |= query.tables()
    tables = ("area_boundary", "area_lookup", "population", "imd", "mps_crime_count",
              "police_street", "istv_submission", "provenance")
    filled = {t for t in tables if _pick(synthetic, f"SELECT count(*) FROM {t}")}
    assert len(filled) == len(tables), f"the demo left {set(tables) - filled} empty"
    assert filled <= answered, f"no query answered with rows from {sorted(filled - answered)}"
    for module in ("areas", "istv", "mps", "police", "quality", "reference", "series"):
        assert by_module.get(module, 0) > 0, f"every {module} query answered with no rows"


@pytest.mark.parametrize("name", sorted(COMPOSED))
def test_every_representative_composition_agrees_on_real_police_data(
        name: str, real: Warehouse, spark: Any) -> None:
    engine = _engine(real, spark)
    _compare(real, engine, COMPOSED[name])


def test_event_and_record_questions_find_rows_on_both_engines(real: Warehouse,
                                                               spark: Any) -> None:
    """Not empty comparisons: the City of London's counted crimes as hotspots, near-repeat
    tests and record searches read them (counted here with plain SQL on DuckDB)."""
    counted = _pick(real, "SELECT count(*) FROM police_street ANTI JOIN police_uncounted "
                          "USING (file_id, row_number)")
    burglaries = _pick(real, "SELECT count(*) FROM police_street ANTI JOIN police_uncounted "
                             "USING (file_id, row_number) WHERE crime_type = 'Burglary' "
                             "AND month BETWEEN '2023-01' AND '2023-06'")
    assert counted > 5_000 and burglaries > 0
    engine = _engine(real, spark)
    for query, expected in (
            (QUERIES["points.near_repeat_count.police"], burglaries),
            (TEMPLATES["records.total.police"].example_queries()[0], counted),
            (QUERIES["points.count.police"], None)):
        assert _compare(real, engine, query) == 1
        found = engine.arrow(query, query.bind(_params(real, query))).column(0)[0].as_py()
        assert found == expected or (expected is None and found > 0), query.name
    page = TEMPLATES["records.page.police"].example_queries()[0]  # every record
    assert _compare(real, engine, page) == 25


def test_one_record_by_id_is_the_same_row_on_both_engines(real: Warehouse,
                                                           spark: Any) -> None:
    """A police.uk record asked for by its id (its file's and its row's): both engines
    read the row the test reads with plain SQL, and none for an id naming no row."""
    from vrhub.storage.queries.records import DATASETS, OWNER, RECORD, record_values

    file_id, row, crime_id, borough = sql_rows(
        real, "SELECT file_id, row_number, crime_id, borough_code FROM police_street "
              "WHERE crime_id IS NOT NULL ORDER BY file_id DESC, row_number LIMIT 1 "
              "OFFSET 40")[0]
    record_id = f"{file_id[:16]}-{row}"
    engine = _engine(real, spark)
    for values, expected in ((record_values(DATASETS["police"], record_id), 1),
                             (record_values(DATASETS["police"], f"{file_id[:16]}-0"), 0)):
        assert values is not None
        for query in (OWNER["police"], RECORD["police"]):
            params = query.bind(values)
            duck, other = real.engine.arrow(query, params), engine.arrow(query, params)
            assert _normal(other) == _normal(duck) and duck.num_rows == expected, query.name
    found = engine.arrow(RECORD["police"], RECORD["police"].bind(
        record_values(DATASETS["police"], record_id) or {})).to_pylist()[0]
    assert (found["record_id"], found["crime_id"], found["borough_code"]) == (
        record_id, crime_id, borough)


def test_the_real_slice_answers_with_rows(real: Warehouse, spark: Any) -> None:
    """Not an empty comparison: the police questions find the City of London rows of
    January to September 2023 on Spark (counted here with plain SQL on DuckDB)."""
    from vrhub.storage.queries import quality

    expected = _pick(real, "SELECT count(*) FROM police_street")
    assert expected > 5_000
    engine = _engine(real, spark)
    months = engine.frame(quality.STREET_MONTHS, {})
    assert int(months["rows"].sum()) == expected
    held = [m for (m,) in sql_rows(
        real, "SELECT DISTINCT month FROM police_street ORDER BY 1")]
    assert sorted(months["month"]) == held and held[0] == "2023-01"


_ENGINES: dict[int, SparkEngine] = {}
#: the workspace whose tables the Spark session's views are now
_VIEWS_OF: list[int] = []


def _engine(wh: Warehouse, spark: Any) -> SparkEngine:
    key = id(wh)
    if key not in _ENGINES:
        _ENGINES[key] = SparkEngine(wh, spark, copies=Path(wh.path).with_name("spark-copies"))
    engine = _ENGINES[key]
    if key not in _VIEWS_OF:  # the views (one session, same names) are another workspace's
        engine.refresh()
        _VIEWS_OF[:] = [key]
    return engine
