"""The gazetteer's postcode directory as a :class:`~vrhub.geography.postcodes.PostcodeSource`.

Each look-up takes its own cursor on the warehouse (the web app shares one open warehouse
between requests), asks :mod:`vrhub.storage.postcodes` and closes the cursor.
"""

from __future__ import annotations

from collections.abc import Callable

from vrhub.geography.postcodes import PostcodeLookup
from vrhub.storage import postcodes
from vrhub.storage.warehouse import Warehouse


class WarehousePostcodes:
    def __init__(self, warehouse: Callable[[], Warehouse]) -> None:
        self.warehouse = warehouse

    def postcode(self, compact: str) -> tuple[float, float, str | None, str | None,
                                               str | None] | None:
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
