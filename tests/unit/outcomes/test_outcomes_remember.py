"""Figures kept in memory by the outcomes service (vrhub.outcomes.context.Outcomes.remember):
computed once when many requests ask at the same moment, replaced with a newer version of
their rows, and dropped when the cache grows past its limit."""

from __future__ import annotations

import threading
import time
from typing import Any

from vrhub.outcomes.context import Outcomes


def service() -> Outcomes:
    return Outcomes(sessions=None, policy=None)  # type: ignore[arg-type]


def test_many_requests_at_once_compute_a_figure_once() -> None:
    outcomes = service()
    calls: list[int] = []
    start = threading.Barrier(8)
    answers: list[Any] = []

    def compute() -> tuple[int, ...]:
        calls.append(1)
        time.sleep(0.2)  # long enough for every other thread to ask meanwhile
        return (42,)

    def ask() -> None:
        start.wait()
        answers.append(outcomes.remember(("prepost", 1, ("P1",)), compute))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert answers == [(42,)] * 8
    assert outcomes.remember(("prepost", 1, ("P1",)), lambda: (0,)) == (42,)


def test_a_newer_version_of_the_rows_replaces_the_older() -> None:
    outcomes = service()
    outcomes.remember(("measure_rows", 1), lambda: [1], replaces="measure_rows")
    outcomes.remember(("prepost", 1), lambda: (1,))
    assert outcomes.remember(("measure_rows", 2), lambda: [2], replaces="measure_rows") == [2]
    assert ("measure_rows", 1) not in outcomes.figure_cache
    assert ("prepost", 1) in outcomes.figure_cache


def test_the_cache_is_cleared_when_it_grows_past_its_limit() -> None:
    outcomes = service()
    for i in range(4):
        outcomes.remember(("kpis", i), lambda i=i: (i,), limit=3)  # type: ignore[misc]
    assert len(outcomes.figure_cache) <= 3
    assert outcomes.figure_cache[("kpis", 3)] == (3,)
