"""Borough plan assessments in the API: the heat map for a plan year, a borough's history,
and scoring (VRU assessors). Each route parses, calls the plan desk and answers JSON."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from vrhub.access.principal import Principal
from vrhub.access.roles import Role
from vrhub.partnership.plan_assessment import PlanDesk
from vrhub.web.api_models import ERROR_RESPONSES
from vrhub.web.csrf import require_csrf
from vrhub.web.deps import signed_in
from vrhub.web.plan_deps import plan_desk

router = APIRouter(prefix="/api/v1", tags=["Borough plans"], responses=ERROR_RESPONSES)
Who = Annotated[Principal, Depends(signed_in)]
Desk = Annotated[PlanDesk, Depends(plan_desk)]


class AssessmentIn(BaseModel):
    year: str = Field(description="Plan year, e.g. 2025/26", examples=["2025/26"])
    scores: dict[str, int] = Field(description="A score for every criterion of the rubric")
    evidence: dict[str, str] = Field(default_factory=dict,
                                     description="Evidence notes by criterion (no names)")
    summary: str | None = Field(default=None, max_length=5000)


@router.get("/plans", summary="Boroughs by criteria for a plan year, with London's mean")
def heatmap(year: str, who: Who, desk: Desk) -> JSONResponse:
    rows, mean = desk.heatmap(who, year)
    pairs = desk.pairings(who, year) if who.role is Role.PAN_LONDON_ANALYST else []
    return JSONResponse({"year": year, "rubric_version": desk.rubric().version,
                         "london_mean": mean, "boroughs": [asdict(r) for r in rows],
                         "pairings": [asdict(p) for p in pairs]})


@router.get("/plans/{borough}", summary="A borough's plan assessments across years")
def history(borough: str, who: Who, desk: Desk) -> JSONResponse:
    return JSONResponse({"borough": borough.upper(),
                         "assessments": [asdict(s) for s in desk.history(who, borough)]})


@router.post("/plans/{borough}", dependencies=[Depends(require_csrf)],
             summary="Score a borough's plan for a year (VRU assessors)")
def assess(borough: str, body: AssessmentIn, who: Who, desk: Desk) -> JSONResponse:
    scored = desk.assess(who, borough, body.year, body.scores, evidence=body.evidence,
                         summary=body.summary)
    return JSONResponse(asdict(scored))
