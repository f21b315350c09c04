"""Funded programmes: the interventions the partnership funds.

A programme has its delivering organisation, priority area(s) of the framework, the
boroughs and wards it serves, funding stream, budget, start and end dates, how often it
reports (month, quarter or year), its target cohort (ages up to 25, sexes, ethnic groups,
planned number of young people per period), the YEF Toolkit strand it follows, the
standard measures it collects (ONS4, SWEMWBS, SDQ), any scales of its own and the
i-Statement survey it runs. VRU analysts add and change programmes (audited); programme
leads see their own; borough analysts those serving their boroughs.

Programmes are given as plain dictionaries (a JSON file, an API body or the command line),
checked by :func:`check_programme`, which names the field and value of each problem.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from vrhub.access.policy import authorize
from vrhub.access.principal import Principal
from vrhub.access.resources import Resource
from vrhub.access.roles import ROLE_ACTIONS, Action
from vrhub.errors import NotFound, UserError
from vrhub.outcomes.context import Outcomes
from vrhub.outcomes.evidence import toolkit
from vrhub.outcomes.framework import Framework
from vrhub.privacy.identifiers import redact
from vrhub.standards.codes import BoroughCode, WardCode
from vrhub.standards.outcomes import (
    ETHNIC_GROUPS,
    FUNDING_STREAMS,
    INSTRUMENTS,
    SEXES,
    PeriodType,
    ProgrammeCode,
    funding_stream,
)
from vrhub.standards.reporting_periods import ReportingPeriod
from vrhub.storage.outcomes import programmes as store
from vrhub.storage.outcomes.versions import data_versions

MAX_AGE = 25
_SCALE_CODE = re.compile(r"[a-z][a-z0-9_]{0,23}")


@dataclass(frozen=True)
class Scale:
    """A programme's own outcome scale (collected as ``scale_<code>`` in the template)."""

    code: str
    label: str
    low: int
    high: int
    higher_is_better: bool = True

    @property
    def item(self) -> str:
        return f"scale_{self.code}"


@dataclass(frozen=True)
class ProgrammeView:
    code: str
    name: str
    organisation: str
    funding_stream: str
    budget: float | None
    start_date: dt.date
    end_date: dt.date
    period_type: str
    cohort_min_age: int
    cohort_max_age: int
    cohort_size: int | None
    cohort_sexes: tuple[str, ...]
    cohort_ethnicities: tuple[str, ...]
    priority_areas: tuple[str, ...]
    boroughs: tuple[str, ...]
    wards: tuple[str, ...]
    yef_strand: str | None
    measures: tuple[str, ...]
    scales: tuple[Scale, ...]
    survey_code: str | None
    description: str

    @property
    def funding_label(self) -> str:
        return FUNDING_STREAMS.get(self.funding_stream, self.funding_stream)

    @property
    def resource(self) -> Resource:
        return Resource.programme(self.code, boroughs=self.boroughs)

    def periods(self, until: dt.date | None = None) -> list[ReportingPeriod]:
        """The reporting periods of the programme's life (up to ``until``)."""
        last = min(self.end_date, until) if until else self.end_date
        return ReportingPeriod.between(self.period_type, self.start_date, last)

    def status(self, today: dt.date) -> str:
        if today < self.start_date:
            return "not started"
        return "ended" if today > self.end_date else "running"

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["start_date"] = self.start_date.isoformat()
        out["end_date"] = self.end_date.isoformat()
        out["funding_label"] = self.funding_label
        out["scales"] = [asdict(s) for s in self.scales]
        return out


def view(row: Any) -> ProgrammeView:
    return ProgrammeView(
        row.code, row.name, row.organisation, row.funding_stream,
        None if row.budget is None else float(row.budget), row.start_date, row.end_date,
        row.period_type, row.cohort_min_age, row.cohort_max_age, row.cohort_size,
        tuple(row.cohort_sexes or ()), tuple(row.cohort_ethnicities or ()),
        tuple(row.areas), tuple(row.boroughs), tuple(row.wards), row.yef_strand,
        tuple(row.measures or ()), tuple(Scale(**s) for s in row.scales or ()),
        row.survey_code, row.description)


