"""Build a demonstration workspace: every loader run on synthetic or real open data.

``vrhub demo`` (see :mod:`vrhub.cli.demo`) calls :func:`build_demo`. By default it writes
the seeded synthetic London-like data (:mod:`vrhub.synthetic`) to ``<home>/demo-data`` and
loads it through the **real loaders**, so the demo exercises exactly what a deployment
runs. With ``data_dir`` it loads the real open data folder instead (laid out like
``shared/data``: boundaries/, lookups/, population/, imd2019/, imd2025/, london-datastore/,
police-uk/, nhs/).

The work is a list of :class:`DemoStep`. Steps are extensible without editing this module:
any module of :mod:`vrhub.synthetic` that defines ``DEMO_STEPS`` (a tuple of
:class:`DemoStep`) has them run after the built-in :data:`STEPS` - for example the
synthetic ISTV submissions: a step with ``source='istv'`` whose ``files`` callable writes a
month per synthetic ED site (``ctx.written['ed-sites']`` lists the site file) and returns
the paths. :data:`EXTRA_STEPS` takes steps added at run time (tests, plugins).

The synthetic demo's study area is its six invented boroughs; a real-data demo reports on
the workspace's study area (``--study-area`` / ``VRHUB_STUDY_AREA``; London by default), so
``vrhub --study-area merseyside demo --data-dir DATA`` builds a Merseyside workspace from
the same folder layout.

Running the demo twice changes nothing the second time: the files are byte-identical and
every loader skips files it has already loaded.

Last, the demo publishes (:func:`vrhub.reports.publish.publish` into ``<home>/public``, as
``vrhub publish`` does), so the public pages of the demo have figures to show; a
refreshed demo publishes again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from vrhub.errors import UserError
from vrhub.ingest.inputs import discover
from vrhub.ingest.sources import all_sources
from vrhub.progress import SILENT, Progress
from vrhub.storage.warehouse import Warehouse


@dataclass
class DemoContext:
    """What a step's ``files`` callable gets: where the data is and what was written."""

    data_dir: Path
    synthetic: bool
    seed: int
    written: dict[str, list[Path]] = field(default_factory=dict)
    #: A folder of the workspace a step may write generated files into (real mode too:
    #: the data folder itself is never written to).
    work_dir: Path | None = None


@dataclass(frozen=True)
class DemoStep:
    """Load ``source`` from the paths ``files(context)`` returns (it may write them).

    ``modes`` says when the step runs ('synthetic', 'real'); an ``optional`` step whose
    source is not installed or whose files are missing is skipped with a note.
    """

    name: str
    source: str
    files: Callable[[DemoContext], Sequence[Path]]
    modes: tuple[str, ...] = ("synthetic", "real")
    optional: bool = False


@dataclass
class StepResult:
    name: str
    source: str
    files: int = 0
    files_unchanged: int = 0
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    seconds: float = 0.0
    skipped: str | None = None


@dataclass
class DemoResult:
    home: Path
    data_dir: Path
    synthetic: bool
    steps: list[StepResult]
    tables: dict[str, int]
    published: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"home": str(self.home), "data_dir": str(self.data_dir),
                "synthetic": self.synthetic, "steps": [asdict(s) for s in self.steps],
                "tables": self.tables, "published": self.published}


def _folders(source: str, *parts: str) -> Callable[[DemoContext], Sequence[Path]]:
    """Synthetic mode: the files written for ``source``; real mode: the ``parts`` folders of
    the data folder that exist."""

    def files(ctx: DemoContext) -> Sequence[Path]:
        if ctx.synthetic:
            return ctx.written.get(source, [])
        return [ctx.data_dir / p for p in parts if (ctx.data_dir / p).exists()]

    return files


def _step(name: str, source: str, *parts: str, optional: bool = False) -> DemoStep:
    return DemoStep(name, source, _folders(source, *parts), optional=optional)


#: The built-in steps, in load order: lookups and population first (so LSOA weights use
#: population), boundaries before anything placed in areas, police last.
STEPS: list[DemoStep] = [
    _step("LSOA 2021 -> ward -> borough lookup", "ward-lookup", "lookups"),
    _step("Census 2021 and mid-year population", "population", "population"),
    _step("LSOA 2011 -> 2021 lookup", "lsoa-lookup", "lookups"),
    _step("Boundaries (LSOA 2011/2021, wards, boroughs)", "boundaries", "boundaries"),
    _step("ED sites", "ed-sites", "nhs"),
    _step("Indices of Deprivation 2019 and 2025", "imd", "imd2019", "imd2025"),
    _step("MPS recorded crime (LSOA, ward, borough)", "mps",
          "london-datastore/mps-recorded-crime"),
    _step("police.uk street crime", "police", "police-uk/city-of-london",
          "police-uk/metropolitan", "police-uk/btp", optional=True),
    DemoStep("police.uk stop and search", "stop-search",
             lambda ctx: [] if ctx.synthetic else
             [p for p in [ctx.data_dir / "police-uk/metropolitan/stop-and-search"]
              if p.exists()], modes=("real",), optional=True),
]

