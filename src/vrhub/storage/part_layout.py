"""How a Parquet part's columns are written: which are dictionary-encoded, which
compressed, which carry min/max statistics, and the row group sizes
(:meth:`vrhub.storage.parts.PartStore.prepare`)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

#: Rows per Parquet row group. A group's statistics let a query skip it: police.uk
#: publishes a force's month ordered by LSOA name (so by district, rows without a location
#: last), and a part keeps the file's order, so one borough of a Met month (about 91,000
#: rows, six groups) is read from one or two groups, not the whole part. Measured on a
#: London year: a borough's page of records 6.5 -> 3.7 ms, a borough's points 4.4 -> 1.9
#: ms, counts over every row the same; the price is on reading every row of a large
#: force: a Met year's points (national benchmark) 21 -> 23-27 ms.
ROW_GROUP_ROWS = 16 * 1024

#: Rows the Parquet writer encodes at a time (its default, 1,024, costs a tenth more).
WRITE_BATCH_ROWS = 64 * 1024

#: Bytes of a text column's values LZ4 is tried on, and the size it must bring them under
#: for the column to be stored compressed.
SAMPLE_BYTES = 16 << 10
COMPRESSED_AT_MOST = 0.8

_LZ4 = pa.Codec("lz4_raw")


def write_options(data: pa.Table) -> dict[str, Any]:
    """``pyarrow.parquet.write_table`` options for ``data``."""
    return {"compression": compression(data), "store_schema": False,
            "row_group_size": ROW_GROUP_ROWS, "write_batch_size": WRITE_BATCH_ROWS,
            "use_dictionary": dictionary_encoded(data), "write_statistics": statistics(data)}


def dictionary_encoded(data: pa.Table) -> list[str]:
    """Columns to store dictionary-encoded: those the loader encoded (few distinct values).
    Trying a dictionary on the rest (Crime IDs, street descriptions) costs a quarter of
    the write and is then abandoned."""
    return [name for name, column in zip(data.column_names, data.columns, strict=True)
            if pa.types.is_dictionary(column.type)]


def compression(data: pa.Table) -> dict[str, str]:
    """LZ4 for every column but floating-point ones (LZ4 saves a tenth of their bytes,
    coordinates, for an eighth of the write's time) and text LZ4 cannot shrink by a fifth
    on a sample of its values: a Crime ID is a hash in hexadecimal, which LZ4 shrinks by
    2-7% (synthetic and published IDs) for half the column's write time and two thirds of
    its read time."""
    return {name: "lz4" if _compressible(column) else "none"
            for name, column in zip(data.column_names, data.columns, strict=True)}


def _compressible(column: pa.ChunkedArray) -> bool:
    kind = column.type
    if pa.types.is_floating(kind):
        return False
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        return True
    for chunk in column.chunks:
        values = chunk.buffers()[2]  # the text of the chunk's cells, end to end
        if values is not None and values.size:
            sample = values.slice(0, min(values.size, SAMPLE_BYTES))
            return len(_LZ4.compress(sample)) <= COMPRESSED_AT_MOST * sample.size
    return True  # no text at all


def statistics(data: pa.Table) -> list[str]:
    """Columns worth min/max statistics: numbers and dictionary-encoded text (few distinct
    values: cheap, 0.6 ms of the 11 ms a Met month's 91,000 rows take to write). They let a
    query skip a part (a file's month) or a row group (the district, ward and LSOA codes,
    grouped as police.uk orders its rows, :data:`ROW_GROUP_ROWS`). Statistics on long
    distinct text (Crime IDs, street descriptions) cost more than the rest of the write."""
    return [name for name, column in zip(data.column_names, data.columns, strict=True)
            if pa.types.is_dictionary(column.type)
            or not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)
                    or pa.types.is_binary(column.type))]
