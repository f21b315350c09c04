"""Data-quality reports for data.police.uk street files (``police``) and stop and search
(``stop-search``).

Both reports make the load ledger checkable: for the files currently in force
(provenance status ``loaded``), rows read = rows loaded + rows quarantined, and rows loaded
equals the rows in the canonical table.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from vrhub.quality import QualityReport, QualityResult, Section
from vrhub.standards.months import month_span
from vrhub.standards.police_uk import POLICE_STOP_SEARCH, POLICE_STREET
from vrhub.storage import police_counted
from vrhub.storage.queries import quality as quality_queries
from vrhub.storage.queries import run
from vrhub.storage.warehouse import Warehouse

STREET_SOURCE = "police"
STOP_SEARCH_SOURCE = "stop-search"


def _ledger(warehouse: Warehouse, source: str, table: str) -> dict[str, Any]:
    files = quality_queries.ledger(warehouse, source)
    current = files[files["status"] == "loaded"]
    read = int(current["rows_read"].sum())
    loaded = int(current["rows_loaded"].sum())
    quarantined = int(current["rows_quarantined"].sum())
    in_table = warehouse.count(table)
    return {
        "files": len(current),
        "files_replaced": int((files["status"] == "replaced").sum()),
        "rows_read": read,
        "rows_loaded": loaded,
        "rows_quarantined": quarantined,
        "rows_in_table": in_table,
        "balanced": read == loaded + quarantined and loaded == in_table,
        "provenance": [
            {str(k): (int(v) if isinstance(v, int | float) and str(k).startswith("rows")
                      else v)
             for k, v in row.items()}
            for row in files.to_dict("records")
        ],
    }


def _quarantine_by_reason(warehouse: Warehouse, source: str) -> dict[str, int]:
    return quality_queries.quarantine_in_force(warehouse, source)


def _months_missing(months: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Per force: first and last month, months loaded and the gaps between them."""
    out: dict[str, dict[str, Any]] = {}
    for force, part in months.groupby("force"):
        present = sorted(set(part["month"]))
        span = month_span(present[0], present[-1])
        missing = [m for m in span if m not in set(present)]
        out[str(force)] = {
            "first_month": present[0],
            "last_month": present[-1],
            "months_loaded": len(present),
            "months_missing": missing,
            "rows": int(part["rows"].sum()),
        }
    return out


def _counts(warehouse: Warehouse, table: str, column: str) -> dict[str, int]:
    return quality_queries.tally(warehouse, table, column)


def build_street(warehouse: Warehouse) -> QualityResult:
    ledger = _ledger(warehouse, STREET_SOURCE, POLICE_STREET.name)
    data: dict[str, Any] = {"source": STREET_SOURCE, **ledger}
    if not warehouse.has_table(POLICE_STREET.name) or ledger["rows_in_table"] == 0:
        data.update(forces={}, quarantined_by_reason=_quarantine_by_reason(
            warehouse, STREET_SOURCE))
        return QualityResult(STREET_SOURCE, data, [_ledger_section(data)])
    t = POLICE_STREET.name
    months = run(warehouse, quality_queries.STREET_MONTHS)
    stats = run(warehouse, quality_queries.STREET_CHECKS).iloc[0]
    across = quality_queries.street_ids_in_several_series(warehouse)
    rows = int(stats["rows"])
    blank_lsoa = int(stats["blank_lsoa"])
    per_force = run(warehouse, quality_queries.STREET_FORCES)
    data.update({
        "rows": rows,
        "forces": _months_missing(months),
        "blank_lsoa": {"rows": blank_lsoa,
                       "percent": round(100 * blank_lsoa / rows, 2)},
        "coordinates": {"missing": int(stats["missing_coordinates"]),
                        "zero": int(stats["zero_coordinates"]),
                        "incomplete": int(stats["incomplete_coordinates"])},
        "blank_crime_id": int(stats["blank_crime_id"]),
        "duplicate_crime_id_rows": int(stats["duplicate_crime_id_rows"]),
        "crime_ids_in_several_series": int(across or 0),
        "lsoa_vintage_published": _counts(warehouse, t, "lsoa_vintage_published"),
        "lsoa_vintage_by_month": _vintage_by_month(warehouse),
        "place_flags": _counts(warehouse, t, "place_flag"),
        "place_methods": _counts(warehouse, t, "place_method"),
        "no_lsoa21": int(stats["no_lsoa21"]),
        "quarantined_by_reason": _quarantine_by_reason(warehouse, STREET_SOURCE),
        "counted_once": _counted_once(warehouse, rows),
        "study_area": _study_area(warehouse),
    })
    sections = [
        _ledger_section(data),
        Section("Forces", ["force", "first month", "last month", "months", "months missing",
                           "rows", "% blank LSOA", "no point", "duplicate IDs"],
                [[f, d["first_month"], d["last_month"], d["months_loaded"],
                  ", ".join(d["months_missing"]) or "none", d["rows"],
                  round(100 * r["blank_lsoa"] / max(r["rows"], 1), 1), r["no_point"],
                  r["duplicate_ids"]]
                 for (f, d), r in zip(data["forces"].items(),
                                      per_force.to_dict("records"), strict=True)]),
        Section("Coordinates and IDs", ["check", "rows"], [
            ["blank published LSOA", f"{data['blank_lsoa']['rows']} "
                                     f"({data['blank_lsoa']['percent']}%)"],
            ["missing coordinates", data["coordinates"]["missing"]],
            ["zero (0, 0) coordinates", data["coordinates"]["zero"]],
            ["one coordinate blank", data["coordinates"]["incomplete"]],
            ["blank Crime ID (ASB, BTP)", data["blank_crime_id"]],
            ["Crime ID repeated within a month", data["duplicate_crime_id_rows"]],
            ["Crime IDs in more than one series", data["crime_ids_in_several_series"]],
        ]),
        Section(f"Study area: {data['study_area']['area']}",
                ["force", "rows", "outside the study area",
                 "of them outside every boundary loaded"],
                [[r["force"], r["rows"], r["outside"], r["no_district"]]
                 for r in data["study_area"]["forces"]]),
        Section("Crimes held by more than one row (counted once)",
                ["series", "month", "counted from", "rule", "rows not counted again"],
                [[r["series"], r["month"], r["counted_series"], r["rule"], r["rows"]]
                 for r in data["counted_once"]["by_series_month"]]
                or [["none", "", "", "", 0]]),
        Section("LSOA vintage and place assignment", ["kind", "value", "rows"],
                [["published vintage", k, v]
                 for k, v in data["lsoa_vintage_published"].items()]
                + [["place flag", k, v] for k, v in data["place_flags"].items()]),
        Section("Quarantine by reason", ["reason", "rows"],
                [[k, v] for k, v in data["quarantined_by_reason"].items()] or [["none", 0]]),
    ]
    return QualityResult(STREET_SOURCE, data, sections)


