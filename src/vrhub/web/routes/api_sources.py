"""Data sources and provenance: what the warehouse holds and where each file came from.

Open sources are listed to anyone; ISTV (ED) files and their row counts follow the ED
sites the caller may see (:func:`ed_sites`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from vrhub.access.principal import Principal
from vrhub.access.resources import Resource
from vrhub.access.roles import Action
from vrhub.access.scopes import record_scope
from vrhub.storage.sources import ED_SOURCE, source_files, source_summaries
from vrhub.storage.warehouse import Warehouse
from vrhub.web.api_models import ERROR_RESPONSES, Page
from vrhub.web.data import warehouse
from vrhub.web.deps import access, current_principal

router = APIRouter(prefix="/api/v1/sources", tags=["sources"], responses=ERROR_RESPONSES)

Caller = Annotated[Principal, Depends(current_principal)]
Store = Annotated[Warehouse, Depends(warehouse)]

# ISTV file names can carry an ED's naming habits; the public sees open sources only.
OPEN_SOURCES = ("police", "stop-search", "mps", "boundaries", "imd", "population",
                "lsoa-lookup", "ward-lookup", "ed-sites")


class SourceSummary(BaseModel):
    source: str
    files: int
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    last_loaded_at: str | None


class SourceList(BaseModel):
    sources: list[SourceSummary]


class FilePage(Page):
    source: str
    files: list[dict[str, Any]]


def ed_sites(request: Request, principal: Principal, *, listing: bool) -> set[str] | None:
    """The ED sites whose ISTV files ``principal`` may see listed (None: every site).

    ISTV files are ED-site data: they are listed to whoever may read that site's quality
    reports (pan-London analysts and administrators every site, ED data leads their own);
    asking for the ISTV file list without that is refused, and both are audited. In the
    summary of sources ISTV is left out for everyone else (the public included)."""
    policy = access(request).policy
    if not listing and record_scope(principal, "istv", action=Action.READ_QUALITY).is_empty:
        return set()
    scope = policy.enforce_scope(principal, Action.READ_QUALITY, "istv_files",
                                 detail="ISTV file list" if listing else "sources summary")
    return None if scope.everything else set(scope.sites)


@router.get("", response_model=SourceList, summary="Sources loaded, with row counts")
def sources(request: Request, principal: Caller, wh: Store) -> SourceList:
    access(request).policy.enforce(principal, Action.READ_AGGREGATES,
                                   Resource.aggregates("sources"))
    sites = ed_sites(request, principal, listing=False)
    frame = source_summaries(wh, ed_sites=sites)
    return SourceList(sources=[
        SourceSummary.model_validate({str(k): v for k, v in r.items()})
        for r in frame.to_dict("records")
        if str(r["source"]) in OPEN_SOURCES or not principal.is_public
    ])


@router.get("/{source}/files", response_model=FilePage,
            summary="Provenance of each file of a source")
def files(request: Request, source: str, principal: Caller, wh: Store,
          limit: Annotated[int, Query(ge=1, le=500)] = 100,
          offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> FilePage:
    """Files of an open source for anyone; ISTV files only for those who may see their
    ED site's quality reports (audited), and only their sites' files."""
    access(request).policy.enforce(principal, Action.READ_AGGREGATES,
                                   Resource.aggregates("provenance"))
    sites = ed_sites(request, principal, listing=True) if source == ED_SOURCE else None
    if source not in OPEN_SOURCES and source != ED_SOURCE and principal.is_public:
        return FilePage(source=source, total=0, limit=limit, offset=offset, next=None,
                        files=[])
    total, frame = source_files(wh, source, ed_sites=sites, limit=limit, offset=offset)
    following = (f"{request.url.path}?limit={limit}&offset={offset + limit}"
                 if offset + limit < total else None)
    return FilePage(source=source, total=total, limit=limit, offset=offset, next=following,
                    files=[{str(k): v for k, v in r.items()}
                           for r in frame.to_dict("records")])
