"""Public outputs: built in advance, disclosure-controlled, scanned, then published at once.

The public website and ``/api/v1/public`` serve only what :func:`publish` leaves in the
workspace's ``public`` folder; they never query record-level tables. Each output is:

======================== ===================================================================
name                     what
======================== ===================================================================
police-ward-month        police.uk street crimes per ward, crime type and month (the latest
                         :data:`WARD_MONTH_WINDOW` months)
police-borough-month     police.uk street crimes per borough, crime type and month
mps-ward-month           MPS recorded crime per ward, offence category and month (the latest
                         :data:`WARD_MONTH_WINDOW` months)
ed-assaults-borough-month ED assault attendances (ISTV) per borough and month
ed-police-borough-quarter ED assault attendances beside police-recorded violence per
                         borough and quarter, with the ED-to-police ratio
overview-headlines       London's headline categories: the latest 12 months of MPS
                         recorded crime against the 12 before
mps-london-month         MPS recorded crime in London per category and month
mps-borough-year         MPS recorded crime per borough and category over the latest 12
                         months, with residents and the rate per 1,000
mps-ward-year            the same per ward
violence-deprivation-ward wards by violence with injury (latest 12 months) and IMD 2025
                         deprivation, in the VRU strategy's four groups
boundaries-borough       borough boundaries (simplified, WGS 84) for the public maps
boundaries-ward          ward boundaries (simplified, WGS 84) for the public maps
======================== ===================================================================

Every table goes through :func:`vrhub.analytics.disclosure.apply` (counts 1-7 suppressed,
others rounded to 5, ratios recomputed from the disclosed counts and suppressed with them;
never finer than ward x month; no points, times or free text), is written as CSV (with
its ``.csv.json`` metadata) and JSON (a boundary layer as one GeoJSON ``.json`` file of
area polygons carrying no counts), with counts written in its notes disclosure-controlled
too (:func:`vrhub.analytics.disclosure.disclose_text`), and is listed in
``manifest.json`` with what it is, when it was made, its parameters and the provenance of
the files behind it. The whole folder, every text field included, is then checked by
:func:`vrhub.analytics.disclosure.scan_public_tree`; on any
violation nothing is published. Outputs are written to a temporary folder beside
``public`` and swapped in with renames, so readers see the old set or the new, never half.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from vrhub import __version__
from vrhub.analytics import disclosure as sdc
from vrhub.errors import DisclosureError, UserError
from vrhub.progress import SILENT, Progress
from vrhub.reports import overview_figures as ov
from vrhub.reports.outputs import output_metadata, write_result
from vrhub.standards.deprivation import HIGH_VIOLENCE_OFFENCES
from vrhub.standards.months import Month, shift
from vrhub.storage import series
from vrhub.storage.warehouse import Warehouse

MANIFEST = "manifest.json"
POLICE_VIOLENCE = "Violence and sexual offences"
TEXT_COLUMNS = ("area_name", "category", "major_category")
COUNT_COLUMNS = ("count", "ed_count", "police_count", "current", "previous")
JSON_CHUNK_ROWS = 50_000
"""Rows of a table encoded at once when its JSON file is written."""
WARD_MONTH_WINDOW = 36
"""Months of a ward x month table published: the latest three years. The MPS ward table
goes back to 2010 (about four million rows, half a gigabyte as JSON), more than an
open-data user downloads to look at their ward; the whole history stays available to
signed-in users through ``/api/v1/counts`` and the exports, and the window is stated in
each table's description and parameters (``months``, ``history_from``)."""


@dataclass
class Built:
    """One public table before it is written."""

    name: str
    title: str
    description: str
    frame: pd.DataFrame
    parameters: dict[str, Any]
    provenance: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    recompute: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    """Measures computed again from the disclosed counts (after disclosure control)."""
    geometry: pd.Series | None = None
    """GeoJSON geometry per row: the output is a map layer (one GeoJSON file)."""


@dataclass
class PublishReport:
    folder: Path
    outputs: dict[str, dict[str, Any]]
    skipped: dict[str, str]
    files_checked: int

    def to_dict(self) -> dict[str, Any]:
        return {"folder": str(self.folder), "outputs": self.outputs, "skipped": self.skipped,
                "files_checked": self.files_checked}


# -- the outputs ------------------------------------------------------------------------
Builder = Callable[[Warehouse], Built]


def _counts(wh: Warehouse, source: str, level: str) -> series.MonthlyCounts:
    return series.monthly_counts(wh, source=source, level=level)


