"""Declare a table once; derive its validation, DDL, Arrow schema and reference docs.

A :class:`Table` is a tuple of :class:`Column` declarations. The warehouse creates tables
from :meth:`Table.duckdb_ddl`, loaders validate frames with :func:`validate_frame`, and
``docs/reference/schemas.md`` is rendered from the same objects by
:mod:`vrhub.standards.reference`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa

from vrhub.standards.months import ISO_MONTH_PATTERN

ColumnType = Literal[
    "string", "integer", "float", "boolean", "date", "month", "timestamp", "geometry", "json"
]

_DUCKDB_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "float": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "month": "VARCHAR",  # 'YYYY-MM'
    "timestamp": "TIMESTAMP",
    "geometry": "BLOB",  # WKB, British National Grid (EPSG:27700)
    "json": "VARCHAR",
}

_ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "integer": pa.int64(),
    "float": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "month": pa.string(),
    "timestamp": pa.timestamp("us"),
    "geometry": pa.binary(),
    "json": pa.string(),
}

MONTH_PATTERN = ISO_MONTH_PATTERN
"""How a month column is written (:data:`vrhub.standards.months.ISO_MONTH_PATTERN`)."""


@dataclass(frozen=True)
class Column:
    """One column: its name, type, meaning and constraints."""

    name: str
    type: ColumnType
    description: str
    required: bool = False
    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    allowed: tuple[str, ...] | None = None
    code_list: str | None = None  # name of a versioned code list checked by the loader
    source: str | None = None  # heading in the published source file, where it differs
    free_text: bool = False  # passes the identifier guard before storage
    #: few distinct values (codes, categories): a table stored as parts keeps the column
    #: dictionary-encoded, which filters on it read quickly
    repeated: bool = False

    @property
    def duckdb_type(self) -> str:
        return _DUCKDB_TYPES[self.type]

    @property
    def arrow_type(self) -> pa.DataType:
        return _ARROW_TYPES[self.type]

    def constraint_text(self) -> str:
        parts: list[str] = []
        if self.required:
            parts.append("required")
        if self.pattern:
            parts.append(f"matches `{self.pattern}`")
        if self.minimum is not None:
            parts.append(f"≥ {self.minimum:g}")
        if self.maximum is not None:
            parts.append(f"≤ {self.maximum:g}")
        if self.allowed:
            parts.append("one of " + ", ".join(f"`{v}`" for v in self.allowed))
        if self.code_list:
            parts.append(f"code list `{self.code_list}`")
        if self.free_text:
            parts.append("free text (identifier guard)")
        return "; ".join(parts)


@dataclass(frozen=True)
class Table:
    """A canonical table of the warehouse."""

    name: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    replace_key: tuple[str, ...] = ()  # a new file for these keys replaces the old rows
    group: str = "core"
    indexes: tuple[tuple[str, ...], ...] = field(default_factory=tuple)
    #: "table": a DuckDB table; "parts": Parquet part files, one or more per loaded file,
    #: behind a DuckDB view of the same name (far cheaper to write for large sources; see
    #: :mod:`vrhub.storage.parts`)
    stored_as: Literal["table", "parts"] = "table"
    #: text columns whose least and greatest value each part records (stored as parts): a
    #: question bounded on them reads only the parts that may hold its rows
    part_ranges: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"table {self.name} declares a column twice")
        for key in (*self.primary_key, *self.replace_key):
            if key not in names:
                raise ValueError(f"table {self.name}: key column {key} is not declared")
        for name in self.part_ranges:
            if self.stored_as != "parts" or name not in names or \
                    self.columns[names.index(name)].type not in ("string", "month"):
                raise ValueError(f"table {self.name}: part range {name} must be a text "
                                 "column of a table stored as parts")

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    def arrow_schema(self) -> pa.Schema:
        return pa.schema(
            [pa.field(c.name, c.arrow_type, nullable=not c.required) for c in self.columns]
        )

    def empty_frame(self) -> pd.DataFrame:
        return self.arrow_schema().empty_table().to_pandas()


@dataclass(frozen=True)
class Problem:
    """One reason a row could not be loaded."""

    row: int
    column: str
    value: object
    reason: str
    rule: str = "invalid"


def validate_frame(
    table: Table,
    frame: pd.DataFrame,
    *,
    row_numbers: Sequence[int] | np.ndarray | None = None,
    code_lists: dict[str, Iterable[str]] | None = None,
    columns: Iterable[str] | None = None,
) -> tuple[np.ndarray, list[Problem]]:
    """Check ``frame`` against ``table``'s declared constraints, vectorised.

    Returns a boolean mask of rows that pass and the problems of those that do not (one per
    failing row and column). ``row_numbers`` are the rows' numbers in the source file (for
    messages); by default 1-based positions. Only ``columns`` are checked if given.
    """
    n = len(frame)
    rows = np.asarray(row_numbers) if row_numbers is not None else np.arange(1, n + 1)
    ok = np.ones(n, dtype=bool)
    problems: list[Problem] = []
    check = set(columns) if columns is not None else None

    def flag(
        mask: np.ndarray, column: str, reason: Callable[..., str], rule: str
    ) -> None:
        nonlocal ok
        idx = np.flatnonzero(mask)
        values = frame[column].to_numpy(dtype=object)
        for i in idx:
            problems.append(Problem(int(rows[i]), column, values[i], reason(values[i]), rule))
        ok &= ~mask

    for col in table.columns:
        if col.name not in frame.columns or (check is not None and col.name not in check):
            continue
        series = frame[col.name]
        missing = series.isna().to_numpy().copy()  # writable (pandas copy-on-write)
        if col.type in ("string", "month", "json"):
            missing |= (series.astype("string").str.strip() == "").fillna(False).to_numpy(bool)
        if col.required:
            flag(missing, col.name, lambda v, c=col: f"{c.name} is required but is blank",
                 f"{col.name}:required")
        present = ~missing
        if col.pattern and col.type in ("string", "month"):
            matched = series.astype("string").str.fullmatch(col.pattern).fillna(False)
            flag(
                present & ~matched.to_numpy(bool),
                col.name,
                lambda v, c=col: f"{c.name} must match {c.pattern}",
                f"{col.name}:pattern",
            )
        if col.allowed is not None:
            bad = present & ~series.isin(col.allowed).to_numpy()
            flag(
                bad,
                col.name,
                lambda v, c=col: f"{c.name} must be one of {', '.join(c.allowed or ())}",
                f"{col.name}:allowed",
            )
        if col.code_list and code_lists and col.code_list in code_lists:
            allowed_codes = set(code_lists[col.code_list])
            bad = present & ~series.isin(allowed_codes).to_numpy()
            flag(
                bad,
                col.name,
                lambda v, c=col: f"{c.name} is not in code list {c.code_list}",
                f"{col.name}:code_list",
            )
        bounded = col.minimum is not None or col.maximum is not None
        if col.type in ("integer", "float") and bounded:
            values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
            with np.errstate(invalid="ignore"):
                low = values < col.minimum if col.minimum is not None else np.zeros(n, bool)
                high = values > col.maximum if col.maximum is not None else np.zeros(n, bool)
            flag(
                present & (low | high),
                col.name,
                lambda v, c=col: f"{c.name} must lie between {c.minimum} and {c.maximum}",
                f"{col.name}:range",
            )
    return ok, problems


def is_month(text: str) -> bool:
    return re.fullmatch(MONTH_PATTERN, text) is not None
