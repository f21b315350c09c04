"""``vrhub load``: the list of sources, a load's table of files and rows with its totals and
quarantine rules, and the refusals (no paths, no files of the source, an option the source
does not take, paths after ``list``)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Runner
from vrhub.cli import load as load_command
from vrhub.ingest.sources import all_sources

HEADER = "icb_code,icb,provider_code,provider,site_code,site,easting,northing\n"


def test_list_names_every_source_with_its_patterns(run: Runner) -> None:
    assert load_command.command.name == "load"
    code, out, _ = run("load", "list", "--json")
    assert code == 0
    listed = json.loads(out)["sources"]
    assert [s["source"] for s in listed] == list(all_sources())
    ed = next(s for s in listed if s["source"] == "ed-sites")
    assert ed["patterns"] == list(all_sources()["ed-sites"].patterns)
    code, _, err = run("load", "list", "somewhere")
    assert code == 2
    assert "`vrhub load list` takes no paths" in err


def test_a_load_prints_each_file_and_the_totals(run: Runner, tmp_path: Path,
                                                home: Path) -> None:
    folder = tmp_path / "nhs"
    folder.mkdir()
    (folder / "site_xy.csv").write_text(
        HEADER + "QKK,SE,RJ1,Guy's,RJ121,Guy's Hospital,532886,180001\n"
        "QKK,SE,RJ1,Guy's,RJ122,St Thomas',530668,179427\n"
        "QKK,SE,RJ2,Lewisham,RJ224,Lewisham Hospital,537800,x\n", encoding="utf-8")
    (folder / "notes.txt").write_text("not a site list", encoding="utf-8")
    code, out, err = run("load", "ed-sites", folder)
    assert code == 0, err
    row = next(line.split() for line in out.splitlines() if line.startswith("site_xy.csv"))
    assert row == ["site_xy.csv", "loaded", "3", "2", "1"]
    total = next(line.split() for line in out.splitlines() if line.startswith("total"))
    assert total == ["total", "3", "2", "1"]
    assert "quarantined 1 row(s): northing:number" in err
    assert "notes.txt" in out  # listed among the files skipped
    code, out, err = run("load", "ed-sites", folder / "site_xy.csv", "--json")
    assert code == 0, err
    again = json.loads(out)
    assert [f["status"] for f in again["files"]] == ["unchanged"]
    assert again["skipped"] == []


def test_refusals_name_what_is_missing(run: Runner, tmp_path: Path) -> None:
    code, _, err = run("load", "ed-sites")
    assert code == 2
    assert "give at least one PATH to load ed-sites files" in err
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "readme.md").write_text("nothing", encoding="utf-8")
    code, _, err = run("load", "ed-sites", empty)
    assert code == 2
    assert "no ed-sites files found" in err
    assert f"skipped 1 other file(s): {empty / 'readme.md'}" in err
    site_list = tmp_path / "site_xy.csv"
    site_list.write_text(HEADER, encoding="utf-8")
    code, _, err = run("load", "ed-sites", site_list, "--site", "RJ121")
    assert code == 2
    assert "--site does not apply to source ed-sites" in err
