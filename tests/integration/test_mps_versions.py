"""London Datastore versions are decided by the data, not the order of loading; files a
folder load leaves out are named with the reason. Versions are made in tmp_path from the
real MPS borough table."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.warehouse_sql import query
from vrhub.storage.warehouse import Warehouse
from vrhub.workspace import Workspace


@pytest.fixture
def table(shared_data: Path) -> pd.DataFrame:
    path = shared_data / "london-datastore" / "mps-recorded-crime" / "recorded-crime-borough.csv.gz"
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def months_of(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c.isdigit()]


def loaded_totals(home: Path) -> dict[str, int]:
    with Warehouse(Workspace(home).warehouse_path) as w:
        frame = query(w, "SELECT month, sum(count) AS n FROM mps_crime_count GROUP BY 1")
    return {str(m): int(n) for m, n in zip(frame["month"], frame["n"], strict=True)}


def expected_totals(frame: pd.DataFrame, months: list[str]) -> dict[str, int]:
    return {f"{m[:4]}-{m[4:]}": int(frame[m].astype(int).sum()) for m in months}


def versions(table: pd.DataFrame, folder: Path) -> tuple[Path, Path, pd.DataFrame]:
    """An older download (its last month 202511, values of its last six months one lower
    per row: crimes recorded since) and a newer one made early in December (the same
    months, revised, and a stub column 202512)."""
    months = months_of(table)
    older = table.copy()
    for m in months[-6:]:
        older[m] = (older[m].astype(int) - (older[m].astype(int) > 0)).astype(str)
    newer = table.copy()
    newer["202512"] = "0"
    newer.loc[newer.index[:3], "202512"] = "1"  # a stub: a few offences recorded so far
    folder.mkdir()
    old_path = folder / "recorded-crime-borough-older.csv"
    new_path = folder / "recorded-crime-borough.csv"
    older.to_csv(old_path, index=False)
    newer.to_csv(new_path, index=False)
    return old_path, new_path, newer


@pytest.mark.parametrize("order", ["newer first", "older first"])
def test_the_later_publication_wins_whatever_the_order(run, table, tmp_path: Path,
                                                       order: str):
    old_path, new_path, newer = versions(table, tmp_path / "downloads")
    first, second = (new_path, old_path) if order == "newer first" else (old_path, new_path)
    for path in (first, second):
        code, out, err = run("load", "mps", path, "--json")
        assert code == 0, err
    expected = expected_totals(newer, months_of(table))
    assert loaded_totals(run.home) == expected
    if order == "newer first":  # the older file gives way and says to which file
        notes = json.loads(out)["files"][0]["notes"]
        assert any("superseded by recorded-crime-borough.csv" in n for n in notes)


@pytest.mark.parametrize("order", [0, 1])
def test_downloads_of_one_publication_keep_the_fuller_count(run, table, tmp_path: Path,
                                                            order: int):
    """Two downloads with the same months: the one counting more offences (crimes
    recorded since the other was made) wins, in either order."""
    months = months_of(table)
    fuller = table.copy()
    for m in months[-3:]:
        fuller[m] = (fuller[m].astype(int) + 1).astype(str)
    folder = tmp_path / "same"
    folder.mkdir()
    paths = [folder / "recorded-crime-borough-a.csv", folder / "recorded-crime-borough-b.csv"]
    table.to_csv(paths[0], index=False)
    fuller.to_csv(paths[1], index=False)
    for path in (paths[order], paths[1 - order]):
        code, _, err = run("load", "mps", path)
        assert code == 0, err
    assert loaded_totals(run.home) == expected_totals(fuller, months)


def test_a_folder_load_names_every_file_it_leaves_out(run, table, tmp_path: Path):
    folder = tmp_path / "datastore"
    folder.mkdir()
    table.to_csv(folder / "recorded-crime-borough.csv", index=False)
    (folder / "README.txt").write_text("downloaded from the London Datastore\n")
    (folder / "crime-summary.csv").write_text("a,b\n1,2\n")
    code, out, err = run("load", "mps", folder, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert [Path(f["file"]).name for f in report["files"]] == ["recorded-crime-borough.csv"]
    skipped = {Path(s["file"]).name: s["reason"] for s in report["skipped"]}
    assert set(skipped) == {"README.txt", "crime-summary.csv"}
    assert all("matches none of" in reason for reason in skipped.values())
    code, out, err = run("load", "mps", folder)
    assert code == 0, err
    assert "README.txt" in out and "crime-summary.csv" in out
