"""What works, kept with the work: the YEF Toolkit strands programmes follow, and an
evidence library of evaluations and studies tagged like the VRU's Evidence Hub.

The strands are versioned data (``standards/outcome_data/yef-toolkit-1.json`` shipped; an
administrator loads a revised copy): each has its Toolkit link and its impact, evidence
quality and cost ratings, with ``verified`` saying whether the ratings were checked against
a Youth Endowment Fund publication. Evidence items are added by VRU analysts and searched by
anyone with outcomes access; each names its method, findings, priority areas, target
groups, timing (primary, secondary, tertiary prevention), intervention type, the programmes
it evaluates and the strand it bears on.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import asdict, dataclass
from importlib import resources
from typing import Any

from vrhub.access.principal import Principal
from vrhub.access.resources import Resource
from vrhub.access.roles import Action
from vrhub.errors import InputError, Location, NotFound, UserError
from vrhub.outcomes.context import Outcomes
from vrhub.privacy.identifiers import redact
from vrhub.standards.outcomes import ProgrammeCode
from vrhub.storage.outcomes import evidence as store
from vrhub.storage.outcomes import reference as reference_store

YEF_KIND = "yef_toolkit"
DEFAULT_YEF = "yef-toolkit-1.json"
TIMINGS = ("primary", "secondary", "tertiary")
METHODS = ("randomised controlled trial", "quasi-experimental", "pre/post", "process",
           "qualitative", "systematic review", "feasibility", "other")
TARGET_GROUPS = ("children", "young people", "young women and girls", "parents and carers",
                 "families", "schools", "professionals", "communities")
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}")
_STRAND = re.compile(r"[a-z0-9][a-z0-9\-]{0,63}")


@dataclass(frozen=True)
class Strand:
    code: str
    name: str
    url: str
    prevention: tuple[str, ...]
    impact: str | None
    evidence_quality: str | None
    cost: str | None
    verified: bool
    verified_from: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Toolkit:
    version: str
    title: str
    source: dict[str, Any]
    strands: tuple[Strand, ...]

    def strand(self, code: str) -> Strand:
        for s in self.strands:
            if s.code == code:
                return s
        raise NotFound(f"there is no YEF Toolkit strand {code!r}",
                       hint="use one of " + ", ".join(s.code for s in self.strands))

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "title": self.title, "source": self.source,
                "strands": [s.to_dict() for s in self.strands]}


def parse_toolkit(document: dict[str, Any], file: str = "toolkit") -> Toolkit:
    def fail(path: str, value: object, problem: str) -> InputError:
        return InputError(problem, Location(file, column=path, value=value),
                          hint="correct the file and load it again")

    if not isinstance(document, dict) or not isinstance(document.get("strands"), list):
        raise fail("$.strands", None, "a toolkit file is an object with a list of strands")
    scales = document.get("scales") or {}
    strands = []
    seen: set[str] = set()
    for i, raw in enumerate(document["strands"]):
        path = f"$.strands[{i}]"
        if not isinstance(raw, dict):
            raise fail(path, raw, "each strand is an object")
        code = str(raw.get("code") or "")
        if not _STRAND.fullmatch(code) or code in seen:
            raise fail(f"{path}.code", code, "each strand needs a code of its own")
        seen.add(code)
        for key in ("impact", "evidence_quality", "cost"):
            value = raw.get(key)
            allowed = scales.get(key)
            if value is not None and allowed and value not in allowed:
                raise fail(f"{path}.{key}", value, f"{key} must be one of {allowed}")
        if not isinstance(raw.get("verified"), bool):
            raise fail(f"{path}.verified", raw.get("verified"),
                       "say whether the ratings were verified (true or false)")
        strands.append(Strand(code, str(raw.get("name") or code), str(raw.get("url") or ""),
                              tuple(raw.get("prevention") or ()), raw.get("impact"),
                              raw.get("evidence_quality"), raw.get("cost"),
                              raw["verified"], str(raw.get("verified_from") or "")))
    return Toolkit(str(document.get("version") or "unversioned"),
                   str(document.get("title") or ""), dict(document.get("source") or {}),
                   tuple(strands))


def default_toolkit() -> Toolkit:
    data = resources.files("vrhub.standards").joinpath("outcome_data", DEFAULT_YEF)
    return parse_toolkit(json.loads(data.read_text(encoding="utf-8")), DEFAULT_YEF)


def toolkit(outcomes: Outcomes) -> Toolkit:
    """The strands in force (newest loaded, else the shipped copy)."""
    with outcomes.sessions() as session:
        row = reference_store.latest_reference(session, YEF_KIND)
        if row is None:
            return default_toolkit()
        return parse_toolkit(row.document, f"toolkit {row.version}")


def load_toolkit(outcomes: Outcomes, principal: Principal, data: bytes, file: str) -> Toolkit:
    """An administrator loads a revised copy of the strands (audited)."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not a JSON document ({exc})", Location(file),
                         hint="save the file as UTF-8 JSON") from None
    parsed = parse_toolkit(document, file)
    with outcomes.sessions() as session, outcomes.policy.audited(
            principal, Action.MANAGE_FRAMEWORK, Resource("yef_toolkit", parsed.version),
            session=session) as note:
        reference_store.add_reference(session, kind=YEF_KIND, version=parsed.version,
                                      title=parsed.title, document=document,
                                      loaded_by=principal.email)
        note.detail = f"loaded YEF Toolkit strands {parsed.version} ({len(parsed.strands)})"
    return parsed


