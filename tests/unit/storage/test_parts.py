"""Tables stored as Parquet parts: what commits is visible, what rolls back or crashes is
gone, and a warehouse copied without its parts says so."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from tests.warehouse_sql import own_connection, query, rows, scalar
from vrhub.errors import ConfigError
from vrhub.standards.police_uk import POLICE_STREET
from vrhub.standards.provenance import PART
from vrhub.storage import warehouse_schema
from vrhub.storage.ddl import create_table
from vrhub.storage.parts import parts_folder
from vrhub.storage.warehouse import Warehouse, copy_warehouse


def _rows(n: int, file_id: str = "f" * 64, start: int = 1) -> pa.Table:
    return pa.table({
        "crime_id": [f"{i:064x}" for i in range(start, start + n)],
        "crime_type": ["Burglary"] * n,
        "row_number": pa.array(range(start, start + n), pa.int32()),  # conformed to BIGINT
    })


def _constants(file_id: str = "f" * 64) -> dict[str, object]:
    return {"month": "2024-01", "force": "metropolitan", "series": "metropolitan-street",
            "file_id": file_id, "crime_id_duplicate": False}


def _part_files(path: Path) -> list[Path]:
    return sorted((parts_folder(path) / POLICE_STREET.name).glob("*.parquet"))


def test_rows_are_read_through_the_view_with_declared_types(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    with Warehouse(path) as wh:
        wh.ensure_tables([POLICE_STREET])
        assert wh.count(POLICE_STREET.name) == 0  # an empty view before any part
        wh.insert(POLICE_STREET, _rows(5), _constants())
        wh.insert(POLICE_STREET, _rows(3, start=6), _constants())
        frame = query(wh, "SELECT * FROM police_street ORDER BY row_number")
        types = dict(rows(
            wh, "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = 'police_street'"))
    assert frame["row_number"].tolist() == list(range(1, 9))
    assert set(frame["month"]) == {"2024-01"}
    assert frame["easting"].isna().all()  # undeclared in the input: null
    assert types["row_number"] == "BIGINT" and types["crime_id_duplicate"] == "BOOLEAN"
    assert list(frame.columns) == POLICE_STREET.column_names
    assert len(_part_files(path)) == 2


def test_a_rolled_back_load_leaves_no_rows_and_no_files(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    with Warehouse(path) as wh:
        wh.insert(POLICE_STREET, _rows(4), _constants())
        before = _part_files(path)
        with pytest.raises(RuntimeError, match="bad file"), wh.atomic():
            wh.insert(POLICE_STREET, _rows(6, file_id="e" * 64), _constants("e" * 64))
            assert wh.count(POLICE_STREET.name) == 10  # visible inside the transaction
            raise RuntimeError("bad file")
        assert wh.count(POLICE_STREET.name) == 4
        assert scalar(wh, f'SELECT count(*) FROM "{PART.name}"') == 1
    assert _part_files(path) == before


def test_parts_listed_in_a_load_are_seen_inside_it_and_commit_or_roll_back_together(
        tmp_path: Path) -> None:
    """A load lists its parts with ``refresh=False`` (the listings kept and written in one
    statement): every question about the listings inside the transaction sees them, the
    commit keeps them all, a rollback none, and the part files follow."""
    from vrhub.storage.parts import conform

    path = tmp_path / "warehouse.duckdb"
    ids = [c * 64 for c in "abcde"]
    with Warehouse(path) as wh:
        wh.ensure_tables([POLICE_STREET])
        def add(i: int, file_id: str) -> None:
            part = wh.parts.prepare(POLICE_STREET, conform(
                POLICE_STREET, _rows(2, start=1 + 2 * i), _constants(file_id)), file_id)
            wh.add_part(POLICE_STREET, part, refresh=False)

        with wh.atomic():  # each question the first after some parts are listed
            add(0, ids[0])
            add(1, ids[1])
            relation = wh.parts.rows_of(own_connection(wh), POLICE_STREET, ids[:2])
            assert relation is not None
            assert scalar(wh, f"SELECT count(*) FROM {relation}") == 4
            add(2, ids[2])
            assert len(wh.part_names(POLICE_STREET)) == 3
            add(3, ids[3])
            wh.refresh_parts_view(POLICE_STREET)
            assert wh.count(POLICE_STREET.name) == 8
            add(4, ids[4])  # listed by the commit alone
        assert scalar(wh, f'SELECT count(*) FROM "{PART.name}"') == 5
        assert len(_part_files(path)) == 5
        with pytest.raises(RuntimeError, match="bad file"), wh.atomic():
            part = wh.parts.prepare(POLICE_STREET, conform(
                POLICE_STREET, _rows(3, start=20), _constants("9" * 64)), "9" * 64)
            wh.add_part(POLICE_STREET, part, refresh=False)  # kept, not yet written
            raise RuntimeError("bad file")
        assert scalar(wh, f'SELECT count(*) FROM "{PART.name}"') == 5
        with wh.atomic():  # a later transaction does not list the rolled-back part
            wh.refresh_parts_view(POLICE_STREET)
        assert wh.count(POLICE_STREET.name) == 10
    assert len(_part_files(path)) == 5
    with Warehouse(path) as wh:  # committed: listed after reopening
        assert sorted(r[0] for r in rows(wh, f'SELECT file_id FROM "{PART.name}"')) == ids


def test_parts_left_by_a_crash_are_swept_at_the_next_open(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    with Warehouse(path) as wh:
        wh.insert(POLICE_STREET, _rows(4), _constants())
    kept = _part_files(path)
    stray = kept[0].with_name("ffffffffffffffff-0123456789abcdef.parquet")
    stray.write_bytes(kept[0].read_bytes())  # as a load that never committed leaves it
    with Warehouse(path) as wh:
        assert wh.count(POLICE_STREET.name) == 4
    assert _part_files(path) == kept


def test_unlisted_parts_are_deleted_once_the_transaction_commits(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    with Warehouse(path) as wh:
        wh.insert(POLICE_STREET, _rows(4), _constants())
        old = _part_files(path)
        with wh.atomic():
            wh.parts.unlist(own_connection(wh), POLICE_STREET, ["f" * 64])
            wh.insert(POLICE_STREET, _rows(2, file_id="e" * 64), _constants("e" * 64))
            assert old[0].exists()  # until the commit
        assert not old[0].exists()
        assert wh.count(POLICE_STREET.name) == 2


def test_a_copy_without_its_parts_folder_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "a" / "warehouse.duckdb"
    with Warehouse(path) as wh:
        wh.insert(POLICE_STREET, _rows(4), _constants())
    copied = tmp_path / "b" / "warehouse.duckdb"
    copy_warehouse(path, copied)
    with Warehouse(copied, read_only=True) as wh:
        assert wh.count(POLICE_STREET.name) == 4  # reads from its own folder
    alone = tmp_path / "c" / "warehouse.duckdb"
    alone.parent.mkdir()
    alone.write_bytes(path.read_bytes())
    with pytest.raises(ConfigError, match="copy or restore both together"):
        Warehouse(alone, read_only=True).count(POLICE_STREET.name)


def test_a_police_street_table_from_an_older_warehouse_becomes_parts(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute(create_table(POLICE_STREET))
    con.execute("INSERT INTO police_street (crime_id, month, force, series, crime_type, "
                "crime_id_duplicate, file_id, row_number) VALUES "
                "('a', '2024-01', 'm', 's', 'Burglary', false, 'x', 1), "
                "('b', '2024-01', 'm', 's', 'Robbery', false, 'y', 1)")
    warehouse_schema.stamp_new(con)  # a warehouse of the current version, table and all
    con.close()
    with Warehouse(path) as wh:
        wh.ensure_tables([POLICE_STREET])
        assert query(wh, "SELECT crime_id FROM police_street ORDER BY 1")["crime_id"].tolist(
        ) == ["a", "b"]
        kind = scalar(wh, "SELECT table_type FROM information_schema.tables "
                          "WHERE table_name = 'police_street'")
    assert kind == "VIEW"
    assert len(_part_files(path)) == 2


def test_record_pages_from_parts_equal_a_direct_sorted_query(tmp_path: Path) -> None:
    from vrhub.access.scopes import Scope
    from vrhub.storage import records

    with Warehouse(tmp_path / "warehouse.duckdb") as wh:
        for k, file_id in enumerate(("a" * 64, "b" * 64, "c" * 64)):
            rows = _rows(40, file_id=file_id)
            # the same row numbers in every file: a page must match file and row together
            # (distinct crimes: a Crime ID in two files would count once)
            rows = rows.set_column(0, "crime_id", pa.array([f"{k}{i:063x}" for i in range(40)]))
            rows = rows.append_column("borough_code", pa.array(
                ["E09000007" if i % 3 else "E09000001" for i in range(40)]))
            wh.insert(POLICE_STREET, rows, {**_constants(file_id), "month": f"2024-0{3 - k}"})
        ds = records.dataset("police")
        scope = Scope(boroughs=frozenset({"E09000007"}))
        pages = []
        for offset in (0, 25, 50, 75):
            page, total = records.search(wh, "police", scope, records.Filters(), limit=25,
                                         offset=offset)
            pages.extend(page)
        direct = query(
            wh, f"SELECT {ds.id_sql} AS record_id FROM police_street WHERE borough_code = "
                f"'E09000007' ORDER BY {ds.order_sql}")["record_id"].tolist()
    assert total == len(direct) == 78
    assert [p["record_id"] for p in pages] == direct


def test_a_long_dictionary_is_stored_cut_to_the_values_used(tmp_path: Path) -> None:
    """A load's place columns share one dictionary of every code seen (39,008 LSOAs
    nationally): a part keeps only its rows' values, so the dictionary is not written into
    every part and the part's recorded borough range is that of its rows."""
    import pyarrow.parquet as pq

    from vrhub.standards.provenance import PART_RANGE

    codes = pa.array([f"E01{i:06d}" for i in range(200)] + [None])  # a null entry too
    boroughs = pa.array([f"E09{i:06d}" for i in range(1, 100)])
    data = _rows(6).append_column("lsoa21_code", pa.DictionaryArray.from_arrays(
        pa.array([150, 7, None, 150, 200, 7], pa.int32()), codes)).append_column(
        "borough_code", pa.DictionaryArray.from_arrays(
            pa.array([40, 40, 41, 42, 40, None], pa.int32()), boroughs))
    path = tmp_path / "warehouse.duckdb"
    with Warehouse(path) as wh:
        wh.ensure_tables([POLICE_STREET])
        wh.insert(POLICE_STREET, data, _constants())
        stored = rows(wh, "SELECT lsoa21_code, borough_code FROM police_street "
                          "ORDER BY row_number")
    assert stored == [("E01000150", "E09000041"), ("E01000007", "E09000041"),
                      (None, "E09000042"), ("E01000150", "E09000043"),
                      (None, "E09000041"), ("E01000007", None)]
    (part,) = _part_files(path)
    written = pq.read_table(part, read_dictionary=["lsoa21_code", "borough_code"])
    assert written["lsoa21_code"].chunk(0).dictionary.to_pylist() == ["E01000007",
                                                                      "E01000150"]
    assert written["borough_code"].chunk(0).dictionary.to_pylist() == [
        "E09000041", "E09000042", "E09000043"]
    assert rows(path, f"SELECT least, greatest FROM {PART_RANGE.name} "
                      "WHERE column_name = 'borough_code'") == [("E09000041", "E09000043")]
