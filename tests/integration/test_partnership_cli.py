"""The partnership's versioned documents at the console: the incident checklist and the
plan rubric are shown, a revision is loaded by the console administrator (audited) and is
in force from then on, and a broken file is refused naming the file and what is wrong."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Runner


def test_a_revised_checklist_and_rubric_come_into_force(run: Runner, tmp_path: Path) -> None:
    code, out, _ = run("incidents", "checklist", "show", "--json")
    assert code == 0
    shipped = json.loads(out)
    assert shipped["version"] == "1" and len(shipped["actions"]) == 12
    revised = {**shipped, "version": "2", "actions": shipped["actions"][:3]}
    (tmp_path / "checklist-2.json").write_text(json.dumps(revised), encoding="utf-8")
    code, out, err = run("incidents", "checklist", "load", str(tmp_path / "checklist-2.json"))
    assert code == 0, err
    assert "Checklist 2 is in force: 3 actions." in out
    assert json.loads(run("incidents", "checklist", "show", "--json")[1])["version"] == "2"
    code, _, err = run("incidents", "checklist", "load", str(tmp_path / "checklist-2.json"))
    assert code != 0 and "version '2' is loaded already" in err

    rubric = json.loads(run("plans", "rubric", "--json")[1])
    assert [c["code"] for c in rubric["criteria"]][:2] == ["use_of_data", "priority_areas"]
    broken = {**rubric, "version": "2", "criteria": [rubric["criteria"][0]] * 2}
    (tmp_path / "rubric-2.json").write_text(json.dumps(broken), encoding="utf-8")
    code, _, err = run("plans", "load-rubric", str(tmp_path / "rubric-2.json"))
    assert code == 4 and "rubric-2.json" in err and "criterion 2 needs its own code" in err
    (tmp_path / "rubric-3.json").write_bytes(b"{not json")
    code, _, err = run("plans", "load-rubric", str(tmp_path / "rubric-3.json"))
    assert code == 4 and "rubric-3.json is not a JSON document" in err
    code, out, err = run("audit", "list", "--json")
    assert code == 0, err
    events = json.loads(out)
    events = events.get("events", events) if isinstance(events, dict) else events
    loads = [(e["action"], e["outcome"], e["detail"]) for e in events
             if e["action"] == "manage_framework"]
    assert ("manage_framework", "success", "loaded incident checklist 2") in loads
    assert any(outcome == "failed" and "rubric-3.json" in detail
               for _a, outcome, detail in loads)


def test_the_checklist_is_shown_and_the_console_may_not_read_incidents(
        run: Runner) -> None:
    from vrhub.cli import incidents as incidents_cli

    code, out, err = run(incidents_cli.command.name, incidents_cli.checklist.name,
                         incidents_cli.checklist_show.name, "--json")
    assert code == 0, err
    shipped = json.loads(out)
    codes = [a["code"] for a in shipped["actions"]]
    assert len(codes) == len(set(codes)) == 12  # every action has its own code
    # the console administrator runs the system but may not read incidents: refused and
    # recorded
    code, _, err = run(incidents_cli.command.name, incidents_cli.show.name, "ci-nope22")
    assert code == 7  # permission denied
    assert "the administrator role may not read incident" in err
    code, out, _ = run("audit", "list", "--json", "--outcome", "denied")
    assert code == 0
    assert [e["action"] for e in json.loads(out)] == ["read_incident"]
