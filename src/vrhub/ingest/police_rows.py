"""Checking a block of police.uk street rows and placing them, for :mod:`police_uk`.

:func:`check_block` applies the row rules of the street-file policy (the table in
:mod:`vrhub.ingest.police_uk`) to a parsed block and prepares the columns to store; it
needs no shared state but the grid points, so the loader runs it as a file is read.
:func:`place_rows` then adds each row's LSOA 2021, ward and borough from the load's place
cache, in file order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from vrhub.errors import InputError, Location
from vrhub.geography.police_places import PoliceCache
from vrhub.ingest.grid_points import GridPoints
from vrhub.ingest.inputs import InputFile
from vrhub.ingest.police_csv import (
    Batch,
    Coordinates,
    FileName,
    keep_mask,
    parse_coordinates,
)
from vrhub.ingest.text_cells import (
    blank_to_null,
    blank_to_null_encoded,
    encode_text,
    encoded_formula_problems,
    encoded_rows,
    first_bytes,
    formula_problems,
)
from vrhub.standards.police_uk import LSOA_PATTERN
from vrhub.standards.schema import MONTH_PATTERN, Problem

#: Force names police.uk uses in 'Falls within' -> slug used in its file names.
FORCE_SLUGS = {
    "Metropolitan Police Service": "metropolitan",
    "City of London Police": "city-of-london",
    "British Transport Police": "btp",
    # police.uk's force id drops "Police Service of" too
    "Police Service of Northern Ireland": "northern-ireland",
}

#: Text columns of few distinct values (stored dictionary-encoded).
_ENCODED_COLUMNS = ("Reported by", "Falls within", "LSOA code", "LSOA name", "Crime type",
                    "Last outcome category")
_TEXT_COLUMNS = ("Crime ID", "Month", "Reported by", "Falls within", "Location", "LSOA code",
                 "LSOA name", "Crime type", "Last outcome category", "Context")


def force_slug(name: str) -> str:
    """The force's id as police.uk's file names give it: 'Metropolitan Police Service' ->
    'metropolitan', 'Kent Police' -> 'kent', 'Devon & Cornwall Police' ->
    'devon-and-cornwall'."""
    if name in FORCE_SLUGS:
        return FORCE_SLUGS[name]
    text = re.sub(r"\b(police service|police|constabulary)\b", "", name.lower())
    text = text.replace("&", " and ")  # 'Devon & Cornwall Police' -> 'devon-and-cornwall'
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "unknown"


@dataclass
class FileState:
    """What a file's blocks share while it is read."""

    source: InputFile
    name: FileName
    month: str | None
    force: str | None
    duplicate_rows: int = 0
    duplicate_example: str | None = None
    quarantined_by_rule: dict[str, int] = field(default_factory=dict)


def check_month(state: FileState, batch: Batch) -> str:
    """Every row's Month must be the file's month (from its name, else its first row)."""
    months = pc.fill_null(batch.table["Month"], "")
    if state.month is None:
        first = months[0].as_py()
        if not re.fullmatch(MONTH_PATTERN, first or ""):
            raise InputError(
                "Month is not a month (YYYY-MM)",
                Location(state.source.display, row=batch.first_row, column="Month",
                         value=first),
                hint="police.uk Month values look like 2024-01",
            )
        state.month = first
    wrong = pc.not_equal(months, state.month).to_numpy(zero_copy_only=False)
    if not wrong.any():
        return state.month
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        raise InputError(
            f"Month disagrees with the file's month {state.month}",
            Location(state.source.display, row=batch.first_row + i, column="Month",
                     value=months[i].as_py()),
            hint="a police.uk street file holds one month, named at the start of the file "
            "name (2024-01-...-street.csv); rename the file or split it by month",
        )
    return state.month


@dataclass
class Checked:
    """A block checked: its rows to store (all but their places; None if none), their
    coordinates and published LSOA codes, and the problems of the rows quarantined."""

    month: str
    rows_read: int
    problems: list[Problem]
    columns: dict[str, pa.Array | pa.ChunkedArray] | None = None
    coords: Coordinates | None = None
    lsoa: pa.ChunkedArray | None = None


