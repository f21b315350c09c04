"""Serious Violence Duty needs assessments in the API: the areas and their latest editions,
an area's editions, building a new edition, and each edition's files (HTML report, PDF,
XLSX data annex) and figures.

Each route parses, calls the edition desk (which asks the policy and writes the audit
events) and answers. A full edition is restricted: its reads, the builds and every refusal
are audited. The latest public summary of each area needs no credentials.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from vrhub.access.principal import Principal
from vrhub.partnership.sna_editions import (
    EDITIONS,
    MEDIA_TYPES,
    AreaEditions,
    SnaDesk,
    check_version,
    file_name,
)
from vrhub.web.api_models import ERROR_RESPONSES
from vrhub.web.csrf import require_csrf
from vrhub.web.deps import current_principal
from vrhub.web.sna_deps import sna_desk

router = APIRouter(prefix="/api/v1", tags=["Needs assessments"], responses=ERROR_RESPONSES)
Who = Annotated[Principal, Depends(current_principal)]
Desk = Annotated[SnaDesk, Depends(sna_desk)]
FILE_RESPONSES: dict[int | str, dict[str, object]] = {200: {
    "description": "The file (an attachment), or with .json the edition and its changes",
    "content": {**{media.split(";")[0]: {} for media in MEDIA_TYPES.values()},
                "application/json": {}}}}


class BuildIn(BaseModel):
    recommendations: str | None = Field(
        default=None, max_length=20_000,
        description="The partnership's recommendations (plain text, no personal details); "
        "left out, the last edition's are kept")
    edition: Literal["both", "full", "public"] = Field(
        default="both", description="Which editions to build: the full (restricted) "
        "edition, the public summary, or both")
    end: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}$",
                            description="The last month the assessment covers (YYYY-MM); "
                            "left out, the latest month with data", examples=["2024-12"])


@router.get("/sna", summary="Areas with the needs assessments you may see")
def areas(who: Who, desk: Desk) -> JSONResponse:
    return JSONResponse({"areas": [_area(a) for a in desk.overview(who)]})


@router.get("/sna/{area}/editions", summary="An area's editions, newest first (audited)")
def editions(area: str, who: Who, desk: Desk) -> JSONResponse:
    code, name = desk.find_area(area)
    return JSONResponse({"area_code": code, "area_name": name, "editions": [
        e.to_dict(figures=False) for e in desk.editions(who, code)]})


@router.post("/sna/{area}/editions", status_code=201, dependencies=[Depends(require_csrf)],
             summary="Build a new edition of an area's needs assessment (audited)")
def build(area: str, body: BuildIn, who: Who, desk: Desk) -> JSONResponse:
    code, _ = desk.find_area(area)
    kinds = EDITIONS if body.edition == "both" else (body.edition,)
    built = desk.build(who, code, recommendations=body.recommendations, editions=kinds,
                       end=body.end)
    return JSONResponse({"editions": [e.to_dict(figures=False) for e in built.editions],
                         "changes": built.changes}, status_code=201)


@router.get("/sna/{area}/editions/{version}.{fmt}", responses=FILE_RESPONSES,
            summary="One edition's file (html, pdf, xlsx) or figures and changes (json); "
            "?edition=public for the public summary")
def edition_file(area: str, version: str, fmt: str, who: Who, desk: Desk,
                 edition: Literal["full", "public"] = "full") -> Response:
    code, _ = desk.find_area(area)
    number = check_version(version)
    if fmt == "json":
        view, before, changes = desk.changes(who, code, number, edition)
        return JSONResponse({**view.to_dict(), "previous_version": before.version
                             if before else None, "changes": changes})
    content, view = desk.file(who, code, number, edition, fmt)
    return Response(content, media_type=MEDIA_TYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="{file_name(view, fmt)}"'})


def _area(a: AreaEditions) -> dict[str, object]:
    return {"area_code": a.code, "area_name": a.name, "may_read": a.may_read,
            "may_build": a.may_build,
            "full": a.full.to_dict(figures=False) if a.full else None,
            "public": a.public.to_dict(figures=False) if a.public else None}
