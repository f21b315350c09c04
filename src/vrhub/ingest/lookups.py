"""Loaders for the ONS geography lookups.

``lsoa-lookup``: the ONS 'LSOA (2011) to LSOA (2021) to Local Authority District (2022)'
exact-fit lookup (LSOA11CD, LSOA11NM, LSOA21CD, LSOA21NM, CHGIND, LAD22CD, LAD22NM) into
``lsoa_change``, with apportioning weights from whatever population is loaded (see
:mod:`vrhub.geography.vintage`); loading population later recomputes them.

``ward-lookup``: the ONS 'LSOA (2021) to Electoral Ward to LAD' best-fit lookup (any ward
year: WD22CD, WD23CD, WD24CD ... with LAD of the same year) into ``area_lookup``.

Both files are loaded whole (England and Wales); each new file replaces the previous one.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
import pandas as pd

from vrhub.errors import InputError, Location
from vrhub.geography.vintage import compute_weights
from vrhub.ingest.inputs import InputFile
from vrhub.ingest.reference_files import (
    load_files,
    merge_counts,
    read_published,
    store_rows,
    text_column,
)
from vrhub.ingest.report import FileReport, LoadReport
from vrhub.ingest.sources import Source
from vrhub.progress import Progress
from vrhub.standards.geography_tables import AREA_LOOKUP
from vrhub.standards.population import POPULATION
from vrhub.standards.reference_data import LSOA_CHANGE
from vrhub.standards.schema import Problem
from vrhub.storage.queries import reference as reference_queries
from vrhub.storage.table_writes import delete_rows, update_from
from vrhub.storage.warehouse import FileLoad, Warehouse

LSOA_SOURCE = "lsoa-lookup"
WARD_SOURCE = "ward-lookup"
LSOA_COLUMNS = ("LSOA11CD", "LSOA11NM", "LSOA21CD", "LSOA21NM", "CHGIND", "LAD22CD", "LAD22NM")


def _upper_columns(frame: pd.DataFrame) -> None:
    frame.columns = [c.upper() for c in frame.columns]


def _duplicates(frame: pd.DataFrame, keys: list[str], column: str) -> list[Problem]:
    """Rows repeating ``keys`` (after the first), each a problem of the published
    ``column`` holding the last key's value."""
    dup = frame.duplicated(subset=keys, keep="first").to_numpy()
    numbers = np.arange(1, len(frame) + 1)
    return [Problem(int(r), column, frame[keys[-1]].iat[int(r) - 1],
                    f"{' + '.join(keys)} appears twice; the first row is kept", "key:duplicate")
            for r in numbers[dup]]


def populations(warehouse: Warehouse) -> tuple[pd.Series | None, pd.Series | None, str]:
    """Census 2021 population per LSOA 2021 and the latest mid-year estimate per LSOA 2011
    (None where not loaded), and the mid-year estimate's label."""
    if not warehouse.has_table(POPULATION.name):
        return None, None, "mye"
    pop21 = reference_queries.census_persons(warehouse)
    year = reference_queries.latest_mye_year(warehouse)
    pop11 = None
    if year is not None:
        frame = reference_queries.mye_persons(warehouse, year)
        pop11 = frame.set_index("lsoa_code")["count"].astype(float)
    p21 = pop21.set_index("lsoa_code")["count"].astype(float) if len(pop21) else None
    return p21, pop11, f"mye{year}" if year is not None else "mye"


def reweight(warehouse: Warehouse, progress: Progress) -> None:
    """Recompute lsoa_change weights from the population now loaded."""
    if not warehouse.has_table(LSOA_CHANGE.name) or not warehouse.count(LSOA_CHANGE.name):
        return
    pairs = reference_queries.lsoa_pairs(warehouse)
    p21, p11, label = populations(warehouse)
    weights = compute_weights(pairs, p21, p11, basis11=label)
    _announce(weights, progress)
    update_from(warehouse, LSOA_CHANGE, weights, ("lsoa11_code", "lsoa21_code"),
                ("weight_11_to_21", "weight_21_to_11", "weight_basis"))


def _announce(weights: pd.DataFrame, progress: Progress) -> None:
    equal = weights["weight_basis"].astype(str).str.contains("equal")
    if equal.any():
        progress.note(f"LSOA 2011<->2021 lookup: {int(equal.sum()):,} split/merged pair(s) "
                      "use equal shares because the population they need is not loaded "
                      "(load population to weight them by residents)")


