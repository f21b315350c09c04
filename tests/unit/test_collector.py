"""The cyclic garbage collector paused for bulk work, and back on after it."""

from __future__ import annotations

import gc
import hashlib
import json
import threading

import pytest

from vrhub import collector
from vrhub.pathways.oruk_import import content_hash


def test_paused_turns_the_collector_off_and_back_on() -> None:
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
        with collector.paused():  # nested
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
    assert gc.isenabled()


def test_paused_restores_the_collector_after_an_error() -> None:
    with pytest.raises(RuntimeError, match="boom"), collector.paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_overlapping_pauses_across_threads() -> None:
    inside, release = threading.Event(), threading.Event()

    def other() -> None:
        with collector.paused():
            inside.set()
            release.wait(10)

    worker = threading.Thread(target=other)
    with collector.paused():
        worker.start()
        inside.wait(10)
    assert not gc.isenabled()  # the other thread's pause is still on
    release.set()
    worker.join(10)
    assert gc.isenabled()


@pytest.mark.parametrize("record", [
    {"id": "b", "name": "Café Ørsted – youth", "a": [1, 2.5, None, True], "z": {"y": 1}},
    {"nested": {"b": "\u2028 line", "a": "quote \" and \\ slash"}, "n": 16.0},
    [1, "two", {"three": 3}],
])
def test_content_hash_is_the_sha256_of_sorted_compact_json(record: object) -> None:
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert content_hash(record) == hashlib.sha256(text.encode()).hexdigest()


def test_content_hash_of_numbers_beyond_64_bits() -> None:
    record = {"big": 2**70}
    text = json.dumps(record, sort_keys=True, separators=(",", ":"))
    assert content_hash(record) == hashlib.sha256(text.encode()).hexdigest()
