"""The Serious Violence Duty strategic needs assessment, per borough and London-wide.

An assessment is a tuple of sections (:data:`SECTION_KEYS`), each built from what the
warehouse holds by its own module, so one can be refreshed alone (:func:`refresh`):

==================  ===========================================================
definition          :mod:`vrhub.partnership.sna_context` (the definition file:
                    :mod:`vrhub.partnership.sna_definition`)
sources             :mod:`vrhub.partnership.sna_context`
trends              :mod:`vrhub.partnership.sna_trends`
where               :mod:`vrhub.partnership.sna_where`
when, who, risk     :mod:`vrhub.partnership.sna_people`
services            :mod:`vrhub.partnership.sna_context`
recommendations     written by the borough (:func:`check_recommendations`)
==================  ===========================================================

A section the area has no data for stays in the assessment with ``available=False`` and a
reason naming what is missing and how to load it. The full edition is restricted; the
public summary (:func:`public_summary`, :mod:`vrhub.partnership.sna_public`) has every
count through :mod:`vrhub.analytics.disclosure`. Rendering (HTML, PDF, XLSX) is in
:mod:`vrhub.partnership.sna_render`; :func:`build_all` builds many areas from one read of
each source.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from vrhub.errors import UserError
from vrhub.partnership import sna_context, sna_people, sna_trends, sna_where
from vrhub.partnership.incident_forms import MARKUP
from vrhub.partnership.sna_data import LONDON, SourceData, load
from vrhub.partnership.sna_definition import Definition, load_definition
from vrhub.partnership.sna_model import (
    SECTION_KEYS,
    SECTION_TITLES,
    Area,
    NeedsAssessment,
    Section,
    unavailable,
)
from vrhub.partnership.sna_public import public_summary
from vrhub.partnership.sna_render import html_to_pdf, to_html, to_pdf, to_xlsx
from vrhub.privacy.identifiers import redact
from vrhub.standards.formula_cells import is_formula
from vrhub.storage.warehouse import Warehouse
from vrhub.suggest import did_you_mean

__all__ = ["SECTION_KEYS", "NeedsAssessment", "RecommendationError", "Section", "build",
           "build_all", "check_recommendations", "figures", "file_name", "public_summary",
           "refresh", "resolve_areas", "to_html", "to_pdf", "to_xlsx", "write_files"]

EDITIONS = ("full", "public")
FORMATS = ("html", "pdf", "xlsx")
RECOMMENDATIONS_LIMIT = 20_000
LONDON_WORDS = {"london", "e12000007", "london-wide", "all of london"}


class RecommendationError(UserError):
    """The recommendations cannot be kept as written."""

    exit_code = 4
    http_status = 422
    code = "invalid_recommendations"


def check_recommendations(text: str) -> str:
    """The recommendations as kept (line ends normalised, trimmed), or
    :class:`RecommendationError` when a line starts like a spreadsheet formula, the text
    holds markup or script, or it holds personal details."""
    clean = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(clean) > RECOMMENDATIONS_LIMIT:
        raise RecommendationError(f"the recommendations are {len(clean):,} characters; at "
                                  f"most {RECOMMENDATIONS_LIMIT:,} are kept",
                                  hint="shorten them, or link to the full action plan")
    for number, line in enumerate(clean.split("\n"), start=1):
        if is_formula(line.lstrip(" ")):
            raise RecommendationError(
                f"line {number} of the recommendations starts with {line.lstrip()[0]!r}, "
                "which a spreadsheet would run as a formula",
                hint="start each line with a word (use '*' for a bulleted list)")
    if MARKUP.search(clean):
        raise RecommendationError("the recommendations hold markup or script ('<...>')",
                                  hint="write plain text: no HTML tags or script links")
    found = redact(clean)
    if found.changed:
        kinds = ", ".join(k.replace("_", " ") for k in found.counts)
        raise RecommendationError(
            f"the recommendations seem to hold personal details ({kinds})",
            hint="name roles and services, never people, contact details or NHS numbers")
    return clean


def borough_names(warehouse: Warehouse) -> dict[str, str]:
    from vrhub.storage.names import area_names

    frame = area_names(warehouse, "borough")
    return {str(c): str(n) for c, n in zip(frame["code"], frame["name"], strict=True)
            if str(c).startswith("E09")}


def resolve_areas(names: Mapping[str, str], wanted: Sequence[str]) -> list[Area]:
    """The areas named (borough names or GSS codes, or "London"), in the order given."""
    by_key = {n.casefold(): c for c, n in names.items()}
    out: list[Area] = []
    for text in wanted:
        key = text.strip().casefold().replace("&", "and")
        if key in LONDON_WORDS:
            out.append(london(names))
            continue
        code = text.strip().upper() if text.strip().upper() in names else by_key.get(key)
        if code is None:
            if not names:
                raise UserError(f"no borough called {text!r}: no boroughs are loaded",
                                hint="load the boundaries first (vrhub load boundaries ...)")
            raise UserError(f"no borough called {text!r}." + did_you_mean(
                text, [*names.values(), "London"]),
                hint="give a borough's name or GSS code (E09...), or London")
        out.append(Area(code, names[code], (code,)))
    return out


def london(names: Mapping[str, str]) -> Area:
    return Area(LONDON, "London", tuple(sorted(names)))


def _sections(data: SourceData, area: Area, keys: Sequence[str], recommendations: str,
              opportunities: pd.DataFrame | None) -> list[Section]:
    builders: dict[str, Callable[[], Section]] = {
        "definition": lambda: sna_context.definition(data, area),
        "sources": lambda: sna_context.sources(data, area),
        "trends": lambda: sna_trends.section(data, area),
        "where": lambda: sna_where.section(data, area),
        "when": lambda: sna_people.when(data, area),
        "who": lambda: sna_people.who(data, area),
        "risk": lambda: sna_people.risk(data, area),
        "services": lambda: sna_context.services(data, area, opportunities),
        "recommendations": lambda: sna_context.recommendations(recommendations),
    }
    out = []
    for key in keys:
        try:
            out.append(builders[key]())
        except UserError as exc:  # a source present but unusable: the section says so
            out.append(unavailable(key, f"{exc.message}" + (f" ({exc.hint})" if exc.hint
                                                             else "")))
    return out


def _check_sections(sections: Sequence[str] | None) -> list[str]:
    if sections is None:
        return list(SECTION_KEYS)
    unknown = [s for s in sections if s not in SECTION_KEYS]
    if unknown:
        raise UserError(f"no section called {unknown[0]!r}." + did_you_mean(
            unknown[0], SECTION_KEYS), hint="sections are " + ", ".join(SECTION_KEYS))
    return [k for k in SECTION_KEYS if k in sections]


def assemble(data: SourceData, area: Area, *, edition: str = "full",
             recommendations: str = "", sections: Sequence[str] | None = None,
             opportunities: pd.DataFrame | None = None,
             previous: NeedsAssessment | None = None) -> NeedsAssessment:
    """One area's assessment from data already read (see :func:`build_all`)."""
    if edition not in EDITIONS:
        raise UserError(f"unknown edition {edition!r}", hint="use full or public")
    keys = _check_sections(sections)
    text = check_recommendations(recommendations)
    built = {s.key: s for s in _sections(data, area, keys, text, opportunities)}
    if previous is not None and sections is not None:
        kept = {s.key: s for s in previous.sections}
        built = {k: built[k] if k in built else kept[k] for k in SECTION_KEYS
                 if k in built or k in kept}
    assessment = NeedsAssessment(
        area.code, area.name, "full", data.start, data.end, data.definition.version, text,
        tuple(built[k] for k in SECTION_KEYS if k in built),
        dt.datetime.now(dt.UTC).replace(microsecond=0))
    return public_summary(assessment) if edition == "public" else assessment


