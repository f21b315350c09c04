"""Borough violence reduction plan assessment: VRU assessors score each borough's plan
against the rubric with evidence notes; a heat map of boroughs by criteria; suggested peer
pairings (a borough strong where another is weak, and the other way round); history across
plan years.

Borough analysts see their own borough's assessments, and London's average per criterion;
VRU analysts (pan-London) see and score every borough. Scoring is an audited action.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from vrhub.access.policy import Policy
from vrhub.access.principal import Principal
from vrhub.access.resources import Resource
from vrhub.access.roles import Action
from vrhub.errors import CodeError
from vrhub.partnership import plan_rubric
from vrhub.partnership.incident_forms import IncidentError as FieldError
from vrhub.partnership.incident_forms import clean_text
from vrhub.partnership.plan_rubric import Rubric
from vrhub.standards.codes import BoroughCode
from vrhub.storage import plan_assessments as store

_YEAR = re.compile(r"(\d{4})/(\d{2})")
#: a criterion at or below this score is weak; at or above STRONG it is strong
WEAK, STRONG = 2, 3


@dataclass(frozen=True)
class Scored:
    borough: str
    year: str
    rubric_version: str
    scores: dict[str, int]
    evidence: dict[str, str | None] = field(default_factory=dict)
    summary: str | None = None

    @property
    def total(self) -> int:
        return sum(self.scores.values())


@dataclass(frozen=True)
class Pairing:
    borough: str
    partner: str
    learns: tuple[str, ...]  # criteria the borough can learn from its partner
    teaches: tuple[str, ...]  # criteria the partner can learn from the borough
    reciprocal: bool


def check_year(value: str) -> str:
    """A plan year as ``2025/26``."""
    text = (value or "").strip().replace("-", "/")
    match = _YEAR.fullmatch(text)
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise FieldError("year", f"{value!r} is not a plan year",
                         hint="write it as 2025/26 (April 2025 to March 2026)")
    return text


def check_scores(rubric: Rubric, scores: Mapping[str, Any]) -> dict[str, int]:
    """A score for every criterion, each on the rubric's scale; FieldError naming the
    criterion otherwise."""
    out: dict[str, int] = {}
    unknown = sorted(set(scores) - {c.code for c in rubric.criteria})
    if unknown:
        raise FieldError(unknown[0], f"{unknown[0]!r} is not a criterion of rubric "
                         f"{rubric.version}", hint="use: " + ", ".join(
                             c.code for c in rubric.criteria))
    for criterion in rubric.criteria:
        raw = scores.get(criterion.code)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            raise FieldError(criterion.code, f"{criterion.name}: no score",
                             hint="score every criterion")
        try:
            value = int(str(raw).strip())
        except ValueError:
            raise FieldError(criterion.code, f"{criterion.name}: {raw!r} is not a score",
                             hint=f"a whole number from {rubric.low} to {rubric.high}") from None
        if value not in rubric.scale:
            raise FieldError(criterion.code, f"{criterion.name}: {value} is out of range",
                             hint=f"score from {rubric.low} ({rubric.scale[rubric.low]}) to "
                             f"{rubric.high} ({rubric.scale[rubric.high]})")
        out[criterion.code] = value
    return out


def pairings(rows: list[Scored], criteria: list[str]) -> list[Pairing]:
    """For each borough, the peer that helps it most: the partner strong (>= 3) where the
    borough is weak (<= 2); partners who are each strong where the other is weak come
    first, then the most criteria to learn, then the larger total gain, then the code."""
    out: list[Pairing] = []
    for mine in rows:
        best: tuple[Any, ...] | None = None
        for other in rows:
            if other.borough == mine.borough:
                continue
            learns = tuple(c for c in criteria if mine.scores.get(c, 99) <= WEAK
                           and other.scores.get(c, 0) >= STRONG)
            if not learns:
                continue
            teaches = tuple(c for c in criteria if other.scores.get(c, 99) <= WEAK
                            and mine.scores.get(c, 0) >= STRONG)
            gain = sum(other.scores[c] - mine.scores[c] for c in learns)
            key = (bool(teaches), len(learns), gain, _neg(other.borough))
            if best is None or key > best[0]:
                best = (key, Pairing(mine.borough, other.borough, learns, teaches,
                                     bool(teaches)))
        if best is not None:
            out.append(best[1])
    return out


def _neg(code: str) -> tuple[int, ...]:
    return tuple(-ord(c) for c in code)


class PlanDesk:
    def __init__(self, sessions: sessionmaker[Session], policy: Policy) -> None:
        self.sessions = sessions
        self.policy = policy

    def rubric(self) -> Rubric:
        with self.sessions() as session:
            return plan_rubric.in_force(session)

    def assess(self, principal: Principal, borough: str, year: str,
               scores: Mapping[str, Any], *, evidence: Mapping[str, str | None] | None = None,
               summary: str | None = None) -> Scored:
        """Record (or replace) a borough's assessment for a plan year (audited)."""
        try:
            code = str(BoroughCode(borough))
        except CodeError as exc:
            raise FieldError("borough", exc.message, hint=exc.hint) from None
        year = check_year(year)
        notes = {k: clean_text(v, f"evidence for {k}", limit=2000)
                 for k, v in (evidence or {}).items()}
        text = clean_text(summary, "summary", limit=5000)
        with self.sessions() as session:
            rubric = plan_rubric.in_force(session)
            checked = check_scores(rubric, scores)
            with self.policy.audited(principal, Action.ASSESS_PLAN, Resource.plan(code, year),
                                     session=session) as note:
                store.save(session, borough=code, year=year, rubric_version=rubric.version,
                           assessed_by=principal.user_id, summary=text,
                           scores=[(c, s, notes.get(c)) for c, s in checked.items()])
                note.detail = f"scored {code}'s {year} plan: total {sum(checked.values())}"
        return Scored(code, year, rubric.version, checked, notes, text)

    def history(self, principal: Principal, borough: str) -> list[Scored]:
        """A borough's assessments, oldest plan year first (refused outside its scope)."""
        code = str(BoroughCode(borough))
        self.policy.enforce(principal, Action.READ_PLAN_ASSESSMENT, Resource.plan(code))
        with self.sessions() as session:
            return [_scored(r) for r in store.listed(session, boroughs=[code])]

    def heatmap(self, principal: Principal, year: str) -> tuple[list[Scored], dict[str, float]]:
        """Boroughs by criteria for ``year``: every borough for the VRU, the principal's own
        otherwise (without other boroughs' evidence), and London's mean per criterion."""
        year = check_year(year)
        scope = self.policy.enforce_scope(principal, Action.READ_PLAN_ASSESSMENT,
                                          "plan_assessments")
        with self.sessions() as session:
            every = [_scored(r) for r in store.listed(session, year=year)]
        mean = {}
        if every:
            for criterion in every[0].scores:
                values = [s.scores[criterion] for s in every if criterion in s.scores]
                mean[criterion] = round(sum(values) / len(values), 2)
        shown = every if scope.everything else [s for s in every
                                                if s.borough in scope.boroughs]
        return shown, mean

    def pairings(self, principal: Principal, year: str) -> list[Pairing]:
        """Suggested peer pairings from every borough's assessment (VRU analysts only)."""
        self.policy.enforce(principal, Action.ASSESS_PLAN, Resource("plan_pairings", year),
                            detail="suggested peer pairings compare every borough")
        shown, _ = self.heatmap(principal, year)
        criteria = [c.code for c in self.rubric().criteria]
        return pairings(shown, criteria)

    def years(self) -> list[str]:
        with self.sessions() as session:
            return store.years(session)


def _scored(row: Any) -> Scored:
    return Scored(row.borough_code, row.plan_year, row.rubric_version,
                  {s.criterion: s.score for s in row.scores},
                  {s.criterion: s.evidence for s in row.scores}, row.summary)
