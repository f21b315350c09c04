"""What a police.uk load decides about series and repeated crimes, and says about them:
which loaded series a file revises (:mod:`vrhub.storage.police_series`), its part written
again under that series, and the load's note on crimes counted once
(:mod:`vrhub.storage.police_counted`)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from vrhub.ingest.police_csv import FileName
from vrhub.ingest.police_rows import FileState
from vrhub.standards.police_uk import POLICE_STREET
from vrhub.storage import police_counted, police_series
from vrhub.storage.parts import Part, conform
from vrhub.storage.warehouse import FileLoad, Warehouse

SOURCE_NAME = "police"


def study_area_notes(warehouse: Warehouse, file_ids: list[str]) -> list[str]:
    """The load's announcement of its rows outside the study area (kept, left out of every
    figure)."""
    total, outside, no_district = police_counted.outside_study_area(warehouse, file_ids)
    if not outside:
        return []
    area = warehouse.study_area
    text = (f"{outside:,} of {total:,} rows lie outside the study area: {area.name} "
            f"({len(area.districts)} districts); they are kept and left out of every count, "
            "trend, hotspot, near-repeat and published figure")
    if no_district:
        text += (f" ({no_district:,} of them lie outside every boundary loaded, with no "
                 "district)")
    return [text]


def counting_notes(warehouse: Warehouse, uncounted: int) -> list[str]:
    """The load's note on crimes held by more than one row (counted once)."""
    if not uncounted:
        return []
    parts = [f"{r['rows']:,} in {r['series']} (counted from {r['counted_series']})"
             for r in by_series(police_counted.uncounted_by_series(warehouse))]
    return [f"{uncounted:,} row(s) repeat a crime held by another row and are counted once: "
            + "; ".join(parts[:6]) + ("; ..." if len(parts) > 6 else "")
            + " (`vrhub quality --source police` lists them by series and month)"]


def by_series(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    totals: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (str(row["series"]), str(row["counted_series"]))
        totals[key] = totals.get(key, 0) + int(row["rows"])
    return [{"series": s, "counted_series": c, "rows": n} for (s, c), n in totals.items()]


def series_of(warehouse: Warehouse, state: FileState, month: str, part: Part | None,
              table: pa.Table | None, notes: list[str],
              months: police_series.MonthRows | None = None,
              keys: pa.Table | None = None) -> FileName:
    """The series a file's rows belong to: the one its name gives, unless its rows are
    those of another series loaded for the month, whatever the file's name
    (:func:`vrhub.storage.police_series.series_for`; ``months``: where the stored rows of
    each month are; ``keys``: the Crime ID, force and crime type of ``part``'s rows, when
    at hand). Sets ``state.name``."""
    name = state.name

    def rows() -> pa.Table | None:
        if part is not None and keys is not None:
            return keys
        if part is not None:
            return pq.read_table(warehouse.parts.path(POLICE_STREET.name, part.name),
                                 columns=["crime_id", "reported_by", "crime_type"])
        return table

    series = police_series.series_for(warehouse, SOURCE_NAME, month, name.series, rows,
                                      whole=part is not None, months=months)
    if series == name.series:
        return name
    notes.append(f"its rows are those of {series} {month}, already loaded: loaded as "
                 f"a revision of that series (the file's name says {name.series})")
    state.name = FileName(name.month, series)
    return state.name


def retagged(load: FileLoad, part: Part, series: str) -> Part:
    """A part written under another series name, written again under ``series`` (the
    first is never listed: it goes when the transaction ends)."""
    path = load.warehouse.parts.path(POLICE_STREET.name, part.name)
    table = pq.read_table(path)
    table = table.set_column(table.column_names.index("series"), "series",
                             pa.array([series] * table.num_rows, pa.string()))
    return load.warehouse.parts.prepare(POLICE_STREET, conform(POLICE_STREET, table, {}),
                                        part.file_id)


def file_names(warehouse: Warehouse, file_ids: list[str]) -> list[str]:
    names = warehouse.provenance(SOURCE_NAME)
    found = names[names["file_id"].isin(file_ids)]["file_name"].astype(str).tolist()
    return found or file_ids
