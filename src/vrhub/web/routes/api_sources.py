"""Data sources and provenance: what the warehouse holds and where each file came from."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from vrhub.access.principal import Principal
from vrhub.access.resources import Resource
from vrhub.access.roles import Action
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


def _visible(request: Request, principal: Principal, source: str) -> bool:
    if source in OPEN_SOURCES:
        return True
    return not principal.is_public


@router.get("", response_model=SourceList, summary="Sources loaded, with row counts")
def sources(request: Request, principal: Caller, wh: Store) -> SourceList:
    access(request).policy.enforce(principal, Action.READ_AGGREGATES,
                                   Resource.aggregates("sources"))
    if not wh.has_table("provenance"):
        return SourceList(sources=[])
    frame = wh.query(
        "SELECT source, count(*) AS files, sum(rows_read) AS rows_read, "
        "sum(rows_loaded) AS rows_loaded, sum(rows_quarantined) AS rows_quarantined, "
        "CAST(max(loaded_at) AS VARCHAR) AS last_loaded_at FROM provenance "
        "WHERE status <> 'replaced' GROUP BY source ORDER BY source")
    return SourceList(sources=[
        SourceSummary.model_validate({str(k): v for k, v in r.items()})
        for r in frame.to_dict("records") if _visible(request, principal, str(r["source"]))
    ])


@router.get("/{source}/files", response_model=FilePage,
            summary="Provenance of each file of a source")
def files(request: Request, source: str, principal: Caller, wh: Store,
          limit: Annotated[int, Query(ge=1, le=500)] = 100,
          offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> FilePage:
    access(request).policy.enforce(principal, Action.READ_AGGREGATES,
                                   Resource.aggregates("provenance"))
    if not _visible(request, principal, source) or not wh.has_table("provenance"):
        return FilePage(source=source, total=0, limit=limit, offset=offset, next=None,
                        files=[])
    total = int(wh.scalar("SELECT count(*) FROM provenance WHERE source = ?", [source]))
    frame = wh.query(
        "SELECT file_name, sha256, partition, rows_read, rows_loaded, rows_quarantined, "
        "status, CAST(loaded_at AS VARCHAR) AS loaded_at, vrhub_version FROM provenance "
        "WHERE source = ? ORDER BY loaded_at, file_name LIMIT ? OFFSET ?",
        [source, limit, offset])
    following = (f"{request.url.path}?limit={limit}&offset={offset + limit}"
                 if offset + limit < total else None)
    return FilePage(source=source, total=total, limit=limit, offset=offset, next=following,
                    files=[{str(k): v for k, v in r.items()}
                           for r in frame.to_dict("records")])
