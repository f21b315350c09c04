"""A revision is a revision: a file of a force and month already loaded, under whatever
name and byte layout, replaces that month (with its history) and never adds a second
series. Copies are made in tmp_path from the real files."""

from __future__ import annotations

import csv
import gzip
import io
import json
import zipfile
from pathlib import Path

import pytest

from tests.warehouse_sql import query
from vrhub.storage import points
from vrhub.storage.warehouse import Warehouse
from vrhub.workspace import Workspace

MONTH = "2025-01"


def rows_of(path: Path) -> list[list[str]]:
    with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def csv_text(rows: list[list[str]], newline: str = "\n") -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator=newline).writerows(rows)
    return out.getvalue()


def state(run) -> dict:
    with Warehouse(Workspace(run.home).warehouse_path) as w:
        frame = query(w, "SELECT series, month, count(*) AS n FROM police_street "
                         "GROUP BY ALL ORDER BY ALL")
        counted = points.count_events(w, "police", start=MONTH, end=MONTH)
    code, out, err = run("quality", "--json")
    assert code == 0, err
    police = json.loads(out)["sources"]["police"]
    return {"series": sorted(set(frame["series"])),
            "rows": dict(zip(frame["month"], frame["n"], strict=True)),
            "counted": counted, "files": police["files"],
            "replaced": police["files_replaced"]}


@pytest.fixture
def original(shared_data: Path) -> Path:
    return shared_data / "police-uk" / "city-of-london" / f"{MONTH}-city-of-london-street.csv.gz"


def test_saved_copies_of_a_loaded_month_replace_it(run, original: Path, tmp_path: Path):
    rows = rows_of(original)
    header, body = rows[0], rows[1:]
    assert len(body) == 629
    code, _, err = run("load", "police", original)
    assert code == 0, err
    first = state(run)
    assert first["rows"] == {MONTH: 629} and first["series"] == ["city-of-london-street"]

    copies = tmp_path / "copies"
    copies.mkdir()
    revised = [list(r) for r in body]
    revised[0][10] = "Offender given a caution"  # a later download: an outcome changed
    made: list[Path] = []
    # a browser's second download, Unix line endings (police.uk writes CRLF)
    path = copies / f"{MONTH}-city-of-london-street (1).csv"
    path.write_bytes(csv_text([header, *body], "\n").encode())
    made.append(path)
    # a re-saved copy with the rows in another order
    path = copies / f"{MONTH}-city-of-london-street-download2.csv"
    path.write_text(csv_text([header, *reversed(body)]), encoding="utf-8")
    made.append(path)
    # re-zipped, one outcome revised
    path = copies / "police-download.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{MONTH}/{MONTH}-city-of-london-street.csv",
                         csv_text([header, *revised], "\r\n"))
    made.append(path)
    # a name that says nothing: the rows decide (sorted by Crime ID, gzipped)
    path = copies / "city-export.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
        handle.write(csv_text([header, *sorted(body, key=lambda r: r[0])]))
    made.append(path)

    for n, copy in enumerate(made, start=1):
        code, out, err = run("load", "police", copy, "--json")
        assert code == 0, err
        report = json.loads(out)["files"][0]
        assert report["status"] == "replaced-older", (copy.name, report)
        assert any("revision" in note for note in report["notes"])
        now = state(run)
        assert now["series"] == ["city-of-london-street"], copy.name
        assert now["rows"] == {MONTH: 629}, copy.name
        assert now["counted"] == first["counted"], copy.name
        assert now["files"] == 1 and now["replaced"] == n  # history kept in provenance

    with Warehouse(Workspace(run.home).warehouse_path) as w:
        history = w.provenance("police")
        assert len(history) == len(made) + 1
        assert sorted(history["status"]) == ["loaded"] + ["replaced"] * len(made)


def test_a_copy_in_the_same_folder_load_is_one_series(run, original: Path, tmp_path: Path):
    rows = rows_of(original)
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / f"{MONTH}-city-of-london-street.csv").write_text(csv_text(rows))
    (folder / f"{MONTH}-city-of-london-street (1).csv").write_bytes(
        csv_text(rows, "\r\n").encode())
    code, _, err = run("load", "police", folder)
    assert code == 0, err
    now = state(run)
    assert now["rows"] == {MONTH: 629} and now["series"] == ["city-of-london-street"]


def test_a_btp_month_saved_again_under_any_name_replaces_it(run, shared_data: Path,
                                                            tmp_path: Path):
    """BTP rows have no Crime ID: the forces and crime types decide."""
    source = shared_data / "police-uk" / "btp" / "2024-03-btp-street.csv.gz"
    rows = rows_of(source)
    code, _, err = run("load", "police", source)
    assert code == 0, err
    copy = tmp_path / "transport.csv"
    copy.write_bytes(csv_text([rows[0], *reversed(rows[1:])], "\r\n").encode())
    code, out, err = run("load", "police", copy, "--json")
    assert code == 0, err
    assert json.loads(out)["files"][0]["status"] == "replaced-older"
    with Warehouse(Workspace(run.home).warehouse_path) as w:
        assert w.count("police_street") == len(rows) - 1
        assert query(w, "SELECT DISTINCT series FROM police_street")["series"].tolist() == [
            "btp-street"]
