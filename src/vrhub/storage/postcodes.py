"""Named questions about postcodes, answered from the gazetteer's ONS Postcode Directory
table (``gazetteer_postcode``, imported by ``vrhub istv gazetteer import-postcodes``)."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np

from vrhub.standards.gazetteer import GAZETTEER_POSTCODE
from vrhub.storage.queries import postcodes as q
from vrhub.storage.queries.core import rows as answer
from vrhub.storage.queries.core import run_arrow, value
from vrhub.storage.warehouse import Warehouse


@dataclass(frozen=True)
class PostcodeRow:
    postcode: str  # upper case, no space
    easting: float
    northing: float
    lsoa21_code: str | None
    ward_code: str | None
    borough_code: str | None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def postcode_row(warehouse: Warehouse, postcode: str) -> PostcodeRow | None:
    """The centroid and areas of one full postcode ('SW1A1AA', no space), or None."""
    try:
        found = answer(warehouse, q.POSTCODE, postcode=postcode)
    except duckdb.CatalogException:  # no postcodes imported
        return None
    if not found:
        return None
    row = found[0]
    return PostcodeRow(str(row[0]), float(row[1]), float(row[2]), _text(row[3]),
                       _text(row[4]), _text(row[5]))


@dataclass(frozen=True)
class PostcodeTable:
    """Every postcode of the gazetteer in sorted arrays, for look-ups without a query
    (London's postcodes take about 10 MB): codes of areas are kept once each."""

    postcodes: np.ndarray  # sorted, upper case, no space
    easting: np.ndarray
    northing: np.ndarray
    areas: tuple[np.ndarray, np.ndarray, np.ndarray]  # LSOA, ward, borough: index or -1
    names: tuple[list[str | None], list[str | None], list[str | None]]

    def __len__(self) -> int:
        return len(self.postcodes)

    def row(self, postcode: str) -> PostcodeRow | None:
        """:func:`postcode_row` answered from memory."""
        i = int(np.searchsorted(self.postcodes, postcode))
        if i >= len(self.postcodes) or self.postcodes[i] != postcode:
            return None
        lsoa, ward, borough = (names[int(codes[i])] if codes[i] >= 0 else None
                               for codes, names in zip(self.areas, self.names, strict=True))
        return PostcodeRow(postcode, float(self.easting[i]), float(self.northing[i]),
                           _text(lsoa), _text(ward), _text(borough))


def postcode_table(warehouse: Warehouse, most: int) -> PostcodeTable | None:
    """The whole postcode directory in memory (:class:`PostcodeTable`); None when it holds
    more than ``most`` postcodes (or none: nothing imported)."""
    try:
        count = int(value(warehouse, q.COUNT) or 0)
    except duckdb.CatalogException:
        return None
    if not 0 < count <= most:
        return None
    table = run_arrow(warehouse, q.ALL)
    areas, names = [], []
    for column in ("lsoa21_code", "ward_code", "borough_code"):
        coded = table[column].combine_chunks().dictionary_encode()
        areas.append(coded.indices.fill_null(-1).to_numpy().astype(np.int32))
        names.append(coded.dictionary.to_pylist())
    return PostcodeTable(
        np.array(table["postcode"].to_pylist(), dtype=str),
        table["easting"].to_numpy().astype(float), table["northing"].to_numpy().astype(float),
        (areas[0], areas[1], areas[2]), (names[0], names[1], names[2]))


def postcode_rows(warehouse: Warehouse, postcodes: list[str]) -> dict[str, PostcodeRow]:
    """:func:`postcode_row` for many postcodes at once (those found)."""
    out: dict[str, PostcodeRow] = {}
    for start in range(0, len(postcodes), 1000):
        chunk = postcodes[start:start + 1000]
        try:
            rows = answer(warehouse, q.POSTCODES, postcodes=chunk)
        except duckdb.CatalogException:  # no postcodes imported
            return {}
        for row in rows:
            out[str(row[0])] = PostcodeRow(str(row[0]), float(row[1]), float(row[2]),
                                           _text(row[3]), _text(row[4]), _text(row[5]))
    return out


def district_row(warehouse: Warehouse, outward: str) -> PostcodeRow | None:
    """The mean centroid of the postcodes of one postcode district ('SW9'), with the
    borough most of them lie in, or None when the directory holds none."""
    try:
        found = answer(warehouse, q.DISTRICT, prefix=outward + "%",
                       length=len(outward) + 3)
    except duckdb.CatalogException:  # no postcodes imported
        return None
    row = found[0] if found else None
    if row is None or not row[3]:
        return None
    return PostcodeRow(outward, float(row[0]), float(row[1]), None, None, _text(row[2]))


def postcode_count(warehouse: Warehouse) -> int:
    """How many postcodes the gazetteer holds (0 when none were imported)."""
    if not warehouse.has_table(GAZETTEER_POSTCODE.name):
        return 0
    return warehouse.count(GAZETTEER_POSTCODE.name)


def boroughs(warehouse: Warehouse) -> list[tuple[str, str]]:
    """(code, name) of the boroughs the workspace holds, by name (none before the area
    lookups are loaded)."""
    try:
        rows = answer(warehouse, q.BOROUGHS)
    except duckdb.CatalogException:
        return []
    return [(str(c), str(n)) for c, n in rows]
