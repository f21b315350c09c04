"""Outcomes speed: ``python -m benchmarks.bench_outcomes``.

Returns part (``returns_*`` functions):

- **a return of 5,000 rows** validated and stored (wall-clock seconds, and the CPU seconds
  of this process, the steadier figure on a shared machine): the XLSX template of a programme filled
  in (its "Reach and delivery" figures and 5,000 - 25 participants' measures), submitted
  through :func:`vrhub.outcomes.returns.submit_return` on the SQLite app database and, when
  ``VRHUB_TEST_POSTGRES_URL`` is set, on a fresh PostgreSQL one (target < 2 s);
- **the dashboard and API** with 100 programmes x 3 years of quarterly returns (1,200
  approved returns, 30,000 figures) on SQLite: ``vrhub serve --workers 2``,
  driven by 20 concurrent clients (aiohttp), p50/p95 per endpoint (target p95 < 300 ms).

Measures part (``measures_*`` functions): 50,000 participant measures and i-Statement
survey responses uploaded through the services, then the outcomes dashboard, pre/post,
KPIs and the public page at 20 concurrent clients (target p95 < 300 ms).

``--only returns`` or ``--only measures`` runs one part; ``--only submit`` times the
5,000-row return alone, ``--only cpu`` serves each endpoint in this process one request at
a time and records its wall and CPU milliseconds per request (the fair figure on a loaded
machine). Results go to
``benchmarks/results/outcomes.json`` with the machine's load average.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

RESULTS = Path(__file__).parent / "results" / "outcomes.json"
ROWS = 5_000
PROGRAMMES = 100
CONCURRENCY = 20
WORKERS = 2  # one web worker per core of the 2-core machine it was written on
BOROUGHS = [f"E09{i:06d}" for i in range(1, 33)]
AREAS = ["CYP-RH", "CYP-PO", "FAM", "EDU", "CAP"]
PARTICIPANTS = 50_000
ITEMS = ("ons4_life_satisfaction", "ons4_worthwhile", "ons4_happiness", "ons4_anxiety",
         *(f"swemwbs_{i}" for i in range(1, 8)))


def _programme(i: int, start: str = "2022-04-01", end: str = "2025-03-31") -> dict[str, Any]:
    return {"code": f"BENCH-{i:03d}", "name": f"Benchmark programme {i}",
            "organisation": "Bench Trust", "funding_stream": "LCPF", "start_date": start,
            "end_date": end, "period_type": "quarter", "cohort_min_age": 10,
            "cohort_max_age": 24, "cohort_size": 5000, "priority_areas": [AREAS[i % 5]],
            "boroughs": [BOROUGHS[i % 32], BOROUGHS[(i + 7) % 32]],
            "measures": ["ons4"]}


def _services(home: Path, url: str | None) -> Any:
    from vrhub.access.services import AccessServices
    from vrhub.settings import Settings

    extra = {"database_url": url} if url else {}
    return AccessServices.from_settings(Settings.load({}, home=home, environment="test",
                                                      **extra))


def _five_thousand_rows(outcomes: Any, lead: Any) -> bytes:
    import openpyxl

    from vrhub.outcomes.returns import return_template

    _, data = return_template(outcomes, lead, "BENCH-000", "2024-25-Q1")
    book = openpyxl.load_workbook(io.BytesIO(data))
    values = book["Reach and delivery"]
    for row in values.iter_rows(min_row=2):
        row[3].value = 3 if row[1].value != "total" else 40
    measures = book["Measures"]
    heads = [c.value for c in measures[1]]
    extra = ROWS - (values.max_row - 1)
    for n in range(extra):
        record = {"participant_id": f"P{n:05d}", "timepoint": "pre",
                  "collected_on": dt.date(2024, 4, 1) + dt.timedelta(days=n % 90),
                  "ons4_life_satisfaction": n % 11, "ons4_worthwhile": (n + 3) % 11,
                  "ons4_happiness": (n + 5) % 11, "ons4_anxiety": (n + 7) % 11}
        measures.append([record.get(h) for h in heads])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def returns_submit(url: str | None, label: str) -> dict[str, Any]:
    """Time one 5,000-row return, validated and stored."""
    from vrhub.access.principal import Principal, console_administrator
    from vrhub.access.roles import Role
    from vrhub.outcomes.context import Outcomes
    from vrhub.outcomes.programmes import save_programmes
    from vrhub.outcomes.returns import submit_return

    with tempfile.TemporaryDirectory() as tmp:
        services = _services(Path(tmp), url)
        try:
            outcomes = Outcomes(services.sessions, services.policy,
                                clock=lambda: dt.datetime(2024, 7, 15, 9))
            save_programmes(outcomes, console_administrator("bench"), [_programme(0)])
            lead = Principal(email="lead@example.org", role=Role.PROGRAMME_LEAD, user_id=1,
                             programmes=frozenset({"BENCH-000"}), channel="cli")
            data = _five_thousand_rows(outcomes, lead)
            load = os.getloadavg()[0]
            t0, c0 = time.perf_counter(), time.process_time()
            receipt = submit_return(outcomes, lead, "BENCH-000", data, "q1.xlsx")
            seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        finally:
            services.close()
    return {"app_database": label, "rows_read": receipt["rows_read"],
            "rows_accepted": receipt["rows_accepted"], "file_bytes": len(data),
            "seconds": round(seconds, 3), "cpu_seconds": round(cpu, 3), "target_s": 2.0,
            "under_target": seconds < 2.0, "cpu_under_target": cpu < 2.0,
            "load_average_1min": round(load, 2)}


def seed_returns(home: Path) -> str:
    """100 programmes with 12 approved quarterly returns each; a VRU analyst's token."""
    from vrhub.access.principal import console_administrator
    from vrhub.outcomes.context import Outcomes
    from vrhub.outcomes.programmes import save_programmes
    from vrhub.outcomes.return_templates import expected_rows
    from vrhub.standards.reporting_periods import ReportingPeriod
    from vrhub.storage.appdb.base import utc_now
    from vrhub.storage.outcomes import returns as store

    services = _services(home, None)
    admin = console_administrator("bench")
    outcomes = Outcomes(services.sessions, services.policy)
    saved = save_programmes(outcomes, admin, [_programme(i) for i in range(PROGRAMMES)])
    with services.sessions() as session:
        for programme, _ in saved:
            rows = expected_rows(programme)
            for n, period in enumerate(programme.periods()):
                values = [{"row_number": i + 2, "data_element": e, "breakdown": b,
                           "category": c, "value": float(10 + (i + n) % 7), "comment": ""}
                          for i, (e, b, c) in enumerate(rows)]
                store.add_return(session, {
                    "return_id": f"ret-{uuid.uuid4().hex[:16]}",
                    "programme_code": programme.code, "period": period.code,
                    "period_start": period.first_day, "period_end": period.last_day,
                    "due_date": ReportingPeriod.parse(period.code).due_date(30),
                    "version": 1, "status": "approved", "file_name": "seed.csv",
                    "file_format": "csv", "sha256": "", "rows_read": len(values),
                    "rows_accepted": len(values), "rows_quarantined": 0,
                    "framework_version": "vru-strategy-2025-1", "receipt": {},
                    "submitted_by": "seed@example.org", "submitted_at": utc_now(),
                }, values=values, make_current=True)
        session.commit()
    services.identity.create_user(admin, "pan@example.org", role="pan_london_analyst",
                                  organisation="BENCH",
                                  password="plum kettle orbit lantern 42")
    token, _ = services.tokens.create(admin, "pan@example.org", "bench")
    services.close()
    return str(token)


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of process ``pid`` and its children (the web workers), Linux."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if stat.parent.name == str(pid) or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def returns_dashboard() -> dict[str, Any]:
    """p50/p95 of the returns and indicator endpoints and pages at 20 clients."""
    import httpx

    from benchmarks import bench_api_load as load

    load.CONCURRENCY = CONCURRENCY
    load.cpu_seconds = tree_cpu_seconds  # the server's CPU is its workers'
    load.REQUESTS_PER_ENDPOINT = 300
    server: subprocess.Popen[bytes] | None = None
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        env = {**os.environ, "VRHUB_HOME": str(home), "VRHUB_ENVIRONMENT": "test"}
        env.pop("VRHUB_DATABASE_URL", None)
        subprocess.run([sys.executable, "-m", "vrhub", "db", "upgrade"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        token = seed_returns(home)
        port = load.free_port()
        try:
            server = subprocess.Popen([sys.executable, "-m", "vrhub", "serve", "--host",
                                       "127.0.0.1", "--port", str(port), "--workers",
                                       str(WORKERS)], env=env)
            base = f"http://127.0.0.1:{port}"
            for _ in range(200):
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            paths = {
                "api_returns_board": ["/api/v1/outcomes/returns/board"],
                "api_indicators_all": ["/api/v1/outcomes/indicators/results"],
                "api_indicators_area": [f"/api/v1/outcomes/indicators/results?area={a}"
                                        for a in AREAS],
                "api_indicators_programme": [
                    f"/api/v1/outcomes/indicators/results?programme=BENCH-{i:03d}"
                    for i in range(0, PROGRAMMES, 7)],
                "api_returns_of_programme": [f"/api/v1/outcomes/returns?programme=BENCH-{i:03d}"
                                             for i in range(0, PROGRAMMES, 7)],
                "page_returns_board": ["/outcomes/returns"],
                "page_indicators_borough": [f"/outcomes/indicators?borough={b}"
                                            for b in BOROUGHS[:8]],
                "page_programme": [f"/outcomes/programmes/BENCH-{i:03d}"
                                   for i in range(0, PROGRAMMES, 9)],
            }
            before = os.getloadavg()
            results = asyncio.run(load.drive(base, {"Authorization": f"Bearer {token}"},
                                             paths, server.pid))
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=30)
    worst = max(r["p95_ms"] for r in results.values())
    return {"programmes": PROGRAMMES, "returns": PROGRAMMES * 12, "concurrency": CONCURRENCY,
            "workers": WORKERS,
            "app_database": "sqlite", "endpoints": results, "worst_p95_ms": worst,
            "target_p95_ms": 300, "under_target": worst < 300,
            "load_average_before": [round(x, 2) for x in before]}


def _measures_programme(i: int) -> dict[str, Any]:
    return {**_programme(i, "2024-04-01", "2025-03-31"), "measures": ["ons4", "swemwbs"],
            "survey_code": "BENCH-SURVEY"}


def _measures_csv(code: str, timepoint: str, day: str, ids: range,
                  rng: np.random.Generator) -> bytes:
    head = "participant_id,timepoint,collected_on,age_band,sex,ethnicity," + ",".join(ITEMS)
    lines = [head]
    for k in ids:
        ons = rng.integers(0, 11, 4)
        swem = rng.integers(1, 6, 7)
        lines.append(f"P-{k:05d},{timepoint},{day},14-17,female,black,"
                     + ",".join(map(str, [*ons, *swem])))
    return ("\n".join(lines) + "\n").encode()


def measures_fill(home: Path, participants: int, seed: int = 11) -> dict[str, Any]:
    """Programmes, i-Statements, measures and responses through the services."""
    from vrhub.access.principal import Principal, console_administrator
    from vrhub.access.roles import Role
    from vrhub.access.services import AccessServices
    from vrhub.outcomes import istatements, measures, programmes, survey_responses
    from vrhub.outcomes.context import Outcomes
    from vrhub.settings import Settings

    rng = np.random.default_rng(seed)
    settings = Settings.load({}, home=home, environment="test")
    services = AccessServices.from_settings(settings)
    outcomes = Outcomes(services.sessions, services.policy)
    admin = console_administrator("bench")
    vru = Principal(email="vru@bench.example", role=Role.PAN_LONDON_ANALYST, user_id=None,
                    channel="cli")
    programmes.save_programmes(outcomes, admin, [_measures_programme(i) for i in range(PROGRAMMES)])
    statements = [{"code": f"B-IST-{k}", "text": f"Benchmark statement {k}",
                   "theme": "Benchmark", "priority_area": AREAS[k % 5],
                   "kpi_set": "Benchmark", "target_pct": 60} for k in range(6)]
    istatements.load(outcomes, vru, {"statements": statements, "surveys": [
        {"code": "BENCH-SURVEY", "title": "Benchmark", "statements": [
            s["code"] for s in statements]}]})
    per = round(participants / (PROGRAMMES * 1.8))  # pre for all, post for four in five
    rows = 0
    start = time.perf_counter()
    for i in range(PROGRAMMES):
        code = f"BENCH-{i:03d}"
        lead = Principal(email=f"lead{i}@bench.example", role=Role.PROGRAMME_LEAD,
                         user_id=None, programmes=frozenset({code}), channel="cli")
        pre = _measures_csv(code, "pre", "2024-05-01", range(per), rng)
        post = _measures_csv(code, "post", "2024-11-01", range(per - per // 5), rng)
        rows += measures.submit(outcomes, lead, code, "2024-25-Q1", pre,
                                "pre.csv")["rows_accepted"]
        rows += measures.submit(outcomes, lead, code, "2024-25-Q3", post,
                                "post.csv")["rows_accepted"]
        for q in range(1, 5):
            month = (3 * q + 1) if q < 4 else 1
            day = dt.date(2024 + (q == 4), month, 15).isoformat()
            lines = ["respondent_id,collected_on,borough," + ",".join(
                s["code"].lower() for s in statements)]
            lines += [f"R-{q}{k:04d},{day},{BOROUGHS[i % 32]}," + ",".join(
                map(str, rng.integers(1, 6, len(statements)))) for k in range(50)]
            survey_responses.submit(outcomes, lead, code, f"2024-25-Q{q}",
                                    ("\n".join(lines) + "\n").encode(), "s.csv")
    seconds = time.perf_counter() - start
    services.close()
    return {"participant_measures": rows, "upload_seconds": round(seconds, 1),
            "measure_rows_per_second": round(rows / seconds)}


def measures_load(participants: int = PARTICIPANTS) -> dict[str, Any]:
    """Measures part: 100 programmes with ``participants`` participant measures (pre in
    Q1, post in Q3, about four in five paired) and four quarters of i-Statement survey
    responses, served and timed at 20 clients: the dashboard API (everything, each area,
    programmes, boroughs), pre/post, KPIs, the dashboard page and the public page."""
    from vrhub.access.principal import console_administrator
    from vrhub.access.services import AccessServices
    from vrhub.settings import Settings

    server: subprocess.Popen[bytes] | None = None
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        filled = measures_fill(home, participants)
        settings = Settings.load({}, home=home, environment="test")
        services = AccessServices.from_settings(settings)
        admin = console_administrator("bench")
        services.identity.create_user(admin, "pan@bench.example", role="pan_london_analyst",
                                      organisation="BENCH",
                                      password="plum kettle orbit lantern 42")
        token, _ = services.tokens.create(admin, "pan@bench.example", "bench")
        services.close()
        env = {**os.environ, "VRHUB_HOME": str(home), "VRHUB_ENVIRONMENT": "test"}
        from benchmarks import bench_api_load as load

        load.CONCURRENCY = CONCURRENCY
        load.cpu_seconds = tree_cpu_seconds  # the server's CPU is its workers'
        load.REQUESTS_PER_ENDPOINT = 300
        port = load.free_port()
        server = subprocess.Popen([sys.executable, "-m", "vrhub", "serve", "--host",
                                   "127.0.0.1", "--port", str(port), "--workers",
                                   str(WORKERS)], env=env)
        try:
            import httpx

            base = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            paths = {
                "api_dashboard_all": ["/api/v1/outcomes/dashboard"],
                "api_dashboard_area": [f"/api/v1/outcomes/dashboard?area={a}" for a in AREAS],
                "api_dashboard_programme": [
                    f"/api/v1/outcomes/dashboard?programme=BENCH-{i:03d}"
                    for i in range(0, PROGRAMMES, 7)],
                "api_dashboard_borough": [f"/api/v1/outcomes/dashboard?borough={b}"
                                          for b in BOROUGHS[:8]],
                "api_prepost_area": [f"/api/v1/outcomes/prepost?area={a}" for a in AREAS],
                "api_kpis_all": ["/api/v1/outcomes/kpis"],
                "page_dashboard_area": [f"/outcomes?area={a}" for a in AREAS],
                "page_public": ["/outcomes/public"],
            }
            load_before = os.getloadavg()
            timed = asyncio.run(load.drive(base, {"Authorization": f"Bearer {token}"},
                                           paths, server.pid))
            load_after = os.getloadavg()
        finally:
            server.terminate()
            server.wait(timeout=30)
    worst = max(r["p95_ms"] for r in timed.values())
    return {"concurrency": CONCURRENCY,
            "programmes": PROGRAMMES, **filled, "app_database": "sqlite",
            "target_p95_ms": 300, "worst_p95_ms": worst, "meets_target": worst < 300,
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in load_after],
            "cpus": os.cpu_count(), "endpoints": timed}


RETURNS_PATHS = {
    "api_returns_board": ["/api/v1/outcomes/returns/board"],
    "api_indicators_all": ["/api/v1/outcomes/indicators/results"],
    "api_indicators_area": [f"/api/v1/outcomes/indicators/results?area={a}" for a in AREAS],
    "page_returns_board": ["/outcomes/returns"],
    "page_indicators_borough": [f"/outcomes/indicators?borough={b}" for b in BOROUGHS[:8]],
    "page_programme": [f"/outcomes/programmes/BENCH-{i:03d}" for i in range(0, PROGRAMMES, 9)],
}
MEASURES_PATHS = {
    "api_dashboard_all": ["/api/v1/outcomes/dashboard"],
    "api_dashboard_area": [f"/api/v1/outcomes/dashboard?area={a}" for a in AREAS],
    "api_dashboard_programme": [f"/api/v1/outcomes/dashboard?programme=BENCH-{i:03d}"
                                for i in range(0, PROGRAMMES, 9)],
    "api_kpis_all": ["/api/v1/outcomes/kpis"],
    "page_dashboard_area": [f"/outcomes?area={a}" for a in AREAS],
    "page_public": ["/outcomes/public"],
}


def per_request(home: Path, token: str, paths: dict[str, list[str]],
                repeat: int = 3) -> dict[str, Any]:
    """Wall and CPU milliseconds of one request to each endpoint, served in this process
    one at a time (mean over every path given, ``repeat`` times, after one warm-up
    round): CPU is the figure that does not depend on what else the machine runs."""
    from fastapi.testclient import TestClient

    from vrhub.settings import Settings
    from vrhub.web.app import create_app

    app = create_app(Settings.load({}, home=home, environment="test"))
    out: dict[str, Any] = {}
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {token}"}
        for name, urls in paths.items():
            for url in urls:
                assert client.get(url, headers=headers).status_code == 200, url
            walls, cpus = [], []
            for _ in range(repeat):
                for url in urls:
                    t0, c0 = time.perf_counter(), time.process_time()
                    client.get(url, headers=headers)
                    walls.append(time.perf_counter() - t0)
                    cpus.append(time.process_time() - c0)
            out[name] = {"requests": len(walls),
                         "wall_ms_mean": round(1000 * sum(walls) / len(walls), 1),
                         "cpu_ms_mean": round(1000 * sum(cpus) / len(cpus), 1),
                         "cpu_ms_max": round(1000 * max(cpus), 1)}
    return out


def cpu_part(out: dict[str, Any], participants: int) -> None:
    """CPU per request of the returns and the measures endpoints (in process)."""
    from vrhub.access.principal import console_administrator
    from vrhub.access.services import AccessServices
    from vrhub.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        returns_home = Path(tmp) / "returns"
        returns_home.mkdir()
        token = seed_returns(returns_home)
        out["returns_per_request"] = per_request(returns_home, token, RETURNS_PATHS)
        print(json.dumps(out["returns_per_request"], indent=1), flush=True)
        measures_home = Path(tmp) / "measures"
        measures_home.mkdir()
        measures_fill(measures_home, participants)
        services = AccessServices.from_settings(Settings.load({}, home=measures_home,
                                                              environment="test"))
        admin = console_administrator("bench")
        services.identity.create_user(admin, "pan@bench.example", role="pan_london_analyst",
                                      organisation="BENCH",
                                      password="plum kettle orbit lantern 42")
        token, _ = services.tokens.create(admin, "pan@bench.example", "bench")
        services.close()
        out["measures_per_request"] = per_request(measures_home, str(token), MEASURES_PATHS)
        print(json.dumps(out["measures_per_request"], indent=1), flush=True)


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["returns", "measures", "submit", "cpu"])
    parser.add_argument("--participants", type=int, default=PARTICIPANTS)
    args = parser.parse_args(argv)
    out: dict[str, Any] = {"benchmark": "outcomes", "cpus": os.cpu_count(),
                           "load_average_start": [round(x, 2) for x in os.getloadavg()]}
    if RESULTS.exists():  # keep the other part's last figures when running one part
        out = {**json.loads(RESULTS.read_text()), **out}
    if args.only == "submit":
        out["returns_5000_rows"] = [returns_submit(None, "sqlite")]
        print(out["returns_5000_rows"], flush=True)
    if args.only in (None, "cpu"):
        cpu_part(out, args.participants)
    if args.only in (None, "returns"):
        returns_part(out)
    if args.only in (None, "measures"):
        out["measures_dashboard"] = measures_load(args.participants)
        print("measures worst p95", out["measures_dashboard"]["worst_p95_ms"], "ms")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")


def returns_part(out: dict[str, Any]) -> None:
    out["returns_5000_rows"] = [returns_submit(None, "sqlite")]
    admin = os.environ.get("VRHUB_TEST_POSTGRES_URL")
    if admin:
        import psycopg

        from vrhub.storage.appdb import migrate

        plain = admin.replace("postgresql+psycopg://", "postgresql://")
        name = f"vrhub_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(plain, autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')
        url = admin.rpartition("/")[0] + "/" + name
        try:
            migrate.upgrade(url)
            out["returns_5000_rows"].append(returns_submit(url, "postgresql"))
        finally:
            with psycopg.connect(plain, autocommit=True) as con:
                con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(out["returns_5000_rows"], flush=True)
    out["returns_dashboard"] = returns_dashboard()
    print("worst p95", out["returns_dashboard"]["worst_p95_ms"], "ms")


if __name__ == "__main__":
    main()
