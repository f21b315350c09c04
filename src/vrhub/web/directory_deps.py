"""The opportunities directory as the web app sees it: one per process, on ``app.state``."""

from __future__ import annotations

import threading

from fastapi import Request

from vrhub.pathways.directory import Directory
from vrhub.pathways.postcode_source import postcode_lookup
from vrhub.web.data import open_shared_warehouse

_LOCK = threading.Lock()


def directory(request: Request) -> Directory:
    """FastAPI dependency: the directory service (built on first use)."""
    state = request.app.state
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