def check_block(points: GridPoints, state: FileState, batch: Batch) -> Checked:
    """Check a block's rows and prepare the columns to store, without places and without
    the columns that hold one value for the whole file (the loader adds those)."""
    month = check_month(state, batch)
    table = batch.table
    rows = batch.row_numbers
    # columns of few distinct values are encoded first and each value checked once
    raw = {name: encode_text(table[name]) for name in _ENCODED_COLUMNS}
    firsts = {name: first_bytes(table[name]) for name in _TEXT_COLUMNS
              if name in table.column_names and name not in raw}
    problems: list[Problem] = []
    for name in _TEXT_COLUMNS:
        if name in raw:
            problems.extend(encoded_formula_problems(name, raw[name], rows))
        elif name in firsts:
            problems.extend(formula_problems(table, [name], rows, firsts))
    encoded = {name: blank_to_null_encoded(column, table[name])
               for name, column in raw.items()}
    coords = parse_coordinates(table, rows, points=points)
    problems.extend(coords.problems)

    malformed, codes = encoded_rows(encoded["LSOA code"], _malformed_lsoa)
    for i, code in zip(malformed, codes, strict=True):
        problems.append(Problem(int(rows[i]), "LSOA code", code,
                                "LSOA code is not an LSOA code (E01/W01 and six digits)",
                                "lsoa_code_malformed"))
    crime_type = encoded["Crime type"]
    for i in np.flatnonzero(pc.is_null(crime_type).to_numpy(zero_copy_only=False)):
        problems.append(Problem(int(rows[i]), "Crime type", "", "Crime type is blank",
                                "crime_type_blank"))

    if problems:
        keep = keep_mask(rows, problems)
        if not keep.any():
            return Checked(month, table.num_rows, problems)
        mask = pa.array(keep)
        table = table.filter(mask)
        # a column with a quarantined value is encoded again: it never reaches storage
        faulty = {p.column for p in problems}
        encoded = {name: pc.dictionary_encode(pc.cast(column.filter(mask), pa.string()))
                   if name in faulty else column.filter(mask)
                   for name, column in encoded.items()}
        rows = rows[keep]
        coords = coords.take(keep)
        firsts = {name: first[keep] for name, first in firsts.items()}

    def text(name: str) -> pa.ChunkedArray:
        return blank_to_null(table[name], firsts[name])

    n = table.num_rows
    columns: dict[str, pa.Array | pa.ChunkedArray] = {}
    if state.force is None:
        names = encoded["Falls within"].combine_chunks()
        slugs = pa.array([force_slug(v) for v in names.dictionary.to_pylist()]
                         + [force_slug("")])
        columns["force"] = slugs.take(pc.fill_null(names.indices, len(names.dictionary)))
    columns.update({
        "crime_id": text("Crime ID"),
        "reported_by": encoded["Reported by"],
        "falls_within": encoded["Falls within"],
        "longitude": pa.array(coords.longitude, from_pandas=True),
        "latitude": pa.array(coords.latitude, from_pandas=True),
        "easting": pa.array(coords.easting, from_pandas=True),
        "northing": pa.array(coords.northing, from_pandas=True),
        "coordinate_flag": coords.flags(),
        "location": text("Location"),
        "lsoa_code_published": encoded["LSOA code"],
        "lsoa_name_published": encoded["LSOA name"],
        "crime_type": encoded["Crime type"],
        "last_outcome": encoded["Last outcome category"],
        "context": text("Context") if "Context" in firsts else pa.nulls(n, pa.string()),
        "row_number": pa.array(rows),
    })
    return Checked(month, batch.table.num_rows, problems, columns, coords,
                   encoded["LSOA code"])


def place_rows(cache: PoliceCache, state: FileState, checked: Checked) -> pa.Table | None:
    """The checked rows with their places, as POLICE_STREET rows (None if no rows)."""
    if checked.columns is None or checked.coords is None or checked.lsoa is None:
        return None
    coords = checked.coords
    places = cache.places(coords.easting, coords.northing, checked.lsoa, state.month or "",
                          point_numbers=coords.point)
    return pa.table({**checked.columns, **places})


def _malformed_lsoa(codes: pa.Array) -> npt.NDArray[np.bool_]:
    """Which (non-blank) codes are not LSOA codes."""
    matches = pc.match_substring_regex(codes, f"^{LSOA_PATTERN}$")
    return np.asarray(pc.invert(pc.fill_null(matches, True)).to_numpy(zero_copy_only=False))
