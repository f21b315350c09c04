"""Named warehouse questions with typed parameters, and the one way to run them.

A :class:`NamedQuery` is one question: a name, its SQL (DuckDB's dialect, parameters written
``$name``) and the type of each parameter. :func:`run` checks the values against the types and
asks the warehouse's engine (DuckDB over the workspace by default, Spark when chosen, see
:mod:`vrhub.storage.engines`). Every query is listed in :data:`QUERIES`, so every one can be
run on every engine by the same test.

Parameter types: ``str``, ``int``, ``float``, ``bool`` and ``list[str]`` (a list is written
``list_contains($name, column)`` in the SQL; both engines read it the same way). A ``str``
parameter may be None only when declared ``str | None``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import pandas as pd
import pyarrow as pa

if TYPE_CHECKING:
    from vrhub.storage.warehouse import Warehouse

#: the parameter types a named query may declare
KINDS: dict[str, tuple[type, ...]] = {
    "str": (str,), "str | None": (str, type(None)), "int": (int,), "float": (float, int),
    "bool": (bool,), "list[str]": (list, tuple),
}

_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


@dataclass(frozen=True)
class NamedQuery:
    """One warehouse question. ``params`` maps each ``$name`` in ``sql`` to its type (a key
    of :data:`KINDS`); ``example`` gives values the cross-engine test runs it with."""

    name: str
    sql: str
    params: Mapping[str, str] = field(default_factory=dict)
    doc: str = ""
    example: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        used = set(_PARAM.findall(self.sql))
        if used != set(self.params):
            raise ValueError(f"query {self.name}: parameters {sorted(used)} in the SQL, "
                             f"{sorted(self.params)} declared")
        for name, kind in self.params.items():
            if kind not in KINDS:
                raise ValueError(f"query {self.name}: parameter {name} has unknown type {kind}")

    def bind(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` checked against the declared types (lists become lists of text)."""
        missing = set(self.params) - set(values)
        extra = set(values) - set(self.params)
        if missing or extra:
            raise TypeError(f"query {self.name}: missing {sorted(missing)}, "
                            f"unexpected {sorted(extra)}")
        bound: dict[str, Any] = {}
        for name, kind in self.params.items():
            value: Any = values[name]
            if isinstance(value, bool) and kind in ("int", "float"):
                raise TypeError(f"query {self.name}: {name} must be {kind}, not bool")
            if not isinstance(value, KINDS[kind]):
                raise TypeError(f"query {self.name}: {name} must be {kind}, "
                                f"not {type(value).__name__}")
            if kind == "list[str]":
                items = list(cast(Sequence[Any], value))
                if not all(isinstance(v, str) for v in items):
                    raise TypeError(f"query {self.name}: {name} must hold text only")
                value = items
            bound[name] = value
        return bound

    def tables(self) -> set[str]:
        """The tables (and views) the query reads."""
        import sqlglot
        from sqlglot import exp

        tree = sqlglot.parse_one(self.sql, read="duckdb")
        ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
        return {t.name for t in tree.find_all(exp.Table) if t.name and t.name not in ctes}


#: every named query, by name
QUERIES: dict[str, NamedQuery] = {}


def define(name: str, sql: str, params: Mapping[str, str] | None = None, *, doc: str = "",
           example: Mapping[str, Any] | None = None) -> NamedQuery:
    """Declare (and list) a named query."""
    if name in QUERIES:
        raise ValueError(f"query {name} defined twice")
    query = NamedQuery(name, " ".join(sql.split()), dict(params or {}), doc,
                       dict(example or {}))
    QUERIES[name] = query
    return query


def load_all() -> dict[str, NamedQuery]:
    """Import every module of :mod:`vrhub.storage.queries`, so :data:`QUERIES` lists every
    named query."""
    import importlib
    import pkgutil

    import vrhub.storage.queries as package

    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{info.name}")
    return QUERIES


def run(wh: Warehouse, query: NamedQuery, **values: Any) -> pd.DataFrame:
    """Answer ``query`` with ``values`` on ``wh``'s engine, as a frame."""
    return wh.engine.frame(query, query.bind(values))


def run_arrow(wh: Warehouse, query: NamedQuery, **values: Any) -> pa.Table:
    """Answer ``query`` with ``values`` on ``wh``'s engine, as an Arrow table."""
    return wh.engine.arrow(query, query.bind(values))


def rows(wh: Warehouse, query: NamedQuery, **values: Any) -> list[tuple[Any, ...]]:
    """The answer's rows as tuples of Python values."""
    table = run_arrow(wh, query, **values)
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    return list(zip(*columns, strict=True))


def value(wh: Warehouse, query: NamedQuery, **values: Any) -> Any:
    """The first column of the first row of the answer (None when there is no row)."""
    table = run_arrow(wh, query, **values)
    if not table.num_rows:
        return None
    return table.column(0)[0].as_py()