def build(warehouse: Warehouse, area: str, *, edition: str = "full", end: str | None = None,
          recommendations: str = "", sections: Sequence[str] | None = None,
          opportunities: pd.DataFrame | None = None,
          previous: NeedsAssessment | None = None,
          definition: Definition | None = None) -> NeedsAssessment:
    """The assessment of ``area`` (a borough's name or code, or "London") for the five
    years ending ``end`` (YYYY-MM; default the last month of MPS counts)."""
    names = borough_names(warehouse)
    [chosen] = resolve_areas(names, [area])
    check_recommendations(recommendations)
    data = load(warehouse, definition or load_definition(), end, names)
    return assemble(data, chosen, edition=edition, recommendations=recommendations,
                    sections=sections, opportunities=opportunities, previous=previous)


def build_all(warehouse: Warehouse, areas: Sequence[str] | None = None, *,
              edition: str = "full", end: str | None = None,
              recommendations: str | Mapping[str, str] = "",
              opportunities: pd.DataFrame | None = None, with_london: bool = False,
              definition: Definition | None = None) -> list[NeedsAssessment]:
    """Assessments of ``areas`` (None: every borough), and London when ``with_london``,
    each source read once for all of them. ``recommendations``: one text for all, or a
    text per area code."""
    names = borough_names(warehouse)
    chosen = resolve_areas(names, list(areas)) if areas is not None else [
        Area(code, name, (code,)) for code, name in sorted(names.items())]
    if with_london and not any(a.code == LONDON for a in chosen):
        chosen.append(london(names))
    texts = {a.code: (recommendations.get(a.code, "") if isinstance(recommendations, Mapping)
                      else recommendations) for a in chosen}
    for text in texts.values():
        check_recommendations(text)
    data = load(warehouse, definition or load_definition(), end, names)
    return [assemble(data, area, edition=edition, recommendations=texts[area.code],
                     opportunities=opportunities) for area in chosen]


