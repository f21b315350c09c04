"""`vrhub fetch` against a local HTTP server standing in for data.police.uk and a file host.

The server runs in a thread on 127.0.0.1 (port chosen by the OS); nothing leaves the
machine. Time-dependent behaviour (rate limit, Retry-After) is checked on a fake clock.
"""

from __future__ import annotations

import csv
import hashlib
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from shapely.geometry import Point, Polygon

from vrhub.errors import NetworkError, NotFound, UserError
from vrhub.fetch import police_uk
from vrhub.fetch.download import Manifest, download, sha256_of
from vrhub.fetch.http import HttpClient, TokenBucket, retry_after_seconds

MONTHS = ["2024-02", "2024-01", "2023-12"]
FILE_BYTES = bytes(range(256)) * 400  # 102,400 bytes
WEST = [(51.505, -0.115), (51.525, -0.115), (51.525, -0.0925), (51.505, -0.0925)]
EAST = [(51.505, -0.0925), (51.525, -0.0925), (51.525, -0.07), (51.505, -0.07)]


def _crimes() -> list[dict[str, Any]]:
    """24 crimes on a grid over the City, one exactly on the shared neighbourhood edge."""
    crimes = []
    k = 0
    for lat in (51.507, 51.511, 51.515, 51.519, 51.523):
        for lng in (-0.112, -0.104, -0.0925, -0.085, -0.075):
            k += 1
            if k > 24:
                break
            crimes.append({
                "category": "burglary" if k % 3 == 0 else "violent-crime",
                "location_type": "Force",
                "location": {"latitude": f"{lat:.6f}",
                             "street": {"id": 1000 + k, "name": f"On or near Street {k}"},
                             "longitude": f"{lng:.6f}"},
                "context": "",
                "outcome_status": {"category": "Under investigation", "date": "2024-01"}
                if k % 2 else None,
                "persistent_id": f"{k:064x}",
                "id": 90000 + k,
                "location_subtype": "",
                "month": "2024-01",
            })
    return crimes


@dataclass
class FakeServer:
    """Behaviour of the fake servers; tests tweak it and read ``log``."""

    crimes: list[dict[str, Any]] = field(default_factory=_crimes)
    area_limit: int = 10  # more crimes than this in one polygon -> HTTP 503 (like the API)
    throttle_first: int = 0  # answer this many requests to /files/flaky with 429
    drop_after: int | None = None  # cut the first full /files/data.bin transfer here
    ignore_range: bool = False
    busy_first: int = 0  # answer this many file requests with 503 + Retry-After
    clock: Any = None  # a FakeClock whose time the server records for each request
    stamps: list[float] = field(default_factory=list)
    log: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    polys: list[str] = field(default_factory=list)

    def handle(self, method: str, target: str, headers: dict[str, str],
               body: bytes) -> tuple[int, dict[str, str], bytes, int | None]:
        url = urlsplit(target)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        path = url.path
        self.log.append((method, path, headers))
        if self.clock is not None:
            self.stamps.append(self.clock.now)
        if path == "/api/crimes-street-dates":
            return _json([{"date": m, "stop-and-search": ["city-of-london"]} for m in MONTHS])
        if path == "/api/forces":
            return _json([{"id": "city-of-london", "name": "City of London Police"},
                          {"id": "metropolitan", "name": "Metropolitan Police Service"}])
        if path == "/api/crime-categories":
            return _json([{"url": "all-crime", "name": "All crime"},
                          {"url": "burglary", "name": "Burglary"},
                          {"url": "violent-crime", "name": "Violence and sexual offences"}])
        if path == "/api/city-of-london/neighbourhoods":
            return _json([{"id": "west", "name": "West"}, {"id": "east", "name": "East"}])
        if path.startswith("/api/city-of-london/") and path.endswith("/boundary"):
            ring = WEST if "/west/" in path else EAST
            return _json([{"latitude": str(a), "longitude": str(b)} for a, b in ring])
        if path == "/api/crimes-street/all-crime" and method == "POST":
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            self.polys.append(form["poly"])
            ring = [tuple(map(float, p.split(","))) for p in form["poly"].split(":")]
            shape = Polygon([(lng, lat) for lat, lng in ring])
            inside = [c for c in self.crimes
                      if shape.covers(Point(float(c["location"]["longitude"]),
                                            float(c["location"]["latitude"])))]
            if len(inside) > self.area_limit:
                return 503, {}, b"", None
            return _json(inside)
        if path == "/api/crimes-no-location":
            assert query == {"category": "all-crime", "force": "city-of-london",
                             "date": "2024-01"}
            return _json([{"category": "burglary", "location": None, "context": "",
                           "outcome_status": None, "persistent_id": "f" * 64, "id": 1,
                           "location_subtype": "", "month": "2024-01",
                           "location_type": None}])
        if path in ("/files/data.bin", "/archive/2024-01.zip"):
            return self._file(headers)
        if path == "/files/flaky":
            if self.throttle_first > 0:
                self.throttle_first -= 1
                return 429, {"Retry-After": "7"}, b"slow down", None
            return 200, {"Content-Type": "text/plain"}, b"finally", None
        return 404, {}, b"not here", None

    def _file(self, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes, int | None]:
        if self.busy_first > 0:
            self.busy_first -= 1
            return 503, {"Retry-After": "3"}, b"busy", None
        size = len(FILE_BYTES)
        rng = headers.get("range")
        if rng and not self.ignore_range:
            start = int(rng.removeprefix("bytes=").split("-")[0])
            if start >= size:
                return 416, {"Content-Range": f"bytes */{size}"}, b"", None
            return 206, {"Content-Range": f"bytes {start}-{size - 1}/{size}",
                         "Accept-Ranges": "bytes"}, FILE_BYTES[start:], None
        cut = self.drop_after
        self.drop_after = None
        return 200, {"Accept-Ranges": "bytes"}, FILE_BYTES, cut


