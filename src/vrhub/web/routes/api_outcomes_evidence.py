"""The evidence library in the API (``/api/v1/outcomes/evidence``): search by free text and
filter by tag, method, programme and YEF Toolkit strand. An unknown filter value answers
422 with the values it is closest to."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from vrhub.access.principal import Principal
from vrhub.outcomes.context import Outcomes
from vrhub.outcomes.evidence_search import MAX_TEXT, search
from vrhub.web.api_models import ERROR_RESPONSES
from vrhub.web.deps import current_principal
from vrhub.web.outcomes_deps import outcomes

router = APIRouter(prefix="/api/v1/outcomes", tags=["Outcomes"], responses=ERROR_RESPONSES)

Caller = Annotated[Principal, Depends(current_principal)]
Service = Annotated[Outcomes, Depends(outcomes)]


def _tag(description: str) -> Any:
    return Query(max_length=100, description=description)


class EvidenceResults(BaseModel):
    search: str = Field(description="The free text searched for.")
    filters: dict[str, str] = Field(description="The filters applied, each value spelled as "
                                    "the library spells it.")
    found: int = Field(description="How many items match.")
    library_size: int = Field(description="How many items the library holds.")
    items: list[dict[str, Any]] = Field(description="The matching items, newest first: code, "
                                        "title, url, file_name, published_on, method, "
                                        "findings, priority_areas, target_groups, timing, "
                                        "intervention_types, yef_strand, programmes.")


@router.get("/evidence", response_model=EvidenceResults,
            summary="Search the evidence library of evaluations and studies")
def evidence(
    principal: Caller, service: Service,
    search_text: Annotated[str, Query(alias="search", max_length=MAX_TEXT, description=(
        "Words that must all appear in the title or the findings (any case)."))] = "",
    priority_area: Annotated[str | None, _tag("Priority area code, e.g. FAM.")] = None,
    target_group: Annotated[str | None, _tag("Target group, e.g. 'young people'.")] = None,
    timing: Annotated[str | None, _tag("primary, secondary or tertiary prevention.")] = None,
    intervention_type: Annotated[str | None, _tag("Intervention type, e.g. "
                                                  "mentoring.")] = None,
    method: Annotated[str | None, _tag("Method, e.g. quasi-experimental.")] = None,
    programme: Annotated[str | None, _tag("Code of a programme the evidence "
                                          "evaluates.")] = None,
    yef_strand: Annotated[str | None, _tag("YEF Toolkit strand code.")] = None,
) -> dict[str, Any]:
    found = search(service, principal, search_text, priority_area=priority_area,
                   target_group=target_group, timing=timing,
                   intervention_type=intervention_type, method=method, programme=programme,
                   yef_strand=yef_strand)
    return found.to_dict()
