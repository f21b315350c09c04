"""Data quality per source: the reports ``vrhub quality`` prints, as JSON.

Open-data sources (police.uk, MPS, reference data) are shown to any signed-in role. The
ED (``istv``) report is per ED site and month: ED data leads see only their own sites,
pan-London analysts and administrators every site, others are refused; every ED quality
request is audited.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from vrhub.access.principal import Principal
from vrhub.access.resources import Resource
from vrhub.access.roles import Action, Role
from vrhub.errors import NotFound
from vrhub.storage.warehouse import Warehouse
from vrhub.web.api_models import ERROR_RESPONSES
from vrhub.web.api_support import refuse_public
from vrhub.web.data import warehouse
from vrhub.web.deps import access, current_principal

router = APIRouter(prefix="/api/v1/quality", tags=["quality"], responses=ERROR_RESPONSES)

Caller = Annotated[Principal, Depends(current_principal)]
Store = Annotated[Warehouse, Depends(warehouse)]


class QualityOut(BaseModel):
    source: str
    description: str
    data: dict[str, Any] = Field(description="The report's measures (as `vrhub quality "
                                 "--source S --json`).")
    sites: list[str] | None = Field(description="ED data: the sites shown (null: all).")


@router.get("/{source}", response_model=QualityOut, summary="Data quality of one source")
def quality(request: Request, source: str, principal: Caller, wh: Store,
            site: Annotated[list[str] | None, Query(
                max_length=50, description="ED sites (ODS codes), ISTV only."
            )] = None) -> QualityOut:
    """Completeness, coverage, geocoding, timeliness and volume measures of ``source``."""
    from vrhub.quality import all_reports

    refuse_public(request, principal, "quality reports")
    reports = all_reports()
    report = reports.get(source)
    if report is None:
        raise NotFound(f"no quality report for source {source!r}",
                       hint="choose one of: " + ", ".join(reports))
    if source != "istv":
        return QualityOut(source=source, description=report.description,
                          data=report.build(wh).data, sites=None)
    wanted = sorted({s.upper() for s in site or []})
    if principal.role in (Role.ED_DATA_LEAD, Role.ICB_ANALYST) and not wanted:
        wanted = sorted(principal.sites)
    access(request).policy.enforce(principal, Action.READ_QUALITY,
                                   Resource.quality("istv", sites=wanted),
                                   detail="ED quality report")
    data = report.build(wh).data
    if wanted:
        data = {"site_months": [r for r in data.get("site_months", [])
                                if r.get("site_code") in wanted],
                "thresholds": data.get("thresholds", {})}
    return QualityOut(source=source, description=report.description, data=data,
                      sites=wanted or None)
