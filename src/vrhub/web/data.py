"""The warehouse as the web app sees it: one open database per process, a cursor per request.

DuckDB allows one writing process per database file, and within a process every connection
to a file must use the same mode; so the web app opens the warehouse once (read-write, for
ISTV uploads) and hands each request its own cursor. Operational rule: while the web app
runs, load data through it (ISTV uploads) or stop it before running `vrhub load`.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from pathlib import Path

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


async def warehouse(request: Request) -> AsyncIterator[Warehouse]:
    """FastAPI dependency: a per-request warehouse cursor, closed afterwards.

    Asynchronous because making and closing a cursor is quick and never waits (the
    database is opened once, up front): so it costs no trip through the thread pool. The
    first call opens the database, which may read its file, once per process."""
    view = shared_warehouse(request).cursor()
    try:
        yield view
    finally:
        view.close()


def data_version(request: Request) -> str:
    """A fingerprint of what the warehouse holds, read from the file system (no query).

    Every committed write changes the database file or its write-ahead log (their size
    or modification time), and while the web app runs no other process can write to the
    warehouse; so a cached answer keyed by this fingerprint is never served stale."""
    path: Path = request.app.state.workspace.warehouse_path
    parts = []
    for file in (path, path.with_name(path.name + ".wal")):
        try:
            stat = file.stat()
        except FileNotFoundError:
            parts.append("-")
            continue
        parts.append(f"{stat.st_size}:{stat.st_mtime_ns}")
    return "|".join(parts)
