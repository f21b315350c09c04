"""One file's load into the warehouse: provenance, replacement of earlier files of the same
partition, rows and quarantine, inside the load's transaction (see
:meth:`vrhub.storage.warehouse.Warehouse.load_file`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa

from vrhub import __version__
from vrhub.standards.provenance import PROVENANCE, QUARANTINE
from vrhub.standards.schema import Problem, Table
from vrhub.storage.parts import Part

if TYPE_CHECKING:
    from vrhub.storage.warehouse import Warehouse

QUARANTINE_VALUE_LIMIT = 200


@dataclass
class FileLedger:
    """One source's provenance, read once for a load of many files and kept in step by
    each :class:`FileLoad` given it: whether a file is loaded, and which files a new one
    replaces, are then answered without a question to the warehouse per file (on a load
    of thousands of small files, those questions were a tenth of its time). Only for a
    load that is the one writer of the source's provenance in its transaction.

    The provenance rows of the files loaded are kept here and written together
    (:meth:`flush`; one statement costs as much as a small file's other bookkeeping): a
    :class:`FileLoad` flushes them before it changes a provenance row (a file replaced,
    a replaced file loaded again), and the loader when its files are done, before anything
    else reads the provenance. A load that fails rolls back; what is kept is dropped."""

    source: str
    #: file id -> its provenance status ("loaded", "replaced", ...)
    status: dict[str, str] = field(default_factory=dict)
    #: file id -> its partition (None: none), and partition -> its file ids
    partition: dict[str, str | None] = field(default_factory=dict)
    files: dict[str, set[str]] = field(default_factory=dict)
    #: provenance rows not yet written (in the table's column order)
    pending: list[tuple[Any, ...]] = field(default_factory=list)

    @classmethod
    def read(cls, warehouse: Warehouse, source: str) -> FileLedger:
        ledger = cls(source)
        for file_id, status, partition in warehouse._con.execute(
                f'SELECT file_id, status, partition FROM "{PROVENANCE.name}" '
                "WHERE source = ?", [source]).fetchall():
            ledger.record(str(file_id), str(status),
                          None if partition is None else str(partition))
        return ledger

    def flush(self, warehouse: Warehouse) -> None:
        """Write the provenance rows kept, in one statement."""
        if not self.pending:
            return
        with warehouse._con.appender(PROVENANCE.name) as appender:
            appender.append_rows(self.pending)
            appender.flush()
        self.pending = []

    def record(self, file_id: str, status: str, partition: str | None) -> None:
        """``file_id``'s provenance row is now (``status``, ``partition``)."""
        before = self.partition.get(file_id)
        if before is not None:
            self.files[before].discard(file_id)
        self.status[file_id] = status
        self.partition[file_id] = partition
        if partition is not None:
            self.files.setdefault(partition, set()).add(file_id)

    def loaded(self, file_id: str) -> bool:
        """Loaded and not replaced (as ``status <> 'replaced'``)."""
        return self.status.get(file_id, "replaced") != "replaced"

    def loaded_files(self) -> frozenset[str]:
        """The file ids loaded and not replaced: loading one of them again changes
        nothing."""
        return frozenset(f for f in self.status if self.loaded(f))

    def partition_loaded(self, partition: str) -> bool:
        """Whether a file of ``partition`` has the status "loaded" (for police.uk, a
        partition is a series and month, ``series/month``)."""
        return any(self.status[f] == "loaded" for f in self.files.get(partition, ()))

    def older(self, partition: str | None, file_id: str) -> list[str]:
        """Files other than ``file_id`` loaded (not replaced) for ``partition``."""
        if partition is None:
            return []
        return sorted(f for f in self.files.get(partition, ())
                      if f != file_id and self.loaded(f))


@dataclass
class FileLoad:
    """One file's load: use as a context manager inside ``Warehouse.atomic()``.

    ``unchanged`` is true on entry when the same bytes were already loaded by the same
    source, and the loader should skip its work. Inside the block call :meth:`replace` to
    drop the rows of an older file for the same partition, :meth:`insert` and
    :meth:`quarantine`; on a clean exit the provenance row is written. The enclosing
    transaction commits everything together, or rolls it all back on an exception.
    """

    warehouse: Warehouse
    source: str
    file_name: str
    sha256: str
    partition: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    unchanged: bool = False
    replaced_files: list[str] = field(default_factory=list)
    #: the source's provenance read once for the whole load (None: asked per file)
    ledger: FileLedger | None = None

    @property
    def file_id(self) -> str:
        return self.sha256

    def __enter__(self) -> FileLoad:
        if not self.warehouse.in_transaction:
            raise RuntimeError("FileLoad must run inside Warehouse.atomic()")
        if self.ledger is not None:
            self.unchanged = self.ledger.loaded(self.file_id)
            return self
        self.unchanged = bool(self.warehouse._scalar(
            f'SELECT count(*) FROM "{PROVENANCE.name}" WHERE source = ? AND file_id = ? '
            "AND status <> 'replaced'", [self.source, self.file_id]))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        con = self.warehouse._con
        if exc_type is None and not self.unchanged:
            if self.ledger is None or self.file_id in self.ledger.status:
                if self.ledger is not None:
                    self.ledger.flush(self.warehouse)
                con.execute(
                    f'DELETE FROM "{PROVENANCE.name}" WHERE file_id = ? AND source = ?',
                    [self.file_id, self.source],
                )
            row = (self.file_id, self.source, self.file_name, self.sha256, self.partition,
                   self.rows_read, self.rows_loaded, self.rows_quarantined, "loaded",
                   dt.datetime.now(dt.UTC).replace(tzinfo=None), __version__)
            if self.ledger is not None:
                self.ledger.record(self.file_id, "loaded", self.partition)
                self.ledger.pending.append(row)
                return
            con.execute(
                f'INSERT INTO "{PROVENANCE.name}" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
                list(row))

    def replace(self, tables: Sequence[Table], **keys: Any) -> list[str]:
        """Delete rows of earlier files for this partition from ``tables`` (matched on
        ``keys``, column=value) and their quarantine rows; mark those files replaced."""
        con = self.warehouse._con
        if self.ledger is not None:
            older = [(f,) for f in self.ledger.older(self.partition, self.file_id)]
            for (file_id,) in older:
                self.ledger.status[file_id] = "replaced"
        else:
            older = con.execute(
                f'SELECT file_id FROM "{PROVENANCE.name}" WHERE source = ? AND partition = ? '
                "AND file_id <> ? AND status <> 'replaced'",
                [self.source, self.partition, self.file_id],
            ).fetchall()
        if older and self.ledger is not None:  # their rows may not be written yet
            self.ledger.flush(self.warehouse)
        where = " AND ".join(f'"{k}" = ?' for k in keys)
        for table in tables:
            if table.stored_as == "parts":  # a part holds the rows of one file
                self.warehouse.parts.unlist(con, table, [f for (f,) in older])
                continue
            con.execute(f'DELETE FROM "{table.name}" WHERE {where}', list(keys.values()))
        for (file_id,) in older:
            con.execute(
                f'DELETE FROM "{QUARANTINE.name}" WHERE file_id = ? AND source = ?',
                [file_id, self.source],
            )
            con.execute(
                f"UPDATE \"{PROVENANCE.name}\" SET status = 'replaced' "
                "WHERE file_id = ? AND source = ?",
                [file_id, self.source],
            )
        self.replaced_files = [f for (f,) in older]
        return self.replaced_files

    def insert(
        self, table: Table, data: pd.DataFrame | pa.Table,
        constants: Mapping[str, Any] | None = None,
    ) -> int:
        n = self.warehouse.insert(table, data, constants)
        self.rows_loaded += n
        return n

    def add_part(self, table: Table, part: Part, *, refresh: bool = True) -> int:
        n = self.warehouse.add_part(table, part, refresh=refresh)
        self.rows_loaded += n
        return n

    def quarantine(self, problems: Iterable[Problem], *, rule: str | None = None) -> int:
        """Store problems; each distinct row counts once towards ``rows_quarantined``."""
        records = [
            (self.file_id, self.source, self.file_name, p.row, p.column or None,
             None if p.value is None else str(p.value)[:QUARANTINE_VALUE_LIMIT], p.reason,
             rule or p.rule)
            for p in problems
        ]
        if not records:
            return 0
        frame = pd.DataFrame(records, columns=QUARANTINE.column_names)
        self.warehouse.insert(QUARANTINE, frame)
        new_rows = frame["row_number"].nunique()
        self.rows_quarantined += new_rows
        return int(new_rows)
