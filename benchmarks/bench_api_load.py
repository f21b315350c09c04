"""API latency under load: ``python -m benchmarks.bench_api_load [--police-rows N] [--workers N]``.

Builds a London-year synthetic warehouse (1.1 million police.uk street crimes, the Met's
yearly volume, over 32 boroughs and 12 months, plus a year of ED assaults), creates a
fresh PostgreSQL app database (from the admin URL in ``VRHUB_TEST_POSTGRES_URL``;
dropped afterwards), starts ``vrhub serve`` as a second process on 127.0.0.1 and drives
it with an ``aiohttp`` client at 50 concurrent clients (each sends its next request as
soon as the last is answered) for a bounded number of requests and time. Reports p50/p95
per endpoint into ``benchmarks/results/api_load.json`` (target: p95 under 150 ms), with
the server's CPU time per request (a steadier figure on a shared machine) and the
client's.

The client is aiohttp rather than httpx because on two cores the load generator shares
the machine with the server: httpx spends about 6 ms of CPU per request at this
concurrency, aiohttp under 1 ms, so with httpx the benchmark mostly measures itself.
Each endpoint is asked once before it is timed (the first answer fills the caches),
except the ``*_mixed`` runs, which ask a different question on each request (32
boroughs, or 32 boroughs x 2 pages), none asked before: they measure answers computed
cold, and are reported beside the target, not in it.

With ``--workers N`` (N > 1) the server is ``vrhub serve --workers N`` sharing its answers
through Redis (``VRHUB_TEST_REDIS_URL``, else ``redis://127.0.0.1:6379/0``), as the
deployment guide sets up a host with N cores; the results go to ``api_load_workers_N.json``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.machine import MachineWatch

CONCURRENCY = 50
REQUESTS_PER_ENDPOINT = 500
TIME_LIMIT_S = 60.0
POLICE_ROWS = 1_100_000
BOROUGHS = [f"E09{i:06d}" for i in range(1, 34) if i != 34][:32]
RESULTS = Path(__file__).parent / "results" / "api_load.json"


def build_warehouse(path: Path, seed: int = 7, police_rows: int = POLICE_ROWS) -> None:
    import shapely

    from vrhub.standards.geography_tables import AREA_BOUNDARY
    from vrhub.standards.istv import ISTV_ASSAULT, ISTV_SUBMISSION
    from vrhub.standards.police_uk import POLICE_STREET
    from vrhub.storage import police_counted, police_rollup
    from vrhub.storage.queries.istv import ensure_current_view
    from vrhub.storage.warehouse import Warehouse

    rng = np.random.default_rng(seed)
    months = [f"2024-{m:02d}" for m in range(1, 13)]
    types = ["Violence and sexual offences", "Burglary", "Robbery", "Vehicle crime",
             "Anti-social behaviour", "Shoplifting"]
    b = rng.integers(0, len(BOROUGHS), police_rows)
    police = pd.DataFrame({
        "file_id": "f" * 64, "row_number": np.arange(1, police_rows + 1),
        "crime_id": [f"c{i}" for i in range(police_rows)],
        "month": rng.choice(months, police_rows), "force": "metropolitan",
        "series": "metropolitan-street", "crime_id_duplicate": False,
        "crime_type": rng.choice(types, police_rows), "location": "On or near X Road",
        "easting": 505000 + 1500.0 * (b % 8) + rng.uniform(0, 1500, police_rows),
        "northing": 170000 + 1500.0 * (b // 8) + rng.uniform(0, 1500, police_rows),
        "lsoa21_code": "E01000001", "ward_code": [f"E05{i:06d}" for i in b * 10 +
                                                  rng.integers(0, 10, police_rows)],
        "borough_code": np.array(BOROUGHS)[b]})
    # as a load leaves it: one part per monthly file of the force (its own file id), the
    # rows in the file's order, which police.uk makes by LSOA name, so by borough (the
    # rows here all name one LSOA: by borough and ward)
    police = police.sort_values(["month", "borough_code", "ward_code"],
                                kind="stable").reset_index(drop=True)
    police["file_id"] = police["month"].map(lambda m: m.replace("-", "").ljust(64, "f"))
    police["row_number"] = police.groupby("month").cumcount() + 1
    sub = "istv-" + "c" * 16
    n = 20_000
    ed_b = rng.integers(0, len(BOROUGHS), n)
    assaults = pd.DataFrame({
        "assault_id": [f"{sub}:{i}" for i in range(n)], "submission_id": sub,
        "site_code": "RAL01", "source_row": np.arange(n),
        "arrival_at": pd.Timestamp("2024-01-01") + pd.to_timedelta(
            rng.integers(0, 365 * 24, n), unit="h"),
        "assault_time_known": True, "assault_method": "BODY", "location_type": "STREET",
        "easting": 505000 + 1500.0 * (ed_b % 8), "northing": 170000 + 1500.0 * (ed_b // 8),
        "borough_code": np.array(BOROUGHS)[ed_b], "geocode_method": "bench",
        "geocode_confidence": 0.9})
    assaults["assault_at"] = assaults["arrival_at"] - pd.Timedelta(hours=1)
    submission = pd.DataFrame([{
        "submission_id": sub, "site_code": "RAL01", "period_start": dt.date(2024, 1, 1),
        "period_end": dt.date(2024, 12, 31), "received_at": dt.datetime(2025, 1, 5),
        "file_name": "bench.csv", "sha256": "c" * 64, "file_format": "csv",
        "header_source": "names", "codelist_version": "default-1", "status": "current",
        "rows_read": n, "rows_accepted": n, "rows_quarantined": 0, "redactions": "{}",
        "quality_score": 90.0, "receipt": "{}"}])
    # each synthetic borough is a 1.5 km square (for hotspot study areas)
    squares = [shapely.box(505000 + 1500.0 * (i % 8), 170000 + 1500.0 * (i // 8),
                           506500 + 1500.0 * (i % 8), 171500 + 1500.0 * (i // 8))
               for i in range(len(BOROUGHS))]
    boundaries = pd.DataFrame({
        "level": "borough", "code": BOROUGHS, "name": [f"Borough {i + 1}" for i in
                                                       range(len(BOROUGHS))],
        "borough_code": BOROUGHS, "area_m2": [sq.area for sq in squares],
        "geometry": shapely.to_wkb(squares), "file_id": "b" * 64})
    with Warehouse(path) as wh:
        wh.ensure_tables([POLICE_STREET, ISTV_SUBMISSION, ISTV_ASSAULT, AREA_BOUNDARY])
        parts = [(POLICE_STREET, monthly) for _, monthly in police.groupby("month")]
        for table, frame in (*parts, (ISTV_SUBMISSION, submission),
                             (ISTV_ASSAULT, assaults), (AREA_BOUNDARY, boundaries)):
            wh.insert(table, frame[[c for c in frame.columns if c in table.column_names]])
        ensure_current_view(wh)
        # as a police load leaves the warehouse: the crimes that count, and their counts
        police_counted.refresh(wh)
        police_rollup.refresh(wh)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of process ``pid`` and the processes it started (a
    server's worker processes), on Linux."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in children.read_text().split():
            with contextlib.suppress(FileNotFoundError):  # ended meanwhile
                total += cpu_seconds(int(child))
    return total


async def one_endpoint(client: Any, paths: list[str], server_pid: int,
                       warm: bool = True) -> dict[str, Any]:
    """``REQUESTS_PER_ENDPOINT`` GETs, taking ``paths`` in turn, by ``CONCURRENCY``
    workers (time-bounded); the first path is asked once beforehand unless not ``warm``."""
    if warm:
        async with client.get(paths[0]) as response:  # warm-up: not timed
            await response.read()
    times: list[float] = []
    errors = 0
    queue = iter(range(REQUESTS_PER_ENDPOINT))
    server0, client0 = cpu_seconds(server_pid), time.process_time()
    start = time.perf_counter()

    async def worker() -> None:
        nonlocal errors
        for i in queue:
            if time.perf_counter() - start > TIME_LIMIT_S:
                return
            t0 = time.perf_counter()
            async with client.get(paths[i % len(paths)]) as response:
                await response.read()
                status = response.status
            times.append((time.perf_counter() - t0) * 1000)
            if status != 200:
                errors += 1

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    wall = time.perf_counter() - start
    server_cpu = cpu_seconds(server_pid) - server0
    arr = np.array(times)
    return {"path": paths[0], "distinct_paths": len(paths), "requests": len(times),
            "errors": errors,
            "p50_ms": round(float(np.percentile(arr, 50)), 1),
            "p95_ms": round(float(np.percentile(arr, 95)), 1),
            "max_ms": round(float(arr.max()), 1),
            "requests_per_s": round(len(times) / wall, 1),
            "server_cpu_ms_per_request": round(1000 * server_cpu / len(times), 2),
            "client_cpu_ms_per_request": round(
                1000 * (time.process_time() - client0) / len(times), 2),
            "wall_s": round(wall, 2)}


async def drive(base: str, headers: dict[str, str], paths: dict[str, list[str]],
                server_pid: int) -> dict[str, dict[str, Any]]:
    import aiohttp

    results: dict[str, dict[str, Any]] = {}
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    timeout = aiohttp.ClientTimeout(total=60)
    # like a browser, the client accepts gzip; the time measured is to the response's last
    # byte (the client's own decompression is not counted), as HTTP load tools measure it
    async with aiohttp.ClientSession(base_url=base, headers=headers, connector=connector,
                                     timeout=timeout, auto_decompress=False) as client:
        for name, some in paths.items():
            results[name] = await one_endpoint(client, some, server_pid,
                                               warm=not name.endswith("_mixed"))
            print(name, results[name], flush=True)
    return results


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--police-rows", type=int, default=POLICE_ROWS)
    parser.add_argument("--workers", type=int, default=1,
                        help="server worker processes (more than one share answers through "
                        "Redis)")
    args = parser.parse_args(argv)
    results_path = RESULTS if args.workers == 1 else RESULTS.with_name(
        f"api_load_workers_{args.workers}.json")
    import psycopg

    from vrhub.access.principal import console_administrator
    from vrhub.access.services import AccessServices
    from vrhub.settings import Settings

    admin_url = os.environ.get("VRHUB_TEST_POSTGRES_URL")
    if not admin_url:
        sys.exit("set VRHUB_TEST_POSTGRES_URL to a PostgreSQL admin URL")
    plain = admin_url.replace("postgresql+psycopg://", "postgresql://")
    name = f"vrhub_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(plain, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    url = admin_url.rpartition("/")[0] + "/" + name
    server: subprocess.Popen[bytes] | None = None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp) / "home"
            home.mkdir()
            build_warehouse(home / "warehouse.duckdb", police_rows=args.police_rows)
            env = {**os.environ, "VRHUB_HOME": str(home), "VRHUB_DATABASE_URL": url,
                   "VRHUB_ENVIRONMENT": "test"}
            if args.workers > 1:
                env["VRHUB_REDIS_URL"] = os.environ.get("VRHUB_TEST_REDIS_URL",
                                                        "redis://127.0.0.1:6379/0")
            subprocess.run([sys.executable, "-m", "vrhub", "db", "upgrade"], env=env,
                           check=True)
            settings = Settings.load({}, home=home, environment="test", database_url=url)
            services = AccessServices.from_settings(settings)
            admin = console_administrator("bench")
            services.identity.create_user(admin, "pan@example.org",
                                          role="pan_london_analyst", organisation="BENCH",
                                          password="plum kettle orbit lantern 42")
            token, _ = services.tokens.create(admin, "pan@example.org", "bench")
            services.close()
            subprocess.run([sys.executable, "-m", "vrhub", "publish"], env=env, check=True,
                           stdout=subprocess.DEVNULL)
            port = free_port()
            server = subprocess.Popen([sys.executable, "-m", "vrhub", "serve", "--host",
                                       "127.0.0.1", "--port", str(port), "--workers",
                                       str(args.workers)], env=env)
            base = f"http://127.0.0.1:{port}"
            import httpx

            for _ in range(200):
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            load_before = os.getloadavg()
            watch = MachineWatch()
            first = BOROUGHS[0]
            paths = {
                "counts_police_borough": ["/api/v1/counts?source=police&level=borough"],
                "counts_police_ward": ["/api/v1/counts?source=police&level=ward&limit=500"],
                "counts_istv_borough": ["/api/v1/counts?source=istv&level=borough"],
                "trends_police_borough": [f"/api/v1/trends?source=police&area={first}"],
                # a different borough on each request, none asked before (cold caches)
                "trends_police_mixed": [f"/api/v1/trends?source=police&area={b}"
                                        for b in BOROUGHS],
                "hotspots_police_borough": [
                    f"/api/v1/hotspots?source=police&method=gistar&borough={first}"],
                "records_police_borough": [
                    f"/api/v1/records/police?borough={first}&limit=100"],
                "records_police_mixed": [
                    f"/api/v1/records/police?borough={b}&limit=100&offset={o}"
                    for o in (0, 100) for b in BOROUGHS],
                "records_istv_borough": [f"/api/v1/records/istv?borough={first}&limit=100"],
                "public_manifest": ["/api/v1/public"],
                "public_file": ["/api/v1/public/police-ward-month.json"],
            }
            results = asyncio.run(drive(base, {"Authorization": f"Bearer {token}"}, paths,
                                        server.pid))
            machine = watch.report()
            results_path.parent.mkdir(parents=True, exist_ok=True)
            results_path.write_text(json.dumps({
                "benchmark": "api_load", "concurrency": CONCURRENCY,
                "server_workers": args.workers,
                "police_rows": args.police_rows, "app_database": "postgresql",
                "client": "aiohttp", "cpus": os.cpu_count(),
                "load_average_before": load_before, "load_average_after": os.getloadavg(),
                # how fast the machine itself was meanwhile (benchmarks/machine.py): compare
                # latencies only between runs whose reference times are close
                "machine": machine,
                "target_p95_ms": 150,
                # the main endpoints, each answer asked for again and again (kept answers);
                # the *_mixed runs ask questions never asked before (computed cold) and
                # are reported beside them
                "p95_under_target": all(r["p95_ms"] < 150 for name, r in results.items()
                                        if not name.endswith("_mixed")),
                "p95_under_target_cold": all(r["p95_ms"] < 150 for name, r in
                                             results.items() if name.endswith("_mixed")),
                "endpoints": results}, indent=2), encoding="utf-8")
            print(f"wrote {results_path}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        with psycopg.connect(plain, autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
