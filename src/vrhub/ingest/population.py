"""Loader for population denominators (``population``).

Recognised files (by their headings):

* ONS mid-year estimates on LSOA 2011 (London extract ``london-midYYYY-pop.csv``):
  LSOA11CD, Persons_All-Ages, Persons_0-15 ... Males_*, Females_*; the year comes from the
  file name (``mid2019``) and the rows are stored as source ``mye``.
* Census 2021 TS007A (age, Nomis bulk CSV): ``geography code``, ``Age: Total``,
  ``Age: Aged 4 years and under`` ... ``Age: Aged 85 years and over`` -> ``census2021``.
* Census 2021 TS006 (population density) -> ``population_density``.
* IoD 2019 File 6 (population denominators, mid-2015, prisoners excluded) is loaded by the
  ``imd`` source through :func:`store_iod_denominators` as ``iod2019``.

Age bands are written ``0-4``, ``5-9``, ``85+``; the total is ``all``. A newer file for the
same source and year replaces the older one. After loading, the LSOA 2011<->2021 weights
are recomputed from the population now available.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
import pandas as pd

from vrhub.errors import InputError, Location
from vrhub.ingest.inputs import InputFile
from vrhub.ingest.reference_files import (
    Published,
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
from vrhub.standards.population import POPULATION, POPULATION_DENSITY
from vrhub.standards.schema import Problem, validate_frame
from vrhub.storage.table_writes import delete_rows
from vrhub.storage.warehouse import FileLoad, Warehouse

SOURCE = "population"
_MYE = re.compile(r"(Persons|Males|Females)_(.+)")
_CENSUS_AGE = re.compile(r"Age: (?:Total|Aged (\d+) years and under|Aged (\d+) to (\d+) years"
                         r"|Aged (\d+) years and over)")
_YEAR_IN_NAME = re.compile(r"mid-?(\d{4})", re.IGNORECASE)
DENSITY_PREFIX = "Population Density"
IOD_BANDS = {
    "Total population: mid 2015 (excluding prisoners)": "all",
    "Dependent Children aged 0-15: mid 2015 (excluding prisoners)": "0-15",
    "Population aged 16-59: mid 2015 (excluding prisoners)": "16-59",
    "Older population aged 60 and over: mid 2015 (excluding prisoners)": "60+",
    "Working age population 18-59/64: for use with Employment Deprivation Domain "
    "(excluding prisoners)": "working-age",
}


def _census_band(column: str) -> str | None:
    match = _CENSUS_AGE.fullmatch(column)
    if not match:
        return None
    under, low, high, over = match.groups()
    if under:
        return f"0-{under}"
    if low:
        return f"{low}-{high}"
    if over:
        return f"{over}+"
    return "all"


def store_wide(
    load: FileLoad,
    published: Published,
    entry: FileReport,
    *,
    code_column: str,
    vintage: str,
    year: int,
    source: str,
    bands: dict[str, tuple[str, str]],
) -> None:
    """Store one wide population table: ``bands`` maps a column to (sex, age band)."""
    frame = published.frame
    rows = published.rows
    codes = text_column(published, code_column).str.upper()
    problems: list[Problem] = []
    values: dict[str, pd.Series] = {}
    for column in bands:
        parsed, found = parse_numbers(published, column, integer=True, blank_ok=False)
        values[column] = parsed
        problems += found
    ident = pd.DataFrame({"lsoa_code": codes})
    ok, found = validate_frame(POPULATION, ident, row_numbers=rows)
    problems += found
    for column, series in values.items():
        negative = (series < 0).to_numpy()
        problems += [Problem(int(r), column, frame[column].iat[int(r) - 1],
                             f"{column} must not be negative", "count:range")
                     for r in rows[negative]]
    duplicated = codes.duplicated(keep="first").to_numpy()
    problems += [Problem(int(r), code_column, c, f"LSOA {c} appears twice; the first row is "
                         "kept", "lsoa:duplicate")
                 for r, c in zip(rows[duplicated], codes[duplicated], strict=True)]
    bad = {p.row for p in problems}
    keep = ok & ~np.isin(rows, list(bad))
    load.quarantine(problems)
    merge_counts(entry, Counter(_rules(problems)))
    delete_rows(load.warehouse, POPULATION, source=source, year=year, lsoa_vintage=vintage)
    load.replace([])
    good_codes = codes[keep].to_numpy()
    pieces = []
    for column, (sex, band) in bands.items():
        pieces.append(pd.DataFrame({
            "lsoa_code": good_codes, "lsoa_vintage": vintage, "year": year,
            "source": source, "sex": sex, "age_band": band,
            "count": values[column][keep].to_numpy().astype(np.int64),
            "file_id": load.file_id,
        }))
    long = pd.concat(pieces, ignore_index=True)
    load.warehouse.insert(POPULATION, long)
    load.rows_loaded = int(keep.sum())
    entry.notes.append(f"{source} {year} on LSOA {vintage}: {int(keep.sum()):,} LSOAs x "
                       f"{len(bands)} bands")


def _rules(problems: Sequence[Problem]) -> Counter[str]:
    seen: set[int] = set()
    out: Counter[str] = Counter()
    for p in problems:
        if p.row not in seen:
            seen.add(p.row)
            out[p.rule] += 1
    return out


def store_iod_denominators(load: FileLoad, published: Published, entry: FileReport) -> None:
    """IoD 2019 File 6 (mid-2015 denominators, LSOA 2011) into ``population``."""
    code = "LSOA code (2011)"
    published.require([code, *IOD_BANDS], what="IoD 2019 File 6 (population denominators)")
    store_wide(load, published, entry, code_column=code, vintage="2011", year=2015,
               source="iod2019", bands={c: ("persons", b) for c, b in IOD_BANDS.items()})


def _handle(load: FileLoad, file: InputFile, entry: FileReport) -> None:
    published = read_published(file)
    columns = list(published.frame.columns)
    load.rows_read = len(published.frame)
    if "LSOA11CD" in columns and any(_MYE.fullmatch(c) for c in columns):
        match = _YEAR_IN_NAME.search(file.logical_name)
        if not match:
            raise InputError(
                "cannot tell the mid-year of this estimate from the file name",
                Location(file.display),
                hint="name the file as published, e.g. london-mid2020-pop.csv",
            )
        bands = {}
        for c in columns:
            m = _MYE.fullmatch(c)
            if m:
                band = m.group(2)
                bands[c] = (m.group(1).lower(), "all" if band.lower() == "all-ages" else band)
        store_wide(load, published, entry, code_column="LSOA11CD", vintage="2011",
                   year=int(match.group(1)), source="mye", bands=bands)
        load.partition = f"mye/{match.group(1)}"
        return
    if "geography code" in columns and any(c.startswith(DENSITY_PREFIX) for c in columns):
        _store_density(load, published, entry)
        return
    if "geography code" in columns and any(_census_band(c) for c in columns):
        published.require(["date", "Age: Total"], what="Census 2021 TS007A table")
        years = published.frame["date"].astype(str).str.strip().unique()
        year = int(years[0]) if len(years) == 1 and years[0].isdigit() else 2021
        bands = {c: ("persons", b) for c in columns if (b := _census_band(c))}
        store_wide(load, published, entry, code_column="geography code", vintage="2021",
                   year=year, source="census2021", bands=bands)
        load.partition = f"census{year}/ts007a"
        return
    raise InputError(
        "not a recognised population table: expected an ONS mid-year estimate (LSOA11CD, "
        "Persons_All-Ages, ...) or a Census 2021 TS007A / TS006 Nomis table",
        Location(file.display, row=0, column="LSOA11CD"),
        hint="give the file as published by ONS / Nomis",
    )


def _store_density(load: FileLoad, published: Published, entry: FileReport) -> None:
    value = next(c for c in published.frame.columns if c.startswith(DENSITY_PREFIX))
    published.require(["date", "geography code"], what="Census 2021 TS006 table")
    density, problems = parse_numbers(published, value, integer=False, blank_ok=False)
    year = pd.to_numeric(published.frame["date"], errors="coerce")
    frame = pd.DataFrame({
        "lsoa_code": text_column(published, "geography code").str.upper(),
        "lsoa_vintage": "2021",
        "year": year.fillna(2021).astype("int64"),
        "persons_per_km2": density,
        "file_id": load.file_id,
    })
    load.partition = "census2021/ts006"
    delete_rows(load.warehouse, POPULATION_DENSITY)
    load.replace([])
    _, by_rule = store_rows(load, POPULATION_DENSITY, frame, published.rows, problems)
    merge_counts(entry, Counter(by_rule))


def _after(warehouse: Warehouse, report: LoadReport, progress: Progress) -> None:
    if any(f.status == "loaded" for f in report.files):
        from vrhub.ingest.lookups import reweight

        reweight(warehouse, progress)


def load_population(
    warehouse: Warehouse, files: Sequence[InputFile], progress: Progress
) -> LoadReport:
    return load_files(warehouse, SOURCE, files, progress,
                      tables=(POPULATION, POPULATION_DENSITY), handle=_handle, after=_after)


SOURCES = (
    Source(
        name=SOURCE,
        description="Population: ONS mid-year estimates (LSOA 2011) and Census 2021 TS007A "
        "age / TS006 density (LSOA 2021).",
        patterns=("*mid20??-pop*.csv", "*mid-20??*.csv", "*ts007a*.csv", "*ts006*.csv"),
        load=load_population,
    ),
)