def _study_area(warehouse: Warehouse) -> dict[str, Any]:
    """Rows per force outside the study area (kept, left out of every figure)."""
    area = warehouse.study_area
    frame = quality_queries.street_study_area(warehouse)
    forces = [{"force": str(f), "rows": int(r), "outside": int(o), "no_district": int(n)}
              for f, r, o, n in frame.itertuples(index=False)]
    return {"area": area.describe(), "districts": list(area.districts),
            "rows_outside": sum(f["outside"] for f in forces), "forces": forces}


def _counted_once(warehouse: Warehouse, rows: int) -> dict[str, Any]:
    """Rows that repeat a crime held by another row, by series and month (each crime
    counts once: docs/explanation/counting.md)."""
    by_series = police_counted.uncounted_by_series(warehouse)
    uncounted = sum(int(r["rows"]) for r in by_series)
    return {"rows": rows, "crimes_counted": rows - uncounted, "rows_not_counted": uncounted,
            "by_series_month": by_series}


def _vintage_by_month(warehouse: Warehouse) -> dict[str, dict[str, int]]:
    frame = run(warehouse, quality_queries.STREET_VINTAGE_BY_MONTH)
    out: dict[str, dict[str, int]] = {}
    for month, vintage, n in frame.itertuples(index=False):
        out.setdefault(str(month), {})[str(vintage)] = int(n)
    return out


def _ledger_section(data: dict[str, Any]) -> Section:
    return Section("Rows read, loaded and quarantined", ["measure", "value"], [
        ["files in force", data["files"]],
        ["files replaced by newer ones", data["files_replaced"]],
        ["rows read", data["rows_read"]],
        ["rows loaded", data["rows_loaded"]],
        ["rows quarantined", data["rows_quarantined"]],
        ["rows in table", data["rows_in_table"]],
        ["read = loaded + quarantined", "yes" if data["balanced"] else "NO"],
    ])


def build_stop_search(warehouse: Warehouse) -> QualityResult:
    ledger = _ledger(warehouse, STOP_SEARCH_SOURCE, POLICE_STOP_SEARCH.name)
    data: dict[str, Any] = {"source": STOP_SEARCH_SOURCE, **ledger}
    sections = [_ledger_section(data)]
    if warehouse.has_table(POLICE_STOP_SEARCH.name) and ledger["rows_in_table"]:
        t = POLICE_STOP_SEARCH.name
        months = run(warehouse, quality_queries.STOP_SEARCH_MONTHS)
        stats = run(warehouse, quality_queries.STOP_SEARCH_CHECKS).iloc[0]
        data.update({
            "rows": int(stats["rows"]),
            "forces": _months_missing(months),
            "coordinates": {"missing": int(stats["missing"]), "zero": int(stats["zero"]),
                            "incomplete": int(stats["incomplete"])},
            "points_outside_boundaries": int(stats["outside_boundaries"]),
            "searches_outside_file_month": int(stats["outside_file_month"]),
            "object_of_search": _counts(warehouse, t, "object_of_search"),
        })
        sections.append(Section(
            "Forces", ["force", "first month", "last month", "months", "months missing",
                       "rows"],
            [[f, d["first_month"], d["last_month"], d["months_loaded"],
              ", ".join(d["months_missing"]) or "none", d["rows"]]
             for f, d in data["forces"].items()]))
        sections.append(Section("Coordinates", ["check", "rows"], [
            ["missing coordinates", data["coordinates"]["missing"]],
            ["zero (0, 0) coordinates", data["coordinates"]["zero"]],
            ["one coordinate blank", data["coordinates"]["incomplete"]],
            ["points with no LSOA 2021 (outside boundaries, or none loaded)",
             data["points_outside_boundaries"]],
            ["searches dated outside the file's month",
             data["searches_outside_file_month"]],
        ]))
    data["quarantined_by_reason"] = _quarantine_by_reason(warehouse, STOP_SEARCH_SOURCE)
    sections.append(Section("Quarantine by reason", ["reason", "rows"],
                            [[k, v] for k, v in data["quarantined_by_reason"].items()]
                            or [["none", 0]]))
    return QualityResult(STOP_SEARCH_SOURCE, data, sections)


REPORTS = (
    QualityReport(STREET_SOURCE, "data.police.uk street-level crime", build_street),
    QualityReport(STOP_SEARCH_SOURCE, "data.police.uk stop and search", build_stop_search),
)
