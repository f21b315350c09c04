"""The declared tables, by name, for engines that read them from Parquet."""

from __future__ import annotations

from functools import cache

from vrhub.standards.schema import Table

#: Spark SQL type of each declared column type
SPARK_TYPES = {"string": "STRING", "integer": "BIGINT", "float": "DOUBLE",
               "boolean": "BOOLEAN", "date": "DATE", "month": "STRING",
               "timestamp": "TIMESTAMP_NTZ", "geometry": "BINARY", "json": "STRING"}


@cache
def _tables() -> dict[str, Table]:
    from vrhub.standards.registry import all_tables

    return {t.name: t for t in all_tables()}


def declared_table(name: str) -> Table | None:
    return _tables().get(name)


def ranged_tables() -> list[Table]:
    """The tables stored as parts whose parts record the range of some columns."""
    return [t for t in _tables().values() if t.part_ranges]
