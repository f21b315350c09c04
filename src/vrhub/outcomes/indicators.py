"""Indicators in the style of DHIS2, shipped as versioned data with the framework.

An indicator is a code, a name, a definition, a **numerator** and an optional
**denominator** — expressions over data elements (``young_people_completed``,
``ed_assaults + 0``: names, numbers, ``+ - * /`` and brackets) — a **multiplier** (1, 100
for %, 1,000 or 100,000), a **direction** (higher or lower is better), a baseline, a
target, a period type (month, quarter, year), the breakdowns it may be disaggregated by
(age band, sex, ethnicity, borough), its **source** (``return``: programmes' approved
returns; ``hub``: the warehouse; ``survey`` and ``measures`` are i-Statement KPIs and
pre/post results, computed elsewhere) and its caveats.

The default set is ``standards/outcome_data/indicators-vru-2025-2.json``; an administrator
loads a revised one (``vrhub outcomes indicators load``). Against its target a value is
``on track`` (at or past the target in the better direction), ``off track``, ``no
target`` or ``no data``.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import asdict, dataclass
from importlib import resources
from typing import Any

from vrhub.access.principal import Principal
from vrhub.access.resources import Resource
from vrhub.access.roles import Action
from vrhub.errors import InputError, Location, NotFound
from vrhub.outcomes.context import Outcomes
from vrhub.standards.outcomes import DISAGGREGATIONS, MULTIPLIERS, Direction, PeriodType
from vrhub.storage.outcomes import reference as reference_store

KIND = "indicators"
DEFAULT_FILE = "indicators-vru-2025-2.json"
SOURCES = ("return", "hub", "survey", "measures")
_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{1,31}")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")


@dataclass(frozen=True)
class Expression:
    """An arithmetic expression over data elements, parsed once and checked."""

    text: str
    tree: ast.expr

    @classmethod
    def parse(cls, text: str, where: str) -> Expression:
        try:
            tree = ast.parse(text.strip(), mode="eval").body
        except SyntaxError:
            raise InputError(f"{text!r} is not an expression", Location("indicators",
                             column=where, value=text),
                             hint="use data element names, numbers, + - * / and "
                             "brackets") from None
        for node in ast.walk(tree):
            if not isinstance(node, ast.BinOp | ast.UnaryOp | ast.Name | ast.Constant |
                              ast.Add | ast.Sub | ast.Mult | ast.Div | ast.USub | ast.Load):
                raise InputError(f"{text!r} uses {type(node).__name__}, which an indicator "
                                 "expression may not", Location("indicators", column=where,
                                                                value=text),
                                 hint="use data element names, numbers, + - * / and brackets")
            if isinstance(node, ast.Name) and not _NAME.fullmatch(node.id):
                raise InputError(f"{node.id!r} is not a data element name",
                                 Location("indicators", column=where, value=text),
                                 hint="data elements are lower-case words joined by _")
            if isinstance(node, ast.Constant) and (isinstance(node.value, bool) or not
                                                   isinstance(node.value, int | float)):
                raise InputError(f"{node.value!r} is not a number",
                                 Location("indicators", column=where, value=text),
                                 hint="use numbers and data element names")
        return cls(text.strip(), tree)

    @property
    def elements(self) -> tuple[str, ...]:
        return tuple(sorted({n.id for n in ast.walk(self.tree) if isinstance(n, ast.Name)}))

    def evaluate(self, values: dict[str, float]) -> float | None:
        """The value, or None when a data element has no value or a division is by 0."""
        return _eval(self.tree, values)


def _eval(node: ast.expr, values: dict[str, float]) -> float | None:
    if isinstance(node, ast.Constant):
        return float(node.value) if isinstance(node.value, int | float) else None
    if isinstance(node, ast.Name):
        return values.get(node.id)
    if isinstance(node, ast.UnaryOp):
        inner = _eval(node.operand, values)
        return None if inner is None else -inner
    if isinstance(node, ast.BinOp):
        left, right = _eval(node.left, values), _eval(node.right, values)
        if left is None or right is None:
            return None
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        return None if right == 0 else left / right
    return None


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    definition: str
    numerator: Expression
    denominator: Expression | None
    multiplier: int
    direction: str
    baseline: float | None
    target: float | None
    period_type: str
    disaggregations: tuple[str, ...]
    source: str
    priority_area: str | None
    outcome: str | None
    caveats: tuple[str, ...]

    @property
    def unit(self) -> str:
        return MULTIPLIERS[self.multiplier]

    @property
    def elements(self) -> tuple[str, ...]:
        parts = self.numerator.elements + (self.denominator.elements if self.denominator
                                           else ())
        return tuple(sorted(set(parts)))

    def value(self, numerator: float | None, denominator: float | None) -> float | None:
        if numerator is None:
            return None
        if self.denominator is None:
            return numerator * self.multiplier
        if denominator is None or denominator == 0:
            return None
        return numerator / denominator * self.multiplier

    def status(self, value: float | None) -> str:
        return status(value, self.target, self.direction)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["numerator"] = self.numerator.text
        out["denominator"] = self.denominator.text if self.denominator else None
        out["unit"] = self.unit
        return out


def status(value: float | None, target: float | None, direction: str) -> str:
    """``on track``, ``off track``, ``no target`` or ``no data``."""
    if value is None:
        return "no data"
    if target is None:
        return "no target"
    better = value >= target if direction == Direction.HIGHER else value <= target
    return "on track" if better else "off track"


@dataclass(frozen=True)
class IndicatorSet:
    version: str
    title: str
    framework: str
    indicators: tuple[Indicator, ...]

    def get(self, code: str) -> Indicator:
        for i in self.indicators:
            if i.code == code.strip().upper():
                return i
        raise NotFound(f"there is no indicator {code!r}", hint="use one of " + ", ".join(
            i.code for i in self.indicators))

    def of_source(self, source: str) -> list[Indicator]:
        return [i for i in self.indicators if i.source == source]

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "title": self.title, "framework": self.framework,
                "indicators": [i.to_dict() for i in self.indicators]}


def _number(raw: dict[str, Any], key: str, where: str, file: str) -> float | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{key} must be a number or null", Location(file, column=where,
                                                                     value=value),
                         hint=f"give {key} as a number")
    return float(value)


def parse(document: dict[str, Any], file: str = "indicators") -> IndicatorSet:
    """An :class:`IndicatorSet`, or :class:`InputError` naming the field that is wrong."""
    def fail(where: str, value: object, problem: str, hint: str) -> InputError:
        return InputError(problem, Location(file, column=where, value=value), hint=hint)

    if not isinstance(document, dict) or not isinstance(document.get("indicators"), list):
        raise fail("$.indicators", None, "an indicator set is an object with a list of "
                   "indicators", "see docs/explanation/outcomes-and-indicators.md")
    out: list[Indicator] = []
    seen: set[str] = set()
    for n, raw in enumerate(document["indicators"]):
        where = f"$.indicators[{n}]"
        if not isinstance(raw, dict):
            raise fail(where, raw, "each indicator is an object", "give code, name, ...")
        code = str(raw.get("code") or "").strip().upper()
        if not _CODE.fullmatch(code) or code in seen:
            raise fail(f"{where}.code", code, "each indicator needs a code of its own "
                       "(capital letters, digits, dashes)", "give a new code")
        seen.add(code)
        multiplier = raw.get("multiplier", 1)
        if multiplier not in MULTIPLIERS:
            raise fail(f"{where}.multiplier", multiplier, "is not a multiplier",
                       "use 1, 100 (%), 1000 (per 1,000) or 100000 (per 100,000)")
        direction = str(raw.get("direction") or "")
        if direction not in {d.value for d in Direction}:
            raise fail(f"{where}.direction", direction, "is not higher or lower",
                       "say whether higher or lower is better")
        period_type = str(raw.get("period_type") or "")
        if period_type not in {p.value for p in PeriodType}:
            raise fail(f"{where}.period_type", period_type, "is not month, quarter or year",
                       "use month, quarter or year")
        source = str(raw.get("source") or "")
        if source not in SOURCES:
            raise fail(f"{where}.source", source, "is not a source",
                       "use " + ", ".join(SOURCES))
        breakdowns = tuple(raw.get("disaggregations") or ())
        for b in breakdowns:
            if b not in DISAGGREGATIONS:
                raise fail(f"{where}.disaggregations", b, "is not a disaggregation",
                           "use " + ", ".join(DISAGGREGATIONS))
        numerator = Expression.parse(str(raw.get("numerator") or ""), f"{where}.numerator")
        denominator = (Expression.parse(str(raw["denominator"]), f"{where}.denominator")
                       if raw.get("denominator") else None)
        out.append(Indicator(
            code, str(raw.get("name") or code), str(raw.get("definition") or ""),
            numerator, denominator, int(multiplier), direction,
            _number(raw, "baseline", f"{where}.baseline", file),
            _number(raw, "target", f"{where}.target", file), period_type, breakdowns, source,
            raw.get("priority_area"), raw.get("outcome"), tuple(raw.get("caveats") or ())))
    return IndicatorSet(str(document.get("version") or "unversioned"),
                        str(document.get("title") or ""), str(document.get("framework") or ""),
                        tuple(out))


def default() -> IndicatorSet:
    data = resources.files("vrhub.standards").joinpath("outcome_data", DEFAULT_FILE)
    return parse(json.loads(data.read_text(encoding="utf-8")), DEFAULT_FILE)


def indicator_set(outcomes: Outcomes) -> IndicatorSet:
    """The set in force: the newest an administrator loaded, else the shipped one."""
    with outcomes.sessions() as session:
        row = reference_store.latest_reference(session, KIND)
        key = ("indicator_set", row.id if row is not None else 0)
        found = outcomes.figure_cache.get(key)
        if found is None:  # parsed once while the set in force is unchanged
            found = default() if row is None else parse(row.document,
                                                        f"indicators {row.version}")
            outcomes.figure_cache[key] = found
        return found


def load_indicators(outcomes: Outcomes, principal: Principal, data: bytes,
                    file: str) -> IndicatorSet:
    """An administrator loads a revised indicator set (audited); it is then in force."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not a JSON document ({exc})", Location(file),
                         hint="save the indicators as UTF-8 JSON") from None
    parsed = parse(document, file)
    framework = outcomes.framework()
    for i in parsed.indicators:
        if i.priority_area and not framework.has_area(i.priority_area):
            raise InputError(f"indicator {i.code}: priority area {i.priority_area!r} is not "
                             f"in framework {framework.version}", Location(file),
                             hint="use " + ", ".join(a.code for a in framework.priority_areas))
    with outcomes.sessions() as session, outcomes.policy.audited(
            principal, Action.MANAGE_FRAMEWORK, Resource("indicators", parsed.version),
            session=session) as note:
        reference_store.add_reference(session, kind=KIND, version=parsed.version,
                                      title=parsed.title, document=document,
                                      loaded_by=principal.email)
        note.detail = f"loaded indicators {parsed.version} ({len(parsed.indicators)})"
    return parsed
