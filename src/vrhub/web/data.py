"""The warehouse as the web app sees it: one open database per process, a cursor per request.

DuckDB lets many processes open a database file read-only, or one process read-write; and
within a process every connection to a file must use the same mode. So the web app opens the
warehouse read-only and hands each request its own cursor, and other processes may read it
at the same time (`vrhub trends`, `vrhub istv receipts`, ...). A write (an ISTV upload)
goes through :func:`writing_warehouse`, which closes the read-only database, opens it
read-write for that write alone and closes it again; readers reopen it read-only. When
other processes read the file too (more workers, `vrhub load` while the web app serves), the
write goes to a copy that is swapped in whole (:mod:`vrhub.storage.warehouse_swap`), and
each process reopens the new file at its next request.
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
from starlette.concurrency import run_in_threadpool

from vrhub.errors import OperationalError
from vrhub.reports.area_directory import AreaDirectory
from vrhub.reports.area_directory import build as build_directory
from vrhub.storage.load_status import LoadTotals, load_totals
from vrhub.storage.warehouse import Warehouse, WarehouseBusy
from vrhub.storage.warehouse_swap import file_identity

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
            memory = state.settings.warehouse_memory_limit
            if not path.exists():
                with Warehouse(path, memory_limit=memory) as created:
                    created.open()
            existing = Warehouse(path, read_only=True, memory_limit=memory)
            existing.open()
            state.warehouse_identity = file_identity(path)
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
        # another worker (or host) reading the file: write to a copy swapped in at the end
        writer = Warehouse(state.workspace.warehouse_path, beside_readers=True,
                           lock_wait_seconds=CLOSE_WAIT_SECONDS,
                           memory_limit=state.settings.warehouse_memory_limit)
        try:
            try:
                writer.open()
            except Exception as exc:
                if "different configuration" in str(exc) or "is writing to the" in str(exc):
                    raise OperationalError(BUSY, hint="send the file again in a moment") \
                        from None
                raise
            area = state.settings.chosen_study_area()
            if area is not None:
                writer.use_study_area(area)
            yield writer
        except BaseException:
            writer.discard()
            raise
        writer.close()


def _release(state: Any, wait_seconds: float = CLOSE_WAIT_SECONDS) -> None:
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
            existing.close(wait_seconds=wait_seconds)
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
    if _swapped(state):  # waits for queries on the old file: off the event loop
        await run_in_threadpool(_follow_swap, state)
    # what this request's answers are cached under: read before its cursor is taken, so
    # that an answer from a file replaced meanwhile is never kept as the new file's
    request.state.data_version = state_data_version(state)
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


def _swapped(state: Any) -> bool:
    """Whether another process swapped a write in since the warehouse was opened here (a
    load while the web app serves: :mod:`vrhub.storage.warehouse_swap`): the warehouse's
    file is then another file. One ``stat`` a request."""
    opened = getattr(state, "warehouse_identity", None)
    if opened is None or getattr(state, "warehouse", None) is None:
        return False
    return file_identity(state.workspace.warehouse_path) not in (opened, None)


def _follow_swap(state: Any) -> None:
    """Close the old file (once the queries running on it end) so that this request and
    the next open the new one; a query that does not end in time leaves it to a later
    request."""
    with _LOCK:
        if not _swapped(state):
            return
        try:
            _release(state)
        except OperationalError:
            return
        state.warehouse_identity = None


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
    """A fingerprint of what the warehouse holds (see :func:`state_data_version`): as it
    was when this request took its warehouse cursor, if it took one."""
    taken: str | None = getattr(request.state, "data_version", None)
    return taken if taken is not None else state_data_version(request.app.state)


def state_data_version(state: Any) -> str:
    """A fingerprint of what the warehouse holds, read from the file system (no query).

    Every committed write changes the database file or its write-ahead log (their size
    or modification time), and a write another process made while the web app reads is
    swapped in as another file (another inode); so a cached answer keyed by this
    fingerprint is never served stale."""
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
        parts.append(f"{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}")
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
