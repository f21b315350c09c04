"""The warehouse as the web app sees it: one open database per process, a cursor per request.

DuckDB allows one writing process per database file, and within a process every connection
to a file must use the same mode; so the web app opens the warehouse once (read-write, for
ISTV uploads) and hands each request its own cursor. Operational rule: while the web app
runs, load data through it (ISTV uploads) or stop it before running `vrhub load`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

from fastapi import Request

from vrhub.storage.warehouse import Warehouse

_LOCK = threading.Lock()


def shared_warehouse(request: Request) -> Warehouse:
    state = request.app.state
    with _LOCK:
        existing = getattr(state, "warehouse", None)
        if existing is None:
            existing = Warehouse(state.workspace.warehouse_path)
            existing.con  # noqa: B018 - open (and set up) once, before requests share it
            state.warehouse = existing
    return existing


def warehouse(request: Request) -> Iterator[Warehouse]:
    """FastAPI dependency: a per-request warehouse cursor, closed afterwards."""
    view = shared_warehouse(request).cursor()
    try:
        yield view
    finally:
        view.close()
