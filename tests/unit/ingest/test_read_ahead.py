"""ReadAhead: items in order, errors where they happened, and an early exit stops it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest

from vrhub.ingest.read_ahead import ReadAhead


def test_every_item_arrives_in_order():
    def produce(stopped: Callable[[], bool]) -> Iterator[int]:
        yield from range(1000)

    with ReadAhead(produce, depth=3) as items:
        assert list(items) == list(range(1000))
        assert list(items) == []  # the end stays the end


def test_an_error_is_raised_after_the_items_before_it():
    def produce(stopped: Callable[[], bool]) -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("bad block")

    seen = []
    with pytest.raises(ValueError, match="bad block"), ReadAhead(produce) as items:
        for item in items:
            seen.append(item)
    assert seen == [1, 2]


def test_leaving_early_stops_the_thread():
    produced = []
    finished = threading.Event()

    def produce(stopped: Callable[[], bool]) -> Iterator[int]:
        try:
            n = 0
            while not stopped():
                produced.append(n)
                yield n
                n += 1
        finally:
            finished.set()

    with ReadAhead(produce, depth=2) as items:
        assert next(items) == 0
    assert finished.wait(5)
    assert len(produced) <= 5  # it stayed a bounded way ahead, then stopped


def test_work_runs_in_another_thread():
    caller = threading.get_ident()

    def produce(stopped: Callable[[], bool]) -> Iterator[int]:
        yield threading.get_ident()

    with ReadAhead(produce) as items:
        assert next(items) != caller
