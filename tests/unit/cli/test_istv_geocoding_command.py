"""``vrhub istv gazetteer build`` on the dashboard's workspace: the counts it prints are the
rows the gazetteer tables then hold and the police.uk rows it read; a missing labelled file
for the geocoder's evaluation is refused."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Runner
from vrhub.cli import istv_geocoding
from vrhub.storage.warehouse import Warehouse


def test_the_gazetteer_built_is_the_one_reported(run: Runner, workspace: Path) -> None:
    assert [c.name for c in istv_geocoding.subcommands] == [
        "gazetteer", "evaluate-geocoder", "calibrate-geocoder"]
    code, out, err = run("istv", "gazetteer", "build", "--json")
    assert code == 0, err
    counts = json.loads(out)
    with Warehouse(workspace / "warehouse.duckdb", read_only=True) as wh:
        held = {"police_rows": wh.count("police_street"), "names": wh.count("gazetteer_name"),
                "points": wh.count("gazetteer_point")}
    assert counts == held
    code, out, err = run("istv", "gazetteer", "build")
    assert code == 0, err
    assert f"police rows  {held['police_rows']:,}".split() == next(
        line.split() for line in out.splitlines() if line.startswith("police rows"))


def test_evaluation_needs_a_labelled_file(run: Runner, workspace: Path) -> None:
    code, _, err = run("istv", "evaluate-geocoder", "--labelled", workspace / "none.csv")
    assert code == 2
    assert "none.csv" in err and "does not exist" in err
