"""Progress reporting that services accept without knowing about terminals.

Services take a ``progress: Progress`` argument (default :data:`SILENT`); the CLI passes
one that draws a progress bar. Nothing here ever carries row-level data: only counts and
file names.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Protocol


class Task(Protocol):
    def advance(self, amount: float = 1) -> None: ...


class Progress(Protocol):
    def task(self, description: str, total: float | None = None) -> AbstractContextManager[Task]:
        """A unit of work with an optional total; advance it as work completes."""
        ...

    def note(self, message: str) -> None:
        """An announcement (an automatic choice, a skipped file)."""
        ...


class _SilentTask:
    def advance(self, amount: float = 1) -> None:
        return None


class _Silent:
    def task(self, description: str, total: float | None = None) -> AbstractContextManager[Task]:
        return nullcontext(_SilentTask())

    def note(self, message: str) -> None:
        return None


SILENT: Progress = _Silent()


class Recording:
    """Collects notes (for tests and for result metadata)."""

    def __init__(self) -> None:
        self.notes: list[str] = []
        self.tasks: list[str] = []

    def task(self, description: str, total: float | None = None) -> AbstractContextManager[Task]:
        self.tasks.append(description)
        return nullcontext(_SilentTask())

    def note(self, message: str) -> None:
        self.notes.append(message)
