"""i-Statements as first-class items, and the survey instruments built from them.

An i-Statement is a first-person statement co-produced with young people in a youth-led
workshop ("I feel safe on my way home"). vrhub keeps the statement, the workshop it came
from (date, borough, number of young people: never names), its theme, and the priority
area and outcome of the framework it informs. A statement defines a KPI: the percentage
of young people answering a survey who agree or strongly agree with it, with its baseline
and target, grouped in a named set (the NHS London Vanguard KPIs are one such set).

VRU analysts load workshops, statements and surveys from one JSON document (all or
nothing, audited)::

    {"workshops": [{"code": "WS-2024-01", "held_on": "2024-03-12", "borough": "E09000007",
                    "young_people": 14, "description": "..."}],
     "statements": [{"code": "IST-001", "text": "I feel safe on my way home",
                     "workshop": "WS-2024-01", "theme": "Safety", "priority_area": "CAP",
                     "outcome": "CAP-1", "kpi_set": "NHS Vanguard",
                     "baseline_pct": 48, "target_pct": 60}],
     "surveys": [{"code": "VAN-1", "title": "...", "statements": ["IST-001"]}]}
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from typing import Any

from vrhub.access.principal import Principal
from vrhub.access.resources import Resource
from vrhub.access.roles import Action
from vrhub.errors import UserError
from vrhub.outcomes.context import Outcomes
from vrhub.privacy.identifiers import redact
from vrhub.standards.codes import BoroughCode
from vrhub.standards.outcomes import AGREEMENT
from vrhub.storage.appdb.outcomes_measures_models import IStatement, Survey, Workshop
from vrhub.storage.outcomes import surveys as store

_CODE = re.compile(r"[A-Z0-9][A-Z0-9_.\-]{0,23}")


@dataclass(frozen=True)
class WorkshopView:
    code: str
    held_on: str
    borough: str
    young_people: int
    description: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class StatementView:
    code: str
    text: str
    workshop: str | None
    theme: str
    priority_area: str
    outcome: str | None
    kpi_set: str | None
    baseline_pct: float | None
    target_pct: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SurveyView:
    code: str
    title: str
    statements: tuple[str, ...]
    scale: tuple[tuple[int, str], ...] = AGREEMENT

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "title": self.title, "statements": list(self.statements),
                "scale": [{"value": v, "label": label} for v, label in self.scale]}


def _workshop(row: Workshop) -> WorkshopView:
    return WorkshopView(row.code, row.held_on.isoformat(), row.borough_code,
                        row.young_people, row.description)


def _statement(row: IStatement) -> StatementView:
    return StatementView(row.code, row.text, row.workshop_code, row.theme, row.priority_area,
                         row.outcome_code, row.kpi_set, row.baseline_pct, row.target_pct)


def _survey(row: Survey) -> SurveyView:
    return SurveyView(row.code, row.title, tuple(row.statements))


def _fail(what: str, code: str, field: str, value: object, problem: str,
          hint: str) -> UserError:
    return UserError(f"{what} {code or '?'}: {field} {value!r} {problem}", hint=hint)


def _code(what: str, raw: dict[str, Any]) -> str:
    code = str(raw.get("code") or "").strip().upper()
    if not _CODE.fullmatch(code):
        raise _fail(what, code, "code", raw.get("code"), "is not a code",
                    "use up to 24 capital letters, digits, dots, dashes or underscores")
    return code


def _pct(what: str, code: str, raw: dict[str, Any], field: str) -> float | None:
    value = raw.get(field)
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise _fail(what, code, field, value, "is not a number",
                    "give a percentage from 0 to 100") from None
    if not 0 <= number <= 100:
        raise _fail(what, code, field, value, "is not from 0 to 100",
                    "give a percentage from 0 to 100")
    return number


def check_workshop(raw: dict[str, Any]) -> dict[str, Any]:
    code = _code("workshop", raw)
    try:
        held_on = dt.date.fromisoformat(str(raw.get("held_on") or "").strip())
    except ValueError:
        raise _fail("workshop", code, "held_on", raw.get("held_on"), "is not a date",
                    "write it as YYYY-MM-DD") from None
    borough = str(BoroughCode(raw.get("borough")))
    try:
        young = int(raw.get("young_people"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        young = 0
    if young < 1:
        raise _fail("workshop", code, "young_people", raw.get("young_people"),
                    "is not a number of young people", "give how many took part (1 or "
                    "more); never their names")
    description = redact(str(raw.get("description") or "")).text[:2000]
    return {"code": code, "held_on": held_on, "borough_code": borough,
            "young_people": young, "description": description}


def check_statement(outcomes: Outcomes, raw: dict[str, Any],
                    workshops: set[str]) -> dict[str, Any]:
    framework = outcomes.framework()
    code = _code("i-Statement", raw)
    text = redact(str(raw.get("text") or "").strip()).text
    if not text:
        raise _fail("i-Statement", code, "text", "", "is empty",
                    "give the statement as the young people worded it")
    workshop = str(raw.get("workshop") or "").strip().upper() or None
    if workshop and workshop not in workshops:
        raise _fail("i-Statement", code, "workshop", workshop, "is not a workshop",
                    "load the workshop first (or in the same file)")
    area = str(raw.get("priority_area") or "").strip().upper()
    if not framework.has_area(area):
        raise _fail("i-Statement", code, "priority_area", area, "is not a priority area",
                    "use one of " + ", ".join(a.code for a in framework.priority_areas))
    outcome = str(raw.get("outcome") or "").strip().upper() or None
    if outcome and outcome not in [o.code for o in framework.area(area).outcomes]:
        raise _fail("i-Statement", code, "outcome", outcome, f"is not an outcome of {area}",
                    "use one of " + ", ".join(o.code for o in framework.area(area).outcomes))
    kpi_set = str(raw.get("kpi_set") or "").strip()[:64] or None
    return {"code": code, "text": text[:300], "workshop_code": workshop,
            "theme": str(raw.get("theme") or "General").strip()[:100],
            "priority_area": area, "outcome_code": outcome, "kpi_set": kpi_set,
            "baseline_pct": _pct("i-Statement", code, raw, "baseline_pct"),
            "target_pct": _pct("i-Statement", code, raw, "target_pct")}


def check_survey(raw: dict[str, Any], statements: set[str]) -> dict[str, Any]:
    code = _code("survey", raw)
    title = str(raw.get("title") or "").strip()
    if not title:
        raise _fail("survey", code, "title", "", "is empty", "give the survey a title")
    items = [str(s).strip().upper() for s in raw.get("statements") or []]
    if not items:
        raise _fail("survey", code, "statements", [], "is empty",
                    "list the i-Statement codes the survey asks")
    for item in items:
        if item not in statements:
            raise _fail("survey", code, "statements", item, "is not an i-Statement",
                        "load the statement first (or in the same file)")
    if len(set(items)) != len(items):
        raise _fail("survey", code, "statements", items, "repeats a statement",
                    "list each statement once")
    return {"code": code, "title": title[:200], "statements": items}


def load(outcomes: Outcomes, principal: Principal, document: dict[str, Any]) -> dict[str, int]:
    """Add the workshops, statements and surveys of ``document`` (all or none; audited)."""
    if not isinstance(document, dict):
        raise UserError("an i-Statements file is an object with workshops, statements and "
                        "surveys", hint="see `vrhub outcomes istatements load --help`")
    with outcomes.sessions() as session, outcomes.policy.audited(
            principal, Action.MANAGE_PROGRAMMES, Resource("istatements", "load"),
            session=session) as note:
        known_workshops = store.codes_of(session, Workshop)
        known_statements = store.codes_of(session, IStatement)
        counts = {"workshops": 0, "statements": 0, "surveys": 0}
        for raw in document.get("workshops") or []:
            values = check_workshop(raw)
            store.add_workshop(session, values, created_by=principal.email)
            known_workshops.add(values["code"])
            counts["workshops"] += 1
        for raw in document.get("statements") or []:
            values = check_statement(outcomes, raw, known_workshops)
            store.add_statement(session, values, created_by=principal.email)
            known_statements.add(values["code"])
            counts["statements"] += 1
        for raw in document.get("surveys") or []:
            store.add_survey(session, check_survey(raw, known_statements),
                             created_by=principal.email)
            counts["surveys"] += 1
        note.detail = (f"added {counts['workshops']} workshop(s), {counts['statements']} "
                       f"i-Statement(s), {counts['surveys']} survey(s)")
    return counts


def catalogue(outcomes: Outcomes, principal: Principal) -> dict[str, Any]:
    """Every workshop, statement and survey (anyone with outcomes access)."""
    outcomes.policy.enforce_outcome_scope(principal, Action.READ_OUTCOMES, "istatements",
                                          detail="i-Statements")
    with outcomes.sessions() as session:
        return {"workshops": [_workshop(w) for w in store.workshops(session)],
                "statements": [_statement(s) for s in store.statements(session)],
                "surveys": [_survey(s) for s in store.surveys(session)]}


def statements(outcomes: Outcomes) -> dict[str, StatementView]:
    """Every statement by code (no access check: callers have made theirs)."""
    with outcomes.sessions() as session:
        return {s.code: _statement(s) for s in store.statements(session)}


def survey(outcomes: Outcomes, code: str) -> SurveyView:
    from vrhub.errors import NotFound

    with outcomes.sessions() as session:
        row = store.get_survey(session, code.strip().upper())
        if row is None:
            raise NotFound(f"there is no survey {code!r}",
                           hint="see `vrhub outcomes istatements list`")
        return _survey(row)
