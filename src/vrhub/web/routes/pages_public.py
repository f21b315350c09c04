"""The public view: only disclosure-controlled aggregates.

``vrhub publish`` writes pre-computed public outputs into ``<home>/public`` with a
``manifest.json``; this page lists them for download. Before anything is published it says
so clearly and shows only a borough summary put through
:mod:`vrhub.analytics.disclosure` on the fly.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse

from vrhub.access.principal import Principal
from vrhub.access.resources import Resource
from vrhub.access.roles import Action
from vrhub.analytics import disclosure
from vrhub.errors import NotFound, UserError
from vrhub.web.deps import current_principal
from vrhub.web.navigation import render_page
from vrhub.web.routes.home import month_minus
from vrhub.web.routes.pages_support import cached_json, months_available, open_warehouse

router = APIRouter(include_in_schema=False)

MANIFEST = "manifest.json"


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The published manifest, or None when nothing is published (or it is unreadable)."""
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def manifest_items(manifest: dict[str, Any], folder: Path) -> list[dict[str, Any]]:
    """Files listed in the manifest that exist inside the public folder."""
    raw = manifest.get("outputs") or manifest.get("files") or []
    if isinstance(raw, dict):
        raw = [{"path": k, **(v if isinstance(v, dict) else {})} for k, v in raw.items()]
    items = []
    for entry in raw if isinstance(raw, list) else []:
        if isinstance(entry, str):
            entry = {"path": entry}
        if not isinstance(entry, dict):
            continue
        rel = str(entry.get("path") or entry.get("file") or "")
        target = (folder / rel).resolve()
        if not rel or folder.resolve() not in target.parents or not target.is_file():
            continue
        items.append({"path": rel, "title": entry.get("title") or entry.get("name") or rel,
                      "description": entry.get("description") or "",
                      "size": target.stat().st_size})
    return items


def live_summary(request: Request) -> tuple[list[dict[str, Any]], str | None]:
    """Violence against the person per borough over the last 12 months, disclosed."""
    with open_warehouse(request) as wh:
        if wh is None or not wh.has_table("mps_crime_count"):
            return [], None
        last = months_available(wh)[1]
        if last is None:
            return [], None

        def compute() -> list[dict[str, Any]]:
            frame = wh.query(
                "SELECT area_name AS borough, sum(count) AS offences FROM mps_crime_count "
                "WHERE level = 'borough' AND major_category = 'VIOLENCE AGAINST THE PERSON' "
                "AND month BETWEEN ? AND ? GROUP BY 1 ORDER BY 1",
                [month_minus(last, 11), last])
            frame["offences"] = frame["offences"].astype("int64")
            out = disclosure.apply(pd.DataFrame(frame), ["offences"])
            return [{"borough": b, "offences": None if pd.isna(o) else int(o)}
                    for b, o in out.itertuples(index=False)]

        try:
            rows = cached_json(request, "public-summary", {"last": last}, compute)
        except UserError:
            return [], None
    return rows, f"{month_minus(last, 11)} to {last}"


@router.get("/public", response_class=HTMLResponse)
def public_page(request: Request, principal: Annotated[Principal, Depends(current_principal)],
                ) -> HTMLResponse:
    request.app.state.access.policy.enforce(principal, Action.READ_AGGREGATES,
                                            Resource.aggregates("public"))
    folder = Path(request.app.state.workspace.public)
    manifest = read_manifest(folder)
    items = manifest_items(manifest, folder) if manifest else []
    rows, period = live_summary(request)
    return render_page(request, "pages/public.html", principal, page_title="Public data",
                       manifest=manifest, items=items, rows=rows, period=period,
                       rule=disclosure.RULE)


@router.get("/public/files/{path:path}")
def public_file(request: Request, path: str) -> FileResponse:
    folder = Path(request.app.state.workspace.public)
    manifest = read_manifest(folder)
    allowed = {i["path"] for i in manifest_items(manifest, folder)} if manifest else set()
    if path not in allowed:
        raise NotFound(f"there is no published file {path!r}",
                       hint="see the list of published files at /public")
    return FileResponse(folder / path, filename=Path(path).name,
                        headers={"cache-control": "public, max-age=3600"})
