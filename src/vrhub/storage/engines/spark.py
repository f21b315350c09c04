"""Apache Spark as the engine of named queries, over the workspace's Parquet layout.

Each named query is written once in DuckDB's SQL. For Spark it is parsed and written again
in Spark SQL with SQLGlot (:func:`to_spark_sql`), its ``$name`` parameters becoming typed
literals (text is quoted by the writer, so a value never becomes SQL). The tables a query
reads are temporary views over Parquet:

* a table stored as parts (``police_street``) reads exactly the parts the warehouse lists,
  with each column cast to its declared type, as DuckDB's view does;
* any other table is copied once per engine from the DuckDB file to
  ``<workspace>/warehouse.spark/<table>.parquet`` (``refresh()`` copies again).

The session is local (``local[2]``) unless ``spark_master`` says otherwise (a
``spark://host:7077`` cluster, ``yarn``, or a session a platform such as Databricks gives:
pass it as ``session``). See docs/explanation/engines.md.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa

from vrhub.errors import ConfigError
from vrhub.storage.engines.tables import SPARK_TYPES, declared_table

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from vrhub.storage.engines import Rows
    from vrhub.storage.queries.core import NamedQuery
    from vrhub.storage.warehouse import Warehouse

INSTALL_HINT = "install the Spark extra: pip install 'vrhub[spark]' (and Java 17 or later)"
_SESSION_LOCK = threading.Lock()


def spark_session(master: str | None = None, *, app_name: str = "vrhub",
                  config: dict[str, str] | None = None) -> SparkSession:
    """A Spark session: local on two cores by default, else on ``master``."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise ConfigError("the Spark engine needs pyspark", hint=INSTALL_HINT) from exc
    with _SESSION_LOCK:
        builder = SparkSession.builder.appName(app_name).master(master or "local[2]")
        settings = {
            "spark.sql.session.timeZone": "UTC",
            "spark.sql.execution.arrow.pyspark.enabled": "true",
            "spark.sql.shuffle.partitions": "4",
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
            "spark.sql.ansi.enabled": "false",
            **(config or {}),
        }
        for key, value in settings.items():
            builder = builder.config(key, value)
        return builder.getOrCreate()


def to_spark_sql(sql: str, params: dict[str, Any]) -> str:
    """DuckDB SQL with ``$name`` parameters -> Spark SQL with the values as literals."""
    try:
        import sqlglot
        from sqlglot import exp
    except ImportError as exc:
        raise ConfigError("the Spark engine needs sqlglot", hint=INSTALL_HINT) from exc

    tree = sqlglot.parse_one(sql, read="duckdb")

    def bind(node: exp.Expression) -> exp.Expression:
        name = _parameter_name(node)
        if name is None:
            return node
        if name not in params:
            raise KeyError(f"no value for parameter ${name}")
        return _literal(params[name])

    return tree.transform(bind).sql(dialect="spark")


def _parameter_name(node: Any) -> str | None:
    from sqlglot import exp

    if isinstance(node, exp.Parameter):
        inner = node.this
        return str(inner.name if isinstance(inner, exp.Expression) else inner)
    if isinstance(node, exp.Placeholder) and node.name and node.name != "?":
        return str(node.name)
    return None


def _literal(value: Any) -> Any:
    from sqlglot import exp

    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int | float):
        return exp.Literal.number(value)
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, list | tuple):
        return exp.Array(expressions=[_literal(v) for v in value])
    raise TypeError(f"cannot write {type(value).__name__} as a literal")


def query_tables(sql: str) -> set[str]:
    """The tables (not CTEs) a DuckDB query reads."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(sql, read="duckdb")
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    return {t.name for t in tree.find_all(exp.Table) if t.name and t.name not in ctes}


class SparkEngine:
    """Answers named queries on Spark over ``warehouse``'s Parquet layout."""

    name = "spark"

    def __init__(self, warehouse: Warehouse, session: SparkSession | None = None, *,
                 master: str | None = None, copies: Path | None = None) -> None:
        self.warehouse = warehouse
        self.session = session or spark_session(master)
        self.copies = copies or warehouse.path.with_name(warehouse.path.stem + ".spark")
        self._views: dict[str, Any] = {}
        self._lock = threading.Lock()

    def refresh(self) -> None:
        """Forget the views: the next query reads the warehouse as it is now."""
        with self._lock:
            for name in self._views:
                self.session.catalog.dropTempView(name)
            self._views.clear()

    def sql(self, query: NamedQuery, params: dict[str, Any]) -> str:
        return to_spark_sql(query.sql, params)

    def frame(self, query: NamedQuery, params: dict[str, Any]) -> pd.DataFrame:
        return self.arrow(query, params).to_pandas()

    def rows(self, query: NamedQuery, params: dict[str, Any]) -> Rows:
        table = self.arrow(query, params)
        columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
        return table.column_names, list(zip(*columns, strict=True))

    def arrow(self, query: NamedQuery, params: dict[str, Any]) -> pa.Table:
        self._register(query_tables(query.sql))
        result = self.session.sql(self.sql(query, params))
        return result.toArrow()

    # -- tables as views -----------------------------------------------------------------
    def _register(self, tables: Iterable[str]) -> None:
        with self._lock:
            for name in sorted(set(tables) - set(self._views)):
                frame = self._read(name)
                frame.createOrReplaceTempView(name)
                self._views[name] = frame

    def _read(self, name: str) -> Any:
        table = declared_table(name)
        wh = self.warehouse
        if table is not None and table.stored_as == "parts":
            parts = [str(wh.parts.path(name, p)) for p in wh.part_names(table)]
            if not parts:
                return self.session.createDataFrame([], _spark_schema(table))
            frame = self.session.read.parquet(*parts)
            return frame.selectExpr(*[f"CAST(`{c.name}` AS {_spark_type(c.type)}) AS "
                                      f"`{c.name}`" for c in table.columns])
        if not wh.has_table(name):
            raise ConfigError(f"the warehouse has no table {name} for Spark to read",
                              hint="load it first (vrhub load ...)")
        target = self.copies / f"{name}.parquet"
        self.copies.mkdir(parents=True, exist_ok=True)
        if target.exists():
            shutil.rmtree(target) if target.is_dir() else target.unlink()
        wh.export_parquet(name, target)
        return self.session.read.parquet(str(target))


def _spark_type(kind: str) -> str:
    return SPARK_TYPES.get(kind, "STRING")


def _spark_schema(table: Any) -> str:
    return ", ".join(f"`{c.name}` {_spark_type(c.type)}" for c in table.columns)


__all__ = ["SparkEngine", "query_tables", "spark_session", "to_spark_sql"]
