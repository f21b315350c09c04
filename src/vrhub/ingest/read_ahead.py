"""Run a loader's reading and checking in a background thread, a bounded way ahead.

A load alternates between work in Python (parsing, checking and placing a block of rows)
and work in the warehouse (appending it), which runs without holding the interpreter
lock. :class:`ReadAhead` runs the first in a thread while the caller does the second, so
the two overlap on a machine with more than one core. The thread stays at most ``depth``
items ahead (memory stays bounded whatever the input size). An exception in the thread
is raised to the caller at the point where the item would have arrived; leaving the
``with`` block stops the thread and closes the producer (a generator's ``finally`` blocks
run before the ``with`` block is left).
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Generic, TypeVar

T = TypeVar("T")

_DONE = object()


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class ReadAhead(Generic[T]):
    """``with ReadAhead(produce) as items: for item in items: ...``

    ``produce(stopped)`` returns the iterator to run; it may call ``stopped()`` between
    items to finish early once the caller has left the ``with`` block.
    """

    def __init__(self, produce: Callable[[Callable[[], bool]], Iterator[T]],
                 depth: int = 8) -> None:
        self._produce = produce
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="vrhub-read-ahead",
                                        daemon=True)

    def __enter__(self) -> ReadAhead[T]:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        while self._thread.is_alive():
            with contextlib.suppress(queue.Empty):  # unblock a thread waiting for room
                self._queue.get(timeout=0.05)
        self._thread.join()

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        item = self._queue.get()
        if item is _DONE:
            self._queue.put(_DONE)  # later calls see the end too
            raise StopIteration
        if isinstance(item, _Failure):
            raise item.error
        return item  # type: ignore[return-value]

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        items = self._produce(self._stop.is_set)
        try:
            for item in items:
                if not self._put(item):
                    return
        except BaseException as error:  # raised again in the caller's thread
            self._put(_Failure(error))
            return
        finally:  # a producer stopped early finishes its own work before __exit__ returns
            close = getattr(items, "close", None)
            if close is not None:
                close()
        self._put(_DONE)
