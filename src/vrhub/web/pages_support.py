"""What the dashboard pages share: the warehouse, the published outputs, the filters in
the URL, the result cache and the figures several pages show (headlines, choropleth
values, trends).

Partners' figures are computed by the analytics services on warehouse frames and cached
per parameter set in ``<home>/cache/web`` (keyed by the parameters and the warehouse
file's size and modification time), so a page that took a second once is instant the next
time. Figures drawn from ED data are cached under the level and scope the policy showed
them at (:class:`~vrhub.access.ed_figures.EDView`), and exact ones only in this process's
memory: the cache files never hold an exact ED figure. A public visitor's figures are
never computed here: they are read from the files
``vrhub publish`` left in ``<home>/public`` (disclosure-controlled and scanned there), see
:func:`published_rows`.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
from starlette.requests import Request

from vrhub.access.ed_figures import EDView
from vrhub.access.principal import Principal
from vrhub.errors import MonthError, UserError
from vrhub.reports.headlines import headline_changes
from vrhub.reports.publish import MANIFEST
from vrhub.standards.months import Month, Period, Preset
from vrhub.storage import catalogue
from vrhub.storage.catalogue import mps_categories as mps_categories
from vrhub.storage.series import monthly_counts
from vrhub.storage.warehouse import Warehouse
from vrhub.web.data import data_version, shared_warehouse, writing_warehouse
from vrhub.web.response_cache import Cached, cache_of

T = TypeVar("T")

DEFAULT_CATEGORY = "VIOLENCE AGAINST THE PERSON"
PUBLIC_LEVELS = ("borough", "ward")
LEVEL_LABELS = {"borough": "Borough", "ward": "Ward", "lsoa": "LSOA (neighbourhood)"}


@contextmanager
def open_warehouse(request: Request, *, write: bool = False) -> Iterator[Warehouse | None]:
    """A per-request cursor on the web app's one open (read-only) warehouse (see
    vrhub.web.data), or None before anything is loaded; with ``write``, the warehouse
    opened read-write for this write alone (created if need be).

    Every page and endpoint goes through the same open database: DuckDB refuses to open one
    file both read-only and read-write in the same process."""
    path: Path = request.app.state.workspace.warehouse_path
    if write:
        with writing_warehouse(request.app.state) as writer:
            yield writer
        return
    if not path.exists() and getattr(request.app.state, "warehouse", None) is None:
        yield None
        return
    view = shared_warehouse(request).cursor()
    try:
        yield view
    finally:
        view.close()


def _published_json(request: Request, name: str) -> Any:
    """The published JSON file ``name`` parsed, read again only when its size or
    modification time changes; None when it is missing or unreadable."""
    if "/" in name or "\\" in name or name.startswith("."):
        return None
    path = Path(request.app.state.workspace.public) / name
    try:
        stat = path.stat()
    except OSError:
        return None
    version = (stat.st_size, stat.st_mtime_ns)
    cache: dict[Path, tuple[tuple[int, int], Any]] | None = getattr(
        request.app.state, "published_cache", None)
    if cache is None:
        cache = request.app.state.published_cache = {}
    known = cache.get(path)
    if known is not None and known[0] == version:
        return known[1]
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    cache[path] = (version, value)
    return value


def published_manifest(request: Request) -> dict[str, Any] | None:
    """The manifest of the published outputs, or None when nothing is published."""
    manifest = _published_json(request, MANIFEST)
    if not isinstance(manifest, dict) or not isinstance(manifest.get("outputs"), dict):
        return None
    return manifest


def published_version(request: Request) -> str:
    """What is published, as a cache key (the manifest's time of publication)."""
    manifest = published_manifest(request)
    return str(manifest.get("published_at")) if manifest else "-"


def published_rows(request: Request, name: str) -> list[dict[str, Any]] | None:
    """The rows of the published output ``name`` (a map layer's feature properties, each
    with its ``geometry``), or None when it is not published."""
    manifest = published_manifest(request)
    entry = (manifest or {}).get("outputs", {}).get(name)
    files = entry.get("files") if isinstance(entry, dict) else None
    if not isinstance(files, dict) or "json" not in files:
        return None
    document = _published_json(request, str(files["json"]))
    if not isinstance(document, dict):
        return None
    if document.get("type") == "FeatureCollection":
        return [{**(f.get("properties") or {}), "geometry": f.get("geometry")}
                for f in document.get("features") or []]
    rows = document.get("rows")
    return rows if isinstance(rows, list) else None


def published_categories(monthly: list[dict[str, Any]]) -> list[str]:
    """Categories of the published London series, each major one followed by its minor
    ones (the order partners see)."""
    minors: dict[str, set[str]] = {}
    for row in monthly:
        major, category = str(row.get("major_category")), str(row.get("category"))
        minors.setdefault(major, set())
        if category != major:
            minors[major].add(category)
    out: list[str] = []
    for major in sorted(minors):
        out.append(major)
        out.extend(sorted(minors[major]))
    return out


def published_headlines(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Headline figures as the page shows them, from the published (disclosed) counts."""
    out = []
    for r in rows:
        current, previous = r.get("current"), r.get("previous")
        pct = None
        if current is not None and previous:
            ratio = (current / r["current_months"]) / (previous / r["previous_months"])
            pct = round((ratio - 1) * 100, 1)
        out.append({"category": str(r["category"]).capitalize(), "current": current,
                    "previous": previous, "pct_change": pct, "from": r["current_from"],
                    "to": r["current_to"], "significant": False,
                    "complete": bool(r.get("complete"))})
    return out


def published_monthly(rows: list[dict[str, Any]], filters: Filters) -> list[dict[str, Any]]:
    """The published London series of the filters' category within their period."""
    start, end = filters.start or "0000-00", filters.end or "9999-99"
    return [{"month": str(r["month"]), "count": r["count"]} for r in rows
            if r.get("category") == filters.category and start <= str(r["month"]) <= end]


def cache_dir(request: Request) -> Path:
    return Path(request.app.state.workspace.home) / "cache" / "web"


def cached_json(request: Request, kind: str, params: dict[str, Any],
                compute: Callable[[], T], *, view: EDView | None = None) -> T:
    """``compute()`` once per parameter set and warehouse version (JSON-serialisable).

    ED figures pass the ``view`` they are shown at: it is part of the key, and an exact
    view's figures are kept in memory only (never written under ``cache/web``)."""
    if view is not None:
        params = {**params, "ed_view": view.cache_key()}
    key = hashlib.sha256(json.dumps([kind, params, data_version(request)],
                                    sort_keys=True, default=str).encode()).hexdigest()[:32]
    if view is not None and view.exact:
        def keep() -> Cached:
            return Cached.of("", compute(), "application/json")

        entry = cache_of(request).get_or_build(f"private:{kind}-{key}", keep)
        private: T = json.loads(entry.body)
        return private
    path = cache_dir(request) / f"{kind}-{key}.json"
    if path.exists():
        try:
            value: T = json.loads(path.read_text(encoding="utf-8"))
            return value
        except (OSError, ValueError):
            pass
    value = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    # a temporary file of this request's own: requests computing the same answer at once
    # each replace the cached file whole (a shared name was moved by the first)
    tmp = path.with_name(f"{path.stem}-{uuid.uuid4().hex}.tmp")
    try:
        tmp.write_text(json.dumps(value, default=str), encoding="utf-8")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return value


@dataclass(frozen=True)
class Filters:
    """The filters every analytical page reads from its URL (GET forms, bookmarkable)."""

    category: str = DEFAULT_CATEGORY
    start: str | None = None
    end: str | None = None
    level: str = "borough"
    preset: str = ""
    """How the period was chosen (a :class:`Preset` value; empty before it is resolved)."""
    year: str = ""

    @property
    def period(self) -> tuple[str | None, str | None]:
        return (self.start, self.end)

    def as_params(self) -> dict[str, Any]:
        return {"category": self.category, "from": self.start or "", "to": self.end or "",
                "level": self.level}


def parse_filters(category: str | None, start: str | None, end: str | None,
                  level: str | None, principal: Principal) -> tuple[Filters, dict[str, str]]:
    """Filters from query parameters, and an error message per bad field (shown on the
    page next to the field, GOV.UK style)."""
    errors: dict[str, str] = {}
    s = (start or "").strip() or None
    e = (end or "").strip() or None
    if s and not Month.is_valid(s):
        errors["from"] = ("Enter the start month as a month and year, for example October "
                          f"2024 or 2024-10 (found {s!r})")
        s = None
    if e and not Month.is_valid(e):
        errors["to"] = ("Enter the end month as a month and year, for example September "
                        f"2025 or 2025-09 (found {e!r})")
        e = None
    s = Month.parse(s).iso if s else None
    e = Month.parse(e).iso if e else None
    if s and e and s > e:
        errors["from"] = f"The start month {s} is after the end month {e}"
        s = None
    lvl = (level or "borough").strip().lower()
    allowed = PUBLIC_LEVELS if principal.is_public else ("borough", "ward", "lsoa")
    if lvl not in allowed:
        errors["level"] = "Choose " + ", ".join(LEVEL_LABELS[x].lower() for x in allowed)
        lvl = "borough"
    cat = (category or "").strip() or DEFAULT_CATEGORY
    return Filters(cat, s, e, lvl), errors


PERIOD_CHOICES = [(p.value, p.label) for p in Preset]


def choose_period(filters: Filters, query: Mapping[str, str], last: str | None,
                  errors: dict[str, str]) -> tuple[Filters, Period | None]:
    """The period a page shows, from its address (``period``, ``year``, ``from``, ``to``):
    by default the latest 12 complete months the data holds, the same on every page, map,
    chart and download. Months typed while the default is chosen make a custom period; as
    in the API, a first month alone runs to the latest complete month and a last month
    alone ends 12 months. The filters come back with the period's first and last months
    filled in."""
    if last is None:
        return filters, None
    preset = (query.get("period") or "").strip()
    if preset in ("", Preset.LATEST.value) and (filters.start or filters.end):
        default = Period.latest_complete(last)
        if (filters.start, filters.end) != (default.first.iso, default.last.iso):
            preset = Preset.CUSTOM.value
        if filters.start and not filters.end:
            filters = replace(filters, end=max(filters.start, default.last.iso))
        elif filters.end and not filters.start:
            preset = Preset.ROLLING_12.value
    try:
        period = Period.choose(preset or None, latest=last, year=query.get("year") or None,
                               ending=filters.end if preset == Preset.ROLLING_12.value
                               else None,
                               first=filters.start, last=filters.end)
    except MonthError as exc:
        errors["period" if "year" not in str(exc) else "year"] = (
            f"{exc.message[:1].upper()}{exc.message[1:]}: {exc.hint}" if exc.hint
            else exc.message)
        period = Period.latest_complete(last)
    return replace(filters, start=period.first.iso, end=period.last.iso,
                   preset=period.preset.value, year=(query.get("year") or "").strip()), period


def boroughs(wh: Warehouse | None) -> list[tuple[str, str]]:
    """(code, name) of the boroughs in the workspace, by name."""
    return catalogue.boroughs(wh)


def months_available(wh: Warehouse | None) -> tuple[str | None, str | None]:
    return catalogue.mps_months(wh)


def exact_count(value: float | int | None) -> int | None:
    """A partner's count as shown: a whole number, or None when there is none."""
    if value is None or pd.isna(value):
        return None
    return int(value)


def headlines(wh: Warehouse, borough: str | None, end: str | None) -> list[dict[str, Any]]:
    """Last 12 months against the 12 before, for the headline categories (MPS counts), as
    the dashboard's headline panel shows them."""
    try:
        yoy = headline_changes(wh, borough, end).frame
    except UserError:
        return []
    out = []
    for _, r in yoy.iterrows():
        current = exact_count(r["current"])
        previous = exact_count(r["previous"])
        # Change per covered month, so a window missing months is not read as a fall.
        pct = None
        if current is not None and previous:
            ratio = (current / r["current_months"]) / (previous / r["previous_months"])
            pct = round((ratio - 1) * 100, 1)
        significant = bool(r["p_value"] < 0.05) if pd.notna(r["p_value"]) else False
        out.append({"category": str(r["category"]).capitalize(), "current": current,
                    "previous": previous, "pct_change": pct,
                    "from": r["current_from"], "to": r["current_to"],
                    "significant": significant,
                    "complete": bool(r["complete"])})
    return out


def area_totals(wh: Warehouse, filters: Filters, borough: str | None) -> pd.DataFrame:
    """Counts and rates per area of ``filters.level`` over the period (MPS counts):
    ``area_code``, ``area_name``, ``count``, ``population``, ``rate_per_1000``."""
    from vrhub.storage.series import population_by_area

    counts = monthly_counts(wh, source="mps", level=filters.level,
                            areas=[borough] if borough else None,
                            categories=[filters.category], period=filters.period)
    data = counts.data
    totals = data.groupby("area_code", as_index=False).agg(
        area_name=("area_name", "first"), count=("count", "sum"))
    try:
        population, _notes = population_by_area(wh, filters.level)
        totals = totals.merge(population, on="area_code", how="left")
    except UserError:
        totals["population"] = float("nan")
    totals["rate_per_1000"] = [
        None if c is None or pd.isna(c) or not p or pd.isna(p) else round(c / p * 1000, 2)
        for c, p in zip(totals["count"], totals["population"], strict=True)]
    return totals.sort_values("area_name").reset_index(drop=True)


def london_monthly(wh: Warehouse, filters: Filters,
                   borough: str | None) -> list[dict[str, Any]]:
    """Monthly totals of the category for London or one borough (chart and table)."""
    counts = monthly_counts(wh, source="mps", level="borough",
                            areas=[borough] if borough else None,
                            categories=[filters.category], period=filters.period)
    monthly = counts.data.groupby("month", as_index=False)["count"].sum()
    return [{"month": str(m), "count": exact_count(c)}
            for m, c in monthly.itertuples(index=False)]
