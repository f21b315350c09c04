"""Record-level data: search, one record, exports — each through the policy layer and
written to the audit trail (one event per request)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from vrhub.access.principal import Principal
from vrhub.access.resources import Resource
from vrhub.access.roles import Action
from vrhub.access.scopes import Scope
from vrhub.reports import exports
from vrhub.reports.names import record_filters
from vrhub.storage import records
from vrhub.storage.warehouse import Warehouse
from vrhub.web.api_models import (
    ERROR_RESPONSES,
    ExportFormat,
    RecordDataset,
    RecordOut,
    RecordPage,
)
from vrhub.web.api_support import MONTH
from vrhub.web.data import warehouse
from vrhub.web.deps import access, current_principal
from vrhub.web.response_cache import memory_cached_response

router = APIRouter(prefix="/api/v1", tags=["records"], responses=ERROR_RESPONSES)


async def _filters(
    borough: Annotated[list[str] | None, Query(
        description="Boroughs by GSS code (E09…) or name.")] = None,
    ward: Annotated[list[str] | None, Query(
        description="Wards by code (E05…) or name ('Abbey, Merton').")] = None,
    lsoa: Annotated[list[str] | None, Query(
        description="LSOA 2021 by code (E01…) or name.")] = None,
    site: Annotated[list[str] | None, Query(
        description="ED sites (ISTV) by ODS code or hospital name.")] = None,
    category: Annotated[list[str] | None, Query(
        description="Crime type or ISTV assault method.")] = None,
    month_from: Annotated[str | None, Query(alias="from", pattern=MONTH)] = None,
    month_to: Annotated[str | None, Query(alias="to", pattern=MONTH)] = None,
) -> records.Filters:
    return records.Filters(boroughs=list(borough or []), wards=list(ward or []),
                           lsoas=list(lsoa or []), sites=list(site or []),
                           categories=category or [], month_from=month_from,
                           month_to=month_to)


Filters = Annotated[records.Filters, Depends(_filters)]
Caller = Annotated[Principal, Depends(current_principal)]
Store = Annotated[Warehouse, Depends(warehouse)]


@router.get("/records/{dataset}", response_model=RecordPage,
            summary="Search record-level data inside your scope")
async def search_records(
    request: Request, dataset: RecordDataset, filters: Filters, wh: Store,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    """Records of ``dataset`` you may see: pan-London analysts everything, borough analysts
    their boroughs, ED data leads their site's ISTV records. Asking for a borough or site
    outside your scope is refused (403) and audited."""
    def check() -> tuple[Scope, records.Filters]:
        # who is asking, the names in the filters, and the scope: one trip through the pool
        principal = current_principal(request)
        named = record_filters(wh, dataset, filters) if not principal.is_public else filters
        return access(request).policy.enforce_scope(
            principal, Action.SEARCH_RECORDS, dataset, boroughs=named.boroughs,
            sites=named.sites, detail=f"search {dataset}"), named

    scope, filters = await run_in_threadpool(check)

    def build() -> RecordPage:
        page, total = records.search(wh, dataset, scope, filters, limit=limit, offset=offset)
        following = None
        if offset + limit < total:
            params = [(k, v) for k, v in request.query_params.multi_items()
                      if k not in ("offset", "limit")]
            params += [("limit", str(limit)), ("offset", str(offset + limit))]
            following = f"{request.url.path}?{urlencode(params)}"
        return RecordPage(dataset=dataset, total=total, limit=limit, offset=offset,
                          next=following, scope=scope.to_dict(),
                          period=records.period(wh, dataset, filters),
                          records=page)

    # the policy check and its audit event above happen on every request; the page itself
    # is kept in this process's memory (never in an HTTP cache: no-store) for the next
    # identical search in the same scope, until the warehouse changes
    return await memory_cached_response(request, scope.to_dict(), build)


@router.get("/records/{dataset}/{record_id}", response_model=RecordOut,
            summary="One record, if it lies inside your scope")
def get_record(request: Request, dataset: RecordDataset,
               record_id: str,
               principal: Caller, wh: Store) -> RecordOut:
    borough, site = records.owner(wh, dataset, record_id)
    access(request).policy.enforce(
        principal, Action.READ_RECORDS,
        Resource.records(dataset, boroughs=[borough] if borough else [],
                         sites=[site] if site else []),
        detail=f"read {dataset} record {record_id}")
    return RecordOut(dataset=dataset, record=records.get(wh, dataset, record_id))


@router.get("/exports/{dataset}", summary="Export record-level data inside your scope",
            response_class=Response,
            responses={200: {"description": "The file.", "content": {
                media: {} for media in exports.MEDIA_TYPES.values()}}})
def export_records(request: Request, dataset: RecordDataset, principal: Caller,
                   filters: Filters, wh: Store,
                   format: ExportFormat = "csv") -> Response:
    """The same records as the search, as a file. CSV and XLSX text cells that could run as
    spreadsheet formulas are neutralised."""
    if not principal.is_public:
        filters = record_filters(wh, dataset, filters)
    scope = access(request).policy.enforce_scope(
        principal, Action.EXPORT_RECORDS, dataset, boroughs=filters.boroughs,
        sites=filters.sites, detail=f"export {dataset} as {format}")
    frame = records.export_frame(wh, dataset, scope, filters)
    body = exports.render(frame, format, parameters={
        "dataset": dataset, "scope": scope.to_dict(), "exported_by": principal.email,
        "period": records.period(wh, dataset, filters),
        "filters": {k: v for k, v in vars(filters).items() if v}})
    return Response(body, media_type=exports.MEDIA_TYPES[format], headers={
        "content-disposition": f'attachment; filename="vrhub-{dataset}.{format}"'})
