"""A borough page's first render: ``/boroughs/{code}`` asked cold, borough after borough.

``python -m benchmarks.bench_borough_page [--data-dir DIR | --workspace DIR | --no-real]
[--boroughs N]`` writes benchmarks/results/borough_page.json.

Two workspaces, each built once (in a temporary folder):

* ``demo``: ``vrhub demo``'s synthetic London (MPS counts, police.uk points, ED data);
* ``real``: the real London open data (``vrhub demo --data-dir``: a year and more of MPS
  recorded crime, police.uk Met street crime, boundaries, deprivation), built from
  ``--data-dir`` (default ``shared/data`` beside the repository), or an existing workspace
  given with ``--workspace`` (e.g. one kept by ``bench_demo_real --keep``). ``--no-real``
  leaves it out.

For each, a signed-in pan-London analyst asks for the profile page of ``--boroughs``
boroughs in turn, through the web app (TestClient), each borough once and for the first
time: the figure cache on disk (``<home>/cache``) and the in-memory response cache are
emptied before every request, so every request computes its figures. The first request of
the process (templates compiled, modules imported) is reported apart. Reported: p50, p95
and max seconds; the target is p95 under 0.5 s (``p95_under_500ms``). Beside them the CPU
seconds the process spent on each request (``cpu_p50_s``, ``cpu_p95_s``), which a shared
machine disturbs less than wall time. ``--demo-workspace DIR`` measures an existing demo
workspace instead of building one.
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
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from tests.warehouse_sql import query

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "borough_page.json"
TARGET_S = 0.5
PASSWORD = "plum kettle orbit lantern 42"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(q) - 1]


def _build(home: Path, data_dir: Path | None) -> float:
    from vrhub.demo import build_demo
    from vrhub.storage.warehouse import Warehouse

    started = time.perf_counter()
    with Warehouse(home / "warehouse.duckdb") as wh:
        build_demo(wh, home, data_dir=data_dir)
    return time.perf_counter() - started


def _client(home: Path) -> Any:
    from fastapi.testclient import TestClient

    from vrhub.access.principal import console_administrator
    from vrhub.errors import NotFound
    from vrhub.settings import Settings
    from vrhub.web.app import create_app

    app = create_app(Settings.load({}, home=home, environment="test"))
    email = "bench-boroughs@example.org"
    admin = console_administrator("benchmarks")
    try:
        app.state.access.identity.get_user(admin, email)
    except NotFound:
        app.state.access.identity.create_user(admin, email, role="pan_london_analyst",
                                              organisation="BENCH", password=PASSWORD)
    client = TestClient(app)
    page = client.get("/sign-in").text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post("/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": token,
                                  "next": "/"}, follow_redirects=False)
    return client


def _boroughs(home: Path) -> list[str]:
    from vrhub.storage.warehouse import Warehouse

    with Warehouse(home / "warehouse.duckdb", read_only=True) as wh:
        # London boroughs only (E09...): the real lookup also covers districts elsewhere,
        # which have no borough page
        frame = query(wh, "SELECT DISTINCT borough_code FROM area_lookup "
                          "WHERE borough_code LIKE 'E09%' ORDER BY borough_code")
    return [str(c) for c in frame["borough_code"]]


def measure(home: Path, boroughs: int) -> dict[str, Any]:
    codes = _boroughs(home)[:boroughs]
    client = _client(home)

    cpu: dict[str, float] = {}

    def cold(code: str) -> float:
        shutil.rmtree(home / "cache", ignore_errors=True)
        client.app.state.response_cache = None
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(f"/boroughs/{code}", headers={"accept": "text/html"})
        elapsed = time.perf_counter() - started
        cpu[code] = time.process_time() - cpu_started
        if response.status_code != 200:
            raise SystemExit(f"/boroughs/{code} answered {response.status_code}: "
                             f"{response.text[:300]}")
        return elapsed

    first = cold(codes[0])
    first_cpu = cpu[codes[0]]
    times = {code: cold(code) for code in codes[1:]} if len(codes) > 1 else {
        codes[0]: cold(codes[0])}
    values = list(times.values())
    cpus = [cpu[c] for c in times]
    slowest = max(times, key=lambda c: times[c])
    return {
        "boroughs": len(codes),
        "first_request_in_process_s": round(first, 3),
        "first_request_cpu_s": round(first_cpu, 3),
        "p50_s": round(statistics.median(values), 3),
        "p95_s": round(_percentile(values, 95), 3),
        "max_s": round(max(values), 3),
        "cpu_p50_s": round(statistics.median(cpus), 3),
        "cpu_p95_s": round(_percentile(cpus, 95), 3),
        "slowest_borough": slowest,
        "p95_under_500ms": bool(_percentile(values, 95) < TARGET_S),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--boroughs", type=int, default=33)
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--workspace", type=Path, default=None,
                        help="an existing real-data workspace to measure instead of building "
                        "one (it is not changed, apart from its cache folder)")
    parser.add_argument("--demo-workspace", type=Path, default=None,
                        help="an existing demo workspace (vrhub demo --no-serve) to measure "
                        "instead of building one")
    parser.add_argument("--no-real", action="store_true", help="measure the demo only")
    args = parser.parse_args(argv)

    result: dict[str, Any] = {"benchmark": "borough page, first render (cold figures)",
                              "target_s": TARGET_S, "load_average_before": [
                                  round(x, 2) for x in os.getloadavg()]}
    with ExitStack() as stack:
        if args.demo_workspace is not None:
            demo_home, demo_built = args.demo_workspace, None
        else:
            demo_home = Path(stack.enter_context(tempfile.TemporaryDirectory(
                prefix="vrhub-bench-borough-demo-")))
            demo_built = round(_build(demo_home, None), 1)
        result["demo"] = {"build_s": demo_built, **measure(demo_home, args.boroughs)}
        if not args.no_real:
            if args.workspace is not None:
                real_home = args.workspace
                built = None
            else:
                if not args.data_dir.is_dir():
                    raise SystemExit(f"no data folder at {args.data_dir}: pass --data-dir, "
                                     "--workspace or --no-real")
                real_home = Path(stack.enter_context(tempfile.TemporaryDirectory(
                    prefix="vrhub-bench-borough-real-")))
                built = round(_build(real_home, args.data_dir.resolve()), 1)
            result["real"] = {"workspace": "given" if built is None else "built",
                              "build_s": built,
                              **measure(real_home, args.boroughs)}
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    result["p95_under_500ms"] = all(result[k]["p95_under_500ms"] for k in ("demo", "real")
                                    if k in result)
    result["machine"] = {"platform": platform.platform(),
                         "python": platform.python_version(), "cpus": os.cpu_count()}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
