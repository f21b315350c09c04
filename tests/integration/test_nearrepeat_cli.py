"""`vrhub nearrepeat` on the warehouse: real City of London street files loaded with
`vrhub load police`, and a small ED-assault table."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.warehouse_sql import execute
from vrhub.errors import UserError
from vrhub.reports.outputs import read_metadata
from vrhub.storage.warehouse import Warehouse

MONTHS = ("2024-01", "2024-02")
CATEGORY = "Theft from the person"


def _city_files(shared_data: Path) -> list[Path]:
    return [shared_data / "police-uk" / "city-of-london" / f"{m}-city-of-london-street.csv.gz"
            for m in MONTHS]


def _located_category_rows(files: list[Path], category: str) -> int:
    """Rows of ``category`` with coordinates, each Crime ID once per file (independent of
    the loader)."""
    count = 0
    for path in files:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
            seen: set[str] = set()
            for row in csv.DictReader(fh):
                if row["Crime type"] != category or not row["Longitude"] or not row["Latitude"]:
                    continue
                key = row["Crime ID"]
                if key and key in seen:
                    continue
                seen.add(key)
                count += 1
    return count


def test_police_knox_table_from_loaded_files(run: Any, shared_data: Path, home: Path,
                                             tmp_path: Path) -> None:
    files = _city_files(shared_data)
    code, _out, err = run("load", "police", *files)
    assert code == 0, err
    output = tmp_path / "knox.csv"
    code, out, err = run("nearrepeat", "--source", "police", "--category", CATEGORY,
                         "--from", MONTHS[0], "--to", MONTHS[1],
                         "--distance-bands", "0,100,200,400", "--time-bands", "0,1,32",
                         "--seed", "7", "--permutations", "19", "--output", output, "--json")
    assert code == 0, err
    report = json.loads(out)
    table = pd.DataFrame(report["table"])
    assert len(table) == 3 * 2
    assert list(table["distance_band"].unique()) == ["[0, 100)", "[100, 200)", "[200, 400)"]
    assert list(table["time_band"].unique()) == ["[0, 1)", "[1, 32)"]
    meta = report["metadata"]
    assert meta["n_events"] == _located_category_rows(files, CATEGORY)
    assert meta["parameters"]["seed"] == 7
    assert meta["source"]["temporal_resolution"] == "month"
    assert any("month of each crime only" in note for note in meta["notes"])
    assert "month of each crime only" in err  # announced on the terminal too
    # every pair of events in [0, 400) is counted once: same-month pairs in [0, 1) and
    # January-February pairs (31 days) in [1, 32)
    assert table["observed"].sum() > 0
    assert ((table["p_value"] >= 1 / 20) & (table["p_value"] <= 1)).all()
    # the file and its metadata sidecar, with the provenance of the loaded files
    written = pd.read_csv(output)
    assert list(written["observed"]) == list(table["observed"])
    stored = read_metadata(output)
    assert stored["analysis"] == "near_repeat"
    assert {Path(p["file_name"]).name for p in stored["provenance"]} == {f.name for f in files}
    # same seed, same answer
    code, again, _err = run("nearrepeat", "--source", "police", "--category", CATEGORY,
                            "--from", MONTHS[0], "--to", MONTHS[1],
                            "--distance-bands", "0,100,200,400", "--time-bands", "0,1,32",
                            "--seed", "7", "--permutations", "19", "--json")
    assert json.loads(again)["table"] == report["table"]


def test_missing_or_empty_tables_are_clear_errors(run: Any, home: Path) -> None:
    code, _out, err = run("nearrepeat", "--source", "police", "--distance-bands", "0,100",
                          "--time-bands", "0,32")
    assert code == UserError.exit_code
    assert "no police events (table police_street is missing)" in err
    assert "vrhub load police" in err
    with Warehouse(home / "warehouse.duckdb") as wh:
        execute(wh, "CREATE TABLE istv_assault (assault_at TIMESTAMP, easting DOUBLE, "
                    "northing DOUBLE, borough_code VARCHAR)")
    code, _out, err = run("nearrepeat", "--source", "istv", "--distance-bands", "0,100",
                          "--time-bands", "0,7")
    assert code == UserError.exit_code
    assert "table istv_assault is empty" in err


def _istv_table(home: Path) -> None:
    rows = [
        ("2024-03-01 22:00", 530000, 181000, "E09000033"),
        ("2024-03-02 01:30", 530050, 181020, "E09000033"),   # 54 m, 3.5 h later
        ("2024-03-09 23:00", 530010, 181000, "E09000033"),   # 10 m, 8 days after the first
        ("2024-04-20 12:00", 532000, 183000, "E09000033"),
        ("2024-03-05 12:00", 540000, 190000, "E09000012"),   # other borough
        ("2024-03-05 12:00", None, None, "E09000033"),        # not geocoded
        ("2024-06-05 12:00", 530000, 181000, "E09000033"),   # after --to
    ]
    with Warehouse(home / "warehouse.duckdb") as wh:
        execute(wh, "CREATE TABLE istv_assault (assault_at TIMESTAMP, easting DOUBLE, "
                    "northing DOUBLE, borough_code VARCHAR)")
        execute(wh, "INSERT INTO istv_assault VALUES (CAST(? AS TIMESTAMP), ?, ?, ?)",
                many=rows)


def test_istv_filters_and_hour_resolution(run: Any, home: Path) -> None:
    _istv_table(home)
    code, out, err = run("nearrepeat", "--source", "istv", "--borough", "E09000033",
                         "--from", "2024-03", "--to", "2024-04",
                         "--distance-bands", "0,100,5000", "--time-bands", "0,1,7,60",
                         "--metric", "euclidean", "--permutations", "9", "--seed", "1",
                         "--json")
    assert code == 0, err
    report = json.loads(out)
    meta = report["metadata"]
    assert meta["n_events"] == 4
    assert any("1 of 5 selected events have no point" in n for n in meta["notes"])
    assert not any("month of each crime only" in n for n in meta["notes"])
    assert "sensitivity" in meta
    table = pd.DataFrame(report["table"]).set_index(["distance_band", "time_band"])
    assert table.loc[("[0, 100)", "[0, 1)"), "observed"] == 1   # 54 m, 3.5 hours
    assert table.loc[("[0, 100)", "[7, 60)"), "observed"] == 2  # 10 m / 8.0 d, 45 m / 7.9 d
    code, out, err = run("nearrepeat", "--source", "istv", "--borough", "E09000033",
                         "--distance-bands", "0,100,5000", "--time-bands", "0,1,7,60",
                         "--permutations", "9", "--seed", "1")
    assert code == 0, err
    assert "Knox ratios (* p < 0.05)" in out and "[0, 100)" in out
    code, _out, err = run("nearrepeat", "--source", "istv", "--category", "Burglary",
                          "--distance-bands", "0,100", "--time-bands", "0,7")
    assert code == UserError.exit_code
    assert "--category applies to --source police only" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--distance-bands", "0,200,100", "--time-bands", "0,7"], "strictly increasing"),
        (["--distance-bands", "0,1oo", "--time-bands", "0,7"], "comma-separated list"),
        (["--distance-bands", "0,100", "--time-bands", "0,7", "--from", "2024-13"],
         "not a month"),
        (["--distance-bands", "0,100", "--time-bands", "0,7", "--output", "knox.gpkg"],
         "no geometry"),
    ],
)
def test_bad_options_are_explained(run: Any, home: Path, tmp_path: Path, args: list[str],
                                   message: str) -> None:
    _istv_table(home)
    args = [str(tmp_path / a) if a.endswith(".gpkg") else a for a in args]
    code, _out, err = run("nearrepeat", "--source", "istv", "--seed", "1",
                          "--permutations", "9", *args)
    assert code != 0
    assert message in err
