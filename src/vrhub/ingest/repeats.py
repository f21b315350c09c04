"""Which values of a column repeat an earlier row's: police.uk Crime IDs within a file.

police.uk publishes some crimes on several rows with one Crime ID; the loader keeps every
row and flags the later ones (``crime_id_duplicate``). A month of the Met holds about
90,000 IDs, so the check is vectorised, and for values of one fixed width (police.uk IDs
are 64 hex digits) screened by a hash computed straight from the column's buffers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def repeat_flags(column: pa.ChunkedArray | pa.Array) -> npt.NDArray[np.bool_]:
    """True where a (non-null) text value already appeared on an earlier row.

    Values of one fixed width (police.uk Crime IDs are 64 hex digits) are screened first:
    each is hashed to 64 bits straight from the column's buffers, and only the values
    whose hash repeats are compared as text. Other columns are compared as text.
    """
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    screened = _fixed_width_hashes(chunks)
    if screened is None:
        return _text_repeat_flags(pa.chunked_array(chunks, pa.string()))
    hashes, valid = screened
    rows = np.flatnonzero(valid)
    candidates = rows[pd.Series(hashes[rows]).duplicated(keep=False).to_numpy()]
    flags = np.zeros(len(valid), dtype=bool)
    if len(candidates):
        text = pa.chunked_array(chunks, pa.string()).take(pa.array(candidates))
        flags[candidates] = _text_repeat_flags(text)
    return flags


def _text_repeat_flags(column: pa.ChunkedArray | pa.Array) -> npt.NDArray[np.bool_]:
    codes = pc.dictionary_encode(column)
    if isinstance(codes, pa.ChunkedArray):
        codes = codes.combine_chunks()
    indices = pc.fill_null(codes.indices, -1).to_numpy(zero_copy_only=False)
    _, first = np.unique(indices, return_index=True)
    flags = np.ones(len(indices), dtype=bool)
    flags[first] = False
    flags[indices < 0] = False
    return flags


#: An odd 64-bit multiplier (from the golden ratio) mixing the words of a value's hash.
_MIX = np.uint64(0x9E3779B97F4A7C15)


def _fixed_width_hashes(chunks: Sequence[pa.Array]) -> tuple[
        npt.NDArray[np.uint64], npt.NDArray[np.bool_]] | None:
    """A 64-bit hash of each non-null value and the mask of those values, when every
    non-null value is the same multiple of 8 bytes long and every null is empty (the
    values then lie end to end in each chunk's data buffer); None otherwise."""
    width = 0
    hashes, valids = [np.zeros(0, dtype=np.uint64)], [np.zeros(0, dtype=bool)]
    for chunk in chunks:
        if not pa.types.is_string(chunk.type):
            return None
        n = len(chunk)
        _validity, offsets, data = chunk.buffers()
        if not n:
            continue
        if offsets is None:
            return None
        bounds = np.frombuffer(offsets, dtype=np.int32)[chunk.offset: chunk.offset + n + 1]
        lengths = np.diff(bounds)
        valid = (chunk.is_valid().to_numpy(zero_copy_only=False) if chunk.null_count
                 else np.ones(n, dtype=bool))
        if not width and valid.any():
            width = int(lengths[valid][0])
            if not width or width % 8:
                return None
        if valid.any() and (np.any(lengths[valid] != width) or np.any(lengths[~valid])):
            return None
        out = np.zeros(n, dtype=np.uint64)
        count = int(valid.sum())
        if count and data is not None:
            words = np.frombuffer(data, dtype=np.uint8)[
                bounds[0]: bounds[0] + count * width].view(np.uint64).reshape(count, -1)
            mixed = words[:, 0].copy()
            for j in range(1, words.shape[1]):
                mixed *= _MIX
                mixed ^= words[:, j]
            out[valid] = mixed
        hashes.append(out)
        valids.append(valid)
    return np.concatenate(hashes), np.concatenate(valids)
