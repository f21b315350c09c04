"""Input discovery: files, folders, ``.zip`` archives and ``.gz`` files, read as streams.

Every loader names its inputs through :func:`discover`, which expands folders and archive
members into :class:`InputFile` objects. Checksums and parsing stream the bytes; a loader
may read a file whole only up to a size it names (:meth:`InputFile.read_all`), so memory
stays bounded whatever the input. A truncated or corrupt archive raises an
:class:`InputError` naming the file.
"""

from __future__ import annotations

import fnmatch
import gzip
import hashlib
import io
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from vrhub.errors import InputError, Location

CHUNK = 1 << 20


@dataclass(frozen=True)
class InputFile:
    """One logical input: a plain file, a gzip file, or a member of a zip archive."""

    path: Path
    member: str | None = None  # member name inside a zip archive

    @property
    def name(self) -> str:
        """Display name: ``archive.zip!member.csv`` for archive members."""
        return f"{self.path.name}!{self.member}" if self.member else self.path.name

    @property
    def display(self) -> str:
        return f"{self.path}!{self.member}" if self.member else str(self.path)

    @property
    def logical_name(self) -> str:
        """The file's own name without compression suffix (``2024-01-x-street.csv``)."""
        base = Path(self.member).name if self.member else self.path.name
        return base[:-3] if base.lower().endswith(".gz") else base

    def open(self) -> io.BufferedReader:
        """A binary stream of the decompressed bytes."""
        if self.member is not None:
            archive = zipfile.ZipFile(self.path)
            raw: IO[bytes] = archive.open(self.member)
            if self.member.lower().endswith(".gz"):
                return io.BufferedReader(_Guarded(gzip.GzipFile(fileobj=raw), self), CHUNK)
            return io.BufferedReader(_Guarded(raw, self), CHUNK)
        if _is_gzip(self.path):
            return io.BufferedReader(_Guarded(gzip.GzipFile(self.path, "rb"), self), CHUNK)
        return io.BufferedReader(_Guarded(open(self.path, "rb"), self), CHUNK)

    def read_all(self, limit: int) -> bytes | None:
        """The decompressed bytes, or None when there are more than ``limit`` (a plain
        file is read in one system call, its size known beforehand)."""
        if self.member is None and not _is_gzip(self.path):
            if self.path.stat().st_size > limit:
                return None
            with open(self.path, "rb") as handle:
                data = handle.read()
        else:
            with self.open() as stream:
                data = stream.read(limit + 1)
        return None if len(data) > limit else data

    def sha256(self, progress: Callable[[int], None] | None = None) -> str:
        digest = hashlib.sha256()
        with self.open() as stream:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                if progress:
                    progress(len(chunk))
        return digest.hexdigest()

    def size_hint(self) -> int:
        """Compressed size on disk (for progress bars)."""
        if self.member is not None:
            with zipfile.ZipFile(self.path) as archive:
                return archive.getinfo(self.member).compress_size
        return self.path.stat().st_size


class _Guarded(io.RawIOBase):
    """Wraps a stream so that corrupt or truncated compression becomes an InputError."""

    def __init__(self, inner: IO[bytes] | gzip.GzipFile, source: InputFile) -> None:
        self._inner = inner
        self._source = source

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        try:
            return self._inner.readinto(buffer)  # type: ignore[union-attr]
        except (EOFError, zlib.error, gzip.BadGzipFile, zipfile.BadZipFile) as exc:
            raise self._corrupt(exc) from None

    def _corrupt(self, exc: Exception) -> InputError:
        return InputError(
            f"the compressed file is truncated or corrupt ({type(exc).__name__})",
            Location(self._source.display),
            hint="download the file again; its archive ends before its data does",
        )

    def read(self, size: int | None = -1) -> bytes:
        try:
            return self._inner.read(-1 if size is None else size)
        except (EOFError, zlib.error, gzip.BadGzipFile, zipfile.BadZipFile) as exc:
            raise self._corrupt(exc) from None

    def close(self) -> None:
        self._inner.close()
        super().close()


def guarded(inner: IO[bytes] | gzip.GzipFile, source: object) -> io.RawIOBase:
    """``inner`` with corrupt or truncated compression raised as an InputError naming
    ``source`` (anything with a ``display`` name)."""
    return _Guarded(inner, source)  # type: ignore[arg-type]


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


def discover(paths: Iterable[Path | str], patterns: Iterable[str] = ("*",), *,
             skipped: list[tuple[str, str]] | None = None) -> list[InputFile]:
    """Expand paths into input files whose logical names match one of ``patterns``.

    Folders are searched recursively; ``.zip`` archives contribute their matching members.
    A path that does not exist raises an InputError. Results are sorted by display name so
    loads are deterministic. Files of a folder or archive left out are added to
    ``skipped`` (when given) with the reason.
    """
    wanted = [p.lower() for p in patterns]
    found: list[InputFile] = []
    reason = "its name matches none of " + ", ".join(wanted)

    def skip(name: str) -> None:
        if skipped is not None:
            skipped.append((name, reason))

    def matches(name: str) -> bool:
        low = name.lower()
        low = low[:-3] if low.endswith(".gz") else low
        return any(fnmatch.fnmatch(low, pat) for pat in wanted)

    def visit(path: Path, explicit: bool) -> None:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file():
                    visit(child, explicit=False)
            return
        if path.suffix.lower() == ".zip":
            found.extend(_zip_members(path, matches, skip))
            return
        if explicit or matches(path.name):
            found.append(InputFile(path))
        else:
            skip(str(path))

    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise InputError(
                "no such file or folder",
                Location(str(path)),
                hint="check the path; loaders accept files, folders, .zip and .gz",
            )
        visit(path, explicit=True)
    if skipped is not None:
        skipped.sort()
    return sorted(found, key=lambda f: f.display)


def _zip_members(path: Path, matches: Callable[[str], bool],
                 skip: Callable[[str], None] | None = None) -> Iterator[InputFile]:
    try:
        with zipfile.ZipFile(path) as archive:
            names = [i.filename for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise InputError(
            f"not a readable zip archive ({exc})",
            Location(str(path)),
            hint="download the archive again; it is truncated or not a zip file",
        ) from None
    for name in sorted(names):
        if matches(Path(name).name):
            yield InputFile(path, name)
        elif skip is not None:
            skip(f"{path}:{name}")


def peek_text(source: InputFile, size: int = 64 * 1024) -> str:
    """The first bytes of a file as text (for sniffing headers), replacing bad bytes."""
    with source.open() as stream:
        return stream.read(size).decode("utf-8-sig", errors="replace")
