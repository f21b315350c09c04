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


def test_a_district_is_read_from_its_own_row_groups(tmp_path: Path) -> None:
    """police.uk orders a month's rows by LSOA name, so by district: a stored part is cut
    into row groups whose district, ward and LSOA codes carry min/max statistics, so that
    a reader skips the groups of other districts. Every row of a district lies in the
    groups whose range holds its code, and those are few."""
    per, boroughs = 7_000, [f"E09{i:06d}" for i in range(1, 11)]
    n = per * len(boroughs)
    frame = pd.DataFrame({
        "file_id": "f" * 64, "row_number": range(1, n + 1), "month": "2024-01",
        "crime_id": [hashlib.sha256(f"crime {i}".encode()).hexdigest() for i in range(n)],
        "borough_code": np.repeat(boroughs, per),
        "ward_code": [f"E05{i // 700:06d}" for i in range(n)],
        "lsoa21_code": [f"E01{i // 140:06d}" for i in range(n)]})
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.ensure_tables([POLICE_STREET])
        wh.insert(POLICE_STREET, frame)
        (part,) = (tmp_path / "w.parts" / "police_street").glob("*.parquet")
        meta = pq.ParquetFile(part).metadata
        assert meta.num_row_groups == -(-n // part_layout.ROW_GROUP_ROWS)
        names = [meta.schema.column(i).name for i in range(meta.num_columns)]
        for column in ("borough_code", "ward_code", "lsoa21_code", "month"):
            ranges = [meta.row_group(g).column(names.index(column)).statistics
                      for g in range(meta.num_row_groups)]
            assert all(s is not None and s.has_min_max for s in ranges), column
        where = names.index("borough_code")
        ranges = [(meta.row_group(g).column(where).statistics.min,
                   meta.row_group(g).column(where).statistics.max)
                  for g in range(meta.num_row_groups)]
        read = pq.read_table(part, columns=["borough_code"]).to_pandas()
        starts = np.cumsum([0] + [meta.row_group(g).num_rows
                                  for g in range(meta.num_row_groups)])
        for borough in boroughs:
            holding = [g for g, (lo, hi) in enumerate(ranges) if lo <= borough <= hi]
            assert 1 <= len(holding) <= 2 < meta.num_row_groups, (borough, ranges)
            inside = set().union(*(range(starts[g], starts[g + 1]) for g in holding))
            assert set(np.flatnonzero(read["borough_code"] == borough)) <= inside
        # Crime IDs (long distinct text) carry none: they would cost more than the write
        crime_ids = meta.row_group(0).column(names.index("crime_id")).statistics
        assert crime_ids is None or not crime_ids.has_min_max
        assert rows(wh, "SELECT count(*) FROM police_street WHERE borough_code = "
                        "'E09000004'") == [(per,)]
