"""Benchmark: peak memory of receiving a file, above idle, through the API and the CLI.

Each channel runs in a process of its own (``tests/upload_probe.py``): it receives a small
valid month first (idle: imports, app, gazetteer warm), then each file in turn, reporting
``ru_maxrss`` after each. Files:

* the bombs of the security review: a 1 MB ``.csv.gz`` of 1 GiB of newlines, a 2 MB one
  (2 GiB), a 5 MB one (5 GiB, through ``vrhub istv submit``), a 5 KB workbook declaring
  ``A1:XFD20000`` and one declaring ``A1:XFD1048576`` (all refused at a limit);
* about the largest valid files the default limits let through: a gzip CSV of 47,000
  records with long descriptions (15.4 MB inflated), a workbook of 29,000 records (its
  parts 15.3 MB unpacked) and an XML file of 38,000 records (15 MB).

Writes ``benchmarks/results/upload_memory.json`` (per file: status, peak above idle in
MB, and whether it is under the stated 300 MB bound)::

    python -m benchmarks.bench_upload_memory
"""

from __future__ import annotations

import csv
import gzip
import json
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
RESULTS = REPO / "benchmarks" / "results"
BOUND_MB = 300
WORDS = ["outside", "the", "chicken", "shop", "near", "station", "by", "bus", "stop", "on",
         "high", "street", "opposite", "park"]


def _records(n: int, seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    methods = ["fist", "knife", "Bottle or glass", "Body part", "other"]
    places = ["Home", "Street or public place", "licensed premises", "unknown"]
    rows = []
    for i in range(n):
        day = 1 + i % 28
        rows.append([f"{day:02d}/01/2024", f"{i % 24:02d}:{i % 60:02d}", f"{day:02d}/01/2024",
                     f"{i % 24:02d}:00", rng.choice(methods),
                     " ".join(rng.choices(WORDS, k=10))[:60], rng.choice(places),
                     " ".join(rng.choices(WORDS, k=45))[:230]])
    return rows


def _files(folder: Path) -> dict[str, list[Path]]:
    sys.path.insert(0, str(REPO))
    from tests.upload_bombs import HEADINGS, newline_gzip, workbook

    header = [["Site code of treatment", "RAL01"], ["Reporting period start date", "01/01/2024"],
              ["Reporting period end date", "31/01/2024"], HEADINGS]
    big_csv = folder / "largest-valid.csv.gz"
    with gzip.open(big_csv, "wt", newline="") as out:
        csv.writer(out).writerows(header + _records(47_000, 1))
    big_xlsx = folder / "largest-valid.xlsx"
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Data")
    for row in header + [[*r[:7], r[7][:40]] for r in _records(29_000, 2)]:
        sheet.append(row)
    book.save(big_xlsx)
    big_xml = folder / "largest-valid.xml"
    with big_xml.open("w") as out:
        out.write("<ISTVSubmission><Header><SiteCode>RAL01</SiteCode><PeriodStart>01/01/2024"
                  "</PeriodStart><PeriodEnd>31/01/2024</PeriodEnd></Header><Assaults>")
        for r in _records(38_000, 3):
            out.write(f"<Assault><ArrivalDate>{r[0]}</ArrivalDate><ArrivalTime>{r[1]}"
                      f"</ArrivalTime><AssaultDate>{r[2]}</AssaultDate><AssaultMethod>{r[4]}"
                      f"</AssaultMethod><AssaultLocationType>{r[6]}</AssaultLocationType>"
                      f"<AssaultLocationDescription>{r[7][:120]}"
                      "</AssaultLocationDescription></Assault>")
        out.write("</Assaults></ISTVSubmission>")
    return {
        "api": [newline_gzip(folder / "bomb-1mb.csv.gz", 1024),
                newline_gzip(folder / "bomb-2mb.csv.gz", 2048, exact_crc=False),
                workbook(folder / "claims-xfd20000.xlsx", dimension="A1:XFD20000"),
                workbook(folder / "claims-xfd1048576.xlsx", dimension="A1:XFD1048576"),
                big_csv, big_xlsx, big_xml],
        "cli": [newline_gzip(folder / "bomb-5mb.csv.gz", 5 * 1024, exact_crc=False),
                big_csv],
    }


def _probe(mode: str, folder: Path, files: list[Path]) -> list[dict[str, Any]]:
    work = folder / f"probe-{mode}"
    work.mkdir()
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(REPO / "tests" / "upload_probe.py"), mode,
                           str(SHARED), str(work), *map(str, files)],
                          capture_output=True, text=True, cwd=REPO)
    out = []
    for line in done.stdout.splitlines():
        if line.startswith('{"file"'):
            result = json.loads(line)
            above = (result["peak_kb"] - result["idle_kb"]) / 1024
            status = result["status"]
            rejected = status in (4, 400, 422)
            out.append({"channel": mode, "file": result["file"],
                        "size_bytes": (folder / result["file"]).stat().st_size,
                        "status": status, "refused": rejected,
                        "idle_mb": round(result["idle_kb"] / 1024, 1),
                        "peak_above_idle_mb": round(above, 1),
                        "under_300mb_ok": above < BOUND_MB})
    if len(out) != len(files):
        raise RuntimeError(done.stderr[-2000:])
    out[-1]["process_wall_s"] = round(time.perf_counter() - started, 1)
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = _files(folder)
        results = [r for mode, paths in files.items() for r in _probe(mode, folder, paths)]
    RESULTS.mkdir(parents=True, exist_ok=True)
    summary = {
        "benchmark": "upload_memory",
        "bound_mb_above_idle": BOUND_MB,
        "note": "ru_maxrss is the process's peak so far: each figure is the most any file "
                "up to and including this one added above idle",
        "platform": platform.platform(), "python": platform.python_version(),
        "all_under_300mb_ok": all(r["under_300mb_ok"] for r in results),
        "files": results,
    }
    (RESULTS / "upload_memory.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
