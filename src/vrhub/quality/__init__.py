"""Data-quality reports, one per source, discovered from this package's modules.

A module that defines ``REPORTS`` (a tuple of :class:`QualityReport`) adds sources to
``vrhub quality``; the CLI prints their tables or, with ``--json``, their data.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from vrhub.errors import UserError
from vrhub.storage.warehouse import Warehouse


@dataclass
class Section:
    """One human-readable table of a report."""

    title: str
    columns: list[str]
    rows: list[list[Any]]


@dataclass
class QualityResult:
    source: str
    data: dict[str, Any]  # JSON-serialisable; what `--json` prints
    sections: list[Section] = field(default_factory=list)


@dataclass(frozen=True)
class QualityReport:
    source: str
    description: str
    build: Callable[[Warehouse], QualityResult]


def all_reports() -> dict[str, QualityReport]:
    import vrhub.quality as package

    found: dict[str, QualityReport] = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"vrhub.quality.{info.name}")
        for report in getattr(module, "REPORTS", ()):
            found[report.source] = report
    return dict(sorted(found.items()))


def get_report(source: str) -> QualityReport:
    reports = all_reports()
    if source not in reports:
        raise UserError(f"no quality report for source {source!r}",
                        hint="choose one of: " + ", ".join(reports))
    return reports[source]
