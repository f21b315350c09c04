"""Upgrading the workspace's warehouse file (``vrhub warehouse upgrade``): it is opened
for upgrading, which the schema check otherwise refuses, and its pending migrations
(:mod:`vrhub.storage.warehouse_schema`) are applied in order."""

from __future__ import annotations

from pathlib import Path

from vrhub.storage.warehouse import Warehouse
from vrhub.storage.warehouse_schema import Migration, current, upgrade


def upgrade_file(path: Path) -> tuple[int | None, list[Migration], int | None]:
    """Apply the pending migrations to the warehouse at ``path``: (version before, None
    when there was no warehouse there yet; the migrations applied; version after)."""
    existed = path.exists()  # opening writes the bookkeeping tables: not empty then
    with Warehouse(path, upgrading=True) as wh:
        before = current(wh._con) if existed else None
        applied = upgrade(wh._con)
        after = current(wh._con)
    return before, applied, after
