"""``vrhub fetch list`` and ``vrhub fetch source``: the catalogue printed as it is, a named
file downloaded into downloads/sources with its checksum checked and recorded, and the
refusals of a file without a fixed link or with the wrong checksum (nothing kept)."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Runner
from vrhub.cli import fetch as fetch_command
from vrhub.errors import UserError
from vrhub.fetch.sources import CATALOGUE, get_entry

PAYLOAD = b"LSOA21CD,WD24CD\nE01000001,E05009288\n" * 50


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture
def file_host(tmp_path: Path) -> Iterator[str]:
    """A local web server (127.0.0.1, a port the OS picks) serving one file."""
    served = tmp_path / "served"
    served.mkdir()
    (served / "lookup.csv").write_bytes(PAYLOAD)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0),
                                functools.partial(QuietHandler, directory=str(served)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_list_prints_every_entry_with_its_link_or_page(run: Runner) -> None:
    assert set(fetch_command.command.commands) >= {"list", "source", "url", "police"}
    code, out, _ = run("fetch", "list", "--json")
    assert code == 0
    assert json.loads(out) == [entry.to_dict() for entry in CATALOGUE]
    code, out, _ = run("fetch", "list")
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines()[3:] if line.strip()}
    assert list(lines) == [entry.name for entry in CATALOGUE]
    assert "(see https://geoportal" in lines["ons-lsoa11-lsoa21-lookup"]
    assert "https://data.london.gov.uk/" in lines["mps-borough-24m"]


def test_source_downloads_the_named_file_and_checks_its_checksum(
        run: Runner, home: Path, file_host: str, monkeypatch: pytest.MonkeyPatch) -> None:
    digest = hashlib.sha256(PAYLOAD).hexdigest()
    entry = dataclasses.replace(get_entry("iod2019-file7"), name="local-lookup",
                                url=f"{file_host}/lookup.csv", sha256=digest)
    monkeypatch.setattr(fetch_command, "get_entry", lambda name: entry)
    code, out, err = run("fetch", "source", "local-lookup", "--json")
    assert code == 0, err
    report = json.loads(out)
    saved = home / "downloads" / "sources" / "lookup.csv"
    assert saved.read_bytes() == PAYLOAD
    assert report["sha256"] == digest and report["bytes"] == len(PAYLOAD)
    manifest = json.loads((home / "downloads" / "manifest.json").read_text())["files"]
    assert manifest["sources/lookup.csv"]["sha256"] == digest
    saved.unlink()
    wrong = dataclasses.replace(entry, sha256="0" * 64)
    monkeypatch.setattr(fetch_command, "get_entry", lambda name: wrong)
    code, _, err = run("fetch", "source", "local-lookup")
    assert code == UserError.exit_code
    assert "checksum mismatch" in err
    assert not saved.exists()


def test_source_without_a_fixed_link_is_refused_before_any_download(run: Runner,
                                                                   home: Path) -> None:
    code, _, err = run("fetch", "source", "ons-lsoa21-ward24-lookup")
    assert code == UserError.exit_code
    assert "does not publish a fixed download link" in err
    assert get_entry("ons-lsoa21-ward24-lookup").page in err
    assert not (home / "downloads" / "sources").exists()
