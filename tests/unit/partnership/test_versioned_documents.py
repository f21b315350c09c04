"""The plan rubric and the incident checklist: versioned documents a partnership loads.
The shipped defaults read as their JSON files say; a bad revision is refused naming the
field; a loaded revision is the one in force and the older stays on record."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from vrhub.access.services import AccessServices
from vrhub.errors import CodeError, Conflict, InputError
from vrhub.partnership import checklist, plan_rubric
from vrhub.partnership.documents import read_json
from vrhub.settings import Settings
from vrhub.storage.outcomes.reference import reference_versions


def shipped(folder: str, name: str) -> dict[str, Any]:
    text = (resources.files("vrhub.standards") / folder / name).read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    services = AccessServices.from_settings(Settings.load({}, home=tmp_path,
                                                          environment="test"))
    with services.sessions() as session:
        yield session
    services.close()


def test_the_shipped_rubric_reads_as_its_file_says() -> None:
    document = shipped("plan_data", plan_rubric.DEFAULT_FILE)
    rubric = plan_rubric.default()
    assert rubric.version == document["version"]
    assert [c.code for c in rubric.criteria] == [c["code"] for c in document["criteria"]]
    scores = [p["score"] for p in document["scale"]]
    assert (rubric.low, rubric.high) == (min(scores), max(scores))
    first = document["criteria"][0]
    assert rubric.criterion(first["code"]).guidance[rubric.low] == \
        first["guidance"][str(rubric.low)]
    assert rubric.criterion("no_such_criterion") is None


def test_the_shipped_checklist_reads_as_its_file_says() -> None:
    document = shipped("incident_data", checklist.DEFAULT_FILE)
    default = checklist.default()
    assert default.version == document["version"]
    assert [(i.code, i.phase, i.due_hours) for i in default.items] == \
        [(a["code"], a["phase"], a["due_hours"]) for a in document["actions"]]
    assert {i.phase for i in default.items} <= {"first_24_hours", "first_week", "longer_term"}


@pytest.mark.parametrize(("document", "message"), [
    ([1, 2], "a rubric is a JSON object"),
    ({"scale": [{"score": 1}, {"score": 2}], "criteria": [{"code": "a"}]}, "has no version"),
    ({"version": "2", "scale": [{"score": 1}, {"score": 1}]}, "scale point 2 needs its own"),
    ({"version": "2", "scale": [{"score": True}]}, "scale point 1 needs its own"),
    ({"version": "2", "scale": [{"score": 1}]}, "at least two points"),
    ({"version": "2", "scale": [{"score": 1}, {"score": 2}],
      "criteria": [{"code": "data"}, {"code": "data"}]}, "criterion 2 needs its own code"),
    ({"version": "2", "scale": [{"score": 1}, {"score": 2}], "criteria": []}, "no criteria"),
])
def test_a_bad_rubric_is_refused_naming_the_field(document: Any, message: str) -> None:
    with pytest.raises(InputError, match=message) as refused:
        plan_rubric.parse(document, "rubric-2.json")
    assert refused.value.where.file == "rubric-2.json"
    assert str(refused.value).startswith("file rubric-2.json, column ")


def action(**changes: Any) -> dict[str, Any]:
    return {"code": "call", "phase": "first_24_hours", "due_hours": 24, "owner": "Police",
            "text": "Call the family liaison officer", **changes}


@pytest.mark.parametrize(("actions", "error", "message"), [
    ([action(), action()], InputError, "action 2 has a repeated code"),
    ([action(code="")], InputError, "action 1 has no code"),
    ([action(due_hours=-1)], InputError, "'call': due_hours must be whole hours"),
    ([action(due_hours=1.5)], InputError, "due_hours must be whole hours"),
    ([action(owner=" ")], InputError, "'call' needs an owner and a text"),
    ([action(phase="next_year")], CodeError, "next_year"),
    ([], InputError, "no actions"),
])
def test_a_bad_checklist_is_refused_naming_the_action(actions: list[Any], error: type,
                                                      message: str) -> None:
    with pytest.raises(error, match=message):
        checklist.parse({"version": "2", "actions": actions}, "checklist-2.json")


def test_a_loaded_checklist_is_in_force_and_a_version_loads_once(session: Session) -> None:
    assert checklist.in_force(session).version == checklist.default().version
    data = json.dumps({"version": "local-2", "name": "Hackney",
                       "actions": [action(), action(code="visit", phase="first_week",
                                                    due_hours=168)]}).encode()
    loaded = checklist.load(session, data, "checklist-2.json", "admin@example.org")
    in_force = checklist.in_force(session)
    assert in_force == loaded
    assert [i.due_hours for i in in_force.items] == [24, 168]
    with pytest.raises(Conflict, match="version 'local-2' is loaded already"):
        checklist.load(session, data, "checklist-2.json", "admin@example.org")
    assert [r.version for r in reference_versions(session, checklist.KIND)] == ["local-2"]


def test_a_loaded_rubric_is_in_force_and_both_versions_stay_on_record(session: Session) -> None:
    for version in ("local-1", "local-2"):
        data = json.dumps({"version": version, "name": "Ours",
                           "scale": [{"score": 0, "label": "No"}, {"score": 1, "label": "Yes"}],
                           "criteria": [{"code": "voice", "guidance": {"0": "absent",
                                                                       "1": "heard"}}]})
        plan_rubric.load(session, data.encode(), "ours.json", "admin@example.org")
    rubric = plan_rubric.in_force(session)
    assert (rubric.version, rubric.low, rubric.high) == ("local-2", 0, 1)
    assert rubric.criterion("voice").guidance == {0: "absent", 1: "heard"}
    assert [r.version for r in reference_versions(session, plan_rubric.KIND)] == \
        ["local-2", "local-1"]


def test_a_document_that_is_not_json_is_refused_naming_the_file() -> None:
    with pytest.raises(InputError, match=r"checklist\.xlsx is not a JSON document"):
        read_json(b"PK\x03\x04 spreadsheet", "checklist.xlsx", "checklist")
    assert read_json("\ufeff{\"version\": \"1\"}".encode(), "a.json", "rubric") == \
        {"version": "1"}
