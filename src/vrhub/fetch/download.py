"""Resumable, checksummed downloads into the workspace's ``downloads`` folder.

A file is written to ``<name>.part`` first. If the transfer breaks, the next attempt (in
the same run, or a later ``vrhub fetch``) asks the server for the rest with an HTTP
``Range`` request and appends to the ``.part`` file; a server that ignores ranges sends the
whole file again. When the file is complete its SHA-256 is computed, compared with the
expected value if one was given (a mismatch is refused and the partial bytes discarded),
and the ``.part`` file is renamed into place in one atomic step. Every finished download
is recorded in ``manifest.json`` in the downloads folder: URL, SHA-256, size and time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx

from vrhub.errors import NetworkError, UserError
from vrhub.fetch.http import HttpClient, network_error
from vrhub.progress import SILENT, Progress

MANIFEST_NAME = "manifest.json"
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class DownloadResult:
    """One finished download."""

    path: Path
    url: str
    sha256: str
    bytes: int
    status: str  # "downloaded", "resumed" or "unchanged"

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["path"] = str(self.path)
        return out


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def normalise_sha256(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.strip().lower()
    if not SHA256_RE.match(text):
        raise UserError(
            f"{value!r} is not a SHA-256 checksum",
            hint="give the 64 hexadecimal characters published with the file",
        )
    return text


def file_name_for(url: str) -> str:
    """The file name a URL's path ends with (percent-decoded), made safe for the disk."""
    name = unquote(Path(urlsplit(url).path).name)
    name = re.sub(r"[^\w.\-() ]+", "_", name).strip(" .")
    if not name:
        raise UserError(
            f"cannot tell a file name from {url}",
            hint="pass one with --name",
        )
    return name


class Manifest:
    """``manifest.json`` in a downloads folder: what was fetched, from where, with which
    checksum. Keys are paths relative to the folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / MANIFEST_NAME

    def read(self) -> dict[str, dict[str, Any]]:
        if not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise UserError(
                f"the download manifest {self.path} cannot be read",
                hint="delete it; the next fetch writes a new one",
            ) from None
        files = data.get("files", {}) if isinstance(data, dict) else {}
        return dict(files) if isinstance(files, dict) else {}

    def get(self, file: Path) -> dict[str, Any] | None:
        return self.read().get(self.key(file))

    def key(self, file: Path) -> str:
        return file.resolve().relative_to(self.root.resolve()).as_posix()

    def record(self, file: Path, **entry: Any) -> None:
        files = self.read()
        files[self.key(file)] = {
            **entry,
            "recorded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps({"files": dict(sorted(files.items()))}, indent=2),
                       encoding="utf-8")
        os.replace(tmp, self.path)


def download(
    client: HttpClient,
    url: str,
    dest: Path,
    *,
    manifest: Manifest,
    expected_sha256: str | None = None,
    source: str | None = None,
    attempts: int = 5,
    progress: Progress = SILENT,
) -> DownloadResult:
    """Download ``url`` to the file ``dest`` (resuming a ``.part`` file), verify it and
    record it in ``manifest``."""
    expected = normalise_sha256(expected_sha256)
    dest.parent.mkdir(parents=True, exist_ok=True)
    known = manifest.get(dest) if dest.exists() else None
    if dest.exists() and known and known.get("url") == url:
        digest = sha256_of(dest)
        if digest == known.get("sha256") and (expected is None or digest == expected):
            progress.note(f"{dest.name} is already downloaded and unchanged; skipped")
            return DownloadResult(dest, url, digest, dest.stat().st_size, "unchanged")

    part = dest.with_name(dest.name + ".part")
    resumed = False
    for attempt in range(attempts):
        offset = part.stat().st_size if part.exists() else 0
        try:
            complete, used_range = _transfer(client, url, part, offset, progress)
        except (httpx.TransportError, httpx.StreamError) as exc:
            if attempt + 1 >= attempts:
                raise network_error(url, exc) from None
            progress.note(f"transfer of {dest.name} broke off; resuming")
            client.wait_before_retry(attempt)
            continue
        resumed = resumed or used_range
        if complete:
            break
        if attempt + 1 >= attempts:
            raise NetworkError(
                f"the download of {url} stayed incomplete after {attempts} attempts; the "
                f"partial file {part.name} is kept",
                hint="run the same command again to resume it",
            )
        client.wait_before_retry(attempt)

    digest = sha256_of(part)
    if expected is not None and digest != expected:
        part.unlink()
        raise UserError(
            f"checksum mismatch for {url}: expected SHA-256 {expected}, got {digest}; the "
            "file was not saved",
            hint="the file may have been republished or corrupted; check the published "
            "checksum, or fetch without --sha256 to accept the new file",
        )
    size = part.stat().st_size
    os.replace(part, dest)
    manifest.record(dest, url=url, sha256=digest, bytes=size, source=source,
                    expected_sha256=expected)
    return DownloadResult(dest, url, digest, size, "resumed" if resumed else "downloaded")


def _transfer(client: HttpClient, url: str, part: Path, offset: int,
              progress: Progress) -> tuple[bool, bool]:
    """One attempt. Returns (complete, used a range request)."""
    # identity encoding: byte ranges then count the bytes stored on disk.
    headers = {"Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    with client.stream(url, headers=headers) as response:
        if response.status_code == 416:
            # Nothing left to send: the .part file already holds the whole file.
            total = _range_total(response.headers.get("Content-Range"))
            if total is not None and total == offset:
                return True, True
            part.unlink(missing_ok=True)
            return False, False
        used_range = response.status_code == 206
        if used_range:
            start = _range_start(response.headers.get("Content-Range"))
            if start != offset:
                part.unlink(missing_ok=True)
                return False, False
            mode = "ab"
            total = _range_total(response.headers.get("Content-Range"))
        else:
            mode = "wb"
            offset = 0
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
        written = offset
        with part.open(mode) as fh, progress.task(f"Downloading {part.name[:-5]}",
                                                  total=total) as task:
            if offset:
                task.advance(offset)
            for chunk in response.iter_raw():
                fh.write(chunk)
                written += len(chunk)
                task.advance(len(chunk))
        return (total is None or written >= total), used_range


def _range_start(header: str | None) -> int | None:
    match = re.match(r"bytes (\d+)-\d+/(\d+|\*)", header or "")
    return int(match.group(1)) if match else None


def _range_total(header: str | None) -> int | None:
    match = re.match(r"bytes (?:\d+-\d+|\*)/(\d+)", header or "")
    return int(match.group(1)) if match else None
