"""Engines that answer named queries: DuckDB over the workspace (the default) and Apache
Spark over the same Parquet layout (:mod:`vrhub.storage.engines.spark`, optional extra
``spark``). See docs/explanation/engines.md."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd
import pyarrow as pa

if TYPE_CHECKING:
    from vrhub.storage.queries.core import NamedQuery
    from vrhub.storage.warehouse import Warehouse

ENGINES = ("duckdb", "spark")


class Engine(Protocol):
    """Answers a named query with bound parameter values."""

    name: str

    def frame(self, query: NamedQuery, params: dict[str, Any]) -> pd.DataFrame: ...

    def arrow(self, query: NamedQuery, params: dict[str, Any]) -> pa.Table: ...


class DuckDBEngine:
    """The warehouse's own DuckDB connection: tables in the DuckDB file and the views over
    Parquet parts."""

    name = "duckdb"

    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse

    def frame(self, query: NamedQuery, params: dict[str, Any]) -> pd.DataFrame:
        return self.warehouse._con.execute(query.sql, params).df()

    def arrow(self, query: NamedQuery, params: dict[str, Any]) -> pa.Table:
        return self.warehouse._con.sql(query.sql, params=params).to_arrow_table()