def _handle_lsoa(load: FileLoad, file: InputFile, entry: FileReport,
                 progress: Progress) -> None:
    published = read_published(file)
    _upper_columns(published.frame)
    published.require(LSOA_COLUMNS, what="ONS LSOA 2011 to 2021 lookup")
    load.rows_read = len(published.frame)
    frame = pd.DataFrame({
        "lsoa11_code": text_column(published, "LSOA11CD").str.upper(),
        "lsoa11_name": text_column(published, "LSOA11NM"),
        "lsoa21_code": text_column(published, "LSOA21CD").str.upper(),
        "lsoa21_name": text_column(published, "LSOA21NM"),
        "change": text_column(published, "CHGIND").str.upper(),
        "borough_code": text_column(published, "LAD22CD").str.upper(),
        "borough_name": text_column(published, "LAD22NM"),
    })
    problems = _duplicates(frame, ["lsoa11_code", "lsoa21_code"], "LSOA21CD")
    p21, p11, label = populations(load.warehouse)
    # each pair weighed once: a repeated row (set aside) would take a share of the split
    pairs = frame[["lsoa11_code", "lsoa21_code"]].fillna("")
    weights = compute_weights(pairs.drop_duplicates().reset_index(drop=True), p21, p11,
                              basis11=label)
    weighted = pairs.merge(weights, on=["lsoa11_code", "lsoa21_code"], how="left")
    for column in ("weight_11_to_21", "weight_21_to_11", "weight_basis"):
        frame[column] = weighted[column].to_numpy()
    frame["file_id"] = load.file_id
    _announce(weighted, progress)
    delete_rows(load.warehouse, LSOA_CHANGE)
    load.replace([])
    _, by_rule = store_rows(load, LSOA_CHANGE, frame, published.rows, problems)
    merge_counts(entry, Counter(by_rule))
    counts = frame["change"].value_counts().to_dict()
    entry.notes.append("pairs by change: " + ", ".join(f"{k} {v:,}" for k, v in
                                                       sorted(counts.items())))


_WARD = re.compile(r"WD(\d\d)CD")


def _handle_ward(load: FileLoad, file: InputFile, entry: FileReport) -> None:
    published = read_published(file)
    _upper_columns(published.frame)
    ward_code = next((c for c in published.frame.columns if _WARD.fullmatch(c)), None)
    if ward_code is None:
        raise InputError(
            "the LSOA to ward lookup has no ward code column (WD22CD, WD23CD, WD24CD, ...)",
            Location(file.display, row=0, column="WD24CD"),
            hint="give the ONS 'LSOA (2021) to Electoral Ward to LAD' best-fit lookup as "
            "published",
        )
    year = ward_code[2:4]
    needed = ("LSOA21CD", "LSOA21NM", ward_code, f"WD{year}NM", f"LAD{year}CD", f"LAD{year}NM")
    published.require(needed, what="ONS LSOA 2021 to ward lookup")
    load.rows_read = len(published.frame)
    frame = pd.DataFrame({
        "lsoa21_code": text_column(published, "LSOA21CD").str.upper(),
        "lsoa21_name": text_column(published, "LSOA21NM"),
        "ward_code": text_column(published, ward_code).str.upper(),
        "ward_name": text_column(published, f"WD{year}NM"),
        "borough_code": text_column(published, f"LAD{year}CD").str.upper(),
        "borough_name": text_column(published, f"LAD{year}NM"),
        "file_id": load.file_id,
    })
    problems = _duplicates(frame, ["lsoa21_code"], "LSOA21CD")
    delete_rows(load.warehouse, AREA_LOOKUP)
    load.replace([])
    _, by_rule = store_rows(load, AREA_LOOKUP, frame, published.rows, problems)
    merge_counts(entry, Counter(by_rule))
    entry.notes.append(f"wards of 20{year}")


def load_lsoa_lookup(
    warehouse: Warehouse, files: Sequence[InputFile], progress: Progress
) -> LoadReport:
    def handle(load: FileLoad, file: InputFile, entry: FileReport) -> None:
        _handle_lsoa(load, file, entry, progress)

    return load_files(warehouse, LSOA_SOURCE, files, progress, tables=(LSOA_CHANGE,),
                      handle=handle, partition=lambda f: LSOA_SOURCE)


def load_ward_lookup(
    warehouse: Warehouse, files: Sequence[InputFile], progress: Progress
) -> LoadReport:
    return load_files(warehouse, WARD_SOURCE, files, progress, tables=(AREA_LOOKUP,),
                      handle=_handle_ward, partition=lambda f: WARD_SOURCE)


SOURCES = (
    Source(
        name=LSOA_SOURCE,
        description="ONS LSOA 2011 to LSOA 2021 exact-fit lookup (CHGIND U/S/M/X), with "
        "population-weighted apportioning.",
        patterns=("lsoa11_lsoa21*.csv", "*lsoa*2011*to*lsoa*2021*.csv",
                  "lsoa11*lsoa21*lad22*.csv"),
        load=load_lsoa_lookup,
    ),
    Source(
        name=WARD_SOURCE,
        description="ONS LSOA 2021 to electoral ward to local authority best-fit lookup.",
        patterns=("lsoa_to_ward*.csv", "lsoa21*ward*.csv", "*lsoa*2021*to*ward*.csv"),
        load=load_ward_lookup,
    ),
)
