"""The outcomes framework as versioned data: impact goals, priority areas (each with its
outcomes, key interventions and key policies) and guiding principles.

The default is the VRU strategy to 2025, shipped as ``standards/outcome_data/
framework-vru-2025-1.json``; an administrator loads a revised one with ``vrhub outcomes
framework load FILE`` (it becomes the framework in force, and every KPI result records the
version it was computed under). A framework document looks like::

    {"version": "vru-strategy-2025-1", "title": "...", "source": {...},
     "impact_goals": [{"code": "IG1", "title": "...", "description": "..."}],
     "priority_areas": [{"code": "CYP-RH", "number": 1, "name": "...", "aim": "...",
                         "what_that_means": "...", "key_interventions": ["..."],
                         "outcomes": [{"code": "CYP-RH-1", "text": "..."}],
                         "key_policies": ["..."]}],
     "guiding_principles": [{"code": "GP1", "title": "...", "commitments": ["..."]}]}

:func:`parse` checks it and names the field and value of anything wrong.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from vrhub.errors import InputError, Location

DEFAULT_FILE = "framework-vru-2025-1.json"
_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{0,23}")
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}")


@dataclass(frozen=True)
class ImpactGoal:
    code: str
    title: str
    description: str
    also_written: str = ""


@dataclass(frozen=True)
class Outcome:
    code: str
    text: str
    explanation: str = ""
    priority_area: str = ""

    @property
    def full_text(self) -> str:
        return f"{self.text} ({self.explanation})" if self.explanation else self.text


@dataclass(frozen=True)
class PriorityArea:
    code: str
    number: int
    name: str
    what_that_means: str
    aim: str
    key_interventions: tuple[str, ...]
    outcomes: tuple[Outcome, ...]
    key_policies: tuple[str, ...] = ()


@dataclass(frozen=True)
class GuidingPrinciple:
    code: str
    title: str
    commitments: tuple[str, ...]


@dataclass(frozen=True)
class Framework:
    version: str
    title: str
    impact_goals: tuple[ImpactGoal, ...]
    priority_areas: tuple[PriorityArea, ...]
    guiding_principles: tuple[GuidingPrinciple, ...]
    source: dict[str, Any] = field(default_factory=dict)
    document: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def area(self, code: str) -> PriorityArea:
        for area in self.priority_areas:
            if area.code == code.strip().upper():
                return area
        raise KeyError(code)

    def has_area(self, code: str) -> bool:
        return any(a.code == code.strip().upper() for a in self.priority_areas)

    def outcome(self, code: str) -> Outcome:
        for area in self.priority_areas:
            for outcome in area.outcomes:
                if outcome.code == code.strip().upper():
                    return outcome
        raise KeyError(code)

    @property
    def outcome_codes(self) -> list[str]:
        return [o.code for a in self.priority_areas for o in a.outcomes]

    def to_dict(self) -> dict[str, Any]:
        return self.document


def _fail(file: str, path: str, value: object, problem: str) -> InputError:
    return InputError(problem, Location(file, column=path, value=value),
                      hint="correct the framework file and load it again; see "
                      "docs/explanation/outcomes-and-indicators.md for its shape")


def _text(doc: dict[str, Any], key: str, file: str, path: str, *,
          required: bool = True) -> str:
    value = doc.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise _fail(file, f"{path}.{key}", value, f"{key} must be text")
    return value.strip()


def _texts(doc: dict[str, Any], key: str, file: str, path: str) -> tuple[str, ...]:
    value = doc.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip()
                                              for v in value):
        raise _fail(file, f"{path}.{key}", value, f"{key} must be a list of texts")
    return tuple(v.strip() for v in value)


def _items(doc: dict[str, Any], key: str, file: str, path: str) -> list[dict[str, Any]]:
    value = doc.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, dict)
                                                            for v in value):
        raise _fail(file, f"{path}.{key}", value, f"{key} must be a non-empty list of objects")
    return value


def _code(doc: dict[str, Any], file: str, path: str, seen: set[str]) -> str:
    code = _text(doc, "code", file, path).upper()
    if not _CODE.fullmatch(code):
        raise _fail(file, f"{path}.code", code,
                    "codes are capital letters, digits and dashes (up to 24)")
    if code in seen:
        raise _fail(file, f"{path}.code", code, f"code {code} is used twice")
    seen.add(code)
    return code


def parse(document: dict[str, Any], file: str = "framework") -> Framework:
    """A :class:`Framework` from a framework document, or :class:`InputError` naming the
    field and value that are wrong."""
    if not isinstance(document, dict):
        raise _fail(file, "$", type(document).__name__, "a framework is a JSON object")
    version = _text(document, "version", file, "$")
    if not _VERSION.fullmatch(version):
        raise _fail(file, "$.version", version,
                    "the version is letters, digits, dots, dashes and underscores")
    seen: set[str] = set()
    goals = tuple(
        ImpactGoal(_code(g, file, f"$.impact_goals[{i}]", seen),
                   _text(g, "title", file, f"$.impact_goals[{i}]"),
                   _text(g, "description", file, f"$.impact_goals[{i}]"),
                   _text(g, "also_written", file, f"$.impact_goals[{i}]", required=False))
        for i, g in enumerate(_items(document, "impact_goals", file, "$")))
    areas = []
    for i, a in enumerate(_items(document, "priority_areas", file, "$")):
        path = f"$.priority_areas[{i}]"
        code = _code(a, file, path, seen)
        number = a.get("number", i + 1)
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            raise _fail(file, f"{path}.number", number, "number must be a whole number >= 1")
        outcomes = tuple(
            Outcome(_code(o, file, f"{path}.outcomes[{j}]", seen),
                    _text(o, "text", file, f"{path}.outcomes[{j}]"),
                    _text(o, "explanation", file, f"{path}.outcomes[{j}]", required=False),
                    code)
            for j, o in enumerate(_items(a, "outcomes", file, path)))
        areas.append(PriorityArea(
            code, number, _text(a, "name", file, path),
            _text(a, "what_that_means", file, path, required=False),
            _text(a, "aim", file, path, required=False),
            _texts(a, "key_interventions", file, path), outcomes,
            _texts(a, "key_policies", file, path)))
    principles = tuple(
        GuidingPrinciple(_code(p, file, f"$.guiding_principles[{i}]", seen),
                         _text(p, "title", file, f"$.guiding_principles[{i}]"),
                         _texts(p, "commitments", file, f"$.guiding_principles[{i}]"))
        for i, p in enumerate(_items(document, "guiding_principles", file, "$")))
    source = document.get("source") or {}
    if not isinstance(source, dict):
        raise _fail(file, "$.source", source, "source must be an object")
    return Framework(version, _text(document, "title", file, "$"), goals,
                     tuple(sorted(areas, key=lambda a: a.number)), principles, source,
                     document)


def parse_bytes(data: bytes, file: str) -> Framework:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not a JSON document ({exc})", Location(file),
                         hint="save the framework as UTF-8 JSON") from None
    return parse(document, file)


def default() -> Framework:
    """The shipped framework: the VRU strategy to 2025."""
    data = resources.files("vrhub.standards").joinpath("outcome_data", DEFAULT_FILE)
    return parse_bytes(data.read_bytes(), DEFAULT_FILE)
