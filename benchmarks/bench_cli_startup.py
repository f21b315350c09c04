"""Command-line start-up: ``python -m benchmarks.bench_cli_startup [--repeat N]``.

Writes benchmarks/results/cli_startup.json.

Each command is run as a fresh process, as a person at a terminal runs it, ``--repeat``
times (median and best wall-clock seconds, and the median CPU seconds the process used,
which a shared machine disturbs less than wall time):

* ``vrhub --version``, ``vrhub --help`` and ``vrhub trends yoy --help`` (target: under
  0.5 s);
* typical reports on the synthetic demo workspace (built once with ``vrhub demo
  --no-serve`` in a temporary folder): ``quality``, ``trends yoy --level borough``,
  ``istv receipts`` and ``hotspots count`` (target: under 2 s).

Beside them, the peers a command cannot beat: the bare interpreter (``python -c pass``)
and an interpreter that only imports pandas (what every command paid before the CLI
imported lazily). Each vrhub command is also run without compiled bytecode (an empty
``PYTHONPYCACHEPREFIX``, so every module is compiled from source as it is imported, as
happens wherever bytecode was never written and ``PYTHONDONTWRITEBYTECODE`` is set): the
ratio shows what compiling at install saves.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results" / "cli_startup.json"
VRHUB = Path(sys.executable).parent / "vrhub"
QUICK = {"version": ["--version"], "help": ["--help"], "trends_yoy_help": ["trends", "yoy",
                                                                           "--help"]}
REPORTS = {"quality": ["quality"], "trends_yoy": ["trends", "yoy", "--level", "borough"],
           "istv_receipts": ["istv", "receipts"],
           "hotspots_count": ["hotspots", "count", "--borough", "E09990001"]}
QUICK_TARGET_S = 0.5
REPORT_TARGET_S = 2.0


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``argv`` (which must succeed)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): "
                           f"{done.stderr.decode(errors='replace')[-400:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _timed(argv: list[str], env: dict[str, str], repeat: int) -> dict[str, Any]:
    _run(argv, env)  # warm the file cache
    runs = [_run(argv, env) for _ in range(repeat)]
    walls = [w for w, _ in runs]
    return {"median_s": round(statistics.median(walls), 3), "best_s": round(min(walls), 3),
            "cpu_median_s": round(statistics.median(c for _, c in runs), 3)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "demo"
        env = {**os.environ, "VRHUB_HOME": str(home), "COLUMNS": "100"}
        env.pop("VRHUB_DEBUG", None)
        subprocess.run([str(VRHUB), "demo", "--no-serve"], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        no_bytecode = {**env, "PYTHONPYCACHEPREFIX": str(Path(tmp) / "no-bytecode"),
                       "PYTHONDONTWRITEBYTECODE": "1"}
        peers = {"python_bare": _timed([sys.executable, "-c", "pass"], env, args.repeat),
                 "python_import_pandas": _timed([sys.executable, "-c", "import pandas"], env,
                                                args.repeat)}
        commands: dict[str, Any] = {}
        for group, table, target in (("quick", QUICK, QUICK_TARGET_S),
                                     ("report", REPORTS, REPORT_TARGET_S)):
            for name, cmd in table.items():
                installed = _timed([str(VRHUB), *cmd], env, args.repeat)
                source = _timed([str(VRHUB), *cmd], no_bytecode, max(2, args.repeat // 2))
                commands[name] = {
                    "command": "vrhub " + " ".join(cmd), "group": group, "target_s": target,
                    "installed": installed, "without_bytecode": source,
                    f"under_{str(target).replace('.', '_')}s": installed["median_s"] < target,
                    "bytecode_speedup_ratio": round(source["median_s"]
                                                    / installed["median_s"], 2),
                    "over_bare_python_ratio": round(installed["median_s"]
                                                    / peers["python_bare"]["median_s"], 2),
                }
    result = {
        "python": platform.python_version(), "machine": platform.machine(),
        "cpus": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()],
        "repeat": args.repeat, "peers": peers, "commands": commands,
        "quick_all_under_0_5s": all(c["under_0_5s"] for c in commands.values()
                                    if c["group"] == "quick"),
        "reports_all_under_2s": all(c["under_2_0s"] for c in commands.values()
                                    if c["group"] == "report"),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
