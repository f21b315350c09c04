"""Writing to the warehouse while other processes read it: a copy, written, then swapped in.

DuckDB lets one process open a database file read-write only when no other process has it
open; the web app keeps the warehouse open read-only while it serves (each worker
process). So that a load lands while the web app serves, a write that finds the file held
by readers is made to a copy:

1. every writer holds the warehouse's write lock (an ``flock`` on ``warehouse.duckdb.lock``
   beside it) for as long as it is open read-write, so when the file is still "in use"
   the holders can only be readers;
2. the writer copies ``warehouse.duckdb`` to ``warehouse.duckdb.next`` and writes there;
   new Parquet parts go to the shared parts folder under new names, as always, so the
   readers' files are never touched;
3. when the write is done the copy is checkpointed and renamed over ``warehouse.duckdb``
   (one atomic rename); readers that still have the old file open keep reading it until
   they reopen, and the web app reopens at its next request (its files' identity changed);
4. a failed write leaves the live file as it was: the copy is deleted.

Parts the write replaced are not deleted at once (a reader of the old file may still read
them): the parts folder notes when they were unlisted, and a later write sweeps them once
:data:`vrhub.storage.parts.RETIRED_KEEP_SECONDS` have passed.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from vrhub.errors import OperationalError

_LOCKS: dict[Path, tuple[int, int]] = {}  # lock file -> (descriptor, holders in this process)
_GUARD = threading.Lock()


def lock_path(warehouse_path: Path) -> Path:
    return warehouse_path.with_name(warehouse_path.name + ".lock")


def copy_path(warehouse_path: Path) -> Path:
    return warehouse_path.with_name(warehouse_path.name + ".next")


#: How long a writer waits for another process's write to end.
LOCK_WAIT_SECONDS = 300.0


def acquire_write_lock(warehouse_path: Path, wait_seconds: float = LOCK_WAIT_SECONDS) -> Path:
    """Hold the warehouse's write lock, waiting up to ``wait_seconds`` while another
    process writes; several handles in one process share it. Returns the key to give
    :func:`release_write_lock`."""
    key = lock_path(warehouse_path).resolve()
    with _GUARD:
        held = _LOCKS.get(key)
        if held is not None:
            _LOCKS[key] = (held[0], held[1] + 1)
            return key
        key.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + wait_seconds
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise OperationalError(
                            f"another process is writing to the warehouse {warehouse_path}",
                            hint="wait for the other vrhub command (a load, an upload) to "
                            "finish and run this again") from None
                    time.sleep(0.05)
        except BaseException:
            os.close(fd)
            raise
        _LOCKS[key] = (fd, 1)
        return key


def release_write_lock(key: Path) -> None:
    with _GUARD:
        held = _LOCKS.get(key)
        if held is None:
            return
        fd, count = held
        if count > 1:
            _LOCKS[key] = (fd, count - 1)
            return
        del _LOCKS[key]
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def held_by_readers(exc: BaseException) -> bool:
    """Whether a failed read-write open failed only because other processes hold the file
    (with the write lock held, those can only be readers)."""
    return "Could not set lock on file" in str(exc)


@dataclass
class Swap:
    """A write in progress on a copy of the live warehouse file."""

    live: Path
    copy: Path

    @classmethod
    def begin(cls, live: Path) -> Swap:
        """Copy the live file (the write lock is held, and its readers do not change it)."""
        wal = live.with_name(live.name + ".wal")
        if wal.exists():
            raise OperationalError(
                f"the warehouse {live} has writes that were never checkpointed ({wal.name}), "
                "so it cannot be copied while the web app reads it",
                hint="stop the web app, run `vrhub warehouse status` (it finishes them), "
                "then start it again")
        copy = copy_path(live)
        copy.unlink(missing_ok=True)
        copy.with_name(copy.name + ".wal").unlink(missing_ok=True)
        shutil.copyfile(live, copy)
        return cls(live, copy)

    def publish(self) -> None:
        """Put the written copy in place of the live file, atomically."""
        if self.copy.with_name(self.copy.name + ".wal").exists():
            raise OperationalError(f"the copy {self.copy} was not checkpointed",
                                   hint="this is a bug in vrhub: report it")
        fd = os.open(self.copy, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(self.copy, self.live)
        folder = os.open(self.live.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)

    def discard(self) -> None:
        self.copy.unlink(missing_ok=True)
        self.copy.with_name(self.copy.name + ".wal").unlink(missing_ok=True)


def file_identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the live file: it changes when a write is swapped in."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return (stat.st_dev, stat.st_ino)