# -- the evidence library -------------------------------------------------------------------
@dataclass(frozen=True)
class EvidenceItem:
    code: str
    title: str
    url: str | None
    file_name: str | None
    published_on: dt.date | None
    method: str
    findings: str
    priority_areas: tuple[str, ...]
    target_groups: tuple[str, ...]
    timing: tuple[str, ...]
    intervention_types: tuple[str, ...]
    yef_strand: str | None
    programmes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["published_on"] = self.published_on.isoformat() if self.published_on else None
        return out


def item_of(row: Any) -> EvidenceItem:
    return EvidenceItem(row.code, row.title, row.url, row.file_name, row.published_on,
                        row.method, row.findings, tuple(row.priority_areas),
                        tuple(row.target_groups), tuple(row.timing),
                        tuple(row.intervention_types), row.yef_strand, tuple(row.programmes))


def _list(value: Any, field: str) -> list[str]:
    if value in (None, ""):
        return []
    items = value.split(";") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise UserError(f"{field} must be a list", hint=f"give {field} as a list of words")
    return [str(v).strip() for v in items if str(v).strip()]


def check_item(outcomes: Outcomes, raw: dict[str, Any]) -> dict[str, Any]:
    """The values of a new evidence item, checked (each problem names its field)."""
    framework = outcomes.framework()
    code = str(raw.get("code") or "").strip()
    if not _CODE.fullmatch(code):
        raise UserError(f"evidence code {code!r} is not valid",
                        hint="use up to 32 letters, digits, dots, dashes or underscores")
    title = str(raw.get("title") or "").strip()
    if not title:
        raise UserError("an evidence item needs a title")
    method = str(raw.get("method") or "").strip().lower()
    if method not in METHODS:
        raise UserError(f"method {method!r} is not known", hint="use one of " +
                        ", ".join(METHODS))
    areas = [a.upper() for a in _list(raw.get("priority_areas"), "priority_areas")]
    for area in areas:
        if not framework.has_area(area):
            raise UserError(f"priority area {area!r} is not in the framework",
                            hint="use one of " + ", ".join(
                                a.code for a in framework.priority_areas))
    timing = [t.lower() for t in _list(raw.get("timing"), "timing")]
    for t in timing:
        if t not in TIMINGS:
            raise UserError(f"timing {t!r} is not primary, secondary or tertiary")
    strand = str(raw.get("yef_strand") or "").strip() or None
    if strand:
        toolkit(outcomes).strand(strand)
    published = raw.get("published_on")
    if isinstance(published, str) and published.strip():
        try:
            published = dt.date.fromisoformat(published.strip())
        except ValueError:
            raise UserError(f"published_on {published!r} is not a date",
                            hint="write it as YYYY-MM-DD") from None
    elif not isinstance(published, dt.date):
        published = None
    url = str(raw.get("url") or "").strip() or None
    if url and not re.match(r"https?://", url):
        raise UserError(f"link {url!r} is not a web address", hint="start it with https://")
    return {
        "code": code, "title": title[:300], "url": url,
        "file_name": str(raw.get("file_name") or "").strip()[:200] or None,
        "published_on": published, "method": method,
        "findings": redact(str(raw.get("findings") or "")).text,
        "priority_areas": areas,
        "target_groups": _list(raw.get("target_groups"), "target_groups"),
        "timing": timing,
        "intervention_types": _list(raw.get("intervention_types"), "intervention_types"),
        "yef_strand": strand,
        "programmes": [str(ProgrammeCode(p)) for p in _list(raw.get("programmes"),
                                                            "programmes")],
    }


def add_item(outcomes: Outcomes, principal: Principal, raw: dict[str, Any]) -> EvidenceItem:
    values = check_item(outcomes, raw)
    with outcomes.sessions() as session, outcomes.policy.audited(
            principal, Action.MANAGE_PROGRAMMES, Resource("evidence", values["code"]),
            session=session) as note:
        row = store.add_evidence(session, values, created_by=principal.email)
        note.detail = f"added evidence {values['code']}"
        return item_of(row)
