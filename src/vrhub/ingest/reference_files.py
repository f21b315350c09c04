"""Shared mechanics of the reference-data loaders (MPS tables, IMD, population, lookups,
boundaries, ED sites): read a published table, check its headings, parse numbers the way
the publishers write them, and store rows through one :class:`FileLoad` per file.

Every row read is either stored or quarantined with its file, row, column, value and
reason; a file whose headings are wrong is refused with an :class:`InputError` that names
the file, the missing column and how to fix it.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from vrhub.errors import InputError, Location
from vrhub.ingest.inputs import InputFile
from vrhub.ingest.report import FileReport, LoadReport
from vrhub.progress import Progress
from vrhub.standards.schema import Problem, Table, validate_frame
from vrhub.storage.table_writes import delete_rows, older_files
from vrhub.storage.warehouse import FileLoad, Warehouse


@dataclass
class Published:
    """A published table read as text: ``frame`` (every cell a string, blanks as ''),
    ``rows`` (1-based data row numbers; the header is row 0)."""

    file: InputFile
    frame: pd.DataFrame

    @property
    def rows(self) -> np.ndarray:
        return np.arange(1, len(self.frame) + 1)

    def require(self, columns: Iterable[str], *, what: str, hint: str | None = None) -> None:
        """Refuse the file unless it has every one of ``columns``."""
        present = set(self.frame.columns)
        for column in columns:
            if column not in present:
                raise InputError(
                    f"the {what} has no column {column!r} (columns found: "
                    f"{', '.join(list(self.frame.columns)[:12])}"
                    f"{', ...' if len(self.frame.columns) > 12 else ''})",
                    Location(self.file.display, row=0, column=column),
                    hint=hint or f"give the unaltered {what} as published; its header row "
                    f"must include {column!r}",
                )


def read_published(file: InputFile) -> Published:
    """Read a CSV file as text cells, tolerating a UTF-8 byte-order mark and stray spaces
    around headings."""
    with file.open() as stream:
        raw = stream.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                            na_filter=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(
            f"not a readable CSV table ({str(exc).splitlines()[0][:120]})",
            Location(file.display),
            hint="give the CSV file as published (comma-separated, one header row)",
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return Published(file, frame)


def parse_numbers(
    published: Published, column: str, *, integer: bool, blank_ok: bool = True
) -> tuple[pd.Series, list[Problem]]:
    """Numbers as publishers write them ('29,199', ' 12 ', '') -> floats with NaN for
    blanks; a cell that is not a number becomes a Problem (its row is quarantined)."""
    text = published.frame[column].astype(str).str.strip().str.replace(",", "", regex=False)
    values = pd.to_numeric(text, errors="coerce")
    blank = text.eq("")
    bad = values.isna() & ~blank
    if integer:
        bad |= values.notna() & (values.round() != values)
    problems = [
        Problem(int(r), column, published.frame[column].iat[int(i)],
                f"{column} must be {'a whole number' if integer else 'a number'}",
                f"{column}:number")
        for i, r in zip(np.flatnonzero(bad.to_numpy()), published.rows[bad.to_numpy()],
                        strict=True)
    ]
    if not blank_ok:
        problems += [
            Problem(int(r), column, "", f"{column} is required but is blank",
                    f"{column}:required")
            for r in published.rows[blank.to_numpy()]
        ]
    return values.where(~bad).astype(float), problems


def rows_failing(problems: Sequence[Problem]) -> set[int]:
    return {p.row for p in problems}


def store_rows(
    load: FileLoad,
    table: Table,
    frame: pd.DataFrame,
    rows: np.ndarray,
    problems: Sequence[Problem] = (),
    *,
    count_loaded: bool = True,
) -> tuple[int, Counter[str]]:
    """Validate ``frame`` against ``table``; quarantine failing rows (with any earlier
    ``problems``), insert the rest. Returns (rows stored, quarantined rows by rule)."""
    ok, found = validate_frame(table, frame, row_numbers=rows)
    everything = [*problems, *found]
    failing = rows_failing(everything)
    keep = ok & ~np.isin(rows, list(failing)) if failing else ok
    load.quarantine(everything)
    by_rule: Counter[str] = Counter()
    seen: set[int] = set()
    for p in everything:
        if p.row not in seen:
            seen.add(p.row)
            by_rule[p.rule] += 1
    good = frame.loc[keep].reset_index(drop=True)
    if count_loaded:
        load.insert(table, good)
    else:
        load.warehouse.insert(table, good)
    return int(keep.sum()), by_rule


FileHandler = Callable[[FileLoad, InputFile, FileReport], None]


def load_files(
    warehouse: Warehouse,
    source: str,
    files: Sequence[InputFile],
    progress: Progress,
    *,
    tables: Sequence[Table],
    handle: FileHandler,
    partition: Callable[[InputFile], str | None] = lambda f: None,
    after: Callable[[Warehouse, LoadReport, Progress], None] | None = None,
    fingerprint: Callable[[InputFile], str] | None = None,
) -> LoadReport:
    """Load ``files`` in one transaction, one :class:`FileLoad` each. A file whose bytes
    were already loaded by ``source`` is skipped (status ``unchanged``). ``handle`` reads
    the file, fills ``load`` and notes anything worth saying on the file's report;
    ``after`` runs once inside the same transaction (derived tables, refreshes)."""
    report = LoadReport(source)
    with warehouse.atomic():
        warehouse.ensure_tables(tables)
        with progress.task(f"Loading {source}", total=len(files)) as task:
            for file in files:
                sha = fingerprint(file) if fingerprint else file.sha256()
                with warehouse.load_file(source=source, file_name=file.name, sha256=sha,
                                         partition=partition(file), tables=tables) as load:
                    entry = FileReport(file=file.name, sha256=sha, status="loaded",
                                       partition=load.partition)
                    if load.unchanged:
                        entry.status = "unchanged"
                    else:
                        handle(load, file, entry)
                        entry.rows_read = load.rows_read
                        entry.rows_loaded = load.rows_loaded
                        entry.rows_quarantined = load.rows_quarantined
                        entry.partition = load.partition
                        entry.replaced_files = entry.replaced_files or load.replaced_files
                    report.files.append(entry)
                task.advance(1)
        if after is not None:
            after(warehouse, report, progress)
    return report


def merge_counts(entry: FileReport, counts: Counter[str]) -> None:
    merged = Counter(entry.quarantined_by_rule)
    merged.update(counts)
    entry.quarantined_by_rule = dict(merged)


def text_column(published: Published, column: str) -> pd.Series:
    """A column as stripped text with blanks as missing values."""
    values = published.frame[column].astype(str).str.strip()
    return values.where(values != "", None)


def replace_partition(load: FileLoad, tables: Sequence[Table]) -> list[str]:
    """Drop the rows (by file_id) of earlier files of this load's partition from
    ``tables`` and mark those files replaced. Needs ``load.partition`` set."""
    older = older_files(load)
    for table in tables:
        for file_id in older:
            delete_rows(load.warehouse, table, file_id=file_id)
    load.replace([])
    return older
