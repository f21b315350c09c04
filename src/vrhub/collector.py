"""Python's cyclic garbage collector, paused for bulk work.

Reading a large feed makes a few million small objects (the decoded JSON, then the
validated records) that live until the work is done. The cyclic collector runs each time
enough new objects have been made, and each full collection walks every object alive, so
on a big import it walks the same growing heap again and again: a third of the import's
time, for garbage that is almost all freed by reference counting anyway (JSON and
validated records hold no reference cycles). :func:`paused` turns the collector off for
such a piece of work and back on after it; cycles made meanwhile are collected then.

Pauses nest and may overlap across threads: the collector comes back on when the last
one ends, and only if it was on when the first began.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_LOCK = threading.Lock()
_state = {"depth": 0, "was_enabled": False}


@contextmanager
def paused() -> Iterator[None]:
    """The cyclic collector off for the ``with`` block (see the module docstring)."""
    with _LOCK:
        if _state["depth"] == 0:
            _state["was_enabled"] = gc.isenabled()
            gc.disable()
        _state["depth"] += 1
    try:
        yield
    finally:
        with _LOCK:
            _state["depth"] -= 1
            if _state["depth"] == 0 and _state["was_enabled"]:
                gc.enable()
