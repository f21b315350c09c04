"""Referral figures in the API: de-identified, disclosure-controlled aggregates only."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from vrhub.access.principal import Principal
from vrhub.access.resources import Resource
from vrhub.access.roles import Action
from vrhub.pathways import referral_figures
from vrhub.standards.months import Month
from vrhub.web.api_models import ERROR_RESPONSES
from vrhub.web.deps import current_principal

router = APIRouter(prefix="/api/v1", tags=["Referrals"], responses=ERROR_RESPONSES)


def period(start: str | None, end: str | None) -> tuple[Month, Month]:
    """The months asked for: the latest 12 (to this month) when not given."""
    today = dt.date.today()
    last = Month.parse(end) if end else Month(today.year, today.month)
    first = Month.parse(start) if start else last + (-11)
    return first, last


@router.get("/referral-figures",
            summary="Referral volumes, time to first contact, engagement and outcomes")
def figures(request: Request, principal: Annotated[Principal, Depends(current_principal)],
            start: Annotated[str | None, Query(alias="from", description="YYYY-MM")] = None,
            end: Annotated[str | None, Query(alias="to", description="YYYY-MM")] = None,
            by_borough: bool = False
            ) -> dict[str, Any]:
    request.app.state.access.policy.enforce(principal, Action.READ_REFERRAL_FIGURES,
                                            Resource.aggregates("referral_figures"))
    first, last = period(start, end)
    result = referral_figures.figures(request.app.state.access.sessions, first.first_day,
                                      (last + 1).first_day, by_borough=by_borough)
    return result.to_dict()
