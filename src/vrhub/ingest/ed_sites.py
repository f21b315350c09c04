"""Loader for the London urgent and emergency care site list (``ed-sites``).

Reads the NHS London site table (columns icb_code, icb, provider_code, provider, site_code,
site, easting, northing; the easting and northing are British National Grid) into
``ed_site``. When LSOA 2021 or borough boundaries are loaded, each site gets the LSOA and
borough it lies in (sites outside the loaded boundaries, such as Epsom in Surrey, stay
blank); loading boundaries later fills them in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import pandas as pd

from vrhub.ingest.inputs import InputFile
from vrhub.ingest.reference_files import (
    load_files,
    merge_counts,
    parse_numbers,
    read_published,
    store_rows,
    text_column,
)
from vrhub.ingest.report import FileReport, LoadReport
from vrhub.ingest.sources import Source
from vrhub.progress import Progress
from vrhub.standards.ed_sites import ED_SITE
from vrhub.standards.schema import Problem
from vrhub.storage.queries import reference as reference_queries
from vrhub.storage.table_writes import delete_rows
from vrhub.storage.warehouse import FileLoad, Warehouse

SOURCE = "ed-sites"
COLUMNS = ("icb_code", "icb", "provider_code", "provider", "site_code", "site", "easting",
           "northing")


def _handle(load: FileLoad, file: InputFile, entry: FileReport) -> None:
    published = read_published(file)
    published.require(COLUMNS, what="ED site list",
                      hint="give the site table with columns " + ", ".join(COLUMNS))
    load.rows_read = len(published.frame)
    easting, p1 = parse_numbers(published, "easting", integer=False, blank_ok=False)
    northing, p2 = parse_numbers(published, "northing", integer=False, blank_ok=False)
    frame = pd.DataFrame({
        "site_code": text_column(published, "site_code").str.upper(),
        "site_name": text_column(published, "site"),
        "provider_code": text_column(published, "provider_code").str.upper(),
        "provider_name": text_column(published, "provider"),
        "icb_code": text_column(published, "icb_code").str.upper(),
        "icb_name": text_column(published, "icb"),
        "easting": easting,
        "northing": northing,
        "lsoa21_code": None,
        "borough_code": None,
        "file_id": load.file_id,
    })
    rows = published.rows
    duplicated = frame["site_code"].duplicated(keep="first").to_numpy()
    dup = [Problem(int(r), "site_code", c, f"site {c} is listed twice; the first row is kept",
                   "site_code:duplicate")
           for r, c in zip(rows[duplicated], frame["site_code"][duplicated], strict=True)]
    load.partition = "ed-sites"
    _replace_all(load)
    _, by_rule = store_rows(load, ED_SITE, frame, rows, [*p1, *p2, *dup])
    merge_counts(entry, Counter(by_rule))


def _replace_all(load: FileLoad) -> None:
    """One site list at a time: a new list replaces the old one (and its provenance row
    is marked replaced)."""
    delete_rows(load.warehouse, ED_SITE)
    load.replace([])


def refresh_site_areas(warehouse: Warehouse, progress: Progress) -> int:
    """Fill lsoa21_code and borough_code of every site from the loaded boundaries."""
    if not warehouse.has_table(ED_SITE.name) or not warehouse.count(ED_SITE.name):
        return 0
    if not reference_queries.can_place_points(warehouse):
        return 0
    try:
        from vrhub.places import placement
    except ImportError:
        progress.note("ED sites not placed in LSOAs: vrhub.places.placement is not available")
        return 0
    sites = reference_queries.ed_site_points(warehouse)
    located = placement.boundaries(warehouse).locate(sites["easting"], sites["northing"])
    located.insert(0, "site_code", sites["site_code"].to_numpy())
    reference_queries.place_ed_sites(warehouse, [
        (_text(lsoa), _text(borough), site) for site, lsoa, borough in
        located[["site_code", "lsoa21_code", "borough_code"]].itertuples(index=False)])
    placed = int(located["lsoa21_code"].notna().sum())
    progress.note(f"ED sites: {placed} of {len(sites)} placed in a loaded LSOA 2021")
    return placed


def _text(value: object) -> str | None:
    return None if value is None or pd.isna(value) else str(value)  # type: ignore[call-overload]


def _after(warehouse: Warehouse, report: LoadReport, progress: Progress) -> None:
    refresh_site_areas(warehouse, progress)


def load_ed_sites(
    warehouse: Warehouse, files: Sequence[InputFile], progress: Progress
) -> LoadReport:
    return load_files(warehouse, SOURCE, files, progress, tables=(ED_SITE,), handle=_handle,
                      after=_after, partition=lambda f: "ed-sites")


SOURCES = (
    Source(
        name=SOURCE,
        description="London urgent and emergency care sites (ODS site, provider and ICB "
        "codes, easting/northing).",
        patterns=("site_xy.csv", "*ed-sites*.csv", "*ed_sites*.csv"),
        load=load_ed_sites,
    ),
)
