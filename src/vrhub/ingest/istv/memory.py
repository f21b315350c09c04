"""An upload held in memory, received without ever writing its raw bytes to disk.

The web upload hands the bytes of the file a person sent to :func:`receive_bytes`; they
are read, redacted and checked in memory like a file on disk (the same code path as
``vrhub istv submit``), and only the redacted result is stored.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from vrhub.ingest.bounded import UploadLimits
from vrhub.progress import SILENT, Progress
from vrhub.storage.warehouse import Warehouse


@dataclass(frozen=True)
class MemoryInput:
    """Quacks like :class:`vrhub.ingest.inputs.InputFile` for bytes already in memory."""

    file_name: str
    data: bytes

    @property
    def path(self) -> Path:
        return Path(self.name)

    @property
    def name(self) -> str:
        return PurePath(self.file_name).name or "upload"

    @property
    def display(self) -> str:
        return self.name

    @property
    def logical_name(self) -> str:
        return self.name[:-3] if self.name.lower().endswith(".gz") else self.name

    def open(self) -> io.BufferedReader:
        """The decompressed bytes as a stream (gzip is inflated as it is read)."""
        if self.data[:2] == b"\x1f\x8b":
            import gzip

            from vrhub.ingest.inputs import CHUNK, guarded

            inflate = gzip.GzipFile(fileobj=io.BytesIO(self.data))
            return io.BufferedReader(guarded(inflate, self), CHUNK)
        return io.BufferedReader(io.BytesIO(self.data))

    def size_hint(self) -> int:
        """Bytes as received (compressed)."""
        return len(self.data)


def receive_bytes(warehouse: Warehouse, file_name: str, data: bytes, *,
                  site: str | None = None, period: str | None = None,
                  progress: Progress = SILENT, dry_run: bool = False,
                  replace: bool = False,
                  limits: UploadLimits | None = None) -> list[dict[str, Any]]:
    """Receive one uploaded file within ``limits``; returns its receipt(s) (a refused
    file's receipt has status ``rejected``; nothing is raised for it). ``dry_run`` stores
    nothing; a file that would replace a month with far fewer records raises
    :class:`~vrhub.ingest.istv.replacement.ReplacementNotConfirmed` unless ``replace``."""
    from vrhub.ingest.istv.replacement import ReplacementNotConfirmed
    from vrhub.ingest.istv.submission import load_files

    outcome = load_files(warehouse, [MemoryInput(file_name, data)],  # type: ignore[list-item]
                         progress, site=site, period=period, raise_on_rejected=False,
                         dry_run=dry_run, replace=replace, limits=limits)
    if outcome.held:
        raise ReplacementNotConfirmed(outcome.held)
    return outcome.receipts
