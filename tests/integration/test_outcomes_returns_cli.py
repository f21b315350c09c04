"""``vrhub outcomes template|submit|returns`` as a programme lead and a VRU analyst."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers_outcomes import ADMIN, programme
from vrhub.access.services import AccessServices
from vrhub.outcomes import programmes
from vrhub.outcomes.context import Outcomes
from vrhub.settings import Settings

PASSWORD = "plum kettle orbit lantern 42"


def tokens(home: Path) -> tuple[str, str]:
    services = AccessServices.from_settings(Settings.load({}, home=home, environment="test"))
    try:
        programmes.save_programmes(Outcomes(services.sessions, services.policy), ADMIN,
                                   [programme()])
        services.identity.create_user(ADMIN, "lead@trust.example", role="programme_lead",
                                      organisation="TRUST", programmes=["LCPF-CAM-01"],
                                      password=PASSWORD)
        services.identity.create_user(ADMIN, "analyst@vru.example",
                                      role="pan_london_analyst", organisation="VRU",
                                      password=PASSWORD)
        lead, _ = services.tokens.create(ADMIN, "lead@trust.example", "returns")
        vru, _ = services.tokens.create(ADMIN, "analyst@vru.example", "review")
    finally:
        services.close()
    return str(lead), str(vru)


def test_a_lead_fills_in_and_submits_a_return(run, home: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lead, vru = tokens(home)
    as_lead, as_vru = {"VRHUB_TOKEN": lead}, {"VRHUB_TOKEN": vru}
    target = tmp_path / "q1.csv"
    code, _, err = run("outcomes", "template", "LCPF-CAM-01", "2024-25-Q1", "--format", "csv",
                       "-o", str(target), env=as_lead)
    assert code == 0, err
    lines = target.read_text(encoding="utf-8-sig").splitlines()
    assert lines[3] == "young_people_reached,total,,,"
    lines[3] = "young_people_reached,total,,-5,"
    lines[4] = "young_people_reached,age_band,10-13,7,"
    target.write_text("\n".join(lines), encoding="utf-8")
    code, out, err = run("outcomes", "submit", str(target), "--programme", "LCPF-CAM-01",
                         "--json", env=as_lead)
    assert code == 0, err
    receipt = json.loads(out)
    assert (receipt["rows_read"], receipt["rows_accepted"], receipt["rows_quarantined"]) == (
        len(lines) - 3, len(lines) - 4, 1)
    assert receipt["errors"][0]["row"] == 4 and receipt["errors"][0]["value"] == "-5"
    code, out, _ = run("outcomes", "returns", "list", "--json", env=as_lead)
    assert [(r["return_id"], r["status"]) for r in json.loads(out)] == [
        (receipt["return_id"], "submitted")]
    code, _, err = run("outcomes", "returns", "approve", receipt["return_id"], env=as_vru)
    assert code == 8 and "cannot be approved" in err  # a conflict
    code, _, err = run("outcomes", "returns", "review", receipt["return_id"], env=as_lead)
    assert code != 0 and "may not review return" in err
    for step in ("review", "approve"):
        code, _, err = run("outcomes", "returns", step, receipt["return_id"], env=as_vru)
        assert code == 0, err
    code, out, err = run("outcomes", "submit", str(target), "--programme", "LCPF-CAM-01",
                         env=as_lead)
    assert code == 8 and "is approved and locked" in err
    code, out, _ = run("outcomes", "returns", "board", "--json", env=as_vru)
    board = json.loads(out)
    assert [r["period"] for r in board["approved"]] == ["2024-25-Q1"]
    assert [r["period"] for r in board["late"]] == ["2024-25-Q2", "2024-25-Q3", "2024-25-Q4"]


def test_a_return_is_shown_to_its_lead_with_its_history(  # type: ignore[no-untyped-def]
        run, home: Path, tmp_path: Path) -> None:
    from vrhub.cli import outcomes_returns

    lead, _ = tokens(home)
    as_lead = {"VRHUB_TOKEN": lead}
    target = tmp_path / "q2.csv"
    assert run("outcomes", outcomes_returns.template.name, "LCPF-CAM-01", "2024-25-Q2",
               "--format", "csv", "-o", str(target), env=as_lead)[0] == 0
    code, out, err = run("outcomes", outcomes_returns.submit.name, str(target),
                         "--programme", "LCPF-CAM-01", "--json", env=as_lead)
    assert code == 0, err
    return_id = json.loads(out)["return_id"]
    show = ("outcomes", outcomes_returns.returns_group.name, outcomes_returns.returns_show.name)
    code, out, err = run(*show, return_id, "--json", env=as_lead)
    assert code == 0, err
    detail = json.loads(out)
    assert (detail["return_id"], detail["period"], detail["status"]) == (
        return_id, "2024-25-Q2", "submitted")
    assert [e["action"] for e in detail["events"]] == ["submitted"]  # one step so far
    code, _, err = run(*show, "nope", env=as_lead)
    assert code == 5  # not found
    assert "there is no return 'nope'" in err
