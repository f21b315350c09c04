"""The DuckDB statements that make a declared table (:class:`vrhub.standards.schema.Table`):
its ``CREATE TABLE`` and the typed ``SELECT`` behind a table stored as parts."""

from __future__ import annotations

from vrhub.standards.schema import Table


def create_table(table: Table) -> str:
    """``CREATE TABLE IF NOT EXISTS`` of ``table`` with its declared types and key."""
    cols = [
        f'    "{c.name}" {c.duckdb_type}{" NOT NULL" if c.required else ""}'
        for c in table.columns
    ]
    if table.primary_key:
        cols.append("    PRIMARY KEY (" + ", ".join(f'"{k}"' for k in table.primary_key) + ")")
    return f'CREATE TABLE IF NOT EXISTS "{table.name}" (\n' + ",\n".join(cols) + "\n)"


def typed_select(table: Table, source: str | None) -> str:
    """``SELECT`` of every column of ``table``, cast to its declared type, from ``source``
    (no rows when None): the body of the view over a table stored as parts."""
    if source is None:
        cols = ", ".join(f'CAST(NULL AS {c.duckdb_type}) AS "{c.name}"' for c in table.columns)
        return f"SELECT {cols} WHERE false"
    cols = ", ".join(f'CAST("{c.name}" AS {c.duckdb_type}) AS "{c.name}"'
                     for c in table.columns)
    return f"SELECT {cols} FROM {source}"
