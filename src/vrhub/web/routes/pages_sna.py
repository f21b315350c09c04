"""The Serious Violence Duty needs-assessment pages: the areas a partner may see with their
latest editions, an area's editions with their downloads, what changed since the last
edition and the form that builds a new one; and, without signing in, the latest public
summary of each area. Routes parse, call the edition desk (which asks the policy and writes
the audit events) and render; forms work without JavaScript."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from vrhub.access.principal import Principal
from vrhub.access.roles import Action
from vrhub.partnership.sna_editions import (
    MEDIA_TYPES,
    EditionError,
    EditionView,
    SnaDesk,
    check_version,
    file_name,
)
from vrhub.web.csrf import require_csrf
from vrhub.web.deps import current_principal, signed_in
from vrhub.web.form_text import sentence
from vrhub.web.navigation import render_page
from vrhub.web.sna_deps import sna_desk

router = APIRouter(include_in_schema=False)
Who = Annotated[Principal, Depends(signed_in)]
Anyone = Annotated[Principal, Depends(current_principal)]
Desk = Annotated[SnaDesk, Depends(sna_desk)]
#: the longest recommendations a form takes (characters)
RECOMMENDATIONS_LIMIT = 20_000


@router.get("/sna", response_class=HTMLResponse)
def sna_page(request: Request, who: Who, desk: Desk) -> HTMLResponse:
    return render_page(request, "pages/sna.html", who, page_title="Needs assessments",
                       areas=desk.overview(who))


@router.get("/sna/{area}", response_class=HTMLResponse)
def area_page(request: Request, area: str, who: Who, desk: Desk,
              values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
              status: int = 200) -> HTMLResponse:
    code, name = desk.find_area(area)
    editions = desk.editions(who, code)
    latest, before, changes = (desk.changes(who, code) if any(
        e.edition == "full" for e in editions) else (None, None, []))
    last = next((e for e in editions if e.edition == "full"), None)
    return render_page(request, "pages/sna_area.html", who, status_code=status,
                       page_title=f"Needs assessment: {name}", code=code, name=name,
                       editions=editions, latest=latest, before=before, changes=changes,
                       titles=_titles(latest), values=values or {}, errors=errors or {},
                       last_recommendations=last.recommendations if last else "",
                       may_build=desk.may(who, Action.BUILD_SNA, code),
                       limit=RECOMMENDATIONS_LIMIT)


@router.post("/sna/{area}", dependencies=[Depends(require_csrf)])
async def build(request: Request, area: str, who: Who, desk: Desk) -> Response:
    form = await request.form()
    text = str(form.get("recommendations") or "")
    code, _ = desk.find_area(area)
    try:
        if len(text) > RECOMMENDATIONS_LIMIT:
            raise EditionError("recommendations",
                               f"the recommendations are {len(text):,} characters long",
                               hint=f"keep them under {RECOMMENDATIONS_LIMIT:,} characters")
        # a build takes seconds: off the event loop, so other requests are served meanwhile
        built = await run_in_threadpool(desk.build, who, code, recommendations=text or None)
    except EditionError as exc:
        return area_page(request, code, who, desk, {"recommendations": text},
                         {exc.field: sentence(exc)}, 422)
    return RedirectResponse(f"/sna/{code}?built={built.editions[0].version}",
                            status_code=303)


@router.get("/sna/{area}/editions/{version}.{fmt}")
def download(area: str, version: str, fmt: str, who: Who, desk: Desk,
             edition: str = "full") -> Response:
    content, view = desk.file(who, desk.find_area(area)[0], check_version(version), edition, fmt)
    return _attachment(content, view, fmt)


# -- the public summaries, without signing in ------------------------------------------
@router.get("/public/sna", response_class=HTMLResponse)
def public_list(request: Request, who: Anyone, desk: Desk) -> HTMLResponse:
    return render_page(request, "pages/sna_public.html", who,
                       page_title="Serious violence needs assessments",
                       summaries=desk.public_summaries(), one=None)


@router.get("/public/sna/{area}", response_class=HTMLResponse)
def public_area(request: Request, area: str, who: Anyone, desk: Desk) -> HTMLResponse:
    view = desk.edition(who, desk.find_area(area)[0], None, "public")
    return render_page(request, "pages/sna_public.html", who,
                       page_title=f"Serious violence needs assessment: {view.area_name}",
                       summaries=[], one=view, titles=_titles(view))


@router.get("/public/sna/{area}/latest.{fmt}")
def public_file(area: str, fmt: str, who: Anyone, desk: Desk) -> Response:
    content, view = desk.file(who, desk.find_area(area)[0], None, "public", fmt)
    return _attachment(content, view, fmt)


def _attachment(content: bytes, view: EditionView, fmt: str) -> Response:
    return Response(content, media_type=MEDIA_TYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="{file_name(view, fmt)}"'})


def _titles(view: EditionView | None) -> dict[str, Any]:
    if view is None:
        return {}
    return {k: v.get("title") or k.title() for k, v in view.sections.items()}
