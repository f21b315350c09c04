"""The gazetteer's postcode directory as a :class:`~vrhub.geography.postcodes.PostcodeSource`.

One postcode (a search near a postcode) is looked up in memory: the whole directory is
read into sorted arrays on first use (:class:`vrhub.storage.postcodes.PostcodeTable`,
about 10 MB for London), and read again when the warehouse was reopened after a write.
A directory larger than :data:`IN_MEMORY_MOST` postcodes is asked instead, as are many
postcodes at once (an import) and postcode districts. Each query takes its own cursor on
the warehouse (the web app shares one open warehouse between requests), asks
:mod:`vrhub.storage.postcodes` and closes the cursor.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from vrhub.geography.postcodes import PostcodeLookup
from vrhub.storage import postcodes
from vrhub.storage.warehouse import Warehouse

IN_MEMORY_MOST = 1_000_000
"""Postcodes a directory may hold to be kept in memory (about 30 MB at most)."""


class WarehousePostcodes:
    def __init__(self, warehouse: Callable[[], Warehouse], *,
                 in_memory_most: int = IN_MEMORY_MOST) -> None:
        self.warehouse = warehouse
        self.in_memory_most = in_memory_most
        self._table: postcodes.PostcodeTable | None = None
        self._table_of: Warehouse | None = None  # the open warehouse it was read from
        self._lock = threading.Lock()

    def _in_memory(self) -> postcodes.PostcodeTable | None:
        current = self.warehouse()
        if self._table_of is not current:
            with self._lock:
                if self._table_of is not current:
                    view = current.cursor()
                    try:
                        self._table = postcodes.postcode_table(view, self.in_memory_most)
                    finally:
                        view.close()
                    self._table_of = current
        return self._table

    def in_memory(self) -> bool:
        """Whether the directory is held in memory, read from a warehouse still open (no
        wait for the warehouse itself, which a write may be holding)."""
        table_of = self._table_of
        return self._table is not None and table_of is not None and table_of.is_open

    def postcode(self, compact: str) -> tuple[float, float, str | None, str | None,
                                               str | None] | None:
        table = self._in_memory()
        if table is not None:
            row = table.row(compact)
        else:
            view = self.warehouse().cursor()
            try:
                row = postcodes.postcode_row(view, compact)
            finally:
                view.close()
        if row is None:
            return None
        return row.easting, row.northing, row.lsoa21_code, row.ward_code, row.borough_code

    def postcodes(self, compacts: list[str]) -> dict[str, tuple[float, float, str | None,
                                                                 str | None, str | None]]:
        view = self.warehouse().cursor()
        try:
            rows = postcodes.postcode_rows(view, compacts)
        finally:
            view.close()
        return {k: (r.easting, r.northing, r.lsoa21_code, r.ward_code, r.borough_code)
                for k, r in rows.items()}

    def district(self, outward: str) -> tuple[float, float, str | None] | None:
        view = self.warehouse().cursor()
        try:
            row = postcodes.district_row(view, outward)
        finally:
            view.close()
        return None if row is None else (row.easting, row.northing, row.borough_code)


def postcode_lookup(warehouse: Callable[[], Warehouse]) -> PostcodeLookup:
    return PostcodeLookup(WarehousePostcodes(warehouse))
