"""A borough's violence indicators for its Joint Strategic Needs Assessment, in the layout
public-health teams use (Fingertips): JSON, CSV or XLSX, disclosure-controlled, so any
partner may download them (the ED figures in it are controlled like every public ED
figure)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from vrhub.access.principal import Principal
from vrhub.access.resources import Resource
from vrhub.access.roles import Action
from vrhub.partnership.jsna_indicators import borough_indicators, to_bytes
from vrhub.storage.warehouse import Warehouse
from vrhub.web.api_models import ERROR_RESPONSES
from vrhub.web.data import warehouse
from vrhub.web.deps import current_principal

router = APIRouter(prefix="/api/v1", tags=["Needs assessment"], responses=ERROR_RESPONSES)
Store = Annotated[Warehouse, Depends(warehouse)]
Who = Annotated[Principal, Depends(current_principal)]
#: the indicators drawn from ED (ISTV) data
ED_PREFIX = "HUB-ED"
MEDIA = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@router.get("/jsna/{borough}", summary="A borough's violence indicators, Fingertips layout")
async def jsna_indicators(request: Request, borough: str, wh: Store, who: Who,
                          format: Annotated[Literal["json", "csv", "xlsx"],
                                            Query(description="json, csv or xlsx")] = "json"
                          ) -> Response:
    policy = request.app.state.access.policy
    policy.enforce(who, Action.READ_AGGREGATES, Resource.aggregates("jsna"))
    code = borough.strip().upper()
    frame = await run_in_threadpool(borough_indicators, wh, code)
    # the ED figures in it are disclosure-controlled for everyone, and shown only to those
    # the policy shows ED figures to (the read is recorded as every read of ED figures is)
    view = policy.ed_figures(who, "api:jsna", boroughs=[code],
                             detail="JSNA indicators, disclosure-controlled")
    if not view.shown:
        frame = frame[~frame["indicator_code"].str.startswith(ED_PREFIX)].reset_index(
            drop=True)
    if format == "json":
        return JSONResponse({"borough": code, "rows": [
            {k: (None if v != v else v) for k, v in row.items()}
            for row in frame.astype(object).where(frame.notna(), None).to_dict("records")]})
    body = to_bytes(frame, format)
    return Response(body, media_type=MEDIA[format], headers={
        "Content-Disposition": f'attachment; filename="violence-indicators-{code}.{format}"'})
