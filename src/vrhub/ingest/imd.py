"""Loader for the English Indices of Deprivation (``imd``).

Recognised files (by their headings, in any mix):

* IoD 2019 File 1 (IMD rank and decile) and File 2 (every domain's rank and decile),
  England, LSOA 2011 (``LSOA code (2011)``; ranks may carry thousands separators).
* IoD 2019 File 6 (population denominators) -> the ``population`` table (source
  ``iod2019``, mid-2015).
* The GLA 'ID 2019 for London.xlsx' workbook: sheets 'IMD 2019' (scores, ranks and deciles
  of the index and its seven domains), 'Sub domains' and 'IDACI and IDAOPI'; and the CSV
  exports of those sheets. Its other sheets (borough summaries, the mid-2015 population
  figures that File 6 also carries, underlying indicators) are not loaded, and the report
  says so.
* IoD 2025 on LSOA 2021: the official File 1 (``LSOA code (2021)``) or the rank/decile
  extract (``lsoa21cd, imd_rank, imd_dec``).

The edition follows the LSOA vintage of the code column (2011 -> IoD 2019, 2021 -> IoD
2025). Each file's figures go to ``imd_value`` as published; ``imd`` and ``imd_domain``
are rebuilt from them after every load (see :mod:`vrhub.standards.deprivation`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
import pandas as pd

from vrhub.errors import InputError, Location
from vrhub.ingest.inputs import InputFile
from vrhub.ingest.population import store_iod_denominators
from vrhub.ingest.reference_files import (
    Published,
    load_files,
    merge_counts,
    parse_numbers,
    read_published,
    replace_partition,
    text_column,
)
from vrhub.ingest.report import FileReport, LoadReport
from vrhub.ingest.sources import Source
from vrhub.progress import Progress
from vrhub.standards.deprivation import IMD, IMD_DOMAIN, IMD_DOMAINS, IMD_VALUE
from vrhub.standards.population import POPULATION, POPULATION_DENSITY
from vrhub.standards.schema import Problem, validate_frame
from vrhub.storage.queries import reference as reference_queries
from vrhub.storage.warehouse import FileLoad, Warehouse

SOURCE = "imd"
#: code column -> (edition, LSOA vintage)
CODE_COLUMNS = {
    "LSOA code (2011)": ("2019", "2011"),
    "geography code": ("2019", "2011"),  # the GLA workbook's 'IMD 2019' sheet
    "LSOA code (2021)": ("2025", "2021"),
    "lsoa21cd": ("2025", "2021"),
}
EXTRACT_2025 = {"imd_rank": "rank", "imd_dec": "decile"}
WORKBOOK_SHEETS = ("IMD 2019", "Sub domains", "IDACI and IDAOPI")
DENOMINATOR_HEADING = "Total population: mid 2015 (excluding prisoners)"


def _domain_columns(columns: Sequence[str]) -> dict[str, dict[str, str]]:
    """domain -> {'score'|'rank'|'decile': heading} for the headings present."""
    found: dict[str, dict[str, str]] = {}
    for domain, heading in IMD_DOMAINS.items():
        for measure in ("score", "rank", "decile"):
            prefix = f"{heading} {measure.capitalize()}"
            column = next((c for c in columns if c == prefix or c.startswith(prefix + " ")),
                          None)
            if column:
                found.setdefault(domain, {})[measure] = column
    if "imd_rank" in columns or "imd_dec" in columns:
        found["imd"] = {m: c for c, m in EXTRACT_2025.items() if c in columns}
    return found


def store_published(load: FileLoad, published: Published, entry: FileReport,
                    *, sheet: str | None = None) -> int:
    """Store one IoD table (a CSV file or a workbook sheet). Returns rows read."""
    columns = list(published.frame.columns)
    code_column = next((c for c in CODE_COLUMNS if c in columns), None)
    where = f"sheet {sheet!r}" if sheet else "file"
    if code_column is None:
        raise InputError(
            f"the {where} has no LSOA code column (one of {', '.join(CODE_COLUMNS)})",
            Location(published.file.display, row=0, column="LSOA code (2011)"),
            hint="give the IoD file as published by MHCLG (or the GLA London workbook)",
        )
    edition, vintage = CODE_COLUMNS[code_column]
    domains = _domain_columns(columns)
    if not domains:
        raise InputError(
            f"the {where} has no IoD score, rank or decile columns",
            Location(published.file.display, row=0,
                     column="Index of Multiple Deprivation (IMD) Rank"),
            hint="give File 1, 2 or 6 of the IoD, the GLA London workbook or its sheets",
        )
    rows = published.rows
    codes = text_column(published, code_column).str.upper()
    problems: list[Problem] = []
    parsed: dict[tuple[str, str], pd.Series] = {}
    for domain, measures in domains.items():
        for measure, column in measures.items():
            values, found = parse_numbers(published, column, integer=measure != "score")
            parsed[(domain, measure)] = values
            problems += found
    ok, found = validate_frame(IMD_VALUE, pd.DataFrame({"lsoa_code": codes}),
                               row_numbers=rows)
    problems += found
    for (domain, measure), values in parsed.items():
        if measure == "score":
            continue
        limit = 10 if measure == "decile" else 40000
        column = domains[domain][measure]
        out = ((values < 1) | (values > limit)).to_numpy()
        problems += [Problem(int(r), column, published.frame[column].iat[int(r) - 1],
                             f"{measure} must lie between 1 and {limit}", f"{measure}:range")
                     for r in rows[out]]
    duplicated = codes.duplicated(keep="first").to_numpy()
    problems += [Problem(int(r), code_column, c, f"LSOA {c} appears twice; the first row is "
                         "kept", "lsoa:duplicate")
                 for r, c in zip(rows[duplicated], codes[duplicated], strict=True)]
    if sheet:
        problems = [Problem(p.row, f"{sheet}!{p.column}", p.value, p.reason, p.rule)
                    for p in problems]
    bad = {p.row for p in problems}
    keep = ok & ~np.isin(rows, list(bad))
    load.quarantine(problems)
    merge_counts(entry, _rules(problems))
    pieces = []
    for domain in domains:
        piece = pd.DataFrame({
            "edition": edition, "lsoa_code": codes[keep].to_numpy(), "lsoa_vintage": vintage,
            "domain": domain,
        })
        for measure in ("score", "rank", "decile"):
            series = parsed.get((domain, measure))
            piece[measure] = (series[keep].to_numpy() if series is not None
                              else np.full(int(keep.sum()), np.nan))
        pieces.append(piece)
    long = pd.concat(pieces, ignore_index=True)
    long["rank"] = long["rank"].astype("Int64")
    long["decile"] = long["decile"].astype("Int64")
    long["file_id"] = load.file_id
    load.warehouse.insert(IMD_VALUE, long)
    load.rows_loaded += int(keep.sum())
    entry.notes.append(f"IoD {edition} on LSOA {vintage}{' ' + where if sheet else ''}: "
                       f"{int(keep.sum()):,} LSOAs, domains {', '.join(domains)}")
    return len(published.frame)


def _rules(problems: Sequence[Problem]) -> Counter[str]:
    seen: set[int] = set()
    out: Counter[str] = Counter()
    for p in problems:
        if p.row not in seen:
            seen.add(p.row)
            out[p.rule] += 1
    return out


def _read_workbook(file: InputFile) -> dict[str, pd.DataFrame]:
    import io

    import openpyxl

    with file.open() as raw:
        stream = io.BytesIO(raw.read())  # a workbook is a zip: it needs a seekable stream
        try:
            book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several types for non-workbooks
            raise InputError(f"not a readable Excel workbook ({type(exc).__name__})",
                             Location(file.display),
                             hint="give the GLA 'ID 2019 for London.xlsx' as published") from None
        sheets: dict[str, pd.DataFrame] = {}
        for name in book.sheetnames:
            if name not in WORKBOOK_SHEETS:
                continue
            cells = list(book[name].iter_rows(values_only=True))
            header = [str(c).strip() if c is not None else "" for c in cells[0]]
            keep = [i for i, h in enumerate(header) if h]
            body = [["" if r[i] is None else str(r[i]) for i in keep] for r in cells[1:]
                    if any(v is not None for v in r)]
            sheets[name] = pd.DataFrame(body, columns=[header[i] for i in keep], dtype=str)
        others = [n for n in book.sheetnames if n not in WORKBOOK_SHEETS]
        book.close()
    sheets["__others__"] = pd.DataFrame({"sheet": others})
    return sheets


def _handle(load: FileLoad, file: InputFile, entry: FileReport) -> None:
    load.partition = f"imd/{file.logical_name}"
    if file.logical_name.lower().endswith((".xlsx", ".xlsm")):
        sheets = _read_workbook(file)
        others = list(sheets.pop("__others__")["sheet"])
        missing = [s for s in WORKBOOK_SHEETS if s not in sheets]
        if missing:
            raise InputError(f"the workbook has no sheet {missing[0]!r}",
                             Location(file.display, column=missing[0]),
                             hint="give the GLA 'ID 2019 for London.xlsx' workbook unaltered")
        replace_partition(load, (IMD_VALUE,))
        for name, frame in sheets.items():
            load.rows_read += store_published(load, Published(file, frame), entry, sheet=name)
        load.rows_loaded = min(load.rows_loaded, load.rows_read)
        entry.notes.append("sheets not loaded: " + ", ".join(others))
        return
    published = read_published(file)
    load.rows_read = len(published.frame)
    if DENOMINATOR_HEADING in published.frame.columns:
        load.partition = "iod2019/denominators"
        store_iod_denominators(load, published, entry)
        return
    replace_partition(load, (IMD_VALUE,))
    store_published(load, published, entry)


def rebuild(warehouse: Warehouse) -> None:
    """Rebuild ``imd`` and ``imd_domain`` from every file's ``imd_value`` rows."""
    reference_queries.rebuild_imd(warehouse)


def _after(warehouse: Warehouse, report: LoadReport, progress: Progress) -> None:
    if any(f.status == "loaded" for f in report.files) or not warehouse.count(IMD.name):
        rebuild(warehouse)


def load_imd(warehouse: Warehouse, files: Sequence[InputFile], progress: Progress) -> LoadReport:
    return load_files(warehouse, SOURCE, files, progress,
                      tables=(IMD_VALUE, IMD, IMD_DOMAIN, POPULATION, POPULATION_DENSITY),
                      handle=_handle, after=_after)


SOURCES = (
    Source(
        name=SOURCE,
        description="English Indices of Deprivation: IoD 2019 Files 1, 2 and 6 and the GLA "
        "London workbook (LSOA 2011); IoD 2025 (LSOA 2021).",
        patterns=("file_1_*.csv", "file_2_*.csv", "file_6_*.csv", "*iod2019*.csv",
                  "*imd2019*.csv", "id 2019 for london.xlsx", "id_2019_for_london__imd_2019.csv",
                  "id_2019_for_london__sub_domains.csv",
                  "id_2019_for_london__idaci_and_idaopi.csv", "*imd*2025*.csv",
                  "*iod*2025*.csv", "file_1_*2025*.csv"),
        load=load_imd,
    ),
)
