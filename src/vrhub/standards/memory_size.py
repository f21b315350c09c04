"""A memory size as DuckDB takes it (``3GB``, ``512MB``, ``1.5GiB``): a number and a unit."""

from __future__ import annotations

#: The sizes settings and the warehouse accept
PATTERN = r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$"
