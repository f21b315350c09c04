"""The opportunities directory: ``python -m benchmarks.bench_directory``.

1. **Import**: a full ORUK import of 10,000 synthetic services (fully nested, 500 a page)
   from a feed served on 127.0.0.1, into a fresh workspace (SQLite; PostgreSQL as well
   when ``VRHUB_TEST_POSTGRES_URL`` is set), then the same feed again (idempotent: nothing
   written). Target: under 30 s. Beside it, the peer step every ORUK consumer must do:
   validating the same records against the profile's own JSON Schema with ``jsonschema``
   (the schema from ../shared/standards/oruk-uk-3.0) - the ratio says how much of the
   import is validation.
2. **Search**: ``/oruk/services`` over those 10,000 services from ``vrhub serve --workers
   2`` (``--workers N`` to change; one a core), asked by 50 concurrent clients (each on
   one kept-alive connection, through a minimal HTTP/1.1 client on uvloop so that the
   load generator takes as little of the shared cores as it can; its own CPU per request
   is recorded), each question a different mix of words, postcode with proximity and age
   range (the same mixes as a public search), 2,000 requests, after 50 other questions
   that open the connections and build each worker's index. Target: p95 under 100 ms. The
   server's CPU time per request counts every worker (and each worker's share is written,
   which shows how evenly the kernel spread the kept-alive connections). Beside it, the
   same questions answered in process by the search index, and by a brute-force scan of
   the same rows with pandas (the peer): the ratio is the index's speed-up.

The machine's load average before and after is written beside the figures: on a shared
machine the times stretch with it, the CPU seconds much less.

Writes ``benchmarks/results/directory.json``. The feed is served, and the server asked, on
127.0.0.1 only; every loop is bounded in count and time.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np

from benchmarks.bench_api_load import cpu_seconds, free_port

SERVICES = 10_000
PAGE = 500
CONCURRENCY = 50
REQUESTS = 2_000
TIME_LIMIT_S = 120.0
RESULTS = Path(__file__).parent / "results" / "directory.json"
ORUK = Path(__file__).resolve().parents[2] / "shared" / "standards" / "oruk-uk-3.0"
BOROUGHS = [(f"E09{i:06d}", f"Borough {i}") for i in range(1, 34)]


def make_feed(seed: int = 19) -> tuple[list[Any], list[dict[str, Any]]]:
    from vrhub.synthetic.directory import grid_areas, synthetic_postcodes, synthetic_services

    postcodes = synthetic_postcodes(grid_areas(BOROUGHS), per_area=30, seed=seed)
    return postcodes, synthetic_services(postcodes, SERVICES, seed=seed)


def serve(records: list[dict[str, Any]]) -> tuple[ThreadingHTTPServer, str]:
    pages = {}
    total_pages = -(-len(records) // PAGE)
    for n in range(1, total_pages + 1):
        chunk = records[(n - 1) * PAGE:n * PAGE]
        pages[n] = json.dumps({"total_items": len(records), "total_pages": total_pages,
                               "page_number": n, "size": len(chunk), "first_page": n == 1,
                               "last_page": n == total_pages, "empty": not chunk,
                               "contents": chunk}).encode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            number = int(parse_qs(urlsplit(self.path).query).get("page", ["1"])[0])
            body = pages.get(number, b'{"contents": []}')
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/api"


def load_postcodes(home: Path, postcodes: list[Any]) -> None:
    import pandas as pd

    from vrhub.standards.gazetteer import GAZETTEER_POSTCODE
    from vrhub.storage.warehouse import Warehouse

    with Warehouse(home / "warehouse.duckdb") as wh:
        wh.ensure_tables([GAZETTEER_POSTCODE])
        wh.insert(GAZETTEER_POSTCODE, pd.DataFrame([{
            "postcode": p.postcode.replace(" ", ""), "easting": p.easting,
            "northing": p.northing, "lsoa21_code": None, "ward_code": None,
            "borough_code": p.borough_code} for p in postcodes]))


def one_import(home: Path, url: str, database_url: str | None) -> dict[str, Any]:
    from vrhub.access.services import AccessServices
    from vrhub.pathways.directory import Directory
    from vrhub.pathways.oruk_import import import_feed
    from vrhub.pathways.postcode_source import postcode_lookup
    from vrhub.settings import Settings
    from vrhub.storage.warehouse import Warehouse

    settings = Settings.load({}, home=home, environment="test", database_url=database_url)
    services = AccessServices.from_settings(settings)
    warehouse = Warehouse(home / "warehouse.duckdb")
    try:
        directory = Directory(services.sessions, postcode_lookup(lambda: warehouse))
        directory.ensure_vocabularies()
        started, cpu0 = time.perf_counter(), time.process_time()
        first = import_feed(directory, url, timeout=60)
        first_s, first_cpu = time.perf_counter() - started, time.process_time() - cpu0
        started = time.perf_counter()
        again = import_feed(directory, url, timeout=60)
        again_s = time.perf_counter() - started
    finally:
        warehouse.close()
        services.close()
    return {"services": first.records_read, "created": first.created,
            "quarantined": first.quarantined, "seconds": round(first_s, 2),
            "cpu_seconds": round(first_cpu, 2),
            "services_per_s": round(first.records_read / first_s),
            "reimport_seconds": round(again_s, 2), "reimport_unchanged": again.unchanged,
            "under_30_s": first_s < 30}


def peer_validation(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The profile's own JSON Schema over the same records (jsonschema)."""
    import jsonschema

    schema = json.loads((ORUK / "validator-schemas" / "service.json").read_text("utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    started = time.perf_counter()
    invalid = sum(1 for r in records if not validator.is_valid(r))
    return {"seconds": round(time.perf_counter() - started, 2), "invalid": invalid}


WORDS = ("boxing", "music", "football", "mentoring", "skills", "youth", "job", "dance",
         "club", "studio", "wellbeing", "support", "art", "training", "coaching")


def questions(postcodes: list[Any], n: int, seed: int = 5) -> list[dict[str, str]]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        lo = int(rng.integers(10, 22))
        out.append({"search": str(rng.choice(WORDS)),
                    "postcode": postcodes[int(rng.integers(0, len(postcodes)))].postcode,
                    "proximity": str(int(rng.choice([1000, 2000, 5000, 10000]))),
                    "minimum_age": str(lo), "maximum_age": str(lo + int(rng.integers(0, 4)))})
    return out


def worker_cpu_seconds(pid: int) -> dict[int, float]:
    """CPU time of process ``pid`` and of each of its children (the worker processes of
    ``vrhub serve --workers N``), by process id."""
    found = {pid: cpu_seconds(pid)}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found[int(stat.parent.name)] = cpu_seconds(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of process ``pid`` and its children."""
    return sum(worker_cpu_seconds(pid).values())


class Connection:
    """One kept-alive HTTP/1.1 connection asking GETs in turn: the least a client can do
    (write the request line, read the status, the headers and ``Content-Length`` bytes),
    so that the load generator, which shares the machine's cores with the server, costs
    as little CPU as it can."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                          "Accept: application/json\r\n\r\n".encode("ascii"))
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        body = await self.reader.readexactly(length)
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def drive(base: str, paths: list[str], pid: int, warm: list[str] | None = None
                ) -> dict[str, Any]:
    """``paths`` asked by :data:`CONCURRENCY` clients, each on its own kept-alive
    connection, after each has asked one of ``warm`` (not timed: opens the connections
    and builds each worker's index). Server CPU is read from /proc for every worker
    process, the load generator's own CPU from this process."""
    host, port = urlsplit(base).hostname or "127.0.0.1", urlsplit(base).port or 80
    times: list[float] = []
    errors = 0
    sizes = []
    queue = iter(range(len(paths)))
    warm = warm or paths[:1]
    connections = [Connection(host, port) for _ in range(CONCURRENCY)]
    await asyncio.gather(*(c.get(warm[k % len(warm)]) for k, c in enumerate(connections)))
    server0 = worker_cpu_seconds(pid)
    client0, start = time.process_time(), time.perf_counter()

    async def worker(connection: Connection) -> None:
        nonlocal errors
        for i in queue:
            if time.perf_counter() - start > TIME_LIMIT_S:
                return
            t0 = time.perf_counter()
            status, body = await connection.get(paths[i])
            if status != 200:
                errors += 1
            times.append((time.perf_counter() - t0) * 1000)
            sizes.append(len(body))

    try:
        await asyncio.gather(*(worker(c) for c in connections))
    finally:
        for c in connections:
            c.close()
    wall = time.perf_counter() - start
    client_cpu = time.process_time() - client0
    server1 = worker_cpu_seconds(pid)
    per_process = {p: server1.get(p, 0.0) - server0.get(p, 0.0) for p in server0}
    server_cpu = sum(per_process.values())
    arr = np.array(times)
    return {"requests": len(times), "errors": errors, "concurrency": CONCURRENCY,
            "p50_ms": round(float(np.percentile(arr, 50)), 1),
            "p95_ms": round(float(np.percentile(arr, 95)), 1),
            "max_ms": round(float(arr.max()), 1),
            "requests_per_s": round(len(times) / wall, 1),
            "server_cpu_ms_per_request": round(1000 * server_cpu / len(times), 2),
            "server_cpu_share_by_process": sorted(
                (round(v / server_cpu, 2) for v in per_process.values()), reverse=True)
            if server_cpu > 0 else [],
            "load_generator_cpu_ms_per_request": round(1000 * client_cpu / len(times), 2),
            "mean_response_bytes": int(np.mean(sizes)),
            "under_100_ms": float(np.percentile(arr, 95)) < 100}


def in_process(home: Path, postcodes: list[Any], asks: list[dict[str, str]]
               ) -> dict[str, Any]:
    """The index against a pandas scan of the same rows (the peer), same questions."""
    import pandas as pd

    from vrhub.access.services import AccessServices
    from vrhub.pathways.directory import Directory
    from vrhub.pathways.oruk_publish import service_query
    from vrhub.pathways.postcode_source import postcode_lookup
    from vrhub.pathways.search import words
    from vrhub.settings import Settings
    from vrhub.storage.warehouse import Warehouse

    settings = Settings.load({}, home=home, environment="test")
    services = AccessServices.from_settings(settings)
    warehouse = Warehouse(home / "warehouse.duckdb")
    try:
        directory = Directory(services.sessions, postcode_lookup(lambda: warehouse))
        index = directory.index()
        parsed = [service_query(directory, q) for q in asks]
        started = time.perf_counter()
        ours = [len(index.search(q)) for q in parsed]
        index_s = time.perf_counter() - started
        text = [" ".join(words(f"{n}")) for n in index.names]
        frame = pd.DataFrame({"text": text, "min": index.min_age, "max": index.max_age,
                              "x": index.place_x[np.argsort(index.place_service)]
                              if len(index.place_x) == len(index.ids) else np.nan,
                              "y": index.place_y[np.argsort(index.place_service)]
                              if len(index.place_y) == len(index.ids) else np.nan})
        started = time.perf_counter()
        for q in parsed:
            keep = frame["text"].str.contains(q.text or "", regex=False)
            keep &= frame["max"].isna() | (frame["max"] >= (q.minimum_age or 0))
            keep &= frame["min"].isna() | (frame["min"] <= (q.maximum_age or 200))
            if q.centre is not None:
                d = np.hypot(frame["x"] - q.centre[0], frame["y"] - q.centre[1])
                keep &= d <= (q.proximity or np.inf)
                frame.loc[keep].assign(d=d[keep]).sort_values("d")
        scan_s = time.perf_counter() - started
    finally:
        warehouse.close()
        services.close()
    return {"questions": len(parsed), "index_ms_per_question": round(1000 * index_s /
                                                                      len(parsed), 3),
            "pandas_scan_ms_per_question": round(1000 * scan_s / len(parsed), 3),
            "index_speedup": round(scan_s / index_s, 1),
            "mean_matches": round(float(np.mean(ours)), 1)}


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2,
                        help="worker processes of vrhub serve (default 2: one a core)")
    parser.add_argument("--search-only", action="store_true",
                        help="skip the PostgreSQL import")
    args = parser.parse_args(argv)
    postcodes, records = make_feed()
    result: dict[str, Any] = {"services": len(records), "machine": {
        "cpus": os.cpu_count(), "load_average_before": [round(x, 1) for x in os.getloadavg()]}}
    feed, url = serve(records)
    try:
        with tempfile.TemporaryDirectory() as folder:
            home = Path(folder) / "home"
            home.mkdir()
            load_postcodes(home, postcodes)
            result["import_sqlite"] = one_import(home, url, None)
            print("import sqlite", result["import_sqlite"], flush=True)
            if ORUK.exists():
                peer = peer_validation(records)
                result["peer_jsonschema_validation"] = peer
                result["import_to_validation_ratio"] = round(
                    result["import_sqlite"]["seconds"] / max(peer["seconds"], 1e-9), 2)
            admin = os.environ.get("VRHUB_TEST_POSTGRES_URL")
            if admin and not args.search_only:
                result["import_postgres"] = import_postgres(home.parent, url, postcodes,
                                                            admin)
                print("import postgres", result["import_postgres"], flush=True)
            asks = questions(postcodes, REQUESTS)
            result["in_process"] = in_process(home, postcodes, asks)
            print("in process", result["in_process"], flush=True)
            warm = questions(postcodes, CONCURRENCY, seed=6)
            result["search_http"] = search_http(home, asks, warm, args.workers)
            print("search", result["search_http"], flush=True)
    finally:
        feed.shutdown()
        feed.server_close()
    result["machine"]["load_average_after"] = [round(x, 1) for x in os.getloadavg()]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


def import_postgres(base: Path, url: str, postcodes: list[Any], admin: str
                    ) -> dict[str, Any]:
    import psycopg

    from vrhub.storage.appdb import migrate

    plain = admin.replace("postgresql+psycopg://", "postgresql://")
    name = f"vrhub_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(plain, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    database = admin.rpartition("/")[0] + "/" + name
    home = base / "pg"
    home.mkdir()
    try:
        load_postcodes(home, postcodes)
        migrate.upgrade(database)
        return one_import(home, url, database)
    finally:
        with psycopg.connect(plain, autocommit=True) as con:
            con.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = %s", [name])
            con.execute(f'DROP DATABASE IF EXISTS "{name}"')


def run_loop(work: Any) -> Any:
    """Run ``work`` on uvloop where it is installed (the server's own loop; less CPU for
    the load generator), else on asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(work)
    return uvloop.run(work)


def search_http(home: Path, asks: list[dict[str, str]], warm: list[dict[str, str]],
                workers: int) -> dict[str, Any]:
    from urllib.parse import urlencode

    port = free_port()
    env = {**os.environ, "VRHUB_HOME": str(home), "VRHUB_ENVIRONMENT": "test",
           "VRHUB_ORUK_RATE_LIMIT": "1000000"}  # every client here is 127.0.0.1
    server = subprocess.Popen([sys.executable, "-m", "vrhub", "serve", "--port", str(port),
                               "--workers", str(workers)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:  # every worker up: the supervisor's socket
            try:                            # accepts before they are
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz",
                                            timeout=5) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        time.sleep(2.0 * workers)
        paths = ["/oruk/services?" + urlencode(q) for q in asks]
        warm_paths = ["/oruk/services?" + urlencode(q) for q in warm]
        found = run_loop(drive(f"http://127.0.0.1:{port}", paths, server.pid, warm_paths))
        return {"workers": workers, **found}
    finally:
        server.terminate()
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(30)


if __name__ == "__main__":
    main()
