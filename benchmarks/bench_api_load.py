"""API latency under load: ``python -m benchmarks.bench_api_load``.

Builds a London-year synthetic warehouse (~100k police.uk street crimes over 32 boroughs
and 12 months, plus a year of ED assaults), creates a fresh PostgreSQL app database
(from the admin URL in ``VRHUB_TEST_POSTGRES_URL``; dropped afterwards), starts
``vrhub serve`` as a second process on 127.0.0.1 and drives it with ``httpx.AsyncClient``
at 50 concurrent clients for a bounded number of requests and time. Reports p50/p95 per
endpoint into ``benchmarks/results/api_load.json`` (target: p95 under 150 ms).
"""

from __future__ import annotations

import asyncio
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

CONCURRENCY = 50
REQUESTS_PER_ENDPOINT = 500
TIME_LIMIT_S = 60.0
POLICE_ROWS = 100_000
BOROUGHS = [f"E09{i:06d}" for i in range(1, 34) if i != 34][:32]
RESULTS = Path(__file__).parent / "results" / "api_load.json"


def build_warehouse(path: Path, seed: int = 7) -> None:
    from vrhub.standards.istv import CURRENT_VIEW_SQL, ISTV_ASSAULT, ISTV_SUBMISSION
    from vrhub.standards.police_uk import POLICE_STREET
    from vrhub.storage.warehouse import Warehouse

    rng = np.random.default_rng(seed)
    months = [f"2024-{m:02d}" for m in range(1, 13)]
    types = ["Violence and sexual offences", "Burglary", "Robbery", "Vehicle crime",
             "Anti-social behaviour", "Shoplifting"]
    b = rng.integers(0, len(BOROUGHS), POLICE_ROWS)
    police = pd.DataFrame({
        "file_id": "f" * 64, "row_number": np.arange(1, POLICE_ROWS + 1),
        "crime_id": [f"c{i}" for i in range(POLICE_ROWS)],
        "month": rng.choice(months, POLICE_ROWS), "force": "metropolitan",
        "series": "metropolitan-street", "crime_id_duplicate": False,
        "crime_type": rng.choice(types, POLICE_ROWS), "location": "On or near X Road",
        "easting": 505000 + 1500.0 * (b % 8) + rng.uniform(0, 1500, POLICE_ROWS),
        "northing": 170000 + 1500.0 * (b // 8) + rng.uniform(0, 1500, POLICE_ROWS),
        "lsoa21_code": "E01000001", "ward_code": [f"E05{i:06d}" for i in b * 10 +
                                                  rng.integers(0, 10, POLICE_ROWS)],
        "borough_code": np.array(BOROUGHS)[b]})
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
    with Warehouse(path) as wh:
        wh.ensure_tables([POLICE_STREET, ISTV_SUBMISSION, ISTV_ASSAULT])
        for table, frame in ((POLICE_STREET, police), (ISTV_SUBMISSION, submission),
                             (ISTV_ASSAULT, assaults)):
            wh.insert(table, frame[[c for c in frame.columns if c in table.column_names]])
        wh.con.execute(CURRENT_VIEW_SQL)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def one_endpoint(client: Any, path: str) -> dict[str, Any]:
    """``REQUESTS_PER_ENDPOINT`` GETs of ``path`` by ``CONCURRENCY`` workers (time-bounded)."""
    times: list[float] = []
    errors = 0
    start = time.perf_counter()
    queue = iter(range(REQUESTS_PER_ENDPOINT))

    async def worker() -> None:
        nonlocal errors
        for _ in queue:
            if time.perf_counter() - start > TIME_LIMIT_S:
                return
            t0 = time.perf_counter()
            response = await client.get(path)
            times.append((time.perf_counter() - t0) * 1000)
            if response.status_code != 200:
                errors += 1

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    arr = np.array(times)
    return {"path": path, "requests": len(times), "errors": errors,
            "p50_ms": round(float(np.percentile(arr, 50)), 1),
            "p95_ms": round(float(np.percentile(arr, 95)), 1),
            "wall_s": round(time.perf_counter() - start, 2)}


async def drive(base: str, headers: dict[str, str], paths: dict[str, str]
                ) -> dict[str, dict[str, Any]]:
    import httpx

    results: dict[str, dict[str, Any]] = {}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30.0,
                                 limits=httpx.Limits(max_connections=CONCURRENCY)) as client:
        for name, path in paths.items():
            results[name] = await one_endpoint(client, path)
            print(name, results[name], flush=True)
    return results


def main() -> None:
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
            build_warehouse(home / "warehouse.duckdb")
            env = {**os.environ, "VRHUB_HOME": str(home), "VRHUB_DATABASE_URL": url,
                   "VRHUB_ENVIRONMENT": "test"}
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
                                       "127.0.0.1", "--port", str(port)], env=env)
            base = f"http://127.0.0.1:{port}"
            import httpx

            for _ in range(200):
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            paths = {
                "counts_police_borough": "/api/v1/counts?source=police&level=borough",
                "counts_police_ward": "/api/v1/counts?source=police&level=ward&limit=500",
                "counts_istv_borough": "/api/v1/counts?source=istv&level=borough",
                "trends_police_borough": f"/api/v1/trends?source=police&area={BOROUGHS[0]}",
                "records_police_borough":
                    f"/api/v1/records/police?borough={BOROUGHS[0]}&limit=100",
                "public_manifest": "/api/v1/public",
                "public_file": "/api/v1/public/police-ward-month.json",
            }
            results = asyncio.run(drive(base, {"Authorization": f"Bearer {token}"}, paths))
            RESULTS.parent.mkdir(parents=True, exist_ok=True)
            RESULTS.write_text(json.dumps({
                "benchmark": "api_load", "concurrency": CONCURRENCY,
                "police_rows": POLICE_ROWS, "app_database": "postgresql",
                "target_p95_ms": 150, "endpoints": results}, indent=2), encoding="utf-8")
            print(f"wrote {RESULTS}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        with psycopg.connect(plain, autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
