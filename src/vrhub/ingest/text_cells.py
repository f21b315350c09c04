"""Checks of text cells, read straight from pyarrow's buffers where a row at a time would
be slow: each cell's first byte, blank (white-space-only) cells, and cells a spreadsheet
would run as a formula. Columns of few distinct values are checked on their dictionaries,
a distinct value at a time.

Police.uk never publishes a formula, so one means the file was edited, and a stored formula
would run when an analyst opens an export in Excel: such rows are quarantined, the value
stored with a leading apostrophe so that it stays inert there too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from vrhub.standards import formula_cells
from vrhub.standards.schema import Problem

#: A cell a spreadsheet would run as a formula: the one rule of
#: :mod:`vrhub.standards.formula_cells`, shared with exports.
FORMULA_PATTERN = formula_cells.FORMULA_PATTERN


def formula_problems(
    table: pa.Table, columns: Sequence[str], rows: npt.NDArray[np.int64],
    firsts: Mapping[str, npt.NDArray[np.uint8]] | None = None,
) -> list[Problem]:
    """A problem for every cell in ``columns`` that a spreadsheet would run as a formula.

    Such rows are quarantined, never stored: police.uk never publishes a formula, so one
    means the file was edited, and a stored formula would run when an analyst opens an
    export in Excel. The quarantined value is stored with a leading apostrophe so it
    stays inert there too. ``firsts`` may give columns' :func:`first_bytes`.
    """
    problems: list[Problem] = []
    pattern = formula_cells.FORMULA
    for name in columns:
        if name not in table.column_names:
            continue
        # cheap first-byte screen, then the full pattern on the few candidates
        first = firsts[name] if firsts and name in firsts else first_bytes(table[name])
        idx = np.flatnonzero(_FORMULA_START[first])
        blank = first[idx] == 0  # empty or null (not looked at), or a NUL first byte
        if blank.any():
            lengths = pc.binary_length(table[name].take(pa.array(idx[blank])))
            held = pc.fill_null(pc.greater(lengths, 0), False).to_numpy(zero_copy_only=False)
            idx = np.sort(np.concatenate([idx[~blank], idx[blank][held]]))
        if not len(idx):
            continue
        values = table[name].take(pa.array(idx)).to_pylist()
        problems.extend(
            _formula_cell(int(rows[i]), name, value)
            for i, value in zip(idx, values, strict=True)
            if value is not None and pattern.match(value)
        )
    return problems


def encoded_formula_problems(name: str, column: pa.ChunkedArray,
                             rows: npt.NDArray[np.int64]) -> list[Problem]:
    """:func:`formula_problems` for a dictionary-encoded column: each distinct value is
    checked once."""
    pattern = formula_cells.FORMULA

    def formula(dictionary: pa.Array) -> npt.NDArray[np.bool_]:
        out = _FORMULA_START[first_bytes(dictionary)]
        for i in np.flatnonzero(out):
            value = dictionary[int(i)].as_py()
            out[i] = value is not None and bool(pattern.match(value))
        return out

    found, values = encoded_rows(column, formula)
    return [_formula_cell(int(rows[i]), name, value)
            for i, value in zip(found, values, strict=True)]


def encoded_rows(column: pa.ChunkedArray, test: Callable[[pa.Array], npt.NDArray[np.bool_]],
                 ) -> tuple[npt.NDArray[np.intp], list[str]]:
    """Rows of a dictionary-encoded column whose value passes ``test`` (applied to each
    chunk's dictionary: one answer per distinct value), in order, and their values."""
    found: list[npt.NDArray[np.intp]] = []
    values: list[str] = []
    start = 0
    for chunk in column.chunks:
        hit = test(chunk.dictionary)
        if hit.any():
            indices = pc.fill_null(chunk.indices, -1).to_numpy(zero_copy_only=False)
            at = np.flatnonzero((indices >= 0) & hit[np.maximum(indices, 0)])
            found.append(start + at)
            values.extend(chunk.dictionary.take(pa.array(indices[at])).to_pylist())
        start += len(chunk)
    return (np.concatenate(found) if found else np.zeros(0, dtype=np.intp)), values


def _formula_cell(row: int, name: str, value: str) -> Problem:
    return Problem(row, name, "'" + str(value),
                   "the cell holds a spreadsheet formula; rows with formulas are "
                   "quarantined, not stored (check where the file was edited)",
                   "formula_cell")


def _byte_set(values: Sequence[int]) -> npt.NDArray[np.bool_]:
    table = np.zeros(256, dtype=bool)
    table[list(values)] = True
    return table


#: First bytes of a cell that may hold a formula (see FORMULA_PATTERN).
_FORMULA_START = _byte_set(b"=@\t\r\x00+-")
#: First bytes of a cell that may be all white space: ASCII white space and separators,
#: and the lead bytes of every non-ASCII white-space character (U+0085, U+00A0, U+1680,
#: U+180E, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000).
_SPACE_START = _byte_set([*range(0x09, 0x0E), *range(0x1C, 0x21), 0xC2, 0xE1, 0xE2, 0xE3])


def first_bytes(column: pa.ChunkedArray | pa.Array) -> npt.NDArray[np.uint8]:
    """The first byte of each text cell (0 for empty and null cells), read straight from
    the column's buffers without copying the text."""
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    parts = [np.zeros(0, dtype=np.uint8)]
    for chunk in chunks:
        if pa.types.is_string(chunk.type) or pa.types.is_binary(chunk.type):
            offset_type: type[np.integer] = np.int32
        elif pa.types.is_large_string(chunk.type) or pa.types.is_large_binary(chunk.type):
            offset_type = np.int64
        else:
            raise TypeError(f"not a text column: {chunk.type}")
        _validity, offsets, data = chunk.buffers()
        if not len(chunk) or offsets is None or data is None or not data.size:
            parts.append(np.zeros(len(chunk), dtype=np.uint8))
            continue
        bounds = np.frombuffer(offsets, dtype=offset_type)[
            chunk.offset: chunk.offset + len(chunk) + 1]
        text = np.frombuffer(data, dtype=np.uint8)
        first = text[np.minimum(bounds[:-1], text.size - 1)]
        first[bounds[1:] == bounds[:-1]] = 0
        if chunk.null_count:
            first[chunk.is_null().to_numpy(zero_copy_only=False)] = 0
        parts.append(first)
    return np.concatenate(parts)


def encode_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Text of few distinct values, dictionary-encoded. One value throughout (a file's
    force) is found by comparing, without hashing."""
    if len(column) and not column.null_count:
        first = column[0]
        if pc.all(pc.equal(column, first)).as_py():
            indices = pa.array(np.zeros(len(column), dtype=np.int32))
            return pa.chunked_array([pa.DictionaryArray.from_arrays(
                indices, pa.array([first.as_py()], pa.string()))])
    return pc.dictionary_encode(column)


def blank_to_null_encoded(encoded: pa.ChunkedArray, column: pa.ChunkedArray) -> pa.ChunkedArray:
    """:func:`blank_to_null` for ``column`` encoded by :func:`encode_text` (its
    dictionaries are checked, not its rows)."""
    for chunk in encoded.chunks:
        if _SPACE_START[first_bytes(chunk.dictionary)].any() and pc.any(
                pc.utf8_is_space(chunk.dictionary)).as_py():
            return pc.dictionary_encode(blank_to_null(column))
    return encoded


def blank_to_null(column: pa.ChunkedArray,
                  first: npt.NDArray[np.uint8] | None = None) -> pa.ChunkedArray:
    """Text with blank or whitespace-only cells as null (the parser already reads empty
    cells as null; only cells holding nothing but spaces need work). ``first`` may give
    the column's :func:`first_bytes`."""
    if not _SPACE_START[first_bytes(column) if first is None else first].any():
        return column
    spaces = pc.fill_null(pc.utf8_is_space(column), False)
    if not pc.any(spaces).as_py():
        return column
    return pc.if_else(spaces, pa.scalar(None, pa.string()), column)
