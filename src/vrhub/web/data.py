"""The warehouse as the web app sees it: one open database per process, a cursor per request.

DuckDB allows one writing process per database file, and within a process every connection
to a file must use the same mode; so the web app opens the warehouse once (read-write, for
ISTV uploads) and hands each request its own cursor. Operational rule: while the web app
runs, load data through it (ISTV uploads) or stop it before running `vrhub load`.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar

from fastapi import Request

from vrhub.reports.area_directory import AreaDirectory
from vrhub.reports.area_directory import build as build_directory
from vrhub.storage.load_status import LoadTotals, load_totals
from vrhub.storage.warehouse import Warehouse

T = TypeVar("T")

_LOCK = threading.Lock()


def shared_warehouse(request: Request) -> Warehouse:
    return open_shared_warehouse(request.app.state)


def open_shared_warehouse(state: Any) -> Warehouse:
    """The app's one open warehouse (opened on first use)."""
    with _LOCK:
        existing = getattr(state, "warehouse", None)
        if existing is None:
            existing = Warehouse(state.workspace.warehouse_path)
            existing.con  # noqa: B018 - open (and set up) once, before requests share it
            area = state.settings.chosen_study_area()
            if area is not None:
                existing.use_study_area(area)
            state.warehouse = existing
    return existing


async def warehouse(request: Request) -> AsyncIterator[Warehouse]:
    """FastAPI dependency: a warehouse cursor for this request.

    Cursors are kept between requests (making one costs measurably more under load than
    reusing one): a request takes an idle cursor or makes one, and gives it back when it
    ends without an error; after an error the cursor is closed, so that nothing a failed
    request left half-done is seen by the next. Asynchronous because taking a cursor never
    waits: so it costs no trip through the thread pool. The first call opens the database
    (reading its file) once per process."""
    pool = _cursors(request)
    try:
        view = pool.get_nowait()
    except queue.Empty:
        view = shared_warehouse(request).cursor()
    try:
        yield view
    except BaseException:
        view.close()
        raise
    pool.put(view)


def _cursors(request: Request) -> queue.SimpleQueue[Warehouse]:
    state = request.app.state
    pool: queue.SimpleQueue[Warehouse] | None = getattr(state, "warehouse_cursors", None)
    if pool is None:
        with _LOCK:
            pool = getattr(state, "warehouse_cursors", None)
            if pool is None:
                pool = state.warehouse_cursors = queue.SimpleQueue()
    return pool


def data_version(request: Request) -> str:
    """A fingerprint of what the warehouse holds, read from the file system (no query).

    Every committed write changes the database file or its write-ahead log (their size
    or modification time), and while the web app runs no other process can write to the
    warehouse; so a cached answer keyed by this fingerprint is never served stale."""
    state = request.app.state
    files: tuple[str, str] | None = getattr(state, "warehouse_files", None)
    if files is None:
        path: Path = state.workspace.warehouse_path
        files = state.warehouse_files = (str(path), str(path) + ".wal")
    parts = []
    for file in files:
        try:
            stat = os.stat(file)
        except FileNotFoundError:
            parts.append("-")
            continue
        parts.append(f"{stat.st_size}:{stat.st_mtime_ns}")
    return "|".join(parts)


def warehouse_load_totals(state: Any) -> list[LoadTotals]:
    """What the warehouse's load records hold, for the metrics (nothing when the
    warehouse cannot be opened just now: a scrape never fails for it)."""
    try:
        view = open_shared_warehouse(state).cursor()
    except Exception:
        return []
    try:
        return load_totals(view)
    except Exception:
        return []
    finally:
        view.close()


def remembered(request: Request, key: str, compute: Callable[[], T]) -> T:
    """``compute()`` kept in this process's memory until the warehouse changes (for small
    derived objects several pages share, such as the area directory)."""
    state = request.app.state
    version = data_version(request)
    store: dict[str, tuple[str, Any]] | None = getattr(state, "remembered", None)
    if store is None:
        store = state.remembered = {}
    known = store.get(key)
    if known is not None and known[0] == version:
        value: T = known[1]
        return value
    value = compute()
    store[key] = (version, value)
    return value


def area_directory(request: Request) -> AreaDirectory:
    """The directory of areas, ED sites and ICBs of the warehouse (see
    :mod:`vrhub.reports.area_directory`), built once per warehouse version."""
    path: Path = request.app.state.workspace.warehouse_path
    if not path.exists() and getattr(request.app.state, "warehouse", None) is None:
        return AreaDirectory()

    def compute() -> AreaDirectory:
        view = shared_warehouse(request).cursor()
        try:
            return build_directory(view)
        finally:
            view.close()

    return remembered(request, "area-directory", compute)
