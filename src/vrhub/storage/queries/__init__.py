"""Every question asked of the warehouse, by name (see :mod:`vrhub.storage.queries.core`)."""

from vrhub.storage.queries.core import QUERIES, NamedQuery, define, rows, run, run_arrow, value

__all__ = ["QUERIES", "NamedQuery", "define", "rows", "run", "run_arrow", "value"]
