"""The warehouse as the web app sees it: one open database per process, a cursor per request.

DuckDB lets many processes open a database file read-only, or one process read-write; and
within a process every connection to a file must use the same mode. So the web app opens the
warehouse read-only and hands each request its own cursor, and other processes may read it
at the same time (`vrhub trends`, `vrhub istv receipts`, ...). A write (an ISTV upload)
goes through :func:`writing_warehouse`, which closes the read-only database, opens it
read-write for that write alone and closes it again; readers reopen it read-only. While the
web app is running, `vrhub load` is refused with a one-line "in use" message.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from fastapi import Request

from vrhub.errors import OperationalError
from vrhub.reports.area_directory import AreaDirectory
from vrhub.reports.area_directory import build as build_directory
from vrhub.storage.load_status import LoadTotals, load_totals
from vrhub.storage.warehouse import Warehouse, WarehouseBusy

T = TypeVar("T")

_LOCK = threading.Lock()
_WRITING = threading.Lock()
#: how long a write waits for queries still running on the read-only warehouse to end
CLOSE_WAIT_SECONDS = 15.0
BUSY = ("the warehouse is being read by a request that has not finished, so it cannot be "
        "opened for writing just now")


def shared_warehouse(request: Request) -> Warehouse:
    return open_shared_warehouse(request.app.state)


def open_shared_warehouse(state: Any) -> Warehouse:
    """The app's one open warehouse, read-only (opened on first use; a new workspace's
    warehouse is created first)."""
    with _LOCK:
        existing = getattr(state, "warehouse", None)
        if existing is None:
            path: Path = state.workspace.warehouse_path
            if not path.exists():
                with Warehouse(path) as created:
                    created.open()
            existing = Warehouse(path, read_only=True)
            existing.open()
            area = state.settings.chosen_study_area()
            if area is not None:
                existing.use_study_area(area)
            state.warehouse = existing
    return existing


@contextmanager
def writing_warehouse(state: Any) -> Iterator[Warehouse]:
    """The warehouse opened read-write for one write. The read-only database and its idle
    cursors are closed first, and requests wait until the write is done; another process
    reading the warehouse makes this an "in use" error (503), which passes."""

    with _WRITING, _LOCK:
        _release(state)
        writer = Warehouse(state.workspace.warehouse_path)
        try:
            try:
                writer.open()
            except Exception as exc:
                if "different configuration" in str(exc):
                    raise OperationalError(BUSY, hint="send the file again in a moment") \
                        from None
                raise
            area = state.settings.chosen_study_area()
            if area is not None:
                writer.use_study_area(area)
            yield writer
        finally:
            writer.close()


def _release(state: Any) -> None:
    """Close the shared read-only database and every idle cursor on it; cursors still in
    use are closed when their request ends (their generation is past)."""
    state.warehouse_generation = getattr(state, "warehouse_generation", 0) + 1
    pool: queue.SimpleQueue[Warehouse] | None = getattr(state, "warehouse_cursors", None)
    while pool is not None:
        try:
            pool.get_nowait().close()
        except queue.Empty:
            break
    existing = getattr(state, "warehouse", None)
    if existing is not None:
        # a request may be in the middle of a query on it: wait for that query to end
        # (new requests wait on the lock meanwhile); if it does not, the write is refused
        # as "busy" (503) and the file can be sent again
        try:
            existing.close(wait_seconds=CLOSE_WAIT_SECONDS)
        except WarehouseBusy:
            raise OperationalError(BUSY, hint="send the file again in a moment") from None
        state.warehouse = None


async def warehouse(request: Request) -> AsyncIterator[Warehouse]:
    """FastAPI dependency: a warehouse cursor for this request.

    Cursors are kept between requests (making one costs measurably more under load than
    reusing one): a request takes an idle cursor or makes one, and gives it back when it
    ends without an error; after an error the cursor is closed, so that nothing a failed
    request left half-done is seen by the next. Asynchronous because taking a cursor never
    waits: so it costs no trip through the thread pool. The first call opens the database
    (reading its file) once per process."""
    pool = _cursors(request)
    state = request.app.state
    generation = getattr(state, "warehouse_generation", 0)
    try:
        view = pool.get_nowait()
    except queue.Empty:
        view = shared_warehouse(request).cursor()
    try:
        yield view
    except BaseException:
        view.close()
        raise
    if getattr(state, "warehouse_generation", 0) == generation:
        pool.put(view)
    else:  # the database it reads was closed for a write meanwhile
        view.close()


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
    """A fingerprint of what the warehouse holds (see :func:`state_data_version`)."""
    return state_data_version(request.app.state)


def state_data_version(state: Any) -> str:
    """A fingerprint of what the warehouse holds, read from the file system (no query).

    Every committed write changes the database file or its write-ahead log (their size
    or modification time), and while the web app runs no other process can write to the
    warehouse; so a cached answer keyed by this fingerprint is never served stale."""
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
    return remembered_in(request.app.state, key, compute)


def remembered_in(state: Any, key: str, compute: Callable[[], T]) -> T:
    """:func:`remembered` for the app's ``state``."""
    version = state_data_version(state)
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
    return area_directory_of(request.app.state)


def area_directory_of(state: Any) -> AreaDirectory:
    """:func:`area_directory` for the app's ``state``."""
    path: Path = state.workspace.warehouse_path
    if not path.exists() and getattr(state, "warehouse", None) is None:
        return AreaDirectory()

    def compute() -> AreaDirectory:
        view = open_shared_warehouse(state).cursor()
        try:
            return build_directory(view)
        finally:
            view.close()

    return remembered_in(state, "area-directory", compute)


def icb_members(state: Any) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Each ICB's boroughs and ED sites as the warehouse holds them (for ICB analysts'
    principals, :mod:`vrhub.access.icb_scope`)."""
    return {code: (icb.boroughs, icb.sites)
            for code, icb in area_directory_of(state).icbs.items()}
