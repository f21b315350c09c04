"""Loader for the London Datastore MPS 'Recorded Crime: Geographic Breakdown' tables.

``vrhub load mps PATH...`` reads the LSOA, ward and borough tables (current and
historical files alike), detecting the level from the headings:

=========  ==============================================================
level      identifying columns
=========  ==============================================================
lsoa       lsoa_code, lsoa_name, borough, major_category, minor_category
ward       wardcode, wardname, lookup_boroughname, majortext, minortext
borough    boroughname, majortext, minortext
=========  ==============================================================

Every other heading must be a month ``YYYYMM``. Each wide row becomes one long row per
month in ``mps_crime_count``. Two rules keep the monthly series honest:

* **Stub months.** A first or last month column whose total is under 10% of the file's
  median month (the current tables' ``202402``) is not loaded as counts; it is recorded in
  ``mps_month_excluded`` with reason ``stub``.
* **One publication per month.** When two files of the same level cover the same month
  (the historical ward table and the current one, or two downloads), the later
  publication wins for that month whatever the order of loading: the file whose month
  columns run later (its last column, a stub included); on a tie the one counting more
  offences in the shared months (a later extract has crimes recorded since); then the file
  id. The losing file's month is recorded in ``mps_month_excluded`` as ``superseded``. A
  file left with no rows is marked ``replaced`` in provenance.

Rows with a bad cell (not a whole number, negative, blank) or an unknown borough name are
quarantined whole, with the cell that failed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from vrhub.errors import InputError, Location
from vrhub.ingest.inputs import InputFile
from vrhub.ingest.reference_files import (
    Published,
    load_files,
    merge_counts,
    read_published,
)
from vrhub.ingest.report import FileReport, LoadReport
from vrhub.ingest.sources import Source
from vrhub.progress import Progress
from vrhub.standards.mps import (
    LONDON_BOROUGHS,
    MPS_CRIME_COUNT,
    MPS_MONTH_EXCLUDED,
    MPS_PSEUDO_AREAS,
)
from vrhub.standards.schema import Problem, validate_frame
from vrhub.storage.queries import mps as mps_queries
from vrhub.storage.warehouse import FileLoad, Warehouse

SOURCE = "mps"
STUB_SHARE = 0.10
_MONTH = re.compile(r"(\d{4})(0[1-9]|1[0-2])")

#: level -> (area code column, area name column, borough column, major, minor)
LAYOUTS: dict[str, tuple[str | None, str, str, str, str]] = {
    "lsoa": ("lsoa_code", "lsoa_name", "borough", "major_category", "minor_category"),
    "ward": ("wardcode", "wardname", "lookup_boroughname", "majortext", "minortext"),
    "borough": (None, "boroughname", "boroughname", "majortext", "minortext"),
}
VINTAGE = {"lsoa": "lsoa21", "ward": "ward22", "borough": "borough"}
_BOROUGH_NAMES = {code: name for name, code in LONDON_BOROUGHS.items()}


def detect_level(published: Published) -> str:
    columns = set(published.frame.columns)
    if "lsoa_code" in columns:
        level = "lsoa"
    elif "wardcode" in columns:
        level = "ward"
    elif "boroughname" in columns:
        level = "borough"
    else:
        raise InputError(
            "not an MPS recorded-crime table: no lsoa_code, wardcode or boroughname column",
            Location(published.file.display, row=0),
            hint="give the London Datastore 'MPS LSOA/Ward/Borough Level Crime' CSV files "
            "unaltered",
        )
    area_code, area_name, borough, major, minor = LAYOUTS[level]
    needed = [c for c in (area_code, area_name, borough, major, minor) if c]
    published.require(needed, what=f"MPS {level}-level table")
    return level


def month_columns(published: Published, level: str) -> list[str]:
    ident = {c for c in LAYOUTS[level] if c}
    months: list[str] = []
    for column in published.frame.columns:
        if column in ident:
            continue
        if not _MONTH.fullmatch(column):
            raise InputError(
                f"unexpected column {column!r}: every column after the area and category "
                "columns must be a month written YYYYMM",
                Location(published.file.display, row=0, column=column),
                hint="give the table as published, or remove the extra column",
            )
        months.append(column)
    if not months:
        raise InputError("the table has no month columns (YYYYMM)",
                         Location(published.file.display, row=0),
                         hint="give the MPS table as published, with its monthly columns")
    return sorted(months)


def borough_names(warehouse: Warehouse) -> dict[str, str]:
    """Borough name -> GSS code: the London list, plus any borough names in the loaded
    boundaries and lookups (so synthetic or renamed boroughs resolve too)."""
    names = dict(LONDON_BOROUGHS)
    if warehouse.has_table("area_boundary"):
        names.update(mps_queries.boundary_borough_names(warehouse))
    if warehouse.has_table("area_lookup"):
        for name, code in mps_queries.lookup_borough_names(warehouse):
            names.setdefault(name, code)
    return names


def _identity(published: Published, level: str, boroughs: dict[str, str]
              ) -> tuple[pd.DataFrame, list[Problem]]:
    area_code, area_name, borough, major, minor = LAYOUTS[level]
    frame = published.frame
    strip = {c: frame[c].astype(str).str.strip() for c in frame.columns if not c.isdigit()}
    out = pd.DataFrame({
        "level": level,
        "area_vintage": VINTAGE[level],
        "area_name": strip[area_name],
        "major_category": strip[major],
        "minor_category": strip[minor],
    })
    problems: list[Problem] = []
    rows = published.rows
    if level == "lsoa":
        out["area_code"] = strip[str(area_code)].str.upper()
        out["borough_code"] = strip[borough].str.upper()
        by_code = {code: name for name, code in boroughs.items()}
        by_code.update(_BOROUGH_NAMES)
        out["borough_name"] = out["borough_code"].map(by_code).fillna(out["borough_code"])
    else:
        names = strip[borough]
        codes = names.map(boroughs)
        out["borough_code"] = codes.astype(object).where(codes.notna(), None)
        out["borough_name"] = names
        unknown = codes.isna() & ~names.isin(MPS_PSEUDO_AREAS)
        problems += [
            Problem(int(r), borough, v, f"{v!r} is not a London borough name the MPS uses",
                    "borough:unknown")
            for r, v in zip(rows[unknown.to_numpy()], names[unknown], strict=True)
        ]
        if level == "ward":
            out["area_code"] = strip[str(area_code)].str.upper()
        else:
            out["area_code"] = out["borough_code"]
    out["area_code"] = out["area_code"].where(out["area_code"].astype(str) != "", None)
    return out, problems


def _cells(published: Published, months: list[str]) -> tuple[np.ndarray, list[Problem]]:
    try:  # fast path: every cell a plain whole number
        fast = published.frame[months].to_numpy(dtype=object).astype(np.int64)
        if (fast >= 0).all():
            return fast, []
    except (ValueError, TypeError):
        pass
    problems: list[Problem] = []
    values = np.zeros((len(published.frame), len(months)), dtype=np.int64)
    rows = published.rows
    for j, month in enumerate(months):
        text = published.frame[month].astype(str).str.strip()
        number = pd.to_numeric(text, errors="coerce")
        bad = (number.isna() | (number < 0) | (number.round() != number)).to_numpy()
        for i in np.flatnonzero(bad):
            raw = published.frame[month].iat[int(i)]
            problems.append(Problem(int(rows[i]), month, raw,
                                    f"month {month} must be a whole number of offences "
                                    f"(0 or more), found {raw!r}", "count:number"))
        values[:, j] = number.fillna(0).to_numpy(dtype=float).astype(np.int64)
    return values, problems


def _stub_months(months: list[str], totals: np.ndarray) -> set[int]:
    if len(months) < 3:
        return set()
    median = float(np.median(totals))
    return {j for j in (0, len(months) - 1) if median > 0 and totals[j] < STUB_SHARE * median}


def _to_month(column: str) -> str:
    return f"{column[:4]}-{column[4:]}"


def _handle(load: FileLoad, file: InputFile, entry: FileReport) -> None:
    published = read_published(file)
    level = detect_level(published)
    months = month_columns(published, level)
    load.rows_read = len(published.frame)
    ident, problems = _identity(published, level, borough_names(load.warehouse))
    values, cell_problems = _cells(published, months)
    problems += cell_problems
    rows = published.rows
    ok, found = validate_frame(
        MPS_CRIME_COUNT, ident, row_numbers=rows,
        columns=("area_code", "area_name", "borough_code", "borough_name",
                 "major_category", "minor_category"),
    )
    problems += found
    key = ident["area_code"].fillna(ident["area_name"]).astype(str) + "|" + \
        ident["borough_name"].astype(str) + "|" + ident["major_category"].astype(str) + "|" + \
        ident["minor_category"].astype(str)
    repeated = key.duplicated(keep="first").to_numpy()
    problems += [Problem(int(r), LAYOUTS[level][4], ident["minor_category"].iat[int(i)],
                         "the same area and category appear on an earlier row; the first is "
                         "kept so that no offence is counted twice", "row:duplicate")
                 for i, r in zip(np.flatnonzero(repeated), rows[repeated], strict=True)]
    bad_rows = {p.row for p in problems}
    keep = ok & ~np.isin(rows, list(bad_rows))
    load.quarantine(problems)
    merge_counts(entry, _first_rule(problems))

    totals = values[keep].sum(axis=0)
    stub = _stub_months(months, totals)
    excluded: list[tuple[str, int, str]] = [(months[j], int(totals[j]), "stub") for j in stub]
    for j in sorted(stub):
        entry.notes.append(f"month {_to_month(months[j])} is a stub ({int(totals[j]):,} "
                           "offences against a median month of "
                           f"{int(np.median(totals)):,}); not loaded as counts")
    wanted = [j for j in range(len(months)) if j not in stub]
    wanted, superseded = _settle_overlaps(load, level, [_to_month(months[j]) for j in wanted],
                                          wanted, totals, months, entry)
    excluded += superseded
    if excluded:
        load.warehouse.insert(MPS_MONTH_EXCLUDED, pd.DataFrame({
            "file_id": load.file_id, "file_name": load.file_name, "level": level,
            "month": [_to_month(m) for m, _, _ in excluded],
            "total": [t for _, t, _ in excluded], "reason": [r for _, _, r in excluded],
        }))
    good = ident.loc[keep].reset_index(drop=True)
    n, k = len(good), len(wanted)
    load.warehouse.insert(MPS_CRIME_COUNT, _long_rows(
        good, [_to_month(months[j]) for j in wanted],
        values[keep][:, wanted].reshape(-1) if k else np.array([], np.int64), load.file_id))
    load.rows_loaded = int(keep.sum())
    load.partition = f"{level}/{_to_month(months[0])}..{_to_month(months[-1])}"
    entry.notes.append(f"level {level}: {n:,} rows x {k} months = {n * k:,} monthly counts")


def _long_rows(good: pd.DataFrame, months: list[str], counts: np.ndarray,
               file_id: str) -> pa.Table:
    """Wide rows x months as long rows, built as dictionary-encoded Arrow columns (the
    area and category text is stored once per wide row, not once per month)."""
    n, k = len(good), len(months)
    row_index = pa.array(np.repeat(np.arange(n, dtype=np.int32), k))
    columns: dict[str, pa.Array] = {}
    for column in MPS_CRIME_COUNT.column_names:
        if column == "month":
            columns[column] = pa.DictionaryArray.from_arrays(
                pa.array(np.tile(np.arange(k, dtype=np.int32), n)), pa.array(months))
        elif column == "count":
            columns[column] = pa.array(counts.astype(np.int64))
        elif column == "file_id":
            columns[column] = pa.DictionaryArray.from_arrays(
                pa.array(np.zeros(n * k, dtype=np.int32)), pa.array([file_id]))
        else:
            dictionary = pa.array(good[column].astype(object).where(good[column].notna(), None)
                                  .tolist(), type=pa.string())
            columns[column] = pa.DictionaryArray.from_arrays(row_index, dictionary)
    return pa.table(columns)


def _first_rule(problems: Sequence[Problem]) -> Counter[str]:
    seen: set[int] = set()
    counts: Counter[str] = Counter()
    for p in problems:
        if p.row not in seen:
            seen.add(p.row)
            counts[p.rule] += 1
    return counts


def _settle_overlaps(
    load: FileLoad, level: str, wanted_months: list[str], wanted: list[int],
    totals: np.ndarray, months: list[str], entry: FileReport,
) -> tuple[list[int], list[tuple[str, int, str]]]:
    """Apply 'one publication per month' against files already loaded for ``level``: the
    later publication wins whatever the order of loading (:func:`_later`)."""
    wh = load.warehouse
    if not wanted_months:
        return wanted, []
    published_to = _to_month(months[-1])
    mine = {_to_month(months[j]): int(totals[j]) for j in wanted}
    others = mps_queries.other_files(wh, level, load.file_id)
    keep = list(wanted)
    excluded: list[tuple[str, int, str]] = []
    for other in others:
        overlap = mps_queries.month_totals(wh, level, other, wanted_months)
        if overlap.empty:
            continue
        name, partition = _provenance_of(wh, str(other))
        other_to = partition.rsplit("..", 1)[-1] if ".." in partition else ""
        theirs = dict(zip(overlap["month"], overlap["total"].astype("int64"), strict=True))
        if _later((published_to, sum(mine[m] for m in theirs), load.file_id),
                  (other_to, sum(theirs.values()), str(other))):
            mps_queries.drop_months(wh, level, other, list(overlap["month"]))
            wh.insert(MPS_MONTH_EXCLUDED, pd.DataFrame({
                "file_id": other, "file_name": name, "level": level,
                "month": list(overlap["month"]),
                "total": overlap["total"].astype("int64"), "reason": "superseded",
            }))
            entry.notes.append(f"{len(overlap)} month(s) of {name} (published to "
                               f"{other_to or 'an unknown month'}) superseded by this file "
                               f"(published to {published_to})")
            if not mps_queries.file_rows(wh, other):
                mps_queries.mark_replaced(wh, other, SOURCE)
                entry.replaced_files.append(str(name))
        else:  # the other file is the later publication: this file's months give way
            lost = set(overlap["month"])
            for j in list(keep):
                if _to_month(months[j]) in lost:
                    keep.remove(j)
                    excluded.append((months[j], int(totals[j]), "superseded"))
            entry.notes.append(f"{len(lost)} month(s) superseded by {name}, a later "
                               f"publication (to {other_to}) already loaded; this file is "
                               f"published to {published_to}")
    if not keep:
        entry.notes.append("every month of this file is superseded by later publications: "
                           "none of its counts are used")
    return keep, excluded


def _later(mine: tuple[str, int, str], theirs: tuple[str, int, str]) -> bool:
    """Whether this file (last month column published, offences in the shared months,
    file id) is a later publication than the other: the one whose months run later (its
    last column, a stub included: a download made early in a month carries that month as
    a stub); on a tie the one counting more offences in the months both hold (a later
    extract has crimes recorded since); then the file id, so that the order of loading
    never decides."""
    return mine > theirs


def _provenance_of(wh: Warehouse, file_id: str) -> tuple[str, str]:
    """(file name, partition ``level/first..last``) of a loaded MPS file."""
    return mps_queries.file_provenance(wh, file_id, SOURCE) or (file_id, "")


def load_mps(warehouse: Warehouse, files: Sequence[InputFile], progress: Progress) -> LoadReport:
    return load_files(warehouse, SOURCE, files, progress,
                      tables=(MPS_CRIME_COUNT, MPS_MONTH_EXCLUDED), handle=_handle)


SOURCES = (
    Source(
        name=SOURCE,
        description="London Datastore MPS recorded crime by LSOA, ward or borough (monthly "
        "wide tables, current and historical).",
        patterns=("*recorded-crime-lsoa*.csv", "*recorded-crime-ward*.csv",
                  "*recorded-crime-borough*.csv", "mps*lsoa*.csv", "mps*ward*.csv",
                  "mps*borough*.csv"),
        load=load_mps,
    ),
)
