"""``vrhub demo --data-dir`` on the real London open data: time to serving and peak memory.

``python -m benchmarks.bench_demo_real [--data-dir DIR] [--no-serve] [--keep DIR]`` writes
benchmarks/results/demo_real.json.

Runs ``vrhub --home TMP demo --data-dir DIR --port P`` as a fresh process, as an analyst
trying vrhub on real data does, and measures:

* ``to_serving_s``: wall-clock seconds from the start of the command until the web app
  answers ``/healthz`` (with ``--no-serve``: until the command has built the workspace
  and exited);
* ``peak_rss_mb``: the most resident memory the process held (``ru_maxrss`` of the
  finished process, every phase included);
* ``cpu_s``: user + system CPU seconds it used, which a shared machine disturbs less
  than wall time;
* the seconds of each phase, from the command's own output (each loader's step, then
  publishing the public outputs and adding the demo accounts and directory).

The targets (issue: "so it runs on an analyst's laptop") are serving within 90 s
(``under_90s``) and a peak under 2 GB (``under_2gb``). The machine's load average is
recorded before and after: on a shared machine, read wall time with it.

``--data-dir`` defaults to ``shared/data`` beside the repository (``../shared/data``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from benchmarks.bench_api_load import free_port

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "demo_real.json"
VRHUB = Path(sys.executable).parent / "vrhub"
TARGET_S = 90.0
TARGET_MB = 2048.0
TIMEOUT_S = 3600.0
STEP_ROW = re.compile(r"^(?P<name>.+?)\s{2,}(?P<source>[a-z][a-z-]+)\s+(?P<rest>.*\S)\s*$")


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
            return bool(reply.status == 200)
    except OSError:
        return False


def _step_seconds(output: str) -> dict[str, float]:
    """Seconds per demo step, from the step table the command prints."""
    steps: dict[str, float] = {}
    for line in output.splitlines():
        found = STEP_ROW.match(line)
        if found and not found["rest"].startswith("skipped"):
            last = found["rest"].split()[-1]
            try:
                steps[found["name"].strip()] = float(last)
            except ValueError:
                continue
    return steps


def run(data_dir: Path, home: Path, serve: bool) -> dict[str, Any]:
    port = free_port()
    argv = [str(VRHUB), "--home", str(home), "demo", "--data-dir", str(data_dir)]
    argv += ["--port", str(port)] if serve else ["--no-serve"]
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    load_before = os.getloadavg()
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    marks: dict[str, float] = {}

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            now = round(time.perf_counter() - started, 2)
            if "Building the gazetteer" in line:
                marks.setdefault("gazetteer_started_s", now)
            elif line.startswith("published "):
                marks.setdefault("published_s", now)
            elif line.startswith("Demo workspace "):
                marks.setdefault("workspace_ready_s", now)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    ready = None
    usage = None
    status = 0
    # os.wait4, not Popen.poll: the finished process's peak memory comes with it
    while time.perf_counter() - started < TIMEOUT_S:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            if not serve and status == 0:
                ready = time.perf_counter() - started
            break
        usage = None
        if serve and _answers(port):
            ready = time.perf_counter() - started
            break
        time.sleep(0.25)
    if usage is None:
        process.send_signal(signal.SIGINT)
        deadline = time.perf_counter() + 60
        while usage is None:
            pid, status, found = os.wait4(process.pid, os.WNOHANG)
            if pid:
                usage = found
            elif time.perf_counter() > deadline:
                process.kill()
                _pid, status, usage = os.wait4(process.pid, 0)
            else:
                time.sleep(0.2)
    process.returncode = os.waitstatus_to_exitcode(status)
    reader.join(timeout=10)
    output = "".join(lines)
    if ready is None:
        raise SystemExit(f"the demo did not {'serve' if serve else 'finish'} "
                         f"(exit {process.returncode}):\n{output[-2000:]}")
    return {
        "to_serving_s" if serve else "to_workspace_s": round(ready, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "phases_s": marks,
        "steps_s": _step_seconds(output),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--no-serve", action="store_true",
                        help="time the build only (the command exits when it is done)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="build the workspace in this folder and keep it")
    args = parser.parse_args(argv)
    if not args.data_dir.is_dir():
        raise SystemExit(f"no data folder at {args.data_dir}: pass --data-dir")
    home = args.keep or Path(tempfile.mkdtemp(prefix="vrhub-bench-demo-real-"))
    try:
        measured = run(args.data_dir.resolve(), home, serve=not args.no_serve)
    finally:
        if args.keep is None:
            shutil.rmtree(home, ignore_errors=True)
    seconds = measured.get("to_serving_s", measured.get("to_workspace_s", 0.0))
    result: dict[str, Any] = {
        "benchmark": "vrhub demo --data-dir (real London open data)",
        "data_dir": str(args.data_dir),
        "serve": not args.no_serve,
        **measured,
        "target_s": TARGET_S,
        "target_mb": TARGET_MB,
        "under_90s": bool(seconds < TARGET_S),
        "under_2gb": bool(measured["peak_rss_mb"] < TARGET_MB),
        "machine": {"platform": platform.platform(), "python": platform.python_version(),
                    "cpus": os.cpu_count()},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
