"""The opportunities directory as the web app sees it: one per process, on ``app.state``."""

from __future__ import annotations

import threading
from typing import Any

from fastapi import Request

from vrhub.pathways.directory import Directory
from vrhub.pathways.postcode_source import postcode_lookup
from vrhub.web.data import open_shared_warehouse

_LOCK = threading.Lock()


def directory_of(state: Any) -> Directory:
    """The directory service of an app's ``state`` (built on first use)."""
    found = getattr(state, "directory", None)
    if found is None:
        with _LOCK:
            found = getattr(state, "directory", None)
            if found is None:
                found = Directory(state.access.sessions,
                                  postcode_lookup(lambda: open_shared_warehouse(state)))
                found.ensure_vocabularies()
                state.directory = found
    return found


async def directory(request: Request) -> Directory:
    """FastAPI dependency: the directory service. Asynchronous, so that asking for it
    costs no trip through the thread pool (it is built once, on the first request)."""
    return directory_of(request.app.state)
