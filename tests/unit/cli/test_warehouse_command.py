"""``vrhub warehouse``: status before and after the warehouse exists, an upgrade that
records each migration it applies, and a copy that reads as the original and never
overwrites one."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from tests.conftest import Runner
from vrhub.cli import warehouse as warehouse_command
from vrhub.errors import UserError
from vrhub.standards.provenance import PROVENANCE
from vrhub.storage import warehouse_schema
from vrhub.storage.warehouse import Warehouse
from vrhub.storage.warehouse_migrations import m0001_schema_version


def test_status_and_upgrade_of_a_new_workspace(run: Runner, home: Path) -> None:
    assert set(warehouse_command.command.commands) == {"status", "upgrade", "copy"}
    code, out, _ = run("warehouse", "status")
    assert code == 0
    assert out.strip().endswith(f"schema version none (newest {warehouse_schema.head()}); "
                                "not created yet (it will be created at the newest version)")
    code, _, err = run("warehouse", "upgrade")
    assert code == 0, err
    assert f"1: {m0001_schema_version.DESCRIPTION}" in err
    assert f"created at schema version {warehouse_schema.head()}" in err
    code, out, _ = run("warehouse", "status", "--json")
    status = json.loads(out)
    assert (status["version"], status["current"]) == (warehouse_schema.head(), True)
    assert status["warehouse"] == str(home / "warehouse.duckdb")


def test_a_copy_reads_as_the_original_and_never_overwrites(run: Runner, home: Path,
                                                          tmp_path: Path) -> None:
    assert run("warehouse", "upgrade")[0] == 0
    with Warehouse(home / "warehouse.duckdb") as wh:
        wh.ensure_tables([PROVENANCE])
        frame = pd.DataFrame([{"file_id": "f1", "source": "imd", "file_name": "imd.csv",
                               "sha256": "f1", "partition": "imd/2019", "rows_read": 3,
                               "rows_loaded": 3, "rows_quarantined": 0, "status": "loaded",
                               "loaded_at": pd.Timestamp("2024-01-01"),
                               "vrhub_version": "test"}])
        wh.insert(PROVENANCE, frame)
    staging = tmp_path / "staging"
    code, _, err = run("warehouse", "copy", staging)
    assert code == 0, err
    with Warehouse(staging / "warehouse.duckdb", read_only=True) as copied:
        assert copied.provenance("imd")["file_name"].tolist() == ["imd.csv"]
    code, _, err = run("warehouse", "copy", staging)
    assert code == UserError.exit_code
    assert "exists already" in err
