"""The registry of loadable sources, discovered from the modules of :mod:`vrhub.ingest`.

An ingest module that defines ``SOURCES`` (a tuple of :class:`Source`) adds them to
``vrhub load``; no central list to edit.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import vrhub.ingest
from vrhub.errors import UserError
from vrhub.ingest.inputs import InputFile
from vrhub.ingest.report import LoadReport
from vrhub.progress import Progress
from vrhub.storage.warehouse import Warehouse

LoadFunction = Callable[[Warehouse, Sequence[InputFile], Progress], LoadReport]


@dataclass(frozen=True)
class Source:
    name: str
    description: str
    patterns: tuple[str, ...]  # logical file names it picks from folders and archives
    load: LoadFunction
    options: tuple[str, ...] = ()  # `vrhub load` options it accepts, passed as keywords
    bounded: bool = False  # takes ``limits`` (the upload limits): files people submit


def all_sources() -> dict[str, Source]:
    found: dict[str, Source] = {}
    for info in pkgutil.iter_modules(vrhub.ingest.__path__):
        module = importlib.import_module(f"vrhub.ingest.{info.name}")
        for source in getattr(module, "SOURCES", ()):
            found[source.name] = source
    return dict(sorted(found.items()))


def get_source(name: str) -> Source:
    sources = all_sources()
    if name not in sources:
        raise UserError(
            f"unknown source {name!r}",
            hint="choose one of: " + ", ".join(sources),
        )
    return sources[name]
