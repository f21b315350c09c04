"""Named queries: typed parameters, one registry; and the storage pieces beside them."""

from __future__ import annotations

import sqlite3
import typing
from pathlib import Path

import pyarrow.csv as pv
import pytest

from vrhub.standards.schema import ColumnType
from vrhub.storage.appdb import statements
from vrhub.storage.engines.tables import SPARK_TYPES, declared_table
from vrhub.storage.file_load import FileLoad
from vrhub.storage.queries import QUERIES, areas, catalogue, demo, gazetteer, police
from vrhub.storage.warehouse import Warehouse
from vrhub.synthetic import national
from vrhub.synthetic.police import STREET_COLUMNS


def test_each_module_lists_its_queries() -> None:
    for query in (areas.LSOA_BOROUGHS, catalogue.POLICE_CRIME_TYPES, demo.BUSIEST_SITE,
                  gazetteer.POINTS, police.FORCE_COUNTS):
        assert QUERIES[query.name] is query


def test_parameters_are_checked_against_their_types() -> None:
    with pytest.raises(TypeError, match="force must be str, not int"):
        police.FORCE_COUNTS.bind({"force": 3, "first": "2024-01", "last": "2024-12"})
    with pytest.raises(TypeError, match=r"missing \['last'\]"):
        police.FORCE_COUNTS.bind({"force": "kent", "first": "2024-01"})


def test_a_file_load_outside_a_transaction_is_refused(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb") as wh:
        load = FileLoad(wh, source="police", file_name="a.csv", sha256="0" * 64)
        with pytest.raises(RuntimeError, match=r"inside Warehouse\.atomic"):
            load.__enter__()


def test_the_app_database_statements_run_on_sqlite() -> None:
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE account_version (id INTEGER PRIMARY KEY, version INTEGER)")
    con.execute("INSERT INTO account_version VALUES (1, 7)")
    con.execute("CREATE TABLE audit_event (id INTEGER PRIMARY KEY)")
    assert con.execute(statements.ACCOUNT_VERSION).fetchone() == (7,)
    assert con.execute(statements.AUDIT_SQLITE_WRITE_LOCK).rowcount == 0


def test_spark_knows_every_column_type_and_the_parts_table() -> None:
    assert set(SPARK_TYPES) == set(typing.get_args(ColumnType))
    table = declared_table("police_street")
    assert table is not None and table.stored_as == "parts"
    assert declared_table("no_such_table") is None


def test_national_files_follow_police_uk(tmp_path: Path) -> None:
    areas_ = national.force_areas(20_000, seed=1)
    paths = national.write_month(areas_, tmp_path, "2024-03", 20_000, seed=1)
    assert len(paths) == 43
    assert paths[0].name == "2024-03-avon-and-somerset-street.csv"
    welsh = pv.read_csv(tmp_path / "2024-03" / "2024-03-south-wales-street.csv")
    assert tuple(welsh.column_names) == STREET_COLUMNS
    assert all(c.startswith("W01") for c in welsh["LSOA code"].to_pylist())
    total = sum(pv.read_csv(p).num_rows for p in paths)
    assert 18_000 < total < 23_000  # Poisson around 20,000, a little seasonal
