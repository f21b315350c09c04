"""``vrhub disclosure check`` over a workspace's public folder."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from vrhub.cli.disclosure import VIOLATIONS_EXIT
from vrhub.errors import DisclosureError


def test_check_public_folder(run, home: Path) -> None:  # type: ignore[no-untyped-def]
    public = home / "public"
    public.mkdir()
    frame = pd.DataFrame({"ward_code": ["E05009288", "E05009289"], "month": ["2024-05"] * 2,
                          "count": [10, 0]})
    frame.to_csv(public / "ok.csv", index=False)
    code, out, err = run("disclosure", "check")
    assert code == 0 and "1 outputs checked" in err and "0 problems" in err
    frame.assign(count=[4, 0]).to_parquet(public / "bad.parquet")
    code, out, err = run("disclosure", "check")
    # the same exit as every other refusal on disclosure grounds
    assert code == VIOLATIONS_EXIT == DisclosureError.exit_code
    assert "bad.parquet: column 'count' row 1 value 4: a count between 1 and 7" in out
    code, out, _ = run("disclosure", "check", str(public / "ok.csv"), "--json")
    assert code == 0 and json.loads(out)["ok"] is True


def test_check_reads_notes_and_the_manifest(run, home: Path) -> None:  # type: ignore[no-untyped-def]
    public = home / "public"
    public.mkdir()
    rows = [{"area_code": "E09000007", "month": "2024-05", "count": 10}]
    document = {"vrhub": {"notes": ["1,369 istv_assault row(s) with no borough"]},
                "rows": rows}
    (public / "ed.json").write_text(json.dumps(document), encoding="utf-8")
    (public / "manifest.json").write_text(json.dumps(
        {"outputs": {}, "skipped": {"x": "only 3 submissions arrived"}}), encoding="utf-8")
    code, out, err = run("disclosure", "check")
    assert code == 11 and "2 problems" in err
    assert ("ed.json: column 'vrhub.notes[0]' value '1,369 istv_assault row(s)': a count "
            "written in text must be 0, or 8 or more") in out
    assert "manifest.json: column 'skipped.x' value '3 submissions'" in out
    document["vrhub"]["notes"] = ["about 1,370 istv_assault row(s) with no borough"]
    (public / "ed.json").write_text(json.dumps(document), encoding="utf-8")
    (public / "manifest.json").write_text(json.dumps(
        {"outputs": {}, "skipped": {"x": "fewer than eight submissions arrived"}}), "utf-8")
    code, out, err = run("disclosure", "check")
    assert code == 0 and "0 problems" in err
