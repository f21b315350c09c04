"""Every canonical table, discovered from modules of :mod:`vrhub.standards` that define
``TABLES``. Adding a module with ``TABLES`` is enough to have its tables created, validated
and documented."""

from __future__ import annotations

import importlib
import pkgutil

import vrhub.standards
from vrhub.standards.schema import Table


def all_tables() -> list[Table]:
    tables: dict[str, Table] = {}
    for info in sorted(pkgutil.iter_modules(vrhub.standards.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"vrhub.standards.{info.name}")
        for table in getattr(module, "TABLES", ()):
            if table.name in tables and tables[table.name] is not table:
                raise ValueError(f"table {table.name} is declared twice")
            tables[table.name] = table
    return sorted(tables.values(), key=lambda t: (t.group, t.name))


def table(name: str) -> Table:
    for t in all_tables():
        if t.name == name:
            return t
    raise KeyError(name)
