"""Bad police.uk input: each gets a clear message naming file, row, column and value, and
nothing is partially loaded (whole-file problems roll the load back; row problems are
quarantined with their reason while the rest of the file loads)."""

from __future__ import annotations

import csv
import gzip
import io
import json
import zipfile
from pathlib import Path

import pytest

from tests.warehouse_sql import query, scalar
from vrhub.ingest import police_csv, police_uk
from vrhub.storage.warehouse import Warehouse
from vrhub.workspace import Workspace

MONTH = "2024-02"
NAME = f"{MONTH}-city-of-london-street.csv"


@pytest.fixture
def real_rows(shared_data: Path) -> list[list[str]]:
    path = shared_data / "police-uk" / "city-of-london" / f"{NAME}.gz"
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


@pytest.fixture
def baseline(run, shared_data: Path) -> dict:
    """A warehouse holding one good month, and its quality report."""
    good = shared_data / "police-uk" / "city-of-london" / "2024-01-city-of-london-street.csv.gz"
    code, _, err = run("load", "police", good)
    assert code == 0, err
    return quality(run)


def quality(run) -> dict:
    code, out, err = run("quality", "--json")
    assert code == 0, err
    return json.loads(out)["sources"]["police"]


def write(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def assert_refused(run, baseline: dict, path: Path, *fragments: str) -> str:
    code, out, err = run("load", "police", path)
    assert code == 4, (code, out, err)
    message = err + out
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert "Traceback" not in message
    after = quality(run)
    assert after["rows_loaded"] == baseline["rows_loaded"]
    assert after["provenance"] == baseline["provenance"]
    return message


def quarantine(home: Path) -> list[dict]:
    with Warehouse(Workspace(home).warehouse_path) as w:
        return query(w, "SELECT * FROM quarantine ORDER BY row_number").to_dict("records")


# -- whole-file problems: refused, nothing loaded ----------------------------------------
def test_truncated_gzip(run, baseline, shared_data: Path, tmp_path: Path):
    source = shared_data / "police-uk" / "city-of-london" / f"{NAME}.gz"
    data = source.read_bytes()
    broken = tmp_path / f"{NAME}.gz"
    broken.write_bytes(data[: len(data) // 2])
    assert_refused(run, baseline, broken, str(broken), "truncated or corrupt")


def test_truncated_zip(run, baseline, real_rows, tmp_path: Path):
    plain = write(tmp_path / NAME, real_rows)
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(plain, NAME)
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])
    assert_refused(run, baseline, archive, "download.zip", "zip")


def test_missing_column(run, baseline, real_rows, tmp_path: Path):
    rows = [r[:9] + r[10:] for r in real_rows]  # drop 'Crime type'
    path = write(tmp_path / NAME, rows)
    assert_refused(run, baseline, path, NAME, "row 0", "column 'Crime type'",
                   "missing column 'Crime type'")


def test_unexpected_column(run, baseline, real_rows, tmp_path: Path):
    rows = [[*r, "x"] for r in real_rows]
    rows[0][-1] = "Notes"
    path = write(tmp_path / NAME, rows)
    assert_refused(run, baseline, path, NAME, "column 'Notes'", "unexpected column")


def test_stop_and_search_file_given_as_street_file(run, baseline, shared_data: Path,
                                                   tmp_path: Path):
    source = (shared_data / "police-uk" / "metropolitan" / "stop-and-search" /
              "2024-01-metropolitan-stop-and-search.csv.gz")
    assert_refused(run, baseline, source, "missing columns 'Crime ID'")


def test_reduced_theft_extract_is_refused_with_an_explanation(run, baseline,
                                                              shared_data: Path):
    source = (shared_data / "police-uk" / "metropolitan" / "theft-from-the-person-2021" /
              "crime-theft-2021-london.csv.gz")
    assert_refused(run, baseline, source, "missing columns", "reduced extract")


def test_non_utf8_bytes(run, baseline, real_rows, tmp_path: Path):
    rows = [list(r) for r in real_rows]
    rows[5][6] = "On or near Caf\u00e9 Street"
    path = write(tmp_path / NAME, rows, encoding="cp1252")
    assert_refused(run, baseline, path, NAME, "row 5", "column 'Location'",
                   "On or near Caf", "not UTF-8")


def test_non_utf8_bytes_deep_in_a_streamed_file(run, baseline, real_rows, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(police_csv, "BLOCK_SIZE", 64 * 1024)
    body = real_rows[1:]
    rows = [real_rows[0]] + [list(body[i % len(body)]) for i in range(10 * len(body))]
    bad = len(rows) - 40  # well past the first blocks, which load before the error
    rows[bad][6] = "On or near Caf\u00e9 Street"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    data = buffer.getvalue().encode("utf-8").replace("Caf\u00e9".encode(), b"Caf\xe9")
    path = tmp_path / NAME
    path.write_bytes(data)
    assert path.stat().st_size > 5 * 64 * 1024
    assert_refused(run, baseline, path, NAME, f"row {bad}", "column 'Location'",
                   "On or near Caf", "not UTF-8")


def test_reloading_a_folder_skips_unchanged_files_among_new_ones(run, shared_data: Path,
                                                                 tmp_path: Path):
    city = shared_data / "police-uk" / "city-of-london"
    folder = tmp_path / "city"
    folder.mkdir()
    names = [f"2024-0{m}-city-of-london-street.csv.gz" for m in (1, 2, 3)]
    for name in names[:2]:
        (folder / name).write_bytes((city / name).read_bytes())
    code, _, err = run("load", "police", folder)
    assert code == 0, err
    first = quality(run)
    (folder / names[2]).write_bytes((city / names[2]).read_bytes())
    code, out, err = run("load", "police", folder, "--json")
    assert code == 0, err
    statuses = {f["file"].rsplit("/", 1)[-1]: f["status"] for f in json.loads(out)["files"]}
    assert statuses == {names[0]: "unchanged", names[1]: "unchanged", names[2]: "loaded"}
    with gzip.open(city / names[2], "rt", encoding="utf-8", newline="") as handle:
        third = sum(1 for _ in csv.reader(handle)) - 1
    assert quality(run)["rows_loaded"] == first["rows_loaded"] + third


def test_month_disagreeing_with_file_name(run, baseline, real_rows, tmp_path: Path):
    rows = [list(r) for r in real_rows]
    rows[7][1] = "2024-03"
    path = write(tmp_path / NAME, rows)
    assert_refused(run, baseline, path, NAME, "row 7", "column 'Month'", "'2024-03'",
                   f"disagrees with the file's month {MONTH}")


def test_row_with_wrong_number_of_fields(run, baseline, real_rows, tmp_path: Path):
    rows = [list(r) for r in real_rows]
    rows[4] = [*rows[4], "extra"]
    path = write(tmp_path / NAME, rows)
    assert_refused(run, baseline, path, NAME, "row 4", "13 fields")


def test_empty_file(run, baseline, tmp_path: Path):
    path = tmp_path / NAME
    path.write_bytes(b"")
    assert_refused(run, baseline, path, NAME, "empty")


def test_header_only_file(run, baseline, real_rows, tmp_path: Path):
    path = write(tmp_path / NAME, real_rows[:1])
    assert_refused(run, baseline, path, NAME, "no data rows")


def test_one_bad_file_in_a_folder_loads_nothing(run, baseline, real_rows, tmp_path: Path):
    folder = tmp_path / "download"
    write(folder / NAME, real_rows)
    bad = [[r[0], "2024-03", *r[2:]] for r in real_rows]
    bad[0] = real_rows[0]
    bad[3][1] = "2024-04"
    write(folder / "2024-03-city-of-london-street.csv", bad)
    assert_refused(run, baseline, folder, "2024-03-city-of-london-street.csv", "row 3")


# -- row problems: quarantined, the rest loads --------------------------------------------
def load_ok(run, path: Path) -> dict:
    code, out, err = run("load", "police", path, "--json")
    assert code == 0, err
    return json.loads(out)


def test_coordinates_outside_great_britain_are_quarantined(run, baseline, real_rows,
                                                           tmp_path: Path):
    rows = [list(r) for r in real_rows]
    rows[2][4], rows[2][5] = "2.352222", "48.856613"  # Paris
    rows[3][4], rows[3][5] = rows[3][5], rows[3][4]  # swapped
    path = write(tmp_path / NAME, rows)
    report = load_ok(run, path)
    data_rows = len(rows) - 1
    assert report["rows_read"] == data_rows
    assert report["rows_quarantined"] == 2
    assert report["rows_loaded"] == data_rows - 2
    assert report["quarantined_by_rule"] == {"coordinate_outside_gb": 2}
    problems = quarantine(run.home)
    assert [p["row_number"] for p in problems] == [2, 3]
    assert problems[0]["file_name"].endswith(NAME)
    assert problems[0]["column_name"] == "Longitude"
    assert problems[0]["value"] == "2.35222, 48.8566"
    assert "outside Great Britain" in problems[0]["reason"]
    assert "swapped" in problems[1]["reason"]
    after = quality(run)
    assert after["balanced"] is True
    assert after["rows_loaded"] == baseline["rows_loaded"] + data_rows - 2
    assert after["quarantined_by_reason"] == {"coordinate_outside_gb": 2}


def test_zero_and_blank_coordinates_are_loaded_without_a_point(run, baseline, real_rows,
                                                               tmp_path: Path):
    rows = [list(r) for r in real_rows]
    rows[1][4], rows[1][5] = "0", "0"
    rows[2][4] = ""
    path = write(tmp_path / NAME, rows)
    report = load_ok(run, path)
    assert report["rows_quarantined"] == 0
    with Warehouse(Workspace(run.home).warehouse_path) as w:
        flags = query(
            w, "SELECT row_number, coordinate_flag, easting, place_flag FROM police_street "
               f"WHERE month = '{MONTH}' AND row_number IN (1, 2) ORDER BY row_number")
    assert flags["coordinate_flag"].tolist() == ["zero", "incomplete"]
    assert flags["easting"].isna().all()
    assert quality(run)["coordinates"]["zero"] == 1


@pytest.mark.parametrize("parts", ["one part", "several parts"])
def test_duplicate_crime_ids_are_loaded_flagged_and_named(run, baseline, real_rows,
                                                          tmp_path: Path, parts: str,
                                                          monkeypatch: pytest.MonkeyPatch):
    if parts == "several parts":  # flagged in the warehouse, the parts then rewritten
        monkeypatch.setattr(police_uk, "INSERT_ROWS", 40)
    rows = [list(r) for r in real_rows]
    first = next(i for i in range(1, len(rows)) if rows[i][0])
    target = next(i for i in range(first + 5, len(rows)) if rows[i][0])
    rows[target][0] = rows[first][0]
    duplicates_before = sum(1 for r in real_rows[1:] if r[0]) - len(
        {r[0] for r in real_rows[1:] if r[0]})
    path = write(tmp_path / NAME, rows)
    code, _, err = run("load", "police", path)
    assert code == 0, err
    assert NAME in err and "column 'Crime ID'" in err and "repeat a Crime ID" in err
    report = quality(run)
    assert report["rows_quarantined"] == 0
    assert report["rows_loaded"] == baseline["rows_loaded"] + len(rows) - 1
    with Warehouse(Workspace(run.home).warehouse_path) as w:
        flagged = query(
            w, "SELECT row_number, crime_id FROM police_street "
               f"WHERE month = '{MONTH}' AND crime_id_duplicate ORDER BY row_number")
        stored = query(w, "SELECT count(*) AS n, count(DISTINCT row_number) AS rows "
                          f"FROM police_street WHERE month = '{MONTH}'")
        part_rows = scalar(w, "SELECT sum(row_count) FROM warehouse_part")
    assert target in flagged["row_number"].tolist()
    assert len(flagged) == duplicates_before + 1
    assert stored["n"][0] == stored["rows"][0] == len(rows) - 1  # rewritten, not doubled
    assert part_rows == report["rows_loaded"]


def test_formula_cells_are_quarantined_and_stored_inert(run, baseline, real_rows,
                                                        tmp_path: Path):
    rows = [list(r) for r in real_rows]
    rows[6][6] = '=HYPERLINK("http://example.com/x","On or near Fleet Street")'
    rows[8][10] = "@SUM(1+1)"
    path = write(tmp_path / NAME, rows)
    report = load_ok(run, path)
    assert report["quarantined_by_rule"] == {"formula_cell": 2}
    problems = quarantine(run.home)
    assert [(p["row_number"], p["column_name"]) for p in problems] == [
        (6, "Location"), (8, "Last outcome category")]
    assert problems[0]["value"].startswith("'=HYPERLINK(")
    with Warehouse(Workspace(run.home).warehouse_path) as w:
        stored = scalar(w, "SELECT count(*) FROM police_street WHERE location LIKE '=%' "
                           "OR last_outcome LIKE '@%'")
    assert stored == 0


def test_malformed_lsoa_code_is_quarantined(run, baseline, real_rows, tmp_path: Path):
    rows = [list(r) for r in real_rows]
    rows[9][7] = "Camden 027B"
    path = write(tmp_path / NAME, rows)
    report = load_ok(run, path)
    assert report["quarantined_by_rule"] == {"lsoa_code_malformed": 1}
    assert quarantine(run.home)[0]["value"] == "Camden 027B"


def test_a_large_file_is_streamed_in_blocks(run, real_rows, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(police_csv, "BLOCK_SIZE", 64 * 1024)
    monkeypatch.setattr(police_csv, "WHOLE_FILE_BYTES", 256 * 1024)  # a larger file streams
    blocks: list[int] = []
    real = police_csv._as_text

    def spy(source, table, first_row):
        blocks.append(table.num_rows)
        return real(source, table, first_row)

    monkeypatch.setattr(police_csv, "_as_text", spy)
    body = real_rows[1:]
    rows = [real_rows[0]] + [body[i % len(body)] for i in range(20 * len(body))]
    path = write(tmp_path / NAME, rows)
    assert path.stat().st_size > 20 * 64 * 1024 > police_csv.WHOLE_FILE_BYTES
    report = load_ok(run, path)
    assert report["rows_loaded"] + report["rows_quarantined"] == len(rows) - 1
    assert len(blocks) > 10
    assert max(blocks) < (len(rows) - 1) / 5
    assert sum(blocks) == len(rows) - 1


# -- stop and search shares the reader; its own checks -------------------------------------
@pytest.fixture
def search_rows(shared_data: Path) -> list[list[str]]:
    path = (shared_data / "police-uk" / "metropolitan" / "stop-and-search" /
            "2024-01-metropolitan-stop-and-search.csv.gz")
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))[:200]


def test_stop_search_file_name_without_month_is_refused(run, search_rows, tmp_path: Path):
    path = write(tmp_path / "searches.csv", search_rows)
    code, _, err = run("load", "stop-search", path)
    assert code == 4
    assert "searches.csv" in err and "month and force" in err


def test_stop_search_bad_date_and_formula_are_quarantined(run, search_rows, tmp_path: Path):
    rows = [list(r) for r in search_rows]
    rows[3][1] = "31/01/2024 18:00"
    rows[4][11] = "=HYPERLINK(\"x\")"
    path = write(tmp_path / "2024-01-metropolitan-stop-and-search.csv", rows)
    code, out, err = run("load", "stop-search", path, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["rows_read"] == len(rows) - 1
    assert report["quarantined_by_rule"] == {"date_invalid": 1, "formula_cell": 1}
    assert report["rows_loaded"] == len(rows) - 3
    problems = quarantine(run.home)
    assert [(p["row_number"], p["column_name"]) for p in problems] == [
        (3, "Date"), (4, "Object of search")]
