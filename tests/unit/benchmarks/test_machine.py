"""The machine figures the latency benchmarks report beside their results."""

from __future__ import annotations

import queue
import threading
from pathlib import Path

import pytest
from benchmarks.machine import (
    CpuTimes,
    MachineWatch,
    handoff_us,
    reference_ms,
    reference_workload,
)


def test_the_reference_workload_is_the_same_work_every_time() -> None:
    assert reference_workload() == reference_workload()


def test_reference_time_is_the_median_of_the_rounds(monkeypatch: pytest.MonkeyPatch) -> None:
    ticks = iter([0.0, 0.030, 1.0, 1.010, 2.0, 2.020])  # rounds of 30, 10 and 20 ms
    monkeypatch.setattr("benchmarks.machine.time.perf_counter", lambda: next(ticks))
    monkeypatch.setattr("benchmarks.machine.reference_workload", lambda: 0)
    assert reference_ms(rounds=3) == 20.0


def _stat(tmp_path: Path, name: str, fields: str) -> Path:
    path = tmp_path / name
    path.write_text(f"cpu  {fields}\ncpu0 1 2 3 4 5 6 7 8 0 0\nintr 1\n")
    return path


def test_cpu_times_are_read_from_proc_stat_by_kind(tmp_path: Path) -> None:
    # user nice system idle iowait irq softirq steal guest guest_nice
    found = CpuTimes.read(_stat(tmp_path, "stat", "100 5 40 800 20 3 2 30 0 0"))
    assert found == CpuTimes(busy=100 + 5 + 40 + 3 + 2, idle=800 + 20, steal=30)


def test_steal_and_busy_shares_are_of_the_time_between_two_readings(tmp_path: Path) -> None:
    before = CpuTimes.read(_stat(tmp_path, "a", "100 0 50 800 0 0 0 50 0 0"))
    after = CpuTimes.read(_stat(tmp_path, "b", "250 0 100 1000 0 0 0 100 0 0"))
    assert before is not None and after is not None
    # between them: 200 busy, 200 idle, 50 stolen ticks
    assert before.shares_until(after) == {"steal_share": round(50 / 450, 3),
                                          "busy_share": round(200 / 450, 3)}
    assert after.shares_until(after) == {"steal_share": None, "busy_share": None}


def test_no_proc_stat_gives_no_counters(tmp_path: Path) -> None:
    assert CpuTimes.read(tmp_path / "missing") is None
    (tmp_path / "other").write_text("intr 1 2 3\n")
    assert CpuTimes.read(tmp_path / "other") is None


def test_a_watch_reports_the_reference_at_both_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    times = iter([12.5, 19.0])
    monkeypatch.setattr("benchmarks.machine.reference_ms", lambda: next(times))
    handoffs = iter([40.0, 95.5])
    monkeypatch.setattr("benchmarks.machine.handoff_us", lambda: next(handoffs))
    readings = iter([CpuTimes(busy=0, idle=0, steal=0), CpuTimes(busy=30, idle=60, steal=10)])
    monkeypatch.setattr(CpuTimes, "read", classmethod(lambda cls: next(readings)))
    report = MachineWatch().report()
    assert report == {"reference_ms_before": 12.5, "reference_ms_after": 19.0,
                      "handoff_us_before": 40.0, "handoff_us_after": 95.5,
                      "steal_share": 0.1, "busy_share": 0.3}


def test_a_handoff_goes_to_another_thread_and_back(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: set[int | None] = set()
    real_get = queue.SimpleQueue.get

    class Watched(queue.SimpleQueue):  # type: ignore[misc]
        def get(self, *args: object, **kwargs: object) -> object:
            seen.add(threading.get_ident())
            return real_get(self, *args, **kwargs)

    monkeypatch.setattr("benchmarks.machine.queue.SimpleQueue", Watched)
    threads = threading.active_count()
    assert handoff_us(rounds=5) > 0
    assert len(seen) == 2  # the echoing thread took each value, this one each answer
    assert threading.active_count() == threads  # and it has ended