def _monthly(name: str, title: str, description: str, source: str, level: str,
             window: int | None = None) -> Callable[[Warehouse], Built]:
    """A month x area x category table; with ``window``, only its latest ``window``
    calendar months (counted back from the latest month the source covers)."""
    def build(wh: Warehouse) -> Built:
        parameters: dict[str, Any] = {"source": source, "level": level, "period": "month"}
        text = description
        period: tuple[str | None, str | None] = (None, None)
        if window is not None:
            covered = series.months_covered(wh, source=source, level=level)
            if not covered:
                raise UserError(f"no {source} counts at {level} level are loaded")
            period = (max(covered[0], shift(covered[-1], 1 - window)), covered[-1])
            parameters.update(window_months=window, months=list(period),
                              history_from=covered[0])
            first, last, start = (Month.parse(m).label for m in (*period, covered[0]))
            text = (f"{description} Published for the latest {window} months ({first} to "
                    f"{last}); the whole history, from {start}, is available to signed-in "
                    "users through the API (/api/v1/counts) and exports.")
        counts = series.monthly_counts(wh, source=source, level=level, period=period)
        frame = counts.data[["area_code", "area_name", "category", "month", "count"]]
        return Built(name, title, text, frame.reset_index(drop=True), parameters,
                     counts.provenance, counts.notes)
    return build


def _quarter(month: str) -> str:
    year, mon = month.split("-")
    return f"{year}-Q{(int(mon) - 1) // 3 + 1}"


def _ed_police(wh: Warehouse) -> Built:
    """ED attendances and police-recorded violence per borough and complete quarter."""
    ed = _counts(wh, "istv", "borough")
    police = series.monthly_counts(wh, source="police", level="borough",
                                   categories=[POLICE_VIOLENCE])
    months = sorted(set(ed.coverage) & set(police.coverage))
    by_quarter: dict[str, list[str]] = {}
    for month in months:
        by_quarter.setdefault(_quarter(month), []).append(month)
    complete = {q for q, ms in by_quarter.items() if len(ms) == 3}
    if not complete:
        raise UserError("no quarter is fully covered by both ED and police data")

    def per_quarter(frame: pd.DataFrame, column: str) -> pd.DataFrame:
        out = frame.assign(quarter=frame["month"].map(_quarter))
        out = out[out["quarter"].isin(complete)]
        return (out.groupby(["area_code", "quarter"], as_index=False)
                .agg(area_name=("area_name", "first"), **{column: ("count", "sum")}))

    joined = per_quarter(ed.data, "ed_count").merge(
        per_quarter(police.data, "police_count").drop(columns="area_name"),
        on=["area_code", "quarter"], how="outer")
    joined[["ed_count", "police_count"]] = joined[["ed_count", "police_count"]].fillna(0)
    joined["ed_per_police"] = np.nan
    frame = joined[["area_code", "area_name", "quarter", "ed_count", "police_count",
                    "ed_per_police"]].sort_values(["area_code", "quarter"])
    return Built("ed-police-borough-quarter", "ED assaults beside police-recorded violence",
                 "ED assault attendances (ISTV, all methods) and police.uk 'Violence and "
                 "sexual offences' per borough and complete quarter; ed_per_police is "
                 "recomputed from the disclosed counts.", frame.reset_index(drop=True),
                 {"ed_source": "istv", "police_source": "police",
                  "police_category": POLICE_VIOLENCE, "level": "borough",
                  "period": "quarter", "quarters": sorted(complete)},
                 ed.provenance + police.provenance, ed.notes + police.notes)


def _figures(name: str, title: str, description: str,
             compute: Callable[[Warehouse], ov.Figures],
             recompute: Callable[[pd.DataFrame], pd.DataFrame] | None = None) -> Builder:
    def build(wh: Warehouse) -> Built:
        figures = compute(wh)
        return Built(name, title, description, figures.frame.reset_index(drop=True),
                     figures.parameters, figures.provenance, figures.notes, recompute)
    return build


def _boundaries(level: str) -> Builder:
    def build(wh: Warehouse) -> Built:
        figures = ov.boundaries(wh, level)
        frame = figures.frame
        return Built(f"boundaries-{level}", f"{level.capitalize()} boundaries",
                     f"{level.capitalize()} boundaries simplified to about "
                     f"{figures.parameters['simplified_m']:g} m, in WGS 84, for the public "
                     "maps.", frame[["area_code"]], figures.parameters, figures.provenance,
                     figures.notes, geometry=frame["geometry"])
    return build


def _area_rates(frame: pd.DataFrame) -> pd.DataFrame:
    """Offences per 1,000 residents from the disclosed counts."""
    out = frame.copy()
    count = pd.to_numeric(out["count"], errors="coerce").astype("Float64")
    population = pd.to_numeric(out["population"], errors="coerce").astype("Float64")
    rate = (count / population * 1000).round(2)
    out["rate_per_1000"] = rate.mask(population.isna() | (population == 0) | count.isna())
    return out


