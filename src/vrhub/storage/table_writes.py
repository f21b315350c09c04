"""Changes to warehouse tables that loaders make beside appending rows: clearing a table or
the rows of a key, setting columns from a frame matched on keys, and finding the earlier
files of a partition. Each runs inside the caller's transaction when one is open."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from vrhub.standards.schema import Table
from vrhub.storage.registered import registered
from vrhub.storage.warehouse import FileLoad, Warehouse


def delete_rows(wh: Warehouse, table: Table, **equals: Any) -> None:
    """Delete the rows of ``table`` whose columns equal ``equals`` (every row when none)."""
    where = " AND ".join(f'"{column}" = ?' for column in equals)
    wh._con.execute(f'DELETE FROM "{table.name}"' + (f" WHERE {where}" if where else ""),
                   list(equals.values()))


def update_from(wh: Warehouse, table: Table, frame: pd.DataFrame, keys: Sequence[str],
                columns: Sequence[str]) -> None:
    """Set ``columns`` of the rows of ``table`` matching ``frame`` on ``keys`` to the
    frame's values."""
    name = "_vrhub_update"
    sets = ", ".join(f'"{c}" = f."{c}"' for c in columns)
    on = " AND ".join(f't."{k}" = f."{k}"' for k in keys)
    with registered(wh._con, name, frame):
        wh._con.execute(f'UPDATE "{table.name}" AS t SET {sets} FROM {name} AS f WHERE {on}')


def older_files(load: FileLoad) -> list[str]:
    """File ids of earlier files of ``load``'s partition, not yet replaced."""
    return [row[0] for row in load.warehouse._con.execute(
        'SELECT file_id FROM "provenance" WHERE source = ? AND partition = ? '
        "AND file_id <> ? AND status <> 'replaced'",
        [load.source, load.partition, load.file_id]).fetchall()]
