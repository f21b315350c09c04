"""Running a coroutine to its end from a test, whatever the test's thread holds: in a thread
of its own with a new event loop (a test that ran before in the same worker may have left
an event loop marked as running in the main thread, where ``asyncio.run`` refuses)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_alone(coroutine: Coroutine[Any, Any, T]) -> T:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
