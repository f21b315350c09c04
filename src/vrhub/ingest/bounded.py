"""Reading a submitted file within limits, hashing it as it is read.

Every channel that receives a file someone sent (the web upload, the API upload, ``vrhub
istv submit`` and ``vrhub load istv``) reads it through :class:`BoundedReader`, so a small
file that inflates to gigabytes, or a workbook that claims a million columns, is refused
while it is read and never held whole. Five limits, each a setting:

=====================  ==================================  ===================================
limit                  what it bounds                       setting
=====================  ==================================  ===================================
``file_bytes``         the file as received (compressed)   ``VRHUB_UPLOAD_MAX_FILE_BYTES``
``data_bytes``         the bytes after decompression, and  ``VRHUB_UPLOAD_MAX_DATA_BYTES``
                       the unpacked parts of a workbook
``rows``               rows (lines, sheet rows, records)   ``VRHUB_UPLOAD_MAX_ROWS``
``columns``            cells in one row                    ``VRHUB_UPLOAD_MAX_COLUMNS``
``cell_chars``         characters in one cell              ``VRHUB_UPLOAD_MAX_CELL_CHARS``
=====================  ==================================  ===================================

The sha256 of the decompressed bytes is computed in the same pass, one chunk at a time.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import IO, Any

from vrhub.errors import InputError, Location

CHUNK = 1 << 16
MIB = 1 << 20

_SETTING = {
    "file_bytes": "VRHUB_UPLOAD_MAX_FILE_BYTES",
    "data_bytes": "VRHUB_UPLOAD_MAX_DATA_BYTES",
    "rows": "VRHUB_UPLOAD_MAX_ROWS",
    "columns": "VRHUB_UPLOAD_MAX_COLUMNS",
    "cell_chars": "VRHUB_UPLOAD_MAX_CELL_CHARS",
}


@dataclass(frozen=True)
class UploadLimits:
    """The most a submitted file may hold (defaults: the settings' defaults)."""

    file_bytes: int = 16 * MIB
    data_bytes: int = 16 * MIB
    rows: int = 50_000
    columns: int = 256
    cell_chars: int = 32_767

    @classmethod
    def from_settings(cls, settings: Any) -> UploadLimits:
        return cls(file_bytes=settings.upload_max_file_bytes,
                   data_bytes=settings.upload_max_data_bytes,
                   rows=settings.upload_max_rows,
                   columns=settings.upload_max_columns,
                   cell_chars=settings.upload_max_cell_chars)

    def refuse(self, limit: str, found: str, where: Location) -> LimitExceeded:
        """The refusal for going past ``limit`` (a field name), naming it and its setting."""
        value = getattr(self, limit)
        shown = _bytes(value) if limit.endswith("bytes") else f"{value:,}"
        what = {
            "file_bytes": f"the file is larger than the upload limit of {shown}",
            "data_bytes": f"the file holds more than {shown} once decompressed or unpacked",
            "rows": f"the file has more than {shown} rows",
            "columns": f"a row has more than {shown} columns",
            "cell_chars": f"a cell holds more than {shown} characters",
        }[limit]
        fix = {"columns": "remove the unused columns (or cells past the last heading)",
               "cell_chars": "shorten that cell"}.get(limit, "split the submission by month "
                                                       "or site")
        return LimitExceeded(
            f"{what} ({found}); reading stopped there",
            where, limit=limit,
            hint=f"{fix}, or ask an administrator to raise {_SETTING[limit]} (now {value})")


class LimitExceeded(InputError):
    """A file goes past one of the upload limits; ``rule`` names which, for the receipt."""

    def __init__(self, problem: str, where: Location, *, limit: str,
                 hint: str | None = None) -> None:
        super().__init__(problem, where, hint=hint)
        self.limit = limit
        self.rule = f"file:limit_{limit}"


def _bytes(n: int) -> str:
    return f"{round(n / MIB, 1):g} MB" if n >= MIB else f"{n:,} bytes"


class BoundedReader(io.RawIOBase):
    """A binary stream over ``inner`` (decompressed bytes) that hashes what passes through
    and raises :class:`LimitExceeded` as soon as more than ``limits.data_bytes`` are read."""

    def __init__(self, inner: IO[bytes], limits: UploadLimits, display: str) -> None:
        self._inner = inner
        self.limits = limits
        self.display = display
        self.bytes_read = 0
        self._digest = hashlib.sha256()
        self.at_end = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        # never ask for more than one byte past the limit
        room = self.limits.data_bytes + 1 - self.bytes_read
        want = max(1, min(len(view), room))
        data = self._inner.read(want)
        if not data:
            self.at_end = True
            return 0
        n = len(data)
        view[:n] = data
        self.bytes_read += n
        if self.bytes_read > self.limits.data_bytes:
            self._digest.update(data[:n - (self.bytes_read - self.limits.data_bytes)])
            self.bytes_read = self.limits.data_bytes
            raise self.limits.refuse("data_bytes", "more bytes followed",
                                     Location(self.display))
        self._digest.update(data)
        return n

    def drain(self) -> None:
        """Read (and hash) whatever the parser left unread, within the limit."""
        while self.read(CHUNK):
            pass
        self.at_end = True

    def hexdigest(self) -> str:
        """The sha256 of every byte read; the whole file's once :meth:`drain` has run."""
        return self._digest.hexdigest()

    def close(self) -> None:
        """Kept open when the parser's wrappers close: the caller drains and hashes after
        them, then calls :meth:`finish`."""

    def finish(self) -> None:
        try:
            self._inner.close()
        finally:
            super().close()


def open_bounded(source: Any, limits: UploadLimits) -> BoundedReader:
    """Open ``source`` (an :class:`~vrhub.ingest.inputs.InputFile` or an upload held in
    memory) for bounded reading, refusing it first when it is too large as received."""
    size = source.size_hint()
    if size > limits.file_bytes:
        raise limits.refuse("file_bytes", f"{_bytes(size)} received", Location(source.display))
    return BoundedReader(source.open(), limits, source.display)


def read_limited(stream: IO[bytes], limit: int) -> bytes | None:
    """At most ``limit`` bytes of ``stream`` read in chunks, or None when it holds more."""
    parts: list[bytes] = []
    total = 0
    while chunk := stream.read(min(CHUNK * 16, limit + 1 - total)):
        parts.append(chunk)
        total += len(chunk)
        if total > limit:
            return None
    return b"".join(parts)