def refresh(assessment: NeedsAssessment, warehouse: Warehouse, key: str,
            **kw: Any) -> NeedsAssessment:
    """``assessment`` with section ``key`` rebuilt from the warehouse, the others kept."""
    _check_sections([key])
    if key == "recommendations" and "recommendations" in kw:
        text = check_recommendations(kw["recommendations"])
        section = sna_context.recommendations(text)
        return replace(assessment, recommendations=text, sections=tuple(
            section if s.key == key else s for s in assessment.sections))
    area = assessment.area_code if assessment.area_code != LONDON else "London"
    kw.setdefault("end", assessment.period_to)
    kw.setdefault("recommendations", assessment.recommendations)
    kw.setdefault("edition", assessment.edition)
    if assessment.edition == "public" and kw["edition"] == "public":
        raise UserError("a public summary cannot be refreshed on its own",
                        hint="refresh the full edition, then make its public summary")
    return build(warehouse, area, sections=[key], previous=assessment, **kw)


def figures(assessment: NeedsAssessment) -> dict[str, dict[str, int | float | str | None]]:
    """{section key: its headline figures}, what editions are compared on."""
    return {s.key: dict(s.figures) for s in assessment.sections}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def file_name(assessment: NeedsAssessment, file_format: str) -> str:
    """e.g. ``sna-E09000012-hackney-2025-11-full.pdf``."""
    return (f"sna-{assessment.area_code}-{_slug(assessment.area_name)}-"
            f"{assessment.period_to}-{assessment.edition}.{file_format}")


def check_formats(formats: Sequence[str]) -> list[str]:
    chosen = [f.strip().lower() for f in formats if f.strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise UserError(f"unknown format {unknown[0] if unknown else ''!r}",
                        hint="use html, pdf and/or xlsx, separated by commas")
    return chosen


def write_files(assessments: Sequence[NeedsAssessment], folder: Path,
                formats: Sequence[str] = FORMATS,
                comparisons: Mapping[str, list[dict[str, Any]]] | None = None, *,
                workers: int | None = 1) -> list[Path]:
    """Each assessment in each format into ``folder`` (created); the paths written.
    ``comparisons`` maps an area code to its changes since the last edition. PDFs are
    made by ``workers`` processes (None: one per CPU, at most 2)."""
    chosen = check_formats(formats)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    pages: dict[Path, str] = {}
    for assessment in assessments:
        comparison = (comparisons or {}).get(assessment.area_code)
        html = to_html(assessment, comparison=comparison) if {"html", "pdf"} & set(
            chosen) else ""
        for file_format in chosen:
            path = folder / file_name(assessment, file_format)
            if file_format == "html":
                path.write_text(html, encoding="utf-8")
            elif file_format == "pdf":
                pages[path] = html
            else:
                path.write_bytes(to_xlsx(assessment))
            written.append(path)
    count = min(os.cpu_count() or 1, 2) if workers is None else max(workers, 1)
    if count > 1 and len(pages) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(count, mp_context=context) as pool:
            for path, document in zip(pages, pool.map(html_to_pdf, pages.values()),
                                      strict=True):
                path.write_bytes(document)
    else:
        for path, page in pages.items():
            path.write_bytes(html_to_pdf(page))
    return written


SECTION_NAMES = SECTION_TITLES