def _violence_deprivation(high_violence: int) -> Builder:
    return _figures(
        "violence-deprivation-ward", "Violence and deprivation by ward",
        f"Violence with injury per ward over the latest 12 months and IMD 2025 deprivation; "
        f"'high violence' is more than {high_violence} offences (judged on the "
        "disclosed count), 'high deprivation' most residents in the 20% most deprived "
        "neighbourhoods of England.",
        lambda wh: ov.violence_deprivation_wards(wh, high_violence=high_violence),
        lambda frame: ov.regroup(frame, high_violence=high_violence))


OUTPUTS: tuple[tuple[str, Builder], ...] = (
    ("police-ward-month", _monthly("police-ward-month", "Street crime by ward and month",
             "police.uk street-level crimes per ward (2022 wards), crime type and month.",
             "police", "ward", WARD_MONTH_WINDOW)),
    ("police-borough-month", _monthly("police-borough-month", "Street crime by borough and month",
             "police.uk street-level crimes per borough, crime type and month.",
             "police", "borough")),
    ("mps-ward-month", _monthly("mps-ward-month", "Recorded crime by ward and month",
             "Metropolitan Police recorded crime per ward, offence category and month.",
             "mps", "ward", WARD_MONTH_WINDOW)),
    ("ed-assaults-borough-month", _monthly(
        "ed-assaults-borough-month", "ED assault attendances by borough and month",
             "Assault attendances at London emergency departments (ISTV) per borough of "
             "the assault and month.", "istv", "borough")),
    ("ed-police-borough-quarter", _ed_police),
    ("overview-headlines", _figures(
        "overview-headlines", "Headline figures for London",
        "MPS recorded crime in London for the headline categories: the latest 12 months "
        "(current) against the same months a year before (previous), with the months each "
        "window covers.", ov.headline_figures)),
    ("mps-london-month", _figures(
        "mps-london-month", "Recorded crime in London by month",
        "Metropolitan Police recorded crime in London per category (major categories and "
        "their minor ones) and month.", ov.london_monthly)),
    ("mps-borough-year", _figures(
        "mps-borough-year", "Recorded crime by borough, latest 12 months",
        "Metropolitan Police recorded crime per borough and category over the latest 12 "
        "months, with residents and offences per 1,000 residents (from the disclosed "
        "counts).", lambda wh: ov.area_year(wh, "borough"), _area_rates)),
    ("mps-ward-year", _figures(
        "mps-ward-year", "Recorded crime by ward, latest 12 months",
        "Metropolitan Police recorded crime per ward and category over the latest 12 "
        "months, with residents and offences per 1,000 residents (from the disclosed "
        "counts).", lambda wh: ov.area_year(wh, "ward"), _area_rates)),
    ("violence-deprivation-ward", _violence_deprivation(HIGH_VIOLENCE_OFFENCES)),
    ("boundaries-borough", _boundaries("borough")),
    ("boundaries-ward", _boundaries("ward")),
)


# -- writing and checking ---------------------------------------------------------------
def controlled(built: Built) -> pd.DataFrame:
    """The table under disclosure control (the one gate every public table passes)."""
    frame = built.frame
    counts = [c for c in COUNT_COLUMNS if c in frame.columns]
    rates = ({"ed_per_police": sdc.Rate("ed_count", "police_count")}
             if "ed_per_police" in frame.columns else None)
    derived = ({"rate_per_1000": ["count"]} if "rate_per_1000" in frame.columns else None)
    out = sdc.apply(frame, counts, rates=rates, derived_from=derived,
                    allow_columns=[c for c in TEXT_COLUMNS if c in frame.columns])
    if built.recompute is not None:
        attrs = dict(out.attrs)
        out = built.recompute(out)
        out.attrs = attrs
    return out


