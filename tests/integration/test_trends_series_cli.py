"""``vrhub trends series`` (vrhub.cli.trends) on a small seeded warehouse: monthly counts
that sum to the warehouse, and a map file refused without boundaries to join."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from tests.warehouse_sql import scalar
from tests.web.test_access_matrix import seed_warehouse
from vrhub.cli import trends
from vrhub.errors import UserError
from vrhub.storage.warehouse import Warehouse

ASK = ("--source", "police", "--level", "borough", "--from", "2024-01", "--to", "2024-12")


def test_monthly_counts_sum_to_the_warehouse(run, home: Path) -> None:  # type: ignore[no-untyped-def]
    seed_warehouse(home / "warehouse.duckdb")
    with Warehouse(home / "warehouse.duckdb", read_only=True) as wh:
        in_2024 = scalar(wh, "SELECT count(*) FROM police_street WHERE month LIKE '2024-%'")
    target = home / "series.csv"
    code, out, err = run(trends.command.name, trends.series_command.name, *ASK,
                         "--output", target, "--json")
    assert code == 0, err
    body = json.loads(out)
    with target.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    assert body["rows"] == len(rows) == 2 * 2 * 12  # boroughs x crime types x months
    assert {r["month"] for r in rows} == {f"2024-{m:02d}" for m in range(1, 13)}
    assert sum(float(r["count"]) for r in rows) == in_2024 == body["summary"]["events"]

def test_a_map_file_needs_boundaries(run, home: Path) -> None:  # type: ignore[no-untyped-def]
    seed_warehouse(home / "warehouse.duckdb")
    target = home / "series.gpkg"
    code, _, err = run(trends.command.name, trends.series_command.name, *ASK,
                       "--output", target)
    assert code == UserError.exit_code
    assert "cannot write series.gpkg: no borough boundaries to join" in err
    assert not target.exists()
