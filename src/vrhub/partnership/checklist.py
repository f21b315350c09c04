"""The partner action checklist of critical-incident response, as versioned data.

vrhub ships a default (``standards/incident_data/checklist-1.json``): actions by phase
(first 24 hours, first week, longer term), each with an owner and a due time in hours after
the incident. A partnership loads its own revision with ``vrhub incidents checklist load``
(audited); an incident keeps the version it was logged under, so a revision never rewrites
the actions of incidents already open.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sqlalchemy.orm import Session

from vrhub.errors import InputError, Location
from vrhub.partnership.documents import read_json
from vrhub.standards.incidents import PHASES
from vrhub.storage.outcomes import reference as store

KIND = "incident_checklist"
DEFAULT_FILE = "checklist-1.json"


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    phase: str
    due_hours: int
    owner: str
    text: str


@dataclass(frozen=True)
class Checklist:
    version: str
    name: str
    items: tuple[ChecklistItem, ...]

    def document(self) -> dict[str, Any]:
        return {"version": self.version, "name": self.name,
                "actions": [item.__dict__ for item in self.items]}


def parse(document: Any, file: str) -> Checklist:
    """A checklist from its JSON document; :class:`InputError` naming the action and field
    at fault."""
    def fail(message: str, where: str, value: Any, hint: str) -> InputError:
        return InputError(message, Location(file=file, column=where,
                                                     value=repr(value)[:80]), hint=hint)

    if not isinstance(document, dict) or not isinstance(document.get("actions"), list):
        raise fail("a checklist is a JSON object with 'version', 'name' and 'actions'",
                   "(document)", type(document).__name__,
                   "start from the shipped checklist: vrhub incidents checklist show --json")
    version = str(document.get("version") or "").strip()
    if not version:
        raise fail("the checklist has no version", "version", document.get("version"),
                   "give each revision a new version, e.g. \"2\"")
    items: list[ChecklistItem] = []
    seen: set[str] = set()
    for n, raw in enumerate(document["actions"], start=1):
        where = f"actions[{n}]"
        if not isinstance(raw, dict):
            raise fail(f"action {n} is not an object", where, raw,
                       "each action has code, phase, due_hours, owner and text")
        code = str(raw.get("code") or "").strip()
        if not code or code in seen:
            raise fail(f"action {n} has {'a repeated' if code else 'no'} code", where + ".code",
                       code, "give each action its own short code")
        seen.add(code)
        phase = PHASES.check(str(raw.get("phase") or ""), field=f"{where}.phase")
        hours = raw.get("due_hours")
        if not isinstance(hours, int) or isinstance(hours, bool) or not 0 <= hours <= 20_000:
            raise fail(f"action {code!r}: due_hours must be whole hours after the incident",
                       where + ".due_hours", hours, "e.g. 24 for the next day, 168 for a week")
        owner, text = str(raw.get("owner") or "").strip(), str(raw.get("text") or "").strip()
        if not owner or not text:
            raise fail(f"action {code!r} needs an owner and a text", where, raw,
                       "name who owns the action and what they do")
        items.append(ChecklistItem(code, phase, hours, owner[:120], text[:500]))
    if not items:
        raise fail("the checklist has no actions", "actions", [], "list at least one action")
    return Checklist(version, str(document.get("name") or "Critical incident checklist"),
                     tuple(items))


def default() -> Checklist:
    path = resources.files("vrhub.standards") / "incident_data" / DEFAULT_FILE
    return parse(json.loads(path.read_text(encoding="utf-8")), DEFAULT_FILE)


def in_force(session: Session) -> Checklist:
    """The newest checklist loaded, else the shipped default."""
    row = store.latest_reference(session, KIND)
    return default() if row is None else parse(row.document, f"checklist {row.version}")


def load(session: Session, data: bytes, file: str, loaded_by: str) -> Checklist:
    document = read_json(data, file, "checklist")
    checklist = parse(document, file)
    store.add_reference(session, kind=KIND, version=checklist.version, title=checklist.name,
                        document=checklist.document(), loaded_by=loaded_by)
    return checklist
