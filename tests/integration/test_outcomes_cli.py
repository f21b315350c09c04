"""``vrhub outcomes`` at the console: framework, programmes from a file, programme leads."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers_outcomes import programme


def test_programmes_and_leads_from_the_console(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("outcomes", "framework", "show", "--json")
    assert code == 0
    shown = json.loads(out)
    assert shown["version"] == "vru-strategy-2025-1"
    assert len(shown["priority_areas"]) == 5
    file = tmp_path / "programmes.json"
    file.write_text(json.dumps([programme(), programme("CIF-HAC-01", boroughs=["E09000012"],
                                                       funding_stream="CIF")]))
    code, out, err = run("outcomes", "programmes", "load", str(file), "--json")
    assert code == 0, err
    assert [(p["code"], p["created"]) for p in json.loads(out)] == [("LCPF-CAM-01", True),
                                                                    ("CIF-HAC-01", True)]
    code, out, _ = run("outcomes", "programmes", "list", "--json")
    assert [p["code"] for p in json.loads(out)] == ["CIF-HAC-01", "LCPF-CAM-01"]
    code, _, err = run("users", "add", "lead@trust.example", "--role", "programme_lead",
                       "--org", "TRUST", "--programme", "CIF-HAC-01")
    assert code == 0, err
    code, out, _ = run("users", "list", "--json")
    assert [u["programmes"] for u in json.loads(out)] == [["CIF-HAC-01"]]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([programme(cohort_max_age=40)]))
    code, _, err = run("outcomes", "programmes", "load", str(bad))
    assert code == 2
    assert "cohort_max_age 40: is out of range (0 to 25)" in err
