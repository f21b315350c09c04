"""How a part's columns are written: text LZ4 cannot shrink (Crime IDs, hashes in
hexadecimal) is stored uncompressed, other text and whole numbers with LZ4, coordinates
uncompressed; every value reads back the same."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from vrhub.storage import part_layout


def _codecs(path: Path) -> dict[str, str]:
    group = pq.ParquetFile(path).metadata.row_group(0)
    return {group.column(i).path_in_schema: group.column(i).compression
            for i in range(group.num_columns)}


def test_text_lz4_cannot_shrink_is_stored_uncompressed(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    n = 5_000
    ids = [hashlib.sha256(str(i).encode()).hexdigest() for i in rng.permutation(n)]
    ids[::7] = [None] * len(ids[::7])
    streets = rng.choice(["On or near High Street", "On or near Station Road",
                          "On or near Parking Area"], n).tolist()
    data = pa.table({
        "crime_id": pa.chunked_array([pa.array(ids[:2_000]), pa.array(ids[2_000:])]),
        "location": streets, "row_number": np.arange(1, n + 1),
        "easting": rng.uniform(500_000, 560_000, n),
        "context": pa.nulls(n, pa.string()),
        "crime_type": pa.array(streets).dictionary_encode()})
    path = tmp_path / "part.parquet"
    pq.write_table(data, path, **part_layout.write_options(data))

    codecs = _codecs(path)
    assert codecs["crime_id"] == "UNCOMPRESSED"
    assert codecs["easting"] == "UNCOMPRESSED"
    assert {codecs[c] for c in ("location", "row_number", "context", "crime_type")} == {"LZ4"}
    back = pq.read_table(path)
    for name in ("crime_id", "location", "row_number", "easting", "context"):
        assert back[name].to_pylist() == data[name].to_pylist()
    assert back["crime_type"].to_pylist() == streets


def test_the_rule_follows_the_values_not_the_name(tmp_path: Path) -> None:
    """A Crime ID column of short repeated references is compressed; street descriptions
    of random letters are not."""
    rng = np.random.default_rng(6)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz0123456789"))
    data = pa.table({
        "crime_id": [f"REF-{i % 40:04d}" for i in range(3_000)],
        "location": ["".join(rng.choice(letters, 40)) for _ in range(3_000)]})
    assert part_layout.compression(data) == {"crime_id": "lz4", "location": "none"}
