"""The borough plan assessment pages: the heat map of boroughs by criteria with London's
average and the suggested peer pairings (VRU), and a borough's assessments across plan
years with the scoring form (VRU assessors). Routes parse, call the plan desk (which asks
the policy) and render; forms work without JavaScript."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vrhub.access.principal import Principal
from vrhub.access.roles import Role
from vrhub.partnership.incident_forms import IncidentError as FieldError
from vrhub.partnership.plan_assessment import PlanDesk, check_year
from vrhub.web.csrf import require_csrf
from vrhub.web.deps import signed_in
from vrhub.web.form_text import borough_names, sentence
from vrhub.web.navigation import render_page
from vrhub.web.plan_deps import plan_desk

router = APIRouter(include_in_schema=False)
Who = Annotated[Principal, Depends(signed_in)]
Desk = Annotated[PlanDesk, Depends(plan_desk)]




@router.get("/plans", response_class=HTMLResponse)
def plans_page(request: Request, who: Who, desk: Desk, year: str | None = None
               ) -> HTMLResponse:
    years = desk.years()
    chosen = check_year(year) if year else (years[0] if years else None)
    rubric = desk.rubric()
    rows, mean = desk.heatmap(who, chosen) if chosen else ([], {})
    pairs = desk.pairings(who, chosen) if chosen and who.role is Role.PAN_LONDON_ANALYST \
        else []
    return render_page(request, "pages/plans.html", who, page_title="Borough plans",
                       rubric=rubric, years=years, year=chosen, rows=rows, mean=mean,
                       pairs=pairs, names=borough_names(request.app.state),
                       may_assess=who.role is Role.PAN_LONDON_ANALYST)


@router.get("/plans/{borough}", response_class=HTMLResponse)
def plan_page(request: Request, borough: str, who: Who, desk: Desk,
              values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
              status: int = 200) -> HTMLResponse:
    history = desk.history(who, borough)
    rubric = desk.rubric()
    return render_page(request, "pages/plan.html", who, status_code=status,
                       page_title="Plan assessment", borough=borough.upper(),
                       name=borough_names(request.app.state).get(borough.upper(), borough.upper()),
                       history=history, rubric=rubric, values=values or {},
                       errors=errors or {}, may_assess=who.role is Role.PAN_LONDON_ANALYST)


@router.post("/plans/{borough}", dependencies=[Depends(require_csrf)])
async def assess(request: Request, borough: str, who: Who, desk: Desk) -> Response:
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    scores = {k[len("score-"):]: v for k, v in values.items() if k.startswith("score-")}
    evidence = {k[len("evidence-"):]: v or None for k, v in values.items()
                if k.startswith("evidence-")}
    try:
        desk.assess(who, borough, values.get("year", ""), scores, evidence=evidence,
                    summary=values.get("summary") or None)
    except FieldError as exc:
        return plan_page(request, borough, who, desk, values, {exc.field: sentence(exc)}, 422)
    return RedirectResponse(f"/plans/{borough.upper()}", status_code=303)
