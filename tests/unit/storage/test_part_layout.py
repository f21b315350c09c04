"""How a part's columns are written: text LZ4 cannot shrink (Crime IDs, hashes in
hexadecimal) is stored uncompressed, other text and whole numbers with LZ4, coordinates
uncompressed; every value reads back the same."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tests.warehouse_sql import rows
from vrhub.standards.police_uk import POLICE_STREET
from vrhub.storage import part_layout
from vrhub.storage.warehouse import Warehouse


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


def test_the_rule_follows_the_values_not_the_name() -> None:
    """A Crime ID column of short repeated references is compressed; street descriptions
    of random letters are not."""
    rng = np.random.default_rng(6)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz0123456789"))
    data = pa.table({
        "crime_id": [f"REF-{i % 40:04d}" for i in range(3_000)],
        "location": ["".join(rng.choice(letters, 40)) for _ in range(3_000)]})
    assert part_layout.compression(data) == {"crime_id": "lz4", "location": "none"}


def test_a_stored_part_is_written_so(tmp_path: Path) -> None:
    """Rows stored in the warehouse go through the same layout: their part holds the Crime
    IDs uncompressed and the street descriptions compressed, and reads back whole."""
    n = 3_000
    ids = [hashlib.sha256(f"crime {i}".encode()).hexdigest() for i in range(n)]
    frame = pd.DataFrame({"file_id": "f" * 64, "row_number": range(1, n + 1),
                          "crime_id": ids, "month": "2024-01",
                          "location": ["On or near High Street"] * n})
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.ensure_tables([POLICE_STREET])
        wh.insert(POLICE_STREET, frame)
        (part,) = (tmp_path / "w.parts" / "police_street").glob("*.parquet")
        codecs = _codecs(part)
        assert (codecs["crime_id"], codecs["location"]) == ("UNCOMPRESSED", "LZ4")
        assert [r[0] for r in rows(wh, "SELECT crime_id FROM police_street "
                                       "ORDER BY row_number")] == ids
