"""Every borough's needs assessment from a London year: ``python -m benchmarks.bench_sna``.

Writes benchmarks/results/sna.json. The workspace (not timed) is London's real open data
from ``../shared/data`` through vrhub's loaders (MPS recorded crime by borough, five years
and more, by ward and by LSOA; Census 2021 population; IMD 2025; borough, ward and LSOA
boundaries; the LSOA-ward lookup) plus a synthetic London year of street-level crime and
ED assaults at the Met's and London's EDs' yearly volumes: ``--police-rows`` police.uk
crimes (default 1.1 million, a sixth of them violence and sexual offences, each at a point
inside a real LSOA) and ``--ed-rows`` ED assaults (default 20,000, with times and age
bands), over the 12 months to the last MPS month.

Timed: :func:`vrhub.partnership.sna.build_all` for the 32 boroughs and the City (every
source read once), then :func:`vrhub.partnership.sna.write_files` writing HTML, PDF and
XLSX for each. Reported: wall-clock and CPU seconds (this process and its rendering
workers; CPU is the steadier figure on a shared machine) for each step and in all, and
whether the whole took under 60 s (``all_under_60s``) and under 60 CPU seconds
(``cpu_under_60s``). The machine's load average is recorded before and after.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
RESULTS = REPO / "benchmarks" / "results" / "sna.json"
POLICE_ROWS = 1_100_000
ED_ROWS = 20_000
TARGET_S = 60.0
TYPES = ("Violence and sexual offences", "Anti-social behaviour", "Other theft",
         "Vehicle crime", "Burglary", "Shoplifting")
WEIGHTS = (1 / 6, 1 / 3, 1 / 6, 1 / 9, 1 / 9, 1 - 1 / 6 - 1 / 3 - 1 / 6 - 2 / 9)
AGE_BANDS = ("0-10", "11-15", "16-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+")


def _cli(home: Path, *args: str) -> None:
    import contextlib
    import io

    from vrhub.cli.main import main

    with contextlib.redirect_stdout(io.StringIO()):
        code = main(list(args), {"VRHUB_HOME": str(home), "VRHUB_ENVIRONMENT": "test"})
    if code != 0:
        raise SystemExit(f"vrhub {' '.join(args[:2])} failed ({code})")


def load_open_data(home: Path) -> None:
    s = SHARED
    mps = s / "london-datastore" / "mps-recorded-crime"
    for args in (("load", "ward-lookup", str(s / "lookups/lsoa_to_ward.csv.gz")),
                 ("load", "mps", str(mps / "recorded-crime-borough.csv.gz"),
                  str(mps / "recorded-crime-borough-historical.csv.gz")),
                 ("load", "mps", str(mps / "recorded-crime-ward.csv.gz")),
                 ("load", "mps", str(mps / "recorded-crime-lsoa.csv.gz")),
                 ("load", "population", str(s / "population/census2021-ts007a-lsoa.csv.gz")),
                 ("load", "imd", str(s / "imd2025/England-IMD-2025.csv.gz")),
                 ("load", "boundaries", str(s / "boundaries/london-2021-lad22-gen20.zip"),
                  str(s / "boundaries/london_wards.json.gz"),
                  str(s / "boundaries/london-2021-lsoa-gen20.zip"))):
        _cli(home, *args)


def add_synthetic_year(home: Path, police_rows: int, ed_rows: int, seed: int = 11) -> str:
    """Street-level crimes and ED assaults for the 12 months to the last MPS month, at
    points inside real LSOAs; returns that month."""
    import shapely

    from vrhub.partnership.sna_data import last_mps_month
    from vrhub.standards.istv import ISTV_ASSAULT, ISTV_SUBMISSION
    from vrhub.standards.months import month_span, shift
    from vrhub.standards.police_uk import POLICE_STREET
    from vrhub.storage.names import area_names
    from vrhub.storage.queries.istv import ensure_current_view
    from vrhub.storage.series import area_geometries
    from vrhub.storage.warehouse import Warehouse

    rng = np.random.default_rng(seed)
    with Warehouse(home / "warehouse.duckdb") as wh:
        end = last_mps_month(wh)
        months = month_span(shift(end, -11), end)
        lsoas = area_geometries(wh, "lsoa")
        assert lsoas is not None
        names = area_names(wh, "lsoa").set_index("code")
        lookup = pd.DataFrame({"lsoa": lsoas["area_code"].astype(str)})
        lookup["borough"] = lookup["lsoa"].map(names["borough_code"])
        ward_of = _ward_of_lsoa(wh)
        lookup["ward"] = lookup["lsoa"].map(ward_of)
        lookup = lookup.dropna(subset=["borough"]).reset_index(drop=True)
        centres = shapely.point_on_surface(
            lsoas.set_index("area_code").loc[lookup["lsoa"]].geometry.to_numpy())
        x0, y0 = shapely.get_x(centres), shapely.get_y(centres)

        def places(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            # a skewed choice of LSOA, so some places have far more crime than others
            weights = rng.gamma(0.6, 1.0, len(lookup))
            pick = rng.choice(len(lookup), n, p=weights / weights.sum())
            return (pick, x0[pick] + rng.normal(0, 60, n), y0[pick] + rng.normal(0, 60, n))

        pick, x, y = places(police_rows)
        police = pd.DataFrame({
            "file_id": "f" * 64, "row_number": np.arange(1, police_rows + 1),
            "crime_id": [f"c{i}" for i in range(police_rows)],
            "month": rng.choice(months, police_rows), "force": "metropolitan",
            "series": "metropolitan-street", "crime_id_duplicate": False,
            "crime_type": rng.choice(TYPES, police_rows, p=WEIGHTS),
            "location": "On or near a street", "easting": x, "northing": y,
            "lsoa21_code": lookup["lsoa"].to_numpy()[pick],
            "ward_code": lookup["ward"].to_numpy()[pick],
            "borough_code": lookup["borough"].to_numpy()[pick]})
        pick, x, y = places(ed_rows)
        sub = "istv-" + "d" * 16
        start = pd.Timestamp(f"{months[0]}-01")
        hours = (pd.Timestamp(f"{shift(end, 1)}-01") - start) // pd.Timedelta(hours=1)
        arrival = start + pd.to_timedelta(rng.integers(0, hours, ed_rows), unit="h")
        assaults = pd.DataFrame({
            "assault_id": [f"{sub}:{i}" for i in range(ed_rows)], "submission_id": sub,
            "site_code": "RAL01", "source_row": np.arange(ed_rows), "arrival_at": arrival,
            "assault_at": arrival - pd.Timedelta(hours=1),
            "assault_time_known": rng.random(ed_rows) < 0.8, "assault_method": "BODY",
            "location_type": "STREET", "age_band": rng.choice(AGE_BANDS, ed_rows),
            "easting": x, "northing": y, "lsoa21_code": lookup["lsoa"].to_numpy()[pick],
            "ward_code": lookup["ward"].to_numpy()[pick],
            "borough_code": lookup["borough"].to_numpy()[pick],
            "geocode_method": "bench", "geocode_confidence": 0.9})
        submission = pd.DataFrame([{
            "submission_id": sub, "site_code": "RAL01",
            "period_start": start.date(), "period_end": (pd.Timestamp(f"{shift(end, 1)}-01")
                                                         - pd.Timedelta(days=1)).date(),
            "received_at": dt.datetime(2026, 1, 5), "file_name": "bench.csv",
            "sha256": "d" * 64, "file_format": "csv", "header_source": "names",
            "codelist_version": "default-1", "status": "current", "rows_read": ed_rows,
            "rows_accepted": ed_rows, "rows_quarantined": 0, "redactions": "{}",
            "quality_score": 90.0, "receipt": "{}"}])
        wh.ensure_tables([POLICE_STREET, ISTV_SUBMISSION, ISTV_ASSAULT])
        for table, frame in ((POLICE_STREET, police), (ISTV_SUBMISSION, submission),
                             (ISTV_ASSAULT, assaults)):
            wh.insert(table, frame[[c for c in frame.columns if c in table.column_names]])
        ensure_current_view(wh)
    return end


def _ward_of_lsoa(wh: Any) -> dict[str, str]:
    from vrhub.storage.series import lsoa_lookup

    frame = lsoa_lookup(wh, "ward")
    return dict(zip(frame["lsoa_code"].astype(str), frame["area_code"].astype(str),
                    strict=False))


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--police-rows", type=int, default=POLICE_ROWS)
    parser.add_argument("--ed-rows", type=int, default=ED_ROWS)
    parser.add_argument("--workers", type=int, default=None,
                        help="processes rendering PDFs (default: one per CPU, at most 2)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="write the files here and keep them (default: a temporary "
                        "folder)")
    parser.add_argument("--workspace", type=Path, default=None,
                        help="build the workspace here and keep it; an existing one is "
                        "used as it is (default: a temporary folder)")
    args = parser.parse_args(argv)
    if not SHARED.exists():
        raise SystemExit(f"{SHARED} is missing: the benchmark needs ../shared/data")

    from vrhub.partnership import sna
    from vrhub.storage.warehouse import Warehouse

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="vrhub-bench-sna-") as folder:
        home = args.workspace or Path(folder) / "home"
        t0 = time.perf_counter()
        if not (home / "warehouse.duckdb").exists():
            home.mkdir(parents=True, exist_ok=True)
            load_open_data(home)
            add_synthetic_year(home, args.police_rows, args.ed_rows)
        setup_s = time.perf_counter() - t0
        out = args.keep or Path(folder) / "out"
        with Warehouse(home / "warehouse.duckdb", read_only=True) as wh:
            wall0, cpu0 = time.perf_counter(), _cpu()
            assessments = sna.build_all(wh, None)
            wall1, cpu1 = time.perf_counter(), _cpu()
        end = assessments[0].period_to
        written = sna.write_files(assessments, out, ("html", "pdf", "xlsx"),
                                  workers=args.workers)
        wall2, cpu2 = time.perf_counter(), _cpu()
        sizes = {fmt: sum(p.stat().st_size for p in written if p.suffix == f".{fmt}")
                 for fmt in ("html", "pdf", "xlsx")}
        without = {a.area_name: [s.key for s in a.sections if not s.available]
                   for a in assessments}
    total_wall, total_cpu = wall2 - wall0, cpu2 - cpu0
    result: dict[str, Any] = {
        "benchmark": "needs assessments of every borough (HTML + PDF + XLSX)",
        "data": {"open_data": "MPS recorded crime (borough, ward, LSOA), Census 2021, "
                 "IMD 2025, boundaries (../shared/data)",
                 "police_rows": args.police_rows, "ed_rows": args.ed_rows,
                 "year_to": end},
        "setup_s": round(setup_s, 1),
        "assessments": len(assessments), "files": len(written),
        "bytes": sizes,
        "build_wall_s": round(wall1 - wall0, 2), "build_cpu_s": round(cpu1 - cpu0, 2),
        "render_wall_s": round(wall2 - wall1, 2), "render_cpu_s": round(cpu2 - cpu1, 2),
        "total_wall_s": round(total_wall, 2), "total_cpu_s": round(total_cpu, 2),
        "per_assessment_wall_s": round(total_wall / max(len(assessments), 1), 3),
        "all_under_60s": bool(total_wall < TARGET_S),
        "cpu_under_60s": bool(total_cpu < TARGET_S),
        "sections_without_data": {k: v for k, v in without.items() if v},
        "load_average_before": [round(v, 2) for v in load_before],
        "load_average_after": [round(v, 2) for v in os.getloadavg()],
        "machine": {"platform": platform.platform(), "python": platform.python_version(),
                    "cpus": os.cpu_count()},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
