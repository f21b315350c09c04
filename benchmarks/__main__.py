"""Run the benchmarks: ``python -m benchmarks [bench_x ...]``.

Every ``benchmarks/bench_*.py`` module (or only those named, with or without the
``bench_`` prefix) is imported and its ``main()`` run, one after another in this process,
with its default arguments. Each module writes its own JSON to ``benchmarks/results/``
(``bench_x`` -> ``x.json``); this runner then writes ``benchmarks/results/summary.json``:
per benchmark, whether it ran, its wall-clock seconds, and its key figures (every ratio,
speed-up and per-second rate found in its result, as dotted paths).

A benchmark that fails is reported in the summary and the runner goes on with the next;
the exit status is 1 if any failed.
"""

from __future__ import annotations

import importlib
import inspect
import json
import platform
import sys
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
#: Words that mark a figure worth putting in the summary.
KEY_WORDS = ("ratio", "speedup", "per_s", "per_second", "under_", "_ok", "identical")


def available() -> list[str]:
    """The benchmark modules, by name (``bench_x``), in name order."""
    return sorted(p.stem for p in HERE.glob("bench_*.py"))


def _module_name(name: str) -> str:
    stem = Path(name).stem
    return stem if stem.startswith("bench_") else f"bench_{stem}"


def key_figures(result: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Yield (dotted path, value) for the ratios, speed-ups and rates in a result."""
    if isinstance(result, dict):
        for key, value in result.items():
            yield from key_figures(value, f"{path}.{key}" if path else str(key))
    elif isinstance(result, (int, float, bool)) and any(
            word in path.rsplit(".", 1)[-1].lower() for word in KEY_WORDS):
        yield path, result


def run_one(name: str) -> dict[str, Any]:
    """Import ``benchmarks.<name>`` and run its ``main()`` with default arguments."""
    module = importlib.import_module(f"benchmarks.{name}")
    main = getattr(module, "main", None)
    if main is None:
        return {"status": "no main()", "seconds": 0.0}
    started = time.perf_counter()
    saved_argv = sys.argv
    try:
        # Benchmarks parse their options with argparse: give them no options, either as
        # an explicit empty argv or as an empty sys.argv.
        sys.argv = [f"benchmarks.{name}"]
        if inspect.signature(main).parameters:
            main([])
        else:
            main()
        status = "ok"
        error = None
    except SystemExit as exc:  # argparse or an explicit exit
        status = "ok" if exc.code in (0, None) else "failed"
        error = None if status == "ok" else f"exit status {exc.code}"
    except Exception as exc:  # report it and go on with the next benchmark
        status = "failed"
        error = f"{type(exc).__name__}: {exc}"
        traceback.print_exc()
    finally:
        sys.argv = saved_argv
    outcome: dict[str, Any] = {"status": status,
                               "seconds": round(time.perf_counter() - started, 1)}
    if error:
        outcome["error"] = error
    result_file = RESULTS / f"{name.removeprefix('bench_')}.json"
    outcome["result_file"] = str(result_file.relative_to(HERE.parent))
    if result_file.exists():
        try:
            outcome["key_figures"] = dict(key_figures(json.loads(result_file.read_text())))
        except json.JSONDecodeError:
            outcome["key_figures"] = {}
    return outcome


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in argv):
        print(__doc__)
        print("benchmarks:", ", ".join(available()))
        return 0
    known = available()
    names = [_module_name(a) for a in argv] or known
    unknown = [n for n in names if n not in known]
    if unknown:
        print(f"unknown benchmark {unknown[0]!r}; choose from: {', '.join(known)}",
              file=sys.stderr)
        return 2
    RESULTS.mkdir(parents=True, exist_ok=True)
    summary: dict[str, Any] = {"python": platform.python_version(),
                               "machine": platform.machine(), "benchmarks": {}}
    for name in names:
        print(f"== {name}", file=sys.stderr, flush=True)
        summary["benchmarks"][name] = run_one(name)
        print(f"   {summary['benchmarks'][name]['status']} in "
              f"{summary['benchmarks'][name]['seconds']} s", file=sys.stderr, flush=True)
    summary_file = RESULTS / "summary.json"
    if len(names) < len(known) and summary_file.exists():
        # Running some benchmarks updates their entries and keeps the others'.
        try:
            previous = json.loads(summary_file.read_text())
            summary["benchmarks"] = {**previous.get("benchmarks", {}), **summary["benchmarks"]}
        except json.JSONDecodeError:
            pass
    summary_file.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(f"summary written to {summary_file}", file=sys.stderr)
    return 1 if any(b["status"] != "ok" for b in summary["benchmarks"].values()) else 0


if __name__ == "__main__":
    sys.exit(main())
