"""``vrhub publish`` (vrhub.cli.publish): what it publishes from a warehouse of police.uk
and ED records, every count disclosure-controlled."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from tests.web.test_access_matrix import seed_warehouse
from vrhub.cli import publish


def test_publish_writes_only_disclosed_counts(  # type: ignore[no-untyped-def]
        run, home: Path) -> None:
    seed_warehouse(home / "warehouse.duckdb")
    code, out, err = run(publish.command.name, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["outputs"], "nothing was published"
    public = home / "public"
    counted = 0
    for entry in report["outputs"].values():
        for file in entry["files"].values():
            assert (public / file).is_file()
            if not file.endswith(".csv"):
                continue
            with (public / file).open(encoding="utf-8-sig") as handle:
                for row in csv.DictReader(handle):
                    value = row.get("count")
                    if value in (None, ""):
                        continue
                    number = int(float(value))
                    counted += 1
                    assert number == 0 or (number > 7 and number % 5 == 0), (file, row)
    assert counted > 0
    assert json.loads((public / "manifest.json").read_text(encoding="utf-8"))["outputs"]