# -- checking -----------------------------------------------------------------------------
def _fail(code: str, field: str, value: object, problem: str, hint: str) -> UserError:
    where = f"programme {code}: " if code else ""
    return UserError(f"{where}{field} {value!r}: {problem}", hint=hint)


def _codes(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = re.split(r"[;,\s]+", value)
    if not isinstance(value, list | tuple):
        raise UserError(f"{value!r} is not a list", hint="give a list of codes")
    return [str(v).strip() for v in value if str(v).strip()]


def _date(code: str, field: str, value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise _fail(code, field, value, "is not a date", "write dates as YYYY-MM-DD") from None


def _int(code: str, field: str, value: Any, *, low: int = 0, high: int | None = None,
         required: bool = True) -> int | None:
    if value in (None, ""):
        if required:
            raise _fail(code, field, value, "is missing", f"give {field}")
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise _fail(code, field, value, "is not a whole number", f"give {field} as a "
                    "whole number") from None
    if number < low or (high is not None and number > high):
        rng = f"{low} to {high}" if high is not None else f"{low} or more"
        raise _fail(code, field, value, f"is out of range ({rng})", f"give {field} as {rng}")
    return number


def _whole(code: str, field: str, value: Any, *, low: int = 0,
           high: int | None = None) -> int:
    number = _int(code, field, value, low=low, high=high)
    return 0 if number is None else number  # None only when not required


def check_programme(raw: dict[str, Any], framework: Framework,
                    strands: Iterable[str]) -> dict[str, Any]:
    """The stored values of a programme given as a dictionary (see the module docstring),
    or a :class:`UserError` naming the field and the value that is wrong."""
    if not isinstance(raw, dict):
        raise UserError("a programme is an object of fields", hint="see the how-to guide")
    code = str(ProgrammeCode(raw.get("code")))
    name = str(raw.get("name") or "").strip()
    organisation = str(raw.get("organisation") or "").strip()
    if not name:
        raise _fail(code, "name", name, "is missing", "give the programme's name")
    if not organisation:
        raise _fail(code, "organisation", organisation, "is missing",
                    "give the delivering organisation")
    try:
        stream = funding_stream(raw.get("funding_stream") or "")
    except UserError:
        raise _fail(code, "funding_stream", raw.get("funding_stream"), "is not a funding "
                    "stream", "use one of " + ", ".join(FUNDING_STREAMS)) from None
    budget = raw.get("budget")
    if budget not in (None, ""):
        try:
            budget = Decimal(str(budget).replace(",", "").replace("£", "").strip())
        except InvalidOperation:
            raise _fail(code, "budget", raw.get("budget"), "is not an amount",
                        "give the budget in pounds, e.g. 125000") from None
        if budget < 0:
            raise _fail(code, "budget", budget, "is negative", "give the budget in pounds")
    else:
        budget = None
    start = _date(code, "start_date", raw.get("start_date"))
    end = _date(code, "end_date", raw.get("end_date"))
    if end < start:
        raise _fail(code, "end_date", end.isoformat(), f"is before the start ({start})",
                    "check the dates")
    try:
        period_type = PeriodType(str(raw.get("period_type") or "quarter").lower())
    except ValueError:
        raise _fail(code, "period_type", raw.get("period_type"), "is not month, quarter or "
                    "year", "use month, quarter or year") from None
    min_age = _whole(code, "cohort_min_age", raw.get("cohort_min_age", 10), high=MAX_AGE)
    max_age = _whole(code, "cohort_max_age", raw.get("cohort_max_age", MAX_AGE), high=MAX_AGE)
    if max_age < min_age:
        raise _fail(code, "cohort_max_age", max_age, f"is below cohort_min_age {min_age}",
                    "check the cohort's ages")
    size = _int(code, "cohort_size", raw.get("cohort_size"), low=1, required=False)
    sexes = [s.lower() for s in _codes(raw.get("cohort_sexes"))]
    for s in sexes:
        if s not in SEXES:
            raise _fail(code, "cohort_sexes", s, "is not a sex category",
                        "use " + ", ".join(SEXES))
    ethnicities = [e.lower() for e in _codes(raw.get("cohort_ethnicities"))]
    for e in ethnicities:
        if e not in ETHNIC_GROUPS:
            raise _fail(code, "cohort_ethnicities", e, "is not an ethnic group",
                        "use " + ", ".join(ETHNIC_GROUPS))
    areas = [a.upper() for a in _codes(raw.get("priority_areas"))]
    if not areas:
        raise _fail(code, "priority_areas", raw.get("priority_areas"), "is empty",
                    "give one or more priority areas: " + ", ".join(
                        a.code for a in framework.priority_areas))
    for area in areas:
        if not framework.has_area(area):
            raise _fail(code, "priority_areas", area, f"is not a priority area of framework "
                        f"{framework.version}", "use " + ", ".join(
                            a.code for a in framework.priority_areas))
    boroughs = [str(BoroughCode(b)) for b in _codes(raw.get("boroughs"))]
    if not boroughs:
        raise _fail(code, "boroughs", raw.get("boroughs"), "is empty",
                    "give the E09 codes of the boroughs the programme serves")
    wards = [str(WardCode(w)) for w in _codes(raw.get("wards"))]
    strand = str(raw.get("yef_strand") or "").strip() or None
    known = set(strands)
    if strand and strand not in known:
        raise _fail(code, "yef_strand", strand, "is not a YEF Toolkit strand",
                    "use one of " + ", ".join(sorted(known)))
    measures = [m.lower() for m in _codes(raw.get("measures"))]
    for m in measures:
        if m not in INSTRUMENTS:
            raise _fail(code, "measures", m, "is not a standard measure",
                        "use " + ", ".join(INSTRUMENTS))
    scales = [_scale(code, s) for s in raw.get("scales") or []]
    survey = str(raw.get("survey_code") or "").strip().upper() or None
    description = redact(str(raw.get("description") or "")).text
    return {
        "code": code, "name": name[:200], "organisation": organisation[:200],
        "funding_stream": stream, "budget": budget, "start_date": start, "end_date": end,
        "period_type": period_type.value, "cohort_min_age": min_age,
        "cohort_max_age": max_age, "cohort_size": size, "cohort_sexes": sexes,
        "cohort_ethnicities": ethnicities, "yef_strand": strand, "measures": measures,
        "scales": scales, "survey_code": survey, "description": description,
        "_areas": areas, "_boroughs": boroughs, "_wards": wards,
    }


def _scale(code: str, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _fail(code, "scales", raw, "is not a scale", "give code, label, low and high")
    scale_code = str(raw.get("code") or "").strip().lower()
    if not _SCALE_CODE.fullmatch(scale_code):
        raise _fail(code, "scales.code", scale_code, "is not a scale code",
                    "use lower-case letters, digits and underscores")
    low = _whole(code, "scales.low", raw.get("low"), low=-1000)
    high = _whole(code, "scales.high", raw.get("high"), low=-1000)
    if high <= low:
        raise _fail(code, "scales.high", high, f"is not above low {low}", "check the range")
    return {"code": scale_code, "label": str(raw.get("label") or scale_code)[:100],
            "low": low, "high": high,
            "higher_is_better": bool(raw.get("higher_is_better", True))}


# -- service functions ----------------------------------------------------------------------
def save_programmes(outcomes: Outcomes, principal: Principal,
                    programmes: list[dict[str, Any]]) -> list[tuple[ProgrammeView, bool]]:
    """Add or update programmes (all or none); returns each with whether it was new."""
    framework = outcomes.framework()
    strands = [s.code for s in toolkit(outcomes).strands]
    checked = [check_programme(raw, framework, strands) for raw in programmes]
    codes = [c["code"] for c in checked]
    if len(set(codes)) != len(codes):
        twice = sorted({c for c in codes if codes.count(c) > 1})
        raise UserError(f"programme {twice[0]} is given twice", hint="give each programme once")
    out: list[tuple[ProgrammeView, bool]] = []
    with outcomes.sessions() as session, outcomes.policy.audited(
            principal, Action.MANAGE_PROGRAMMES, Resource("programmes", ",".join(codes)[:150]),
            session=session) as note:
        for values in checked:
            areas, boroughs, wards = (values.pop("_areas"), values.pop("_boroughs"),
                                      values.pop("_wards"))
            row, created = store.save_programme(session, values, areas=areas,
                                                boroughs=boroughs, wards=wards)
            out.append((view(row), created))
        added = sum(c for _, c in out)
        note.detail = f"{added} programme(s) added, {len(out) - added} updated: " + \
            " ".join(codes)
    return out


def every_programme(outcomes: Outcomes,
                    versions: dict[str, tuple[Any, ...]] | None = None
                    ) -> tuple[ProgrammeView, ...]:
    """Every programme (no access check), kept in memory while none changes (``versions``:
    :func:`vrhub.storage.outcomes.versions.data_versions`, asked when not given)."""
    if versions is None:
        with outcomes.sessions() as session:
            versions = data_versions(session)
    def read() -> tuple[ProgrammeView, ...]:
        with outcomes.sessions() as session:
            return tuple(view(r) for r in store.list_programmes(session))

    return outcomes.remember(("programmes", versions["programmes"]), read,
                             replaces="programmes")


def list_programmes(outcomes: Outcomes, principal: Principal, *,
                    area: str | None = None) -> list[ProgrammeView]:
    """The programmes ``principal`` may see (all for VRU analysts, their own for a lead,
    those serving their boroughs for a borough analyst)."""
    scope = outcomes.policy.enforce_outcome_scope(principal, Action.READ_OUTCOMES,
                                                  "programmes", detail="list programmes")
    wanted = area.upper() if area else None
    out = []
    for p in every_programme(outcomes):  # kept in memory while no programme changes
        if not scope.everything and scope.programmes and p.code not in scope.programmes:
            continue
        if not scope.everything and scope.boroughs and not set(p.boroughs) & scope.boroughs:
            continue
        if wanted is not None and wanted not in p.priority_areas:
            continue
        out.append(p)
    return out


def openable(outcomes: Outcomes, principal: Principal,
             codes: Iterable[str]) -> frozenset[str]:
    """Which of the programmes ``codes`` ``principal`` may open: the rule
    :func:`get_programme` enforces for the programme's page, decided without an audit
    event, as nothing is read (for links to programmes). A code that is not a programme
    is not openable."""
    known = {p.code: p for p in every_programme(outcomes)}
    return frozenset(code for code in codes if code in known and authorize(
        principal, Action.READ_OUTCOMES, known[code].resource).allowed)


def get_programme(outcomes: Outcomes, principal: Principal, code: str, *,
                  action: Action = Action.READ_OUTCOMES, detail: str = "") -> ProgrammeView:
    """One programme, if ``principal`` may take ``action`` on it (decided and, unless it is
    a read of figures, audited)."""
    code = str(ProgrammeCode(code))
    with outcomes.sessions() as session:
        row = store.get_programme(session, code)
        found = view(row) if row is not None else None
    if found is None:
        if action not in ROLE_ACTIONS[principal.role]:
            outcomes.policy.enforce(principal, action, Resource.programme(code))
        raise NotFound(f"there is no programme {code!r}",
                       hint="see the list of programmes (`vrhub outcomes programmes list`)")
    outcomes.policy.enforce(principal, action, found.resource,
                            detail=detail or f"{action.value} {code}")
    return found


def leads(outcomes: Outcomes, principal: Principal, code: str) -> list[str]:
    """Emails of a programme's leads: for VRU analysts only."""
    get_programme(outcomes, principal, code, action=Action.MANAGE_PROGRAMMES,
                  detail=f"list leads of {code}")
    with outcomes.sessions() as session:
        return store.leads_of(session, code)
