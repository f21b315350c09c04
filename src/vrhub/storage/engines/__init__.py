"""Engines that answer named queries: DuckDB over the workspace (the default) and Apache
Spark over the same Parquet layout (:mod:`vrhub.storage.engines.spark`, optional extra
``spark``). See docs/explanation/engines.md."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd
import pyarrow as pa

if TYPE_CHECKING:
    from vrhub.standards.schema import Table
    from vrhub.storage.part_ranges import Recorded
    from vrhub.storage.queries.core import NamedQuery
    from vrhub.storage.warehouse import Warehouse

ENGINES = ("duckdb", "spark")

#: an answer as Python values: its column names, and its rows as tuples
Rows = tuple[list[str], list[tuple[Any, ...]]]


class Engine(Protocol):
    """Answers a named query with bound parameter values."""

    name: str

    def frame(self, query: NamedQuery, params: dict[str, Any]) -> pd.DataFrame: ...

    def arrow(self, query: NamedQuery, params: dict[str, Any]) -> pa.Table: ...

    def rows(self, query: NamedQuery, params: dict[str, Any]) -> Rows: ...


class DuckDBEngine:
    """The warehouse's own DuckDB connection: tables in the DuckDB file and the views over
    Parquet parts. A query declaring bounds on a table stored as parts (:class:`~vrhub.
    storage.queries.core.Narrow`) reads that table from the parts that may hold its rows
    only: the view's name is given to those parts for the one query (a common table
    expression of the same name, inlined, so filters still reach the Parquet scan)."""

    name = "duckdb"

    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse

    def frame(self, query: NamedQuery, params: dict[str, Any]) -> pd.DataFrame:
        return self.warehouse._con.execute(self.sql(query, params), params).df()

    def arrow(self, query: NamedQuery, params: dict[str, Any]) -> pa.Table:
        return self.warehouse._con.sql(self.sql(query, params),
                                       params=params).to_arrow_table()

    def rows(self, query: NamedQuery, params: dict[str, Any]) -> Rows:
        # run as a statement, not a relation: a relation is bound when made and its query
        # planned again when read, which for a short answer costs more than the answer
        found = self.warehouse._con.execute(self.sql(query, params), params)
        return [d[0] for d in found.description], found.fetchall()

    def sql(self, query: NamedQuery, params: dict[str, Any]) -> str:
        """The query's SQL, its declared bounds applied to the parts it reads."""
        if not query.narrows:
            return query.sql
        from vrhub.storage.engines.tables import declared_table

        wh = self.warehouse
        named = []
        for name, bounds in query.bounds(params).items():
            table = declared_table(name)
            if table is None or not any(c in table.part_ranges for c in bounds) or \
                    not wh.has_table(name):
                continue
            relation = wh.parts.narrowed(table, _listed(wh, table), bounds)
            if relation is not None:
                named.append(f'"{name}" AS NOT MATERIALIZED ({relation})')
        if not named:
            return query.sql
        head, rest = query.sql[:5], query.sql[5:]
        if head.upper() == "WITH ":  # the query's own expressions follow
            return f"WITH {', '.join(named)}, {rest}"
        return f"WITH {', '.join(named)} {query.sql}"


def _listed(wh: Warehouse, table: Table) -> list[tuple[str, Recorded]]:
    """``table``'s parts with their recorded ranges (kept while the warehouse is read-only:
    its listings cannot change)."""
    return wh.remembered(f"part_ranges.{table.name}",
                         lambda: wh.parts.listed_ranges(wh._con, table))
