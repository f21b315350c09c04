"""The public view: only published, disclosure-controlled aggregates.

``vrhub publish`` writes pre-computed public outputs into ``<home>/public`` with a
``manifest.json``; this page lists them for download and shows violence against the person
per borough from the published latest-12-months table. It reads nothing else: before
anything is published it says so, and how an operator publishes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse

from vrhub.access.principal import Principal
from vrhub.access.resources import Resource
from vrhub.access.roles import Action
from vrhub.analytics import disclosure
from vrhub.errors import NotFound
from vrhub.web.deps import current_principal
from vrhub.web.navigation import render_page
from vrhub.web.pages_support import (
    DEFAULT_CATEGORY,
    published_manifest,
    published_rows,
)

router = APIRouter(include_in_schema=False)

FORMATS = {"csv": "CSV", "json": "JSON"}


def manifest_items(manifest: dict[str, Any], folder: Path) -> list[dict[str, Any]]:
    """One entry per published file listed in the manifest and present in ``folder``."""
    items = []
    for name, entry in (manifest.get("outputs") or {}).items():
        if not isinstance(entry, dict):
            continue
        for kind, file in (entry.get("files") or {}).items():
            rel = str(file)
            target = (folder / rel).resolve()
            if "/" in rel or folder.resolve() not in target.parents or not target.is_file():
                continue
            items.append({"path": rel, "title": entry.get("title") or name,
                          "format": FORMATS.get(str(kind), str(kind).upper()),
                          "description": entry.get("description") or "",
                          "size": target.stat().st_size})
    return items


def published_summary(request: Request) -> tuple[list[dict[str, Any]], str | None]:
    """Violence against the person per borough over the published latest 12 months."""
    rows = [r for r in published_rows(request, "mps-borough-year") or []
            if r.get("category") == DEFAULT_CATEGORY]
    if not rows:
        return [], None
    out = sorted(({"borough": r["area_name"], "offences": r["count"]} for r in rows),
                 key=lambda r: str(r["borough"]))
    return out, f"{rows[0]['period_from']} to {rows[0]['period_to']}"


@router.get("/public", response_class=HTMLResponse)
def public_page(request: Request, principal: Annotated[Principal, Depends(current_principal)],
                ) -> HTMLResponse:
    request.app.state.access.policy.enforce(principal, Action.READ_AGGREGATES,
                                            Resource.aggregates("public"))
    folder = Path(request.app.state.workspace.public)
    manifest = published_manifest(request)
    items = manifest_items(manifest, folder) if manifest else []
    rows, period = published_summary(request) if manifest else ([], None)
    return render_page(request, "pages/public.html", principal, page_title="Public data",
                       manifest=manifest, items=items, rows=rows, period=period,
                       rule=disclosure.RULE)


@router.get("/public/files/{path:path}")
def public_file(request: Request, path: str) -> FileResponse:
    folder = Path(request.app.state.workspace.public)
    manifest = published_manifest(request)
    allowed = {i["path"] for i in manifest_items(manifest, folder)} if manifest else set()
    if path not in allowed:
        raise NotFound(f"there is no published file {path!r}",
                       hint="see the list of published files at /public")
    return FileResponse(folder / path, filename=Path(path).name,
                        headers={"cache-control": "public, max-age=3600"})
