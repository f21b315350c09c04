"""Named queries: typed parameters, one registry; and the storage pieces beside them."""

from __future__ import annotations

import sqlite3
import typing
from pathlib import Path

import pyarrow.csv as pv
import pytest

from tests.warehouse_sql import execute
from vrhub.standards.schema import ColumnType
from vrhub.storage.appdb import statements
from vrhub.storage.engines.tables import SPARK_TYPES, declared_table
from vrhub.storage.file_load import FileLoad
from vrhub.storage.queries import QUERIES, areas, catalogue, demo, events, gazetteer, police
from vrhub.storage.queries import names as name_queries
from vrhub.storage.queries import postcodes as postcode_queries
from vrhub.storage.queries import reconcile as reconcile_queries
from vrhub.storage.queries import records as record_queries
from vrhub.storage.queries import sources as source_queries
from vrhub.storage.queries.core import TEMPLATES, Fragment, Template, rows
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


def test_every_choice_of_source_and_level_has_its_own_query() -> None:
    assert set(events.EVENTS) == {"police", "police_rule", "police_plain", "istv", "istv_all",
                                  "istv_sites", "istv_all_sites"}
    assert {q.name for q in catalogue.AREAS.values()} == {
        "catalogue.areas.lsoa", "catalogue.areas.ward", "catalogue.areas.borough"}
    for query in (*events.EVENTS.values(), *catalogue.AREAS.values(),
                  *record_queries.RECORD.values()):
        assert QUERIES[query.name] is query and query.example
    # police rows are read as they count, in the study area given as a parameter
    assert "police_uncounted" in events.EVENTS["police"].tables()
    assert events.EVENTS["police"].params["districts"] == "list[str]"
    assert "police_uncounted" not in events.EVENTS["police_rule"].tables()


def test_names_sources_and_reconciliation_have_a_query_per_choice() -> None:
    assert set(name_queries.AREAS_LOOKUP) == {"borough", "ward", "lsoa"}
    # the ED files a caller may see choose the form of each sources question
    for form in ("all", "open", "sites"):
        assert QUERIES[f"sources.files.{form}"] is source_queries.FILES[form]
    assert source_queries.FILES["sites"].params["sites"] == "list[str]"
    assert "istv_submission" not in source_queries.FILES["open"].tables()
    # crimes counted with the ledger, with the rule, or each row once
    forms = reconcile_queries.POLICE_COUNTS
    assert "police_uncounted" in forms["listed"].tables()
    assert "police_uncounted" not in forms["rule"].tables() | forms["plain"].tables()
    # postcodes: many at once as one list, read from the directory only
    assert postcode_queries.POSTCODES.params == {"postcodes": "list[str]"}
    assert postcode_queries.POSTCODES.tables() == {"gazetteer_postcode"}
    assert "police_uncounted" in police.UNCOUNTED_BY_SERIES["listed"].tables()


def test_a_template_composes_declared_fragments_only() -> None:
    total = TEMPLATES["records.total.stop-search"]
    query = total.compose(["scope_boroughs", "month_from"])
    assert query.name == "records.total.stop-search[scope_boroughs,month_from]"
    assert query.params == {"scope_boroughs": "list[str]", "month_from": "str"}
    assert "(list_contains($scope_boroughs, borough_code)) AND (month >= $month_from)" \
        in query.sql
    assert query.name not in QUERIES
    assert total.compose([]).sql.endswith("WHERE TRUE")
    with pytest.raises(ValueError, match=r"no fragment \['sites'\]"):
        total.compose(["sites"])  # stop and search has no ED site column
    clash = Template("t", "SELECT 1 FROM x WHERE {where}", {}, {
        "a": Fragment("a", "y = $v", {"v": "str"}), "b": Fragment("b", "z = $v", {"v": "int"})})
    with pytest.raises(ValueError, match="parameter v declared str and int"):
        clash.compose(["a", "b"])


def test_a_composed_query_runs_with_checked_values(tmp_path: Path) -> None:
    listed = Template("t", "SELECT 1 FROM x WHERE {where}", {"rows": "list[int]"}, {
        "a": Fragment("a", "list_contains($rows, y)", {"rows": "list[int]"})})
    with pytest.raises(TypeError, match="rows must hold int values only"):
        listed.compose(["a"]).bind({"rows": ["1"]})
    assert listed.compose(["a"]).bind({"rows": [1]})["rows"] == [1]
    query = record_queries.SEARCHES["stop-search"].page.compose(["boroughs", "month_from"])
    with Warehouse(tmp_path / "w.duckdb") as wh:
        execute(wh, "CREATE TABLE police_stop_search AS SELECT 'f' AS file_id, "
                    "r AS row_number, '2024-0' || r AS month, "
                    "'E09000001' AS borough_code, NULL AS datetime, NULL AS force, "
                    "NULL AS search_type, NULL AS object_of_search, NULL AS outcome, "
                    "NULL AS legislation, NULL AS age_range, NULL AS gender, "
                    "NULL AS easting, NULL AS northing, NULL AS lsoa21_code, "
                    "NULL AS ward_code FROM range(1, 5) t(r)")
        found = rows(wh, query, boroughs=["E09000001"], month_from="2024-02", limit=2,
                     offset=1)
    assert [r[0] for r in found] == ["f-3", "f-4"]


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