def _public_provenance(provenance: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Provenance keyed by file: name, fingerprint and load time (no paths)."""
    out: dict[str, dict[str, Any]] = {}
    for item in provenance:
        name = Path(str(item.get("file_name", ""))).name
        out[name] = {"source": item.get("source"), "table": item.get("table"),
                     "sha256": item.get("sha256"), "loaded_at": str(item.get("loaded_at"))}
    return out


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _json_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _json_value(v) for k, v in r.items()}
            for r in frame.astype(object).to_dict("records")]


def _write_rows_json(path: Path, metadata: dict[str, Any], frame: pd.DataFrame) -> None:
    """``{"vrhub": metadata, "rows": [...]}`` as ``json.dumps`` writes it, byte for byte,
    but encoded :data:`JSON_CHUNK_ROWS` rows at a time: a table of millions of rows (ward x
    category x month over fifteen years) never exists as one list of dicts and one
    string."""
    with path.open("w", encoding="utf-8") as out:
        out.write('{"vrhub": ' + json.dumps(metadata, default=str) + ', "rows": [')
        for start in range(0, len(frame), JSON_CHUNK_ROWS):
            rows = _json_rows(frame.iloc[start:start + JSON_CHUNK_ROWS])
            out.write((", " if start else "") + json.dumps(rows, default=str)[1:-1])
        out.write("]}")


def write_output(built: Built, frame: pd.DataFrame, folder: Path) -> dict[str, Any]:
    """Write ``frame`` as CSV and JSON under ``folder``; its manifest entry."""
    disclosure = sdc.disclosure_metadata(frame)
    metadata = output_metadata(built.parameters, [], name=built.name, title=built.title,
                               description=built.description, disclosure=disclosure,
                               notes=[sdc.disclose_text(note) for note in built.notes],
                               provenance_files=_public_provenance(built.provenance))
    json_path = folder / f"{built.name}.json"
    files: dict[str, str] = {}
    if built.geometry is not None:
        features = [{"type": "Feature", "geometry": geometry, "properties": row}
                    for row, geometry in zip(_json_rows(frame), built.geometry, strict=True)]
        document: dict[str, Any] = {"type": "FeatureCollection", "vrhub": metadata,
                                    "features": features}
        json_path.write_text(json.dumps(document, separators=(",", ":"), default=str),
                             encoding="utf-8")
    else:
        files["csv"] = write_result(frame, folder / f"{built.name}.csv", metadata).name
        _write_rows_json(json_path, metadata, frame)
    files["json"] = json_path.name
    return {"title": built.title, "description": built.description, "files": files,
            "columns": [str(c) for c in frame.columns], "rows": len(frame),
            "parameters": built.parameters, "disclosure": disclosure,
            "provenance": _public_provenance(built.provenance)}


def publish(warehouse: Warehouse, public: Path, *, progress: Progress = SILENT,
            outputs: tuple[tuple[str, Builder], ...] = OUTPUTS,
            high_violence_offences: int = HIGH_VIOLENCE_OFFENCES) -> PublishReport:
    """Build every public output into ``public`` (replacing what is there), or nothing.

    ``high_violence_offences`` is the violence x deprivation map's threshold (the setting
    ``VRHUB_HIGH_VIOLENCE_OFFENCES``).

    An output whose source is not loaded is skipped (and named in the report and
    manifest); a disclosure violation anywhere refuses the whole publication.
    """
    if high_violence_offences != HIGH_VIOLENCE_OFFENCES:
        outputs = tuple((name, _violence_deprivation(high_violence_offences))
                        if name == "violence-deprivation-ward" else (name, build)
                        for name, build in outputs)
    public = Path(public)
    public.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".public-", dir=public.parent))
    staging.chmod(0o755)  # readable by the web server, like the folder it replaces
    try:
        entries: dict[str, dict[str, Any]] = {}
        skipped: dict[str, str] = {}
        with progress.task("building public outputs", total=len(outputs)) as task:
            for name, build in outputs:
                try:
                    built = build(warehouse)
                except DisclosureError:
                    raise
                except UserError as exc:
                    skipped[name] = sdc.disclose_text(exc.message)
                    task.advance(1)
                    continue
                entries[built.name] = write_output(built, controlled(built), staging)
                task.advance(1)
        for name, reason in skipped.items():
            progress.note(f"skipped {name}: {reason}")
        manifest = {"published_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "vrhub_version": __version__, "rule": sdc.RULE,
                    "outputs": entries, "skipped": skipped}
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, default=str),
                                        encoding="utf-8")
        report = sdc.scan_public_tree(staging)
        if not report.ok:
            raise DisclosureError(
                f"{len(report.violations)} disclosure violation(s) in the public outputs; "
                "nothing was published: " + "; ".join(
                    v.describe() for v in report.violations[:5]),
                hint="fix the output that breaks the rule; the previous public outputs "
                "are unchanged")
        _swap(staging, public)
        return PublishReport(public, entries, skipped, len(report.checked))
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _swap(staging: Path, public: Path) -> None:
    """Replace ``public`` with ``staging`` by renames (same file system)."""
    old = public.with_name(f".public-old-{os.getpid()}")
    if old.exists():
        shutil.rmtree(old)
    if public.exists():
        public.rename(old)
    try:
        staging.rename(public)
    except OSError:
        if old.exists():
            old.rename(public)
        raise
    shutil.rmtree(old, ignore_errors=True)


def read_manifest(public: Path) -> dict[str, Any] | None:
    """The manifest of the published outputs, or None when nothing is published."""
    path = Path(public) / MANIFEST
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
