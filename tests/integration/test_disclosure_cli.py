"""``vrhub disclosure check`` over a workspace's public folder."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd


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
    assert code == 11
    assert "bad.parquet: column 'count' row 1 value 4: a count between 1 and 7" in out
    code, out, _ = run("disclosure", "check", str(public / "ok.csv"), "--json")
    assert code == 0 and json.loads(out)["ok"] is True
