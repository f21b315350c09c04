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


def test_measures_and_kpis_from_the_console(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.spec.test_outcomes_istatements import DOCUMENT
    from tests.spec.test_outcomes_measures import HEAD, line

    file = tmp_path / "programmes.json"
    file.write_text(json.dumps([programme(survey_code="VAN-1")]))
    assert run("outcomes", "programmes", "load", str(file))[0] == 0
    document = tmp_path / "istatements.json"
    document.write_text(json.dumps(DOCUMENT))
    code, out, err = run("outcomes", "istatements", "load", str(document))
    assert code == 0, err
    assert run("users", "add", "lead@trust.example", "--role", "programme_lead", "--org",
               "TRUST", "--programme", "LCPF-CAM-01")[0] == 0
    code, out, err = run("users", "token", "create", "lead@trust.example", "--json")
    env = {"VRHUB_TOKEN": json.loads(out)["token"]}
    measures = tmp_path / "q1.csv"
    measures.write_text(HEAD + line("P-1", "pre", "2024-04-10")
                        + line("P-2", "pre", "2024-04-10", ons=(11, 1, 1, 1)))
    code, out, err = run("outcomes", "measures", "submit", str(measures), "--programme",
                         "LCPF-CAM-01", "--period", "2024-25-Q1", env=env)
    assert code == 0, err
    assert "outside the item's range 0 to 10" in out and "rows set aside" in out
    code, out, err = run("outcomes", "prepost", "--programme", "LCPF-CAM-01", "--json",
                         env=env)
    assert code == 0, err
    assert json.loads(out)["participants"]["pre_without_post"] == 1
    responses = tmp_path / "s.csv"
    responses.write_text("respondent_id,collected_on,ist-001,ist-002\nR-1,2024-05-01,5,2\n")
    code, out, err = run("outcomes", "surveys", "submit", str(responses), "--programme",
                         "LCPF-CAM-01", "--period", "2024-25-Q1", "--json", env=env)
    assert code == 0, err
    assert json.loads(out)["rows_accepted"] == 1
    code, out, err = run("outcomes", "kpis", "--programme", "LCPF-CAM-01", "--json", env=env)
    kpis = {k["code"]: k for k in json.loads(out)["kpis"]}
    assert (kpis["IST-001"]["latest"]["pct"], kpis["IST-002"]["latest"]["pct"]) == (100.0, 0.0)


def test_evidence_search_from_the_console(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.spec.test_outcomes_evidence import ITEMS

    file = tmp_path / "programmes.json"
    file.write_text(json.dumps([programme(), programme("CIF-HAC-01", boroughs=["E09000012"],
                                                       funding_stream="CIF")]))
    assert run("outcomes", "programmes", "load", str(file))[0] == 0
    items = tmp_path / "evidence.json"
    items.write_text(json.dumps(ITEMS))
    code, out, err = run("outcomes", "evidence", "add", str(items))
    assert code == 0, err
    code, out, err = run("outcomes", "evidence", "--search", "mentoring", "--timing",
                         "Secondary", "--json")
    assert code == 0, err
    found = json.loads(out)
    assert [i["code"] for i in found["items"]] == ["EV-1", "EV-3"]
    assert found["filters"] == {"timing": "secondary"}
    code, out, err = run("outcomes", "evidence", "search", "wellbeing", "--priority-area",
                         "CAP", "--json")
    assert code == 0, err
    assert [i["code"] for i in json.loads(out)["items"]] == ["EV-4"]
    code, out, err = run("outcomes", "evidence", "--programme", "CIF-HAC-01")
    assert code == 0, err
    assert "Evidence: 1 of 4" in out and "EV-3" in out and "EV-1" not in out
    code, _, err = run("outcomes", "evidence", "--yef-strand", "mentorin")
    assert code == 4
    assert "YEF Toolkit strand 'mentorin' is not known. Did you mean 'mentoring'?" in err


def test_a_revised_indicator_set_comes_into_force(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from vrhub.cli import outcomes as outcomes_cli
    from vrhub.cli import outcomes_figures

    group = outcomes_figures.indicators_group.name
    code, out, err = run(outcomes_cli.command.name, group,
                         outcomes_figures.indicators_list.name, "--json")
    assert code == 0, err
    shipped = json.loads(out)
    codes = [i["code"] for i in shipped["indicators"]]
    assert len(codes) == len(set(codes)) > 1
    revised = {**shipped, "version": "revised-1", "indicators": shipped["indicators"][:-1]}
    file = tmp_path / "indicators.json"
    file.write_text(json.dumps(revised), encoding="utf-8")
    code, out, err = run(outcomes_cli.command.name, group,
                         outcomes_figures.indicators_load.name, file)
    assert code == 0, err
    assert f"indicators revised-1 loaded and in force ({len(codes) - 1})" in out + err
    now = json.loads(run(outcomes_cli.command.name, group,
                         outcomes_figures.indicators_list.name, "--json")[1])
    assert now["version"] == "revised-1"
    assert [i["code"] for i in now["indicators"]] == codes[:-1]


def test_figures_are_printed_without_trailing_zeros() -> None:
    from vrhub.cli import outcomes_figures

    assert outcomes_figures._fmt(1234.5) == "1,234.5"
    assert outcomes_figures._fmt(2.0) == "2"
    assert outcomes_figures._fmt(3.10) == "3.1"
    assert outcomes_figures._fmt(None) == "-"


def test_an_unknown_programme_is_not_found(run) -> None:  # type: ignore[no-untyped-def]
    from vrhub.cli import outcomes as outcomes_cli

    code, _, err = run(outcomes_cli.command.name, outcomes_cli.programmes_group.name,
                       outcomes_cli.programmes_show.name, "NOPE-1")
    assert code == 5  # not found
    assert "there is no programme 'NOPE-1'" in err


def test_the_measures_template_is_the_heading_row_submissions_use(  # type: ignore[no-untyped-def]
        run, tmp_path: Path) -> None:
    from tests.spec.test_outcomes_measures import HEAD, line
    from vrhub.cli import outcomes_measures

    file = tmp_path / "programmes.json"
    file.write_text(json.dumps([programme()]))
    assert run("outcomes", "programmes", "load", str(file))[0] == 0
    group = outcomes_measures.measures_group.name
    template = tmp_path / "template.csv"
    code, _, err = run("outcomes", group, outcomes_measures.measures_template.name,
                       "--programme", "LCPF-CAM-01", "-o", template)
    assert code == 0, err
    heading = template.read_text(encoding="utf-8-sig").splitlines()[0]
    assert heading.split(",")[:len(HEAD.strip().split(","))] == HEAD.strip().split(",")
    assert run("users", "add", "lead@trust.example", "--role", "programme_lead", "--org",
               "TRUST", "--programme", "LCPF-CAM-01")[0] == 0
    code, out, _ = run("users", "token", "create", "lead@trust.example", "--json")
    env = {"VRHUB_TOKEN": json.loads(out)["token"]}
    filled = tmp_path / "q1.csv"
    filled.write_text(heading + "\n" + line("P-1", "pre", "2024-04-10"), encoding="utf-8")
    code, out, err = run("outcomes", group, outcomes_measures.measures_submit.name,
                         str(filled), "--programme", "LCPF-CAM-01", "--period", "2024-25-Q1",
                         "--json", env=env)
    assert code == 0, err
    receipt = json.loads(out)
    assert (receipt["rows_read"], receipt["rows_accepted"]) == (1, 1)
    assert outcomes_measures._fmt(None) == "-" and outcomes_measures._fmt(2.345, 1) == "2.3"
