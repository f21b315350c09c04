"""How fast the machine itself was while a benchmark ran.

On a shared virtual machine the same code, timed an hour apart, can take twice as long:
the host's other tenants take CPU time from it (Linux counts that time as *steal*) and its
processors' speed changes. A latency figure alone cannot say whether a slower run is the
code's doing or the machine's, so the benchmarks that report latencies also report:

- ``reference_ms``: the median time of a fixed, single-threaded workload (interpreter,
  JSON, numpy: the kinds of work a request does), timed before and after the run; runs are
  comparable when their reference times are close, and a figure measured while the
  reference took 1.5 times as long is expected to be about 1.5 times slower too;
- ``handoff_us``: the median time to hand a value to another thread and get it back (two
  wake-ups), which every request pays several times (event loop, thread pool, audit
  writer) and which a virtual machine's host can make several times dearer while the
  reference workload stays as quick;
- ``steal_share``: the share of the machine's CPU time the host took during the run, and
  ``busy_share``, the share used by anything (this run included), from ``/proc/stat``
  (Linux only; None elsewhere).
"""

from __future__ import annotations

import json
import queue
import statistics
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

#: rounds of the reference workload at each end of a run (the median is reported)
ROUNDS = 7


def reference_workload() -> int:
    """The fixed workload: builds, encodes and decodes some JSON-like rows, and sorts a
    seeded array of numbers; returns a checksum (so nothing is optimised away)."""
    rows = [{"area_code": f"E09{i % 33:06d}", "month": f"2024-{i % 12 + 1:02d}",
             "count": i % 97, "rate": i / 7.0} for i in range(4000)]
    text = json.dumps(rows)
    back = json.loads(text)
    total = sum(r["count"] for r in back)
    values = np.random.default_rng(7).random(200_000)
    values.sort()
    return total + len(text) + int(values[100_000] * 1000)


def reference_ms(rounds: int = ROUNDS) -> float:
    """Median wall time of :func:`reference_workload`, in milliseconds."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        reference_workload()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


def handoff_us(rounds: int = 2000) -> float:
    """Median time, in microseconds, to pass a value to another thread and back."""
    there: queue.SimpleQueue[int | None] = queue.SimpleQueue()
    back: queue.SimpleQueue[int] = queue.SimpleQueue()

    def echo() -> None:
        while (value := there.get()) is not None:
            back.put(value)

    thread = threading.Thread(target=echo, daemon=True)
    thread.start()
    times = []
    try:
        for i in range(rounds):
            started = time.perf_counter()
            there.put(i)
            back.get()
            times.append((time.perf_counter() - started) * 1e6)
    finally:
        there.put(None)
        thread.join()
    return round(statistics.median(times), 1)


@dataclass(frozen=True)
class CpuTimes:
    """The machine's CPU time so far by kind (clock ticks, all processors), as
    ``/proc/stat`` counts it."""

    busy: int
    idle: int
    steal: int

    @classmethod
    def read(cls, stat: Path = Path("/proc/stat")) -> CpuTimes | None:
        """None where there is no ``/proc/stat`` (not Linux)."""
        try:
            first = stat.read_text().splitlines()[0].split()
        except (OSError, IndexError):
            return None
        if first[0] != "cpu":
            return None
        ticks = [int(v) for v in first[1:9]] + [0] * (8 - len(first[1:9]))
        user, nice, system, idle, iowait, irq, softirq, steal = ticks
        return cls(busy=user + nice + system + irq + softirq, idle=idle + iowait,
                   steal=steal)

    def shares_until(self, later: CpuTimes) -> dict[str, float | None]:
        """The shares of the CPU time between this reading and ``later`` that the host
        took (steal) and that anything on the machine used (busy)."""
        busy, idle, steal = (later.busy - self.busy, later.idle - self.idle,
                             later.steal - self.steal)
        total = busy + idle + steal
        if total <= 0:
            return {"steal_share": None, "busy_share": None}
        return {"steal_share": round(steal / total, 3), "busy_share": round(busy / total, 3)}


class MachineWatch:
    """Times the reference workload and reads the CPU counters when made; :meth:`report`
    does both again and says how the machine fared in between."""

    def __init__(self) -> None:
        self.reference_before_ms = reference_ms()
        self.handoff_before_us = handoff_us()
        self.started = CpuTimes.read()

    def report(self) -> dict[str, Any]:
        ended = CpuTimes.read()
        reference_after_ms = reference_ms()
        handoff_after_us = handoff_us()
        shares: dict[str, float | None] = {"steal_share": None, "busy_share": None}
        if self.started is not None and ended is not None:
            shares = self.started.shares_until(ended)
        return {"reference_ms_before": self.reference_before_ms,
                "reference_ms_after": reference_after_ms,
                "handoff_us_before": self.handoff_before_us,
                "handoff_us_after": handoff_after_us, **shares}
