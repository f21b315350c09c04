"""The rubric borough violence reduction plans are assessed against, as versioned data.

vrhub ships a default (``standards/plan_data/rubric-1.json``): criteria (use of data,
priority areas covered, partnership working, young people's voice, evaluation, resourcing),
each with guidance for every point of one scale (1 Not evident to 4 Strong). A partnership
loads its own revision (``vrhub plans rubric load``, audited); every assessment keeps the
version it was scored under.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sqlalchemy.orm import Session

from vrhub.errors import InputError, Location
from vrhub.partnership.documents import read_json
from vrhub.storage.outcomes import reference as store

KIND = "plan_rubric"
DEFAULT_FILE = "rubric-1.json"


@dataclass(frozen=True)
class Criterion:
    code: str
    name: str
    guidance: dict[int, str]


@dataclass(frozen=True)
class Rubric:
    version: str
    name: str
    scale: dict[int, str]
    criteria: tuple[Criterion, ...]
    document: dict[str, Any]

    @property
    def low(self) -> int:
        return min(self.scale)

    @property
    def high(self) -> int:
        return max(self.scale)

    def criterion(self, code: str) -> Criterion | None:
        return next((c for c in self.criteria if c.code == code), None)


def parse(document: Any, file: str) -> Rubric:
    def fail(message: str, where: str, value: Any, hint: str) -> InputError:
        return InputError(message, Location(file=file, column=where, value=repr(value)[:80]),
                          hint=hint)

    if not isinstance(document, dict):
        raise fail("a rubric is a JSON object with version, name, scale and criteria",
                   "(document)", type(document).__name__,
                   "start from the shipped rubric: vrhub plans rubric --json")
    version = str(document.get("version") or "").strip()
    if not version:
        raise fail("the rubric has no version", "version", document.get("version"),
                   "give each revision a new version")
    scale: dict[int, str] = {}
    for n, point in enumerate(document.get("scale") or [], start=1):
        score = point.get("score") if isinstance(point, dict) else None
        if not isinstance(score, int) or isinstance(score, bool) or score in scale:
            raise fail(f"scale point {n} needs its own whole-number score", f"scale[{n}]",
                       point, "e.g. {\"score\": 1, \"label\": \"Not evident\"}")
        scale[score] = str(point.get("label") or score)
    if len(scale) < 2:
        raise fail("the scale needs at least two points", "scale", document.get("scale"),
                   "e.g. 1 Not evident to 4 Strong")
    criteria: list[Criterion] = []
    for n, raw in enumerate(document.get("criteria") or [], start=1):
        code = str(raw.get("code") or "").strip() if isinstance(raw, dict) else ""
        if not code or any(c.code == code for c in criteria):
            raise fail(f"criterion {n} needs its own code", f"criteria[{n}].code", raw,
                       "e.g. use_of_data")
        guidance = {int(k): str(v) for k, v in (raw.get("guidance") or {}).items()
                    if str(k).isdigit()}
        criteria.append(Criterion(code, str(raw.get("name") or code), guidance))
    if not criteria:
        raise fail("the rubric has no criteria", "criteria", [], "list at least one")
    return Rubric(version, str(document.get("name") or "Plan assessment"), scale,
                  tuple(criteria), document)


def default() -> Rubric:
    path = resources.files("vrhub.standards") / "plan_data" / DEFAULT_FILE
    return parse(json.loads(path.read_text(encoding="utf-8")), DEFAULT_FILE)


def in_force(session: Session) -> Rubric:
    row = store.latest_reference(session, KIND)
    return default() if row is None else parse(row.document, f"rubric {row.version}")


def load(session: Session, data: bytes, file: str, loaded_by: str) -> Rubric:
    document = read_json(data, file, "rubric")
    rubric = parse(document, file)
    store.add_reference(session, kind=KIND, version=rubric.version, title=rubric.name,
                        document=document, loaded_by=loaded_by)
    return rubric