#: Steps other modules add (e.g. synthetic ISTV submissions); run after :data:`STEPS`.
EXTRA_STEPS: list[DemoStep] = []


def discovered_steps() -> list[DemoStep]:
    """``DEMO_STEPS`` of the modules of :mod:`vrhub.synthetic`, in module-name order."""
    import importlib
    import pkgutil

    import vrhub.synthetic

    found: list[DemoStep] = []
    for info in sorted(pkgutil.iter_modules(vrhub.synthetic.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"vrhub.synthetic.{info.name}")
        found.extend(getattr(module, "DEMO_STEPS", ()))
    return found


def default_data_dir(home: Path) -> Path:
    return home / "demo-data"


def build_demo(
    warehouse: Warehouse,
    home: Path,
    *,
    data_dir: Path | None = None,
    seed: int = 2024,
    progress: Progress = SILENT,
    steps: Sequence[DemoStep] | None = None,
) -> DemoResult:
    """Build (or refresh) the demo workspace in ``warehouse``; see the module docstring."""
    synthetic = data_dir is None
    if data_dir is not None and not Path(data_dir).is_dir():
        raise UserError(f"no data folder at {data_dir}",
                        hint="pass the folder that holds boundaries/, lookups/, imd2019/, ... "
                        "(e.g. ../shared/data)")
    folder = default_data_dir(home) if synthetic else Path(data_dir or ".")
    ctx = DemoContext(data_dir=folder, synthetic=synthetic, seed=seed,
                      work_dir=default_data_dir(home))
    if synthetic:
        from vrhub.synthetic import write_demo_data
        from vrhub.synthetic.geography import study_area

        with progress.task("Writing synthetic demo data", total=None):
            ctx.written = write_demo_data(folder, seed=seed)
        progress.note(f"synthetic demo data written to {folder}")
        warehouse.use_study_area(study_area())
    progress.note(f"study area: {warehouse.study_area.describe()}")
    sources = all_sources()
    mode = "synthetic" if synthetic else "real"
    results: list[StepResult] = []
    for step in [*(steps if steps is not None else [*STEPS, *discovered_steps()]),
                 *EXTRA_STEPS]:
        if mode not in step.modes:
            continue
        result = StepResult(step.name, step.source)
        results.append(result)
        if step.source not in sources:
            if not step.optional:
                raise UserError(f"the demo needs the {step.source!r} loader, which is not "
                                "installed", hint="reinstall vrhub")
            result.skipped = f"loader {step.source!r} not available"
            progress.note(f"skipped {step.name}: {result.skipped}")
            continue
        source = sources[step.source]
        paths = list(step.files(ctx))
        files = discover(paths, source.patterns) if paths else []
        if not files:
            if not step.optional and synthetic:
                raise UserError(f"no files for demo step {step.name!r}")
            result.skipped = "no files found"
            progress.note(f"skipped {step.name}: no files in {folder}")
            continue
        started = time.perf_counter()
        report = source.load(warehouse, files, progress)
        result.seconds = round(time.perf_counter() - started, 2)
        result.files = len(report.files)
        result.files_unchanged = sum(f.status == "unchanged" for f in report.files)
        result.rows_read = report.rows_read
        result.rows_loaded = report.rows_loaded
        result.rows_quarantined = report.rows_quarantined
    tables = {
        name: warehouse.count(name) for name in (
            "area_boundary", "area_lookup", "lsoa_change", "population", "imd", "imd_domain",
            "mps_crime_count", "ed_site", "police_street", "police_stop_search",
            "istv_submission", "istv_assault",
            "quarantine", "provenance")
        if warehouse.has_table(name)
    }
    from vrhub.reports.publish import publish

    published = publish(warehouse, Path(home) / "public", progress=progress)
    progress.note(f"published {len(published.outputs)} public outputs to {published.folder}")
    return DemoResult(home=home, data_dir=folder, synthetic=synthetic, steps=results,
                      tables=tables, published=sorted(published.outputs))
