"""Needs-assessment editions from the command line on the real London open data: `vrhub sna
build` keeps each build as the area's next edition (the files written show the changes
since the last), `vrhub sna editions` and `vrhub sna compare` read them with an analyst's
token, a borough analyst's token saves only their borough's, and the desk refuses a
recommendation holding a formula with the builder's own message, naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Runner
from tests.integration.test_sna import home  # noqa: F401 - the loaded workspace
from tests.web.conftest import ADMIN
from vrhub.access.principal import console_administrator
from vrhub.access.services import AccessServices
from vrhub.partnership.sna_editions import EditionError, SnaDesk
from vrhub.settings import Settings
from vrhub.storage.warehouse import Warehouse

HACKNEY, CROYDON = "E09000012", "E09000008"
PASSWORD = "plum kettle orbit lantern 42"


def tokens(workspace: Path) -> dict[str, str]:
    services = AccessServices.from_settings(Settings.load({"VRHUB_HOME": str(workspace)}))
    try:
        out = {}
        for key, role, boroughs in (("vru", "pan_london_analyst", ()),
                                    ("croydon", "borough_analyst", (CROYDON,))):
            email = f"{key}@example.org"
            services.identity.create_user(ADMIN, email, role=role, organisation="TEST",
                                          boroughs=boroughs, password=PASSWORD)
            out[key] = services.tokens.create(ADMIN, email, "sna")[0]
        return out
    finally:
        services.close()


def test_builds_are_kept_as_editions_and_compared(
        home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    run = Runner(home, capsys)
    notes = tmp_path / "recommendations.txt"
    notes.write_text("* Fund detached youth work around the Narrow Way.\n", encoding="utf-8")
    code, out, err = run("sna", "build", "--borough", "Hackney", "--end", "2025-10",
                         "--recommendations", notes, "-o", tmp_path / "first", "--json")
    assert code == 0, err
    [first] = json.loads(out)["assessments"]
    assert (first["version"], first["period_to"]) == (1, "2025-10")
    code, out, err = run("sna", "build", "--borough", "Hackney", "-o", tmp_path / "second",
                         "--format", "html,pdf", "--json")
    assert code == 0, err
    [second] = json.loads(out)["assessments"]
    assert (second["version"], second["period_to"]) == (2, "2025-11")
    html = (tmp_path / "second" / "sna-E09000012-hackney-2025-11-full.html").read_text()
    assert "Changes since the last edition" in html
    assert "Fund detached youth work around the Narrow Way." in html  # carried forward
    pdf = (tmp_path / "second" / "sna-E09000012-hackney-2025-11-full.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    # reading editions needs an analyst's token; the console administrator only builds
    code, _, err = run("sna", "editions", "--borough", "Hackney")
    assert code == 7 and "administrator role may not read sna" in err
    people = tokens(home)
    code, out, err = run("sna", "editions", "--borough", "hackney", "--json",
                         env={"VRHUB_TOKEN": people["vru"]})
    assert code == 0, err
    listed = json.loads(out)["editions"]
    assert [(e["edition"], e["version"], e["period_to"]) for e in listed] == [
        ("full", 2, "2025-11"), ("full", 1, "2025-10")]
    assert all(e["built_by"].startswith("console:") for e in listed)
    code, out, err = run("sna", "compare", "--borough", HACKNEY, "--json",
                         env={"VRHUB_TOKEN": people["vru"]})
    assert code == 0, err
    compared = json.loads(out)
    assert (compared["version"], compared["previous_version"]) == (2, 1)
    rows = {(r["section"], r["figure"]): r for r in compared["changes"]}
    assert rows, "a month later, some trend figure changes"
    for row in rows.values():
        if row["kind"] == "changed" and isinstance(row["previous"], int) and isinstance(
                row["current"], int):
            assert row["difference"] == row["current"] - row["previous"]
    # a borough analyst's token builds only their borough
    code, _, err = run("sna", "build", "--borough", "Hackney", "-o", tmp_path / "third",
                       env={"VRHUB_TOKEN": people["croydon"]})
    assert code == 7 and "outside your boroughs: E09000012" in err
    assert not (tmp_path / "third").exists() or not any((tmp_path / "third").iterdir())


def test_a_formula_in_the_recommendations_names_the_field(home: Path) -> None:  # noqa: F811
    services = AccessServices.from_settings(Settings.load({"VRHUB_HOME": str(home)}))
    try:
        with Warehouse(home / "warehouse.duckdb", read_only=True) as wh:
            desk = SnaDesk(services.sessions, services.policy, lambda: wh)
            with pytest.raises(EditionError, match="line 2 of the recommendations starts "
                               "with '='") as caught:
                desk.build(console_administrator("ops"), "Croydon",
                           recommendations="Youth hubs.\n=cmd|' /C calc'!A0")
            assert caught.value.field == "recommendations"
            assert desk.areas()[CROYDON] == "Croydon" and len(desk.areas()) == 34
    finally:
        services.close()
