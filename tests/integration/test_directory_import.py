"""``vrhub directory import`` against ORUK feeds served by a local HTTP server started by
the test: paging, shallow list items, invalid records, a broken page, a slow server,
garbage, idempotent re-import, merging by name and postcode, and the audit event."""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.directory_support import load_postcodes, postcodes
from vrhub.access import audit
from vrhub.access.services import AccessServices
from vrhub.settings import Settings
from vrhub.storage import directory_reads as reads
from vrhub.synthetic.directory import synthetic_services


class Feed:
    """What the test server serves, and the faults it has."""

    def __init__(self, records: list[dict[str, Any]], *, per_page: int = 25,
                 shallow: bool = False) -> None:
        self.records = records
        self.per_page = per_page
        self.shallow = shallow
        self.broken_page: int | None = None
        self.slow_seconds = 0.0
        self.garbage = False
        self.requests: list[str] = []

    def page(self, number: int, per_page: int) -> dict[str, Any]:
        size = min(per_page, self.per_page)
        total = len(self.records)
        pages = max(1, -(-total // size))
        chunk = self.records[(number - 1) * size:number * size]
        if self.shallow:
            chunk = [{k: v for k, v in r.items() if not isinstance(v, list)} for r in chunk]
        return {"total_items": total, "total_pages": pages, "page_number": number,
                "size": len(chunk), "first_page": number == 1, "last_page": number >= pages,
                "empty": not chunk, "contents": chunk}


@pytest.fixture
def serve() -> Iterator[Callable[[Feed], str]]:
    servers: list[ThreadingHTTPServer] = []

    def start(feed: Feed) -> str:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                feed.requests.append(self.path)
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                if feed.slow_seconds:
                    time.sleep(feed.slow_seconds)
                if feed.garbage:
                    return self._send(200, b"<html><body>Service directory</body></html>",
                                      "text/html")
                if parts.path.rstrip("/") == "/api/services":
                    number = int(query.get("page", ["1"])[0])
                    if number == feed.broken_page:
                        return self._send(500, b"internal error", "text/plain")
                    body = feed.page(number, int(query.get("per_page", ["50"])[0]))
                    return self._send(200, json.dumps(body).encode())
                if parts.path.startswith("/api/services/"):
                    wanted = parts.path.rsplit("/", 1)[1]
                    for record in feed.records:
                        if record.get("id") == wanted:
                            return self._send(200, json.dumps(record).encode())
                    return self._send(404, b'{"error": "not found"}')
                return self._send(404, b"{}")

            def _send(self, status: int, body: bytes,
                      kind: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/api"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def records() -> list[dict[str, Any]]:
    return synthetic_services(postcodes(), 120, seed=11)


@pytest.fixture
def workspace(home: Path) -> Path:
    load_postcodes(home / "warehouse.duckdb", postcodes())
    return home


def counts(home: Path) -> dict[str, int]:
    settings = Settings.load({}, home=home, environment="test")
    services = AccessServices.from_settings(settings)
    try:
        with services.sessions() as session:
            rows = reads.index_rows(session)
            return {"services": len(rows.services), "places": len(rows.places),
                    "terms": len(rows.terms)}
    finally:
        services.close()


def test_a_paged_feed_is_imported_whole_with_quality_and_audit(
        run: Any, serve: Callable[[Feed], str], records: list[dict[str, Any]],
        workspace: Path) -> None:
    feed = Feed(records, per_page=25)
    url = serve(feed)
    code, out, err = run("directory", "import", url, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["pages"] == 5  # 120 records at 25 a page
    assert result["records_read"] == 120
    assert result["created"] == 120 and result["quarantined"] == 0
    assert counts(workspace)["services"] == 120
    quality = result["quality"]
    assert quality["services"] == 120
    assert quality["address"] == 100.0 and quality["schedule"] == 100.0
    assert quality["score"] == pytest.approx(
        sum(quality[m] for m in ("address", "contact", "age_range", "schedule",
                                 "taxonomy")) / 5, abs=0.05)
    settings = Settings.load({}, home=workspace, environment="test")
    services = AccessServices.from_settings(settings)
    try:
        with services.sessions() as session:
            events = audit.query(session, action="import_directory")
            provenance = reads.provenance_of(session, records[0]["id"])
    finally:
        services.close()
    assert len(events) == 1 and events[0].outcome == "success"
    assert "120 read, 120 new" in events[0].detail
    assert len(provenance) == 1 and provenance[0].external_id == records[0]["id"]


def test_importing_the_same_feed_twice_changes_nothing(
        run: Any, serve: Callable[[Feed], str], records: list[dict[str, Any]],
        workspace: Path) -> None:
    url = serve(Feed(records))
    assert run("directory", "import", url)[0] == 0
    before = counts(workspace)
    code, out, _ = run("directory", "import", url, "--json")
    again = json.loads(out)
    assert code == 0
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 120)
    assert counts(workspace) == before


def test_a_changed_record_is_updated_and_a_removed_one_withdrawn(
        run: Any, serve: Callable[[Feed], str], records: list[dict[str, Any]],
        workspace: Path) -> None:
    feed = Feed(records)
    url = serve(feed)
    run("directory", "import", url)
    feed.records = copy.deepcopy(records[:-1])
    feed.records[0]["name"] = "Renamed Boxing Club"
    _code, out, _ = run("directory", "import", url, "--json")
    result = json.loads(out)
    assert (result["updated"], result["unchanged"], result["withdrawn"]) == (1, 118, 1)
    ids = {r[0]: r for r in _services(workspace)}
    assert ids[records[0]["id"]][1] == "Renamed Boxing Club"
    assert ids[records[-1]["id"]][3] == "inactive"


def _services(home: Path) -> list[tuple[Any, ...]]:
    settings = Settings.load({}, home=home, environment="test")
    services = AccessServices.from_settings(settings)
    try:
        with services.sessions() as session:
            return reads.index_rows(session).services
    finally:
        services.close()


def test_shallow_list_items_are_fetched_one_by_one(
        run: Any, serve: Callable[[Feed], str], records: list[dict[str, Any]],
        workspace: Path) -> None:
    feed = Feed(records[:30], shallow=True)
    code, out, err = run("directory", "import", serve(feed), "--json")
    assert code == 0, err
    assert json.loads(out)["created"] == 30
    assert sum(p.startswith("/api/services/") for p in feed.requests) == 30
    assert counts(workspace)["places"] == 30  # the nested places came from /services/{id}


def test_invalid_records_are_quarantined_with_reasons_and_the_rest_loaded(
        run: Any, serve: Callable[[Feed], str], records: list[dict[str, Any]],
        workspace: Path) -> None:
    bad = copy.deepcopy(records[:50])
    bad[3]["id"] = "service-4"  # not a UUID
    del bad[7]["name"]  # required field missing
    bad[9]["status"] = "open"  # not in the code list
    bad[11] = "not an object"
    bad[13]["id"] = bad[12]["id"]  # the same id twice
    code, out, err = run("directory", "import", serve(Feed(bad)), "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["records_read"] == 50
    assert result["created"] == 45 and result["quarantined"] == 5
    reasons = [q["reason"] for q in result["quarantine"]]
    assert any("record 4: id: 'service-4' is not a UUID" in r for r in reasons)
    assert any("record 8: name: is required and missing" in r for r in reasons)
    assert any("status: 'open' is not one of" in r for r in reasons)
    assert any("must be a JSON object" in r for r in reasons)
    assert any(f"id {bad[12]['id']} was already read at page 1, record 13" in r
               for r in reasons)
    assert result["quality"]["invalid"] == 5
    code, out, _ = run("directory", "quarantine", str(result["import_id"]), "--json")
    assert len(json.loads(out)) == 5


def test_a_broken_page_stops_the_import_and_writes_nothing(
        run: Any, serve: Callable[[Feed], str], records: list[dict[str, Any]],
        workspace: Path) -> None:
    feed = Feed(records, per_page=25)
    feed.broken_page = 3
    code, _, err = run("directory", "import", serve(feed),
                       env={"VRHUB_DIRECTORY_IMPORT_TIMEOUT_SECONDS": "5"})
    assert code == 12
    assert "page 3 of http://127.0.0.1" in err and "HTTP 500" in err
    assert counts(workspace)["services"] == 0
    assert sum("page=3" in p for p in feed.requests) == 3  # tried three times


def test_a_slow_server_times_out_clearly(
        run: Any, serve: Callable[[Feed], str], records: list[dict[str, Any]],
        workspace: Path) -> None:
    feed = Feed(records[:5])
    feed.slow_seconds = 1.5
    started = time.monotonic()
    code, _, err = run("directory", "import", serve(feed),
                       env={"VRHUB_DIRECTORY_IMPORT_TIMEOUT_SECONDS": "0.3"})
    assert code == 12
    assert "page 1 of" in err and "could not be read" in err
    assert "VRHUB_DIRECTORY_IMPORT_TIMEOUT_SECONDS" in err
    assert time.monotonic() - started < 20
    assert counts(workspace)["services"] == 0


def test_garbage_is_refused_with_what_came_back(
        run: Any, serve: Callable[[Feed], str], records: list[dict[str, Any]],
        workspace: Path) -> None:
    feed = Feed(records)
    feed.garbage = True
    code, _, err = run("directory", "import", serve(feed))
    assert code == 12
    assert "is not JSON: it starts '<html><body>Service directory" in err


def test_a_feed_that_is_json_but_not_a_list_is_refused(
        run: Any, tmp_path: Path, workspace: Path) -> None:
    path = tmp_path / "feed.json"
    path.write_text(json.dumps({"services": []}))
    code, _, err = run("directory", "import", str(path))
    assert code == 12
    assert "feed.json is not an ORUK list of services: no 'contents' list" in err


def test_a_file_and_ndjson_import_and_merge_by_name_and_postcode(
        run: Any, tmp_path: Path, records: list[dict[str, Any]], workspace: Path) -> None:
    page = tmp_path / "council.json"
    page.write_text(json.dumps({"contents": records[:20]}))
    assert run("directory", "import", str(page))[0] == 0
    # another organisation lists the same service under its own ids
    other = copy.deepcopy(records[:5])
    import uuid as _uuid

    for record in other:
        record["id"] = str(_uuid.uuid4())
    lines = tmp_path / "provider.ndjson"
    lines.write_text("\n".join(json.dumps(r) for r in other) + "\n")
    code, out, _ = run("directory", "import", str(lines), "--json")
    result = json.loads(out)
    assert code == 0
    assert (result["created"], result["merged"]) == (0, 5)
    assert counts(workspace)["services"] == 20
    settings = Settings.load({}, home=workspace, environment="test")
    services = AccessServices.from_settings(settings)
    try:
        with services.sessions() as session:
            provenance = reads.provenance_of(session, records[0]["id"])
    finally:
        services.close()
    assert {p.external_id for p in provenance} == {records[0]["id"], other[0]["id"]}


@pytest.mark.slow
def test_a_feed_of_ten_thousand_services_is_imported(
        run: Any, serve: Callable[[Feed], str], workspace: Path) -> None:
    many = synthetic_services(postcodes(), 10_000, seed=5)
    feed = Feed(many, per_page=500)
    code, out, err = run("directory", "import", serve(feed), "--json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["pages"], result["records_read"]) == (20, 10_000)
    # synthetic listings that share a name and a postcode are one listing: merged
    assert result["created"] + result["merged"] == 10_000 and result["quarantined"] == 0
    assert counts(workspace)["services"] == result["created"]


def test_a_file_of_services_is_imported_and_its_bad_record_quarantined(
        run: Any, records: list[dict[str, Any]], workspace: Path, tmp_path: Path) -> None:
    from vrhub.cli import directory as directory_cli

    file = tmp_path / "services.ndjson"
    broken = {"id": "no-name-here", "status": "active"}
    file.write_text("".join(json.dumps(r) + "\n" for r in [*records[:10], broken]),
                    encoding="utf-8")
    code, out, err = run(directory_cli.command.name, directory_cli.import_.name, file,
                         "--json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["records_read"], result["created"], result["quarantined"]) == (11, 10, 1)
    assert counts(workspace)["services"] == 10
    code, out, _ = run(directory_cli.command.name, directory_cli.imports.name, "--json")
    [listed] = json.loads(out)
    assert (listed["import_id"], listed["records_read"]) == (result["import_id"], 11)
    code, out, _ = run(directory_cli.command.name, directory_cli.quarantine.name,
                       listed["import_id"], "--json")
    assert [q["record_id"] for q in json.loads(out)] == ["no-name-here"]