def _json(data: Any) -> tuple[int, dict[str, str], bytes, None]:
    return 200, {"Content-Type": "application/json"}, json.dumps(data).encode(), None


@pytest.fixture
def server() -> Iterator[tuple[FakeServer, str]]:
    fake = FakeServer()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, extra, payload, cut = fake.handle(method, self.path, headers, body)
            self.send_response(status)
            for key, value in extra.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            if cut is not None:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(payload if cut is None else payload[:cut])
            self.wfile.flush()
            if cut is not None:
                self.close_connection = True

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def log_message(self, format: str, *args: Any) -> None:
            return None

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake, f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


class FakeClock:
    """Monotonic time that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)


def _client(clock: FakeClock | None = None) -> HttpClient:
    return HttpClient(clock=clock or FakeClock(), timeout=5)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- rate limiting and retries ------------------------------------------------------------
def test_token_bucket_never_exceeds_15_requests_in_any_one_second_window() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=15, burst=1, clock=clock)
    stamps = []
    for _ in range(200):
        bucket.acquire()
        stamps.append(clock.now)
    worst = max(sum(1 for t in stamps if start <= t < start + 1) for start in stamps)
    assert worst == 15
    # and it does not go slower than it must: 200 requests take (200 - 1) / 15 seconds
    assert stamps[-1] - stamps[0] == pytest.approx(199 / 15)


def test_token_bucket_burst_then_steady_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=15, burst=30, clock=clock)
    stamps = []
    for _ in range(120):
        bucket.acquire()
        stamps.append(clock.now)
    assert sum(1 for t in stamps if t == stamps[0]) == 30  # the burst goes at once
    for start in stamps:
        assert sum(1 for t in stamps if start <= t < start + 1) <= 30 + 15
    assert stamps[-1] - stamps[0] == pytest.approx(90 / 15)


def test_429_is_retried_after_the_servers_retry_after(server: tuple[FakeServer, str]) -> None:
    fake, base = server
    fake.throttle_first = 2
    clock = FakeClock()
    with _client(clock) as client:
        response = client.request("GET", f"{base}/files/flaky")
    assert response.text == "finally"
    assert [p for m, p, h in fake.log].count("/files/flaky") == 3
    waits = [s for s in clock.sleeps if s >= 1]
    assert waits == [7.0, 7.0]


def test_client_requests_reach_the_server_at_most_15_per_second(
        server: tuple[FakeServer, str]) -> None:
    fake, base = server
    clock = FakeClock()
    fake.clock = clock
    with _client(clock) as client:
        for _ in range(40):
            client.get_json(f"{base}/api/forces")
    stamps = fake.stamps
    assert len(stamps) == 40
    assert max(sum(1 for t in stamps if s <= t < s + 1) for s in stamps) <= 15
    assert stamps[-1] - stamps[0] == pytest.approx(39 / 15)


def test_503_on_a_download_waits_for_retry_after(server: tuple[FakeServer, str],
                                                 tmp_path: Path) -> None:
    fake, base = server
    fake.busy_first = 2
    clock = FakeClock()
    with _client(clock) as client:
        result = download(client, f"{base}/files/data.bin", tmp_path / "data.bin",
                          manifest=Manifest(tmp_path))
    assert result.bytes == len(FILE_BYTES)
    assert [s for s in clock.sleeps if s >= 1] == [3.0, 3.0]


def test_429_forever_gives_a_rate_limited_error(server: tuple[FakeServer, str]) -> None:
    fake, base = server
    fake.throttle_first = 100
    with _client() as client, pytest.raises(UserError, match="HTTP 429"):
        client.request("GET", f"{base}/files/flaky")


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    assert retry_after_seconds("12") == 12
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_closed_port_is_a_clear_network_error() -> None:
    port = _closed_port()
    with _client() as client, pytest.raises(
            NetworkError, match=rf"could not reach 127\.0\.0\.1:{port}") as caught:
        client.get_json(f"http://127.0.0.1:{port}/api/crimes-street-dates")
    message = str(caught.value)
    assert f"could not reach 127.0.0.1:{port}" in message
    assert "vrhub fetch needs internet access" in message
    assert "`vrhub load`" in message


def test_cli_without_network_exits_with_the_message(run: Any) -> None:
    port = _closed_port()
    code, _out, err = run("fetch", "police-dates",
                         env={"VRHUB_POLICE_API_URL": f"http://127.0.0.1:{port}/api"})
    assert code == NetworkError.exit_code
    assert f"could not reach 127.0.0.1:{port}" in err
    assert "download the files elsewhere and use `vrhub load`" in err
    assert "Traceback" not in err


# -- downloads ------------------------------------------------------------------------------
def test_download_writes_file_checksum_and_manifest(server: tuple[FakeServer, str],
                                                    tmp_path: Path) -> None:
    _fake, base = server
    with _client() as client:
        result = download(client, f"{base}/files/data.bin", tmp_path / "data.bin",
                          manifest=Manifest(tmp_path))
    expected = hashlib.sha256(FILE_BYTES).hexdigest()
    assert result.status == "downloaded"
    assert (tmp_path / "data.bin").read_bytes() == FILE_BYTES
    assert result.sha256 == expected
    entry = json.loads((tmp_path / "manifest.json").read_text())["files"]["data.bin"]
    assert entry["sha256"] == expected and entry["bytes"] == len(FILE_BYTES)
    assert entry["url"] == f"{base}/files/data.bin"
    assert not (tmp_path / "data.bin.part").exists()


def test_second_download_of_an_unchanged_file_is_skipped(server: tuple[FakeServer, str],
                                                         tmp_path: Path) -> None:
    fake, base = server
    with _client() as client:
        download(client, f"{base}/files/data.bin", tmp_path / "d.bin",
                 manifest=Manifest(tmp_path))
        again = download(client, f"{base}/files/data.bin", tmp_path / "d.bin",
                         manifest=Manifest(tmp_path))
    assert again.status == "unchanged"
    assert [p for _m, p, _h in fake.log].count("/files/data.bin") == 1


@pytest.mark.parametrize("cut", [1, 30_000, 65_536, len(FILE_BYTES) - 1])
def test_interrupted_download_is_resumed_with_a_range_request(
        server: tuple[FakeServer, str], tmp_path: Path, cut: int) -> None:
    fake, base = server
    fake.drop_after = cut
    with _client() as client:
        result = download(client, f"{base}/files/data.bin", tmp_path / "data.bin",
                          manifest=Manifest(tmp_path))
    assert result.status == "resumed"
    assert (tmp_path / "data.bin").read_bytes() == FILE_BYTES
    ranges = [h.get("range") for _m, p, h in fake.log if p == "/files/data.bin"]
    assert ranges[0] is None
    assert ranges[1] == f"bytes={cut}-"


def test_leftover_part_file_is_resumed_on_the_next_run(server: tuple[FakeServer, str],
                                                       tmp_path: Path) -> None:
    fake, base = server
    (tmp_path / "data.bin.part").write_bytes(FILE_BYTES[:5000])
    with _client() as client:
        result = download(client, f"{base}/files/data.bin", tmp_path / "data.bin",
                          manifest=Manifest(tmp_path))
    assert result.status == "resumed"
    assert (tmp_path / "data.bin").read_bytes() == FILE_BYTES
    assert fake.log[-1][2].get("range") == "bytes=5000-"


def test_server_ignoring_ranges_restarts_the_file(server: tuple[FakeServer, str],
                                                  tmp_path: Path) -> None:
    fake, base = server
    fake.ignore_range = True
    (tmp_path / "data.bin.part").write_bytes(b"garbage that must not survive")
    with _client() as client:
        download(client, f"{base}/files/data.bin", tmp_path / "data.bin",
                 manifest=Manifest(tmp_path))
    assert (tmp_path / "data.bin").read_bytes() == FILE_BYTES


def test_checksum_mismatch_is_refused_and_nothing_is_kept(server: tuple[FakeServer, str],
                                                          tmp_path: Path) -> None:
    _fake, base = server
    wrong = "0" * 64
    with _client() as client, pytest.raises(UserError, match="checksum mismatch") as caught:
        download(client, f"{base}/files/data.bin", tmp_path / "data.bin",
                 manifest=Manifest(tmp_path), expected_sha256=wrong)
    assert "checksum mismatch" in str(caught.value)
    assert wrong in str(caught.value)
    assert hashlib.sha256(FILE_BYTES).hexdigest() in str(caught.value)
    assert not (tmp_path / "data.bin").exists()
    assert not (tmp_path / "data.bin.part").exists()
    assert not (tmp_path / "manifest.json").exists()


def test_matching_checksum_is_accepted(server: tuple[FakeServer, str], tmp_path: Path) -> None:
    _fake, base = server
    good = hashlib.sha256(FILE_BYTES).hexdigest().upper()
    with _client() as client:
        result = download(client, f"{base}/files/data.bin", tmp_path / "x.bin",
                          manifest=Manifest(tmp_path), expected_sha256=good)
    assert result.sha256 == good.lower()


def test_malformed_checksum_and_missing_file_are_user_errors(
        server: tuple[FakeServer, str], tmp_path: Path) -> None:
    _fake, base = server
    with _client() as client:
        with pytest.raises(UserError, match="not a SHA-256"):
            download(client, f"{base}/files/data.bin", tmp_path / "x.bin",
                     manifest=Manifest(tmp_path), expected_sha256="abc")
        with pytest.raises(NotFound, match="HTTP 404"):
            download(client, f"{base}/files/nope.bin", tmp_path / "nope.bin",
                     manifest=Manifest(tmp_path))


def test_cli_fetch_url_with_checksum(server: tuple[FakeServer, str], run: Any,
                                     home: Path) -> None:
    _fake, base = server
    digest = hashlib.sha256(FILE_BYTES).hexdigest()
    code, out, err = run("fetch", "url", f"{base}/files/data.bin", "--sha256", digest, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["sha256"] == digest and report["status"] == "downloaded"
    assert (home / "downloads" / "data.bin").read_bytes() == FILE_BYTES
    code, _out, err = run("fetch", "url", f"{base}/files/data.bin", "--name", "other.bin",
                          "--sha256", "1" * 64)
    assert code == UserError.exit_code
    assert "checksum mismatch" in err
    assert not (home / "downloads" / "other.bin").exists()


# -- data.police.uk ------------------------------------------------------------------------
def test_police_dates_lists_published_months(server: tuple[FakeServer, str], run: Any) -> None:
    _fake, base = server
    code, out, err = run("fetch", "police-dates", "--json",
                         env={"VRHUB_POLICE_API_URL": f"{base}/api"})
    assert code == 0, err
    data = json.loads(out)
    assert data["months"] == MONTHS
    assert data["stop_and_search_forces"]["2024-01"] == ["city-of-london"]


def test_month_not_listed_is_refused_before_fetching(server: tuple[FakeServer, str]) -> None:
    fake, base = server
    with _client() as client, pytest.raises(UserError,
                                            match="has not published 2030-01") as caught:
        police_uk.fetch_force_month(client, f"{base}/api", "city-of-london", "2030-01")
    message = str(caught.value)
    assert "has not published 2030-01" in message
    assert "2023-12 to 2024-02" in message
    assert [p for _m, p, _h in fake.log] == ["/api/crimes-street-dates"]


def test_malformed_month_and_unknown_force_are_refused(server: tuple[FakeServer, str]) -> None:
    _fake, base = server
    with _client() as client:
        with pytest.raises(UserError, match="is not a month"):
            police_uk.fetch_force_month(client, f"{base}/api", "city-of-london", "Jan 2024")
        with pytest.raises(UserError, match="no force 'gotham'"):
            police_uk.fetch_force_month(client, f"{base}/api", "gotham", "2024-01")


def test_fetch_force_month_writes_a_police_uk_csv(server: tuple[FakeServer, str], run: Any,
                                                  home: Path) -> None:
    fake, base = server
    code, out, err = run("fetch", "police", "--force", "city-of-london", "--month", "2024-01",
                         "--json", env={"VRHUB_POLICE_API_URL": f"{base}/api"})
    assert code == 0, err
    report = json.loads(out)
    path = home / "downloads" / "police-uk" / "city-of-london" / \
        "2024-01-city-of-london-street.csv"
    assert report["path"] == str(path)
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == list(police_uk.CSV_COLUMNS)
    # every crime once (the one on the shared edge is answered by both neighbourhoods),
    # plus the crime without a location
    assert len(rows) == len(fake.crimes) + 1
    assert report["located"] == len(fake.crimes) and report["without_location"] == 1
    ids = [r["Crime ID"] for r in rows]
    assert len(set(ids)) == len(ids)
    first = next(r for r in rows if r["Crime ID"] == f"{3:064x}")
    assert first["Crime type"] == "Burglary"
    assert first["Reported by"] == "City of London Police"
    assert first["Month"] == "2024-01"
    assert first["Location"] == "On or near Street 3"
    assert float(first["Latitude"]) == pytest.approx(51.507)
    assert first["Last outcome category"] == "Under investigation"
    nolocation = rows[-1]
    assert nolocation["Location"] == "No Location" and nolocation["Longitude"] == ""
    # the crowded neighbourhood was split into smaller polygons after HTTP 503
    assert len(fake.polys) > 2
    # the file is recorded in the manifest with its checksum
    manifest = json.loads((home / "downloads" / "manifest.json").read_text())["files"]
    entry = manifest["police-uk/city-of-london/2024-01-city-of-london-street.csv"]
    assert entry["sha256"] == sha256_of(path) == report["sha256"]
    # POST carried the polygon and the month
    assert all(":" in p for p in fake.polys)


def test_fetch_police_and_load(server: tuple[FakeServer, str], run: Any) -> None:
    from vrhub.ingest.sources import all_sources

    assert "police" in all_sources()  # the loader --load hands the files to
    _fake, base = server
    code, out, err = run("fetch", "police", "--force", "city-of-london", "--month", "2024-01",
                         "--load", "--json", env={"VRHUB_POLICE_API_URL": f"{base}/api"})
    assert code == 0, err
    assert json.loads(out)["load"]["files"]
    code, _out, err = run("fetch", "police", "--force", "city-of-london", "--month", "2024-01",
                          "--load", env={"VRHUB_POLICE_API_URL": f"{base}/api"})
    assert code == 0, err
    assert "loaded into the warehouse" in err


def test_police_archive_download(server: tuple[FakeServer, str], run: Any, home: Path) -> None:
    fake, base = server
    env = {"VRHUB_POLICE_API_URL": f"{base}/api", "VRHUB_POLICE_ARCHIVE_URL": f"{base}/archive"}
    code, _out, err = run("fetch", "police-archive", "--month", "2024-01", "--json", env=env)
    assert code == 0, err
    assert (home / "downloads" / "police-uk" / "archive" / "2024-01.zip").read_bytes() \
        == FILE_BYTES
    paths = [p for _m, p, _h in fake.log]
    assert paths.index("/api/crimes-street-dates") < paths.index("/archive/2024-01.zip")
    code, _out, err = run("fetch", "police-archive", "--month", "2019-01", env=env)
    assert code == UserError.exit_code
    assert "has not published 2019-01" in err
    assert "/archive/2019-01.zip" not in [p for _m, p, _h in fake.log]


def test_fetch_list_and_unknown_source(run: Any) -> None:
    code, out, _err = run("fetch", "list", "--json")
    assert code == 0
    entries = json.loads(out)
    names = {e["name"] for e in entries}
    assert {"iod2019-file7", "mps-borough-24m", "ons-lsoa11-lsoa21-lookup"} <= names
    for entry in entries:
        assert entry["page"].startswith("https://")
        assert entry["url"] is None or entry["url"].startswith("https://")
    code, _out, err = run("fetch", "source", "no-such-file")
    assert code == NotFound.exit_code
    assert "vrhub fetch list" in err
    code, _out, err = run("fetch", "source", "ons-lsoa11-lsoa21-lookup")
    assert code == UserError.exit_code
    assert "geoportal.statistics.gov.uk" in err
