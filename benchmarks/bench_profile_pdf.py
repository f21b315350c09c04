"""The borough board summary as a PDF: time from request to bytes.

``python -m benchmarks.bench_profile_pdf`` writes benchmarks/results/profile_pdf.json.

Builds the demo workspace (``vrhub demo``'s synthetic London: MPS counts, police.uk points,
ED data) in a temporary folder, then times, for one borough, through the web app (a signed-in
borough analyst, TestClient, no cache between runs):

* the first PDF in a fresh process (WeasyPrint and its fonts loaded on first use);
* the PDF again, ``--repeats`` times (p50 and max);
* the same summary as an HTML page, for comparison.

The target is a PDF in under 5 s (``pdf_under_5s``). Beside the wall times, the CPU
seconds the process spent on each request (``*_cpu_s``), which a shared machine disturbs
less. ``--workspace DIR`` measures an existing demo workspace instead of building one.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.warehouse_sql import scalar

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "profile_pdf.json"
TARGET_S = 5.0


def _clear_cache(home: Path) -> None:
    shutil.rmtree(home / "cache", ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--workspace", type=Path, default=None,
                        help="an existing demo workspace (vrhub demo --no-serve) to measure")
    args = parser.parse_args(argv)

    from fastapi.testclient import TestClient

    from vrhub.access.principal import console_administrator
    from vrhub.demo import build_demo
    from vrhub.errors import NotFound
    from vrhub.settings import Settings
    from vrhub.storage.warehouse import Warehouse
    from vrhub.web.app import create_app

    with tempfile.TemporaryDirectory(prefix="vrhub-bench-profile-") as folder:
        home = args.workspace or Path(folder)
        started = time.perf_counter()
        with Warehouse(home / "warehouse.duckdb", read_only=args.workspace is not None) as wh:
            if args.workspace is None:
                build_demo(wh, home)
            borough = str(scalar(wh, "SELECT code FROM area_boundary WHERE level = 'borough' "
                                     "ORDER BY code LIMIT 1"))
        build_s = None if args.workspace else round(time.perf_counter() - started, 2)
        app = create_app(Settings.load({}, home=home, environment="test"))
        password = "plum kettle orbit lantern 42"
        admin = console_administrator("benchmarks")
        try:
            app.state.access.identity.get_user(admin, "bench@example.org")
        except NotFound:
            app.state.access.identity.create_user(
                admin, "bench@example.org", role="borough_analyst", organisation="BENCH",
                boroughs=(borough,), password=password)
        client = TestClient(app)
        page = client.get("/sign-in").text
        token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        client.post("/sign-in", data={"email": "bench@example.org", "password": password,
                                      "csrf_token": token, "next": "/"},
                    follow_redirects=False)

        def timed(path: str) -> tuple[float, int, float]:
            _clear_cache(home)
            t0, c0 = time.perf_counter(), time.process_time()
            response = client.get(path, headers={"accept": "text/html"})
            elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}: "
                                 f"{response.text[:300]}")
            return elapsed, len(response.content), cpu

        first, size, first_cpu = timed(f"/boroughs/{borough}/profile.pdf")
        pdfs = [timed(f"/boroughs/{borough}/profile.pdf") for _ in range(args.repeats)]
        pages = [timed(f"/boroughs/{borough}/profile") for _ in range(args.repeats)]
        again, html = [t for t, _, _ in pdfs], [t for t, _, _ in pages]

    result: dict[str, Any] = {
        "benchmark": "borough board summary PDF",
        "data": "vrhub demo workspace (synthetic London)",
        "borough": borough,
        "demo_build_s": build_s,
        "pdf_first_in_process_s": round(first, 3),
        "pdf_first_in_process_cpu_s": round(first_cpu, 3),
        "pdf_p50_s": round(statistics.median(again), 3),
        "pdf_max_s": round(max(again), 3),
        "pdf_p50_cpu_s": round(statistics.median(c for _, _, c in pdfs), 3),
        "pdf_bytes": size,
        "html_p50_s": round(statistics.median(html), 3),
        "html_p50_cpu_s": round(statistics.median(c for _, _, c in pages), 3),
        "pdf_under_5s": bool(max([first, *again]) < TARGET_S),
        "repeats": args.repeats,
        "machine": {"platform": platform.platform(), "python": platform.python_version(),
                    "cpus": os.cpu_count()},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
