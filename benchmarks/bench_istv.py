"""Benchmark: receiving ISTV submissions for every London ED site, end to end.

Writes a seeded synthetic month for each of the 58 sites in ../shared/data/nhs/site_xy.csv.gz
(about 3,600 assault records a month across London) for ``--months`` months, then measures:

* ``parse``: ``pandas.read_csv`` of every file (parsing only, the floor);
* ``receive``: :func:`vrhub.ingest.istv.submission.load_files` into a fresh warehouse:
  read, identifier guard on every value, header, record checks, history, receipts,
  committed (geocoding switched off, it has its own benchmark);
* ``redact``: the identifier guard alone on every location description.

Writes ``benchmarks/results/istv.json`` with wall-clock and CPU times, records per second
and the receive/parse ratio::

    python -m benchmarks.bench_istv [--months 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

import pandas as pd
from tests.warehouse_sql import create_table, query

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
RESULTS = REPO / "benchmarks" / "results"


def _timed(fn):  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return value, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--months", type=int, default=3)
    args = parser.parse_args()

    import vrhub.ingest.istv.geocoding as geocoding
    from vrhub.ingest.inputs import discover
    from vrhub.ingest.istv.submission import load_files
    from vrhub.privacy.identifiers import redact
    from vrhub.storage.warehouse import Warehouse
    from vrhub.synthetic.istv import write_month

    geocoding.geocoder_class = lambda: None  # type: ignore[assignment]
    sites = pd.read_csv(SHARED / "nhs" / "site_xy.csv.gz", dtype=str)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        for m in range(1, args.months + 1):
            for site in sites.itertuples():
                write_month(folder, site.site_code, f"2024-{m:02d}", seed=11,
                            site_name=site.site, icb_code=site.icb_code)
        files = sorted(folder.glob("*.csv"))

        def parse() -> int:
            return sum(len(pd.read_csv(f, skiprows=4, dtype=str)) for f in files)

        rows, parse_wall, parse_cpu = _timed(parse)
        warehouse = Warehouse(Path(tmp) / "w.duckdb")
        table = sites.rename(columns={"site": "site_name"})
        create_table(warehouse, "ed_site", table)
        outcome, wall, cpu = _timed(lambda: load_files(warehouse, discover([folder])))
        texts = query(warehouse, "SELECT location_description FROM istv_assault")[
            "location_description"].dropna().tolist()
        _, redact_wall, _ = _timed(lambda: [redact(t) for t in texts])
        warehouse.close()
    result = {
        "benchmark": "istv_receive",
        "files": len(files),
        "records": rows,
        "accepted": outcome.report.rows_loaded,
        "parse_wall_s": round(parse_wall, 3),
        "parse_cpu_s": round(parse_cpu, 3),
        "receive_wall_s": round(wall, 3),
        "receive_cpu_s": round(cpu, 3),
        "receive_records_per_s": round(rows / wall, 1),
        "ratio_receive_to_parse_cpu": round(cpu / parse_cpu, 2),
        "redact_descriptions_per_s": round(len(texts) / redact_wall, 1),
        "python": platform.python_version(),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "istv.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
