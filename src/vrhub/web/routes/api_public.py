"""Public outputs: the only figures the public API serves.

``vrhub publish`` builds them in advance (disclosure-controlled and scanned); these
endpoints serve the manifest and the published files as they are, and nothing else: no
query reaches a record-level table. Anyone may read them; responses may be cached by
shared caches for an hour and carry an ``ETag`` of the file's bytes.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from vrhub.errors import NotFound
from vrhub.reports.publish import MANIFEST, read_manifest
from vrhub.web.api_models import ERROR_RESPONSES
from vrhub.web.routes.api_aggregates import not_modified

router = APIRouter(prefix="/api/v1/public", tags=["public"], responses=ERROR_RESPONSES)

PUBLIC_CACHE = "public, max-age=3600"
NAME = re.compile(r"^[a-z0-9][a-z0-9-]*\.(csv|json)$")
MEDIA = {".csv": "text/csv; charset=utf-8", ".json": "application/json"}
NOT_PUBLISHED = "nothing has been published yet"


def _folder(request: Request) -> Path:
    folder: Path = request.app.state.workspace.public
    return folder


def _etag(path: Path) -> str:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:32]
    return f'"{digest}"'


def _published_files(manifest: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for entry in (manifest.get("outputs") or {}).values():
        names.update(str(f) for f in (entry.get("files") or {}).values())
    return names


@router.get("", summary="What is published: the manifest",
            responses={200: {"description": "The manifest of the public outputs.",
                             "content": {"application/json": {}}}})
def manifest(request: Request) -> Response:
    """What each public output is, when it was made, its parameters, the disclosure rule
    applied and the provenance of the data behind it."""
    folder = _folder(request)
    data = read_manifest(folder)
    if data is None:
        raise NotFound(NOT_PUBLISHED, hint="an operator publishes with `vrhub publish`")
    etag = _etag(folder / MANIFEST)
    cached = not_modified(request, etag, PUBLIC_CACHE)
    if cached is not None:
        return cached
    return JSONResponse(data, headers={"etag": etag, "cache-control": PUBLIC_CACHE})


@router.get("/{name}", summary="One published output file (CSV or JSON)",
            responses={200: {"description": "The file as published.",
                             "content": {m: {} for m in MEDIA.values()}}})
def output_file(request: Request, name: str) -> Response:
    """A file listed in the manifest, e.g. ``police-ward-month.csv``; 404 otherwise."""
    folder = _folder(request)
    data = read_manifest(folder)
    if data is None:
        raise NotFound(NOT_PUBLISHED, hint="an operator publishes with `vrhub publish`")
    if not NAME.match(name) or name not in _published_files(data):
        raise NotFound(f"no published output called {name!r}",
                       hint="the manifest at /api/v1/public lists the files")
    path = folder / name
    if not path.is_file():
        raise NotFound(f"no published output called {name!r}",
                       hint="the manifest at /api/v1/public lists the files")
    etag = _etag(path)
    cached = not_modified(request, etag, PUBLIC_CACHE)
    if cached is not None:
        return cached
    return FileResponse(path, media_type=MEDIA[path.suffix],
                        headers={"etag": etag, "cache-control": PUBLIC_CACHE})
