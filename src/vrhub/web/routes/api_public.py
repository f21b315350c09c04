"""Public outputs: the only figures the public API serves.

``vrhub publish`` builds them in advance (disclosure-controlled and scanned); these
endpoints serve the manifest and the published files as they are, and nothing else: no
query reaches a record-level table. Anyone may read them; responses may be cached by
shared caches for an hour and carry an ``ETag`` of the file's bytes.

Each file is read (and compressed, for clients that accept gzip) once per version on
disk and then served from memory: publishing again replaces the files, which changes their
size or modification time, and the next request reads the new version.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from vrhub.errors import NotFound
from vrhub.reports.publish import MANIFEST
from vrhub.web.api_models import ERROR_RESPONSES
from vrhub.web.response_cache import JSON, Cached, not_modified

router = APIRouter(prefix="/api/v1/public", tags=["public"], responses=ERROR_RESPONSES)

PUBLIC_CACHE = "public, max-age=3600"
NAME = re.compile(r"^[a-z0-9][a-z0-9-]*\.(csv|json)$")
MEDIA = {".csv": "text/csv; charset=utf-8", ".json": "application/json"}
NOT_PUBLISHED = "nothing has been published yet"


def _folder(request: Request) -> Path:
    folder: Path = request.app.state.workspace.public
    return folder


@dataclass(frozen=True)
class Published:
    """One published file as served, with the size and modification time it was read at."""

    version: tuple[int, int]
    served: Cached


_FILES: dict[Path, Published] = {}
_LOCK = threading.Lock()


def published(path: Path) -> Published | None:
    """``path`` as served, read again only when its size or modification time changes."""
    try:
        stat = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    version = (stat.st_size, stat.st_mtime_ns)
    with _LOCK:
        known = _FILES.get(path)
    if known is not None and known.version == version:
        return known
    body = path.read_bytes()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    entry = Published(version, Cached.of_bytes(etag, body, MEDIA.get(path.suffix, JSON)))
    with _LOCK:
        _FILES[path] = entry
    return entry


def _manifest(request: Request) -> tuple[Published, dict[str, Any]]:
    entry = published(_folder(request) / MANIFEST)
    if entry is None:
        raise NotFound(NOT_PUBLISHED, hint="an operator publishes with `vrhub publish`")
    data: dict[str, Any] = json.loads(entry.served.body)
    return entry, data


def _published_files(manifest: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for entry in (manifest.get("outputs") or {}).values():
        names.update(str(f) for f in (entry.get("files") or {}).values())
    return names


def _serve(request: Request, entry: Published) -> Response:
    """The file, gzip-compressed when the client accepts it; 304 when it has it already."""
    served = entry.served
    unchanged = not_modified(request, served.etag, PUBLIC_CACHE)
    if unchanged is not None:
        return unchanged
    return served.response(request, {"etag": served.etag, "cache-control": PUBLIC_CACHE})


@router.get("", summary="What is published: the manifest",
            responses={200: {"description": "The manifest of the public outputs.",
                             "content": {"application/json": {}}}})
def manifest(request: Request) -> Response:
    """What each public output is, when it was made, its parameters, the disclosure rule
    applied and the provenance of the data behind it."""
    entry, _ = _manifest(request)
    return _serve(request, entry)


@router.get("/{name}", summary="One published output file (CSV or JSON)",
            responses={200: {"description": "The file as published.",
                             "content": {m: {} for m in MEDIA.values()}}})
def output_file(request: Request, name: str) -> Response:
    """A file listed in the manifest, e.g. ``police-ward-month.csv``; 404 otherwise."""
    _, data = _manifest(request)
    missing = NotFound(f"no published output called {name!r}",
                       hint="the manifest at /api/v1/public lists the files")
    if not NAME.match(name) or name not in _published_files(data):
        raise missing
    path = _folder(request) / name
    entry = published(path)
    if entry is None:
        raise missing
    return _serve(request, entry)
