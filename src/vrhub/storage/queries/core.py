"""Named warehouse questions with typed parameters, and the one way to run them.

A :class:`NamedQuery` is one question: a name, its SQL (DuckDB's dialect, parameters written
``$name``) and the type of each parameter. :func:`run` checks the values against the types and
asks the warehouse's engine (DuckDB over the workspace by default, Spark when chosen, see
:mod:`vrhub.storage.engines`). Every query is listed in :data:`QUERIES`, so every one can be
run on every engine by the same test.

Parameter types: ``str``, ``int``, ``float``, ``bool``, ``list[str]`` and ``list[int]`` (a
list is written ``list_contains($name, column)`` in the SQL; both engines read it the same
way). A ``str`` parameter may be None only when declared ``str | None``; an optional filter
is written ``($name IS NULL OR column >= $name)``.

A question whose set of filters varies too much to list every combination (a record
search) is a :class:`Template`: a query with a ``{where}`` slot and the declared
:class:`Fragment` conditions that may fill it. :meth:`Template.compose` builds a checked
:class:`NamedQuery` from some of them (never from other text), which :func:`run` answers
like any other; :data:`TEMPLATES` lists each template with representative compositions, so
the cross-engine test runs those too.

A query over a table stored as Parquet parts may declare :class:`Narrow` bounds: that every
row of the table its answer depends on has a column within bounds its parameters give (the
months asked for, one force). DuckDB then reads only the parts whose recorded range of that
column meets the bounds (:meth:`vrhub.storage.parts.PartStore.narrowed`), not every part's
footer; the answer is the same, which the test of narrowed queries checks query by query.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, cast

import pandas as pd
import pyarrow as pa

if TYPE_CHECKING:
    from vrhub.storage.engines import Rows
    from vrhub.storage.warehouse import Warehouse

#: the parameter types a named query may declare
KINDS: dict[str, tuple[type, ...]] = {
    "str": (str,), "str | None": (str, type(None)), "int": (int,), "float": (float, int),
    "bool": (bool,), "list[str]": (list, tuple), "list[int]": (list, tuple),
}
_ITEM_KINDS: dict[str, tuple[type, ...]] = {"list[str]": (str,), "list[int]": (int,)}

_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


@dataclass(frozen=True)
class Narrow:
    """A bound a query's conditions put on ``column`` of ``table`` for every row its answer
    depends on: between the values of parameters ``low`` and ``high`` (either None:
    unbounded on that side), or among the values of the list parameter ``within``.
    Declare one only where the SQL says so for *every* read of the table in the query
    (a query whose answer depends on rows outside the bounds, such as the counting rule's
    look at every repeated Crime ID, must not declare it)."""

    table: str
    column: str
    low: str | None = None
    high: str | None = None
    within: str | None = None

    def __post_init__(self) -> None:
        if (self.within is None) == (self.low is None and self.high is None):
            raise ValueError(f"narrow on {self.table}.{self.column}: give low/high or within")

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(p for p in (self.low, self.high, self.within) if p is not None)

    def bounds(self, values: Mapping[str, Any]) -> tuple[str | None, str | None] | None:
        """(least, greatest) value the rows may hold given the bound ``values`` (None on
        a side: unbounded); None when the values bound nothing (an empty list is left
        to the query: it matches no row either way)."""
        if self.within is not None:
            items = [v for v in values[self.within] if v is not None]
            return (min(items), max(items)) if items else None
        low = values[self.low] if self.low is not None else None
        high = values[self.high] if self.high is not None else None
        return None if low is None and high is None else (low, high)


@dataclass(frozen=True)
class NamedQuery:
    """One warehouse question. ``params`` maps each ``$name`` in ``sql`` to its type (a key
    of :data:`KINDS`); ``example`` gives values the cross-engine test runs it with."""

    name: str
    sql: str
    params: Mapping[str, str] = field(default_factory=dict)
    doc: str = ""
    example: Mapping[str, Any] = field(default_factory=dict)
    #: bounds the query's conditions put on columns of tables stored as parts
    narrows: tuple[Narrow, ...] = ()

    def __post_init__(self) -> None:
        used = set(_PARAM.findall(self.sql))
        if used != set(self.params):
            raise ValueError(f"query {self.name}: parameters {sorted(used)} in the SQL, "
                             f"{sorted(self.params)} declared")
        for narrow in self.narrows:
            for param in narrow.params:
                if param not in self.params:
                    raise ValueError(f"query {self.name}: narrow on {narrow.column} names "
                                     f"parameter {param}, not declared")
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
            if kind in _ITEM_KINDS:
                items = list(cast(Sequence[Any], value))
                if not all(isinstance(v, _ITEM_KINDS[kind]) and not isinstance(v, bool)
                           for v in items):
                    raise TypeError(f"query {self.name}: {name} must hold "
                                    f"{_ITEM_KINDS[kind][0].__name__} values only")
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

    def bounds(self, values: Mapping[str, Any]) -> dict[str, dict[str, tuple[Any, Any]]]:
        """table -> column -> (least, greatest) value the answer's rows may hold, from the
        declared narrows and bound ``values`` (narrows of one column meet)."""
        found: dict[str, dict[str, tuple[Any, Any]]] = {}
        for narrow in self.narrows:
            bound = narrow.bounds(values)
            if bound is None:
                continue
            columns = found.setdefault(narrow.table, {})
            low, high = columns.get(narrow.column, (None, None))
            columns[narrow.column] = (
                bound[0] if low is None else low if bound[0] is None else max(low, bound[0]),
                bound[1] if high is None else high if bound[1] is None else min(high, bound[1]))
        return found


#: every named query, by name
QUERIES: dict[str, NamedQuery] = {}


def define(name: str, sql: str, params: Mapping[str, str] | None = None, *, doc: str = "",
           example: Mapping[str, Any] | None = None,
           narrows: Sequence[Narrow] = ()) -> NamedQuery:
    """Declare (and list) a named query."""
    if name in QUERIES:
        raise ValueError(f"query {name} defined twice")
    query = NamedQuery(name, " ".join(sql.split()), dict(params or {}), doc,
                       dict(example or {}), tuple(narrows))
    QUERIES[name] = query
    return query


@dataclass(frozen=True)
class Fragment:
    """One declared condition a :class:`Template` may be composed with, and the types of
    its own parameters (written ``$name`` as in a named query)."""

    name: str
    sql: str
    params: Mapping[str, str] = field(default_factory=dict)
    example: Mapping[str, Any] = field(default_factory=dict)
    #: bounds the condition puts on columns of tables stored as parts (see :class:`Narrow`)
    narrows: tuple[Narrow, ...] = ()


@dataclass(frozen=True)
class Template:
    """A question whose ``WHERE`` conditions vary: ``sql`` holds the slot ``{where}``
    (every occurrence is filled with the same conditions), ``fragments`` the conditions
    that may fill it, ``examples`` representative compositions (lists of fragment names)
    the cross-engine test runs with the example values."""

    name: str
    sql: str
    params: Mapping[str, str]
    fragments: Mapping[str, Fragment]
    doc: str = ""
    example: Mapping[str, Any] = field(default_factory=dict)
    examples: tuple[tuple[str, ...], ...] = ()
    #: the table whose rows the template's conditions select, when stored as parts: the
    #: fragments' narrows bound it (a template reading other rows of it declares none)
    narrowed: str | None = None

    def compose(self, names: Sequence[str]) -> NamedQuery:
        """The named query with the fragments ``names`` joined by ``AND`` in the slot
        (``TRUE`` when there are none); not listed in :data:`QUERIES`."""
        unknown = [n for n in names if n not in self.fragments]
        if unknown:
            raise ValueError(f"template {self.name}: no fragment {unknown}")
        params = dict(self.params)
        for name in names:
            for param, kind in self.fragments[name].params.items():
                if params.setdefault(param, kind) != kind:
                    raise ValueError(f"template {self.name}: parameter {param} declared "
                                     f"{params[param]} and {kind}")
        where = " AND ".join(f"({self.fragments[n].sql})" for n in names) or "TRUE"
        label = ",".join(names)
        narrows = tuple(replace(narrow, table=self.narrowed) for n in names
                        for narrow in self.fragments[n].narrows) if self.narrowed else ()
        return NamedQuery(f"{self.name}[{label}]", self.sql.replace("{where}", where),
                          params, self.doc, narrows=narrows)

    def example_queries(self) -> list[NamedQuery]:
        """Each representative composition, with its example values."""
        found = []
        for names in self.examples:
            query = self.compose(names)
            values = {**self.example}
            for name in names:
                values.update(self.fragments[name].example)
            found.append(replace(query, example={k: v for k, v in values.items()
                                                 if k in query.params}))
        return found


#: every template of composed queries, by name
TEMPLATES: dict[str, Template] = {}


def template(name: str, sql: str, params: Mapping[str, str] | None = None, *,
             fragments: Sequence[Fragment], doc: str = "",
             example: Mapping[str, Any] | None = None,
             examples: Sequence[Sequence[str]] = ((),),
             narrowed: str | None = None) -> Template:
    """Declare (and list) a template of composed queries; each example composition is
    checked now."""
    if name in TEMPLATES:
        raise ValueError(f"template {name} defined twice")
    declared = Template(name, " ".join(sql.split()), dict(params or {}),
                        {f.name: f for f in fragments}, doc, dict(example or {}),
                        tuple(tuple(e) for e in examples), narrowed)
    for query in declared.example_queries():
        query.bind(query.example)
    TEMPLATES[name] = declared
    return declared


def load_all() -> dict[str, NamedQuery]:
    """Import every module of :mod:`vrhub.storage.queries` (the modules in this module's
    folder), so :data:`QUERIES` lists every named query."""
    import importlib
    import pkgutil
    from pathlib import Path

    package = __name__.rpartition(".")[0]
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        importlib.import_module(f"{package}.{info.name}")
    return QUERIES


def run(wh: Warehouse, query: NamedQuery, **values: Any) -> pd.DataFrame:
    """Answer ``query`` with ``values`` on ``wh``'s engine, as a frame."""
    return wh.engine.frame(query, query.bind(values))


def run_arrow(wh: Warehouse, query: NamedQuery, **values: Any) -> pa.Table:
    """Answer ``query`` with ``values`` on ``wh``'s engine, as an Arrow table."""
    return wh.engine.arrow(query, query.bind(values))


def named_rows(wh: Warehouse, query: NamedQuery, **values: Any) -> Rows:
    """The answer's column names, and its rows as tuples of Python values (for short
    answers: a long one is read faster as a frame or an Arrow table)."""
    return wh.engine.rows(query, query.bind(values))


def rows(wh: Warehouse, query: NamedQuery, **values: Any) -> list[tuple[Any, ...]]:
    """The answer's rows as tuples of Python values."""
    return named_rows(wh, query, **values)[1]


def value(wh: Warehouse, query: NamedQuery, **values: Any) -> Any:
    """The first column of the first row of the answer (None when there is no row)."""
    found = rows(wh, query, **values)
    return found[0][0] if found else None
