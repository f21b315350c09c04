"""Quality reports for the reference data: MPS recorded-crime tables and the geography,
deprivation, population and ED site sources.

``mps``: rows, months covered and missing months per level, months not loaded (the
near-empty stub month of the current tables, months superseded by a later publication),
LSOA coverage against the LSOA 2021 boundaries (the City of London's six LSOAs are absent
by design: the City has its own force), quarantine by reason.

``reference``: rows per table, files per source, coverage of each LSOA-level table against
the boundaries of its own vintage, ED sites placed in an LSOA, IoD ranks that disagree
between files, quarantine by source and reason.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from vrhub.quality import QualityReport, QualityResult, Section
from vrhub.standards.months import month_span
from vrhub.storage.queries import quality as quality_queries
from vrhub.storage.queries import run
from vrhub.storage.warehouse import Warehouse

REFERENCE_SOURCES = ("boundaries", "lsoa-lookup", "ward-lookup", "population", "imd",
                     "ed-sites")


def _months_missing(first: str, last: str, present: set[str]) -> list[str]:
    return [m for m in month_span(first, last) if m not in present]


def _quarantine(warehouse: Warehouse, sources: tuple[str, ...]) -> pd.DataFrame:
    return quality_queries.quarantine_by_source(warehouse, sources)


def build_mps(warehouse: Warehouse) -> QualityResult:
    data: dict[str, Any] = {"levels": {}, "excluded_months": [], "quarantine": {}}
    sections: list[Section] = []
    if not warehouse.has_table("mps_crime_count"):
        return QualityResult("mps", {"loaded": False}, [
            Section("MPS recorded crime", ["note"], [["not loaded: run vrhub load mps"]])])
    levels = run(warehouse, quality_queries.MPS_LEVELS)
    rows = []
    for r in levels.to_dict("records"):
        level = str(r["level"])
        present = quality_queries.mps_months_at_level(warehouse, level)
        gaps = _months_missing(str(r["first"]), str(r["last"]), present)
        data["levels"][level] = {"rows": int(r["rows"]), "offences": int(r["offences"]),
                                 "first_month": r["first"], "last_month": r["last"],
                                 "months": int(r["months"]), "missing_months": gaps,
                                 "areas": int(r["areas"]), "files": int(r["files"])}
        rows.append([level, int(r["rows"]), int(r["offences"]), r["first"], r["last"],
                     int(r["months"]), ", ".join(gaps) or "none", int(r["areas"])])
    sections.append(Section("Monthly counts per level",
                            ["level", "rows", "offences", "first", "last", "months",
                             "missing months", "areas"], rows))
    if warehouse.has_table("mps_month_excluded"):
        excluded = run(warehouse, quality_queries.MPS_EXCLUDED_MONTHS)
        data["excluded_months"] = excluded.to_dict("records")
        sections.append(Section(
            "Months not loaded (stub = near-empty first/last month of a table)",
            ["level", "month", "offences in file", "reason", "file"],
            excluded.values.tolist() or [["-", "-", "-", "none", "-"]]))
    if warehouse.has_table("area_boundary") and quality_queries.boundary_levels(
            warehouse).get("lsoa21"):
        coverage = run(warehouse, quality_queries.MPS_LSOA_COVERAGE)
        c: Any = coverage.iloc[0]
        data["lsoa_coverage"] = {k: int(v) for k, v in c.items()}
        sections.append(Section(
            "LSOA 2021 coverage of the LSOA table against the loaded boundaries",
            ["LSOAs in boundaries", "LSOAs in table", "without rows",
             "of which City of London", "codes not in boundaries"],
            [[int(c.boundaries), int(c.in_table), int(c.missing), int(c.missing_city),
              int(c.unknown)]]))
    quarantine = _quarantine(warehouse, ("mps",))
    by_rule: dict[str, int] = {str(r["rule"]): int(r["rows"])
                               for r in quarantine.to_dict("records")}
    data["quarantine"] = by_rule
    sections.append(Section("Quarantined rows by reason", ["rule", "rows"],
                            [[k, v] for k, v in by_rule.items()] or [["none", 0]]))
    return QualityResult("mps", data, sections)


COVERAGE = (
    # (label, table key of quality_queries.COVERAGE, boundary level, table)
    ("IoD 2019 (LSOA 2011)", "imd2019", "lsoa11", "imd"),
    ("IoD 2025 (LSOA 2021)", "imd2025", "lsoa21", "imd"),
    ("Census 2021 population", "census2021", "lsoa21", "population"),
    ("Mid-year estimates (latest)", "mye_latest", "lsoa11", "population"),
    ("LSOA 2011->2021 lookup (2021 side)", "lsoa_change21", "lsoa21", "lsoa_change"),
    ("LSOA 2011->2021 lookup (2011 side)", "lsoa_change11", "lsoa11", "lsoa_change"),
    ("Ward lookup", "ward_lookup", "lsoa21", "area_lookup"),
)


def build_reference(warehouse: Warehouse) -> QualityResult:
    data: dict[str, Any] = {}
    sections: list[Section] = []
    tables = ("area_boundary", "area_lookup", "lsoa_change", "population",
              "population_density", "imd", "imd_domain", "imd_value", "ed_site")
    counts = {t: warehouse.count(t) for t in tables}
    data["rows"] = counts
    sections.append(Section("Rows per table", ["table", "rows"],
                            [[t, n] for t, n in counts.items()]))
    if warehouse.has_table("provenance"):
        files = quality_queries.files_by_status(warehouse, REFERENCE_SOURCES)
        data["files"] = files.to_dict("records")
        sections.append(Section("Files per source", list(files.columns),
                                files.values.tolist()))
    if counts["area_boundary"]:
        levels = quality_queries.boundary_levels(warehouse)
        rows = []
        data["coverage"] = {}
        for label, key, level, table in COVERAGE:
            if not counts.get(table) or not levels.get(level):
                continue
            boundaries, covered = quality_queries.coverage(warehouse, key, level)
            data["coverage"][label] = {"level": level, "boundaries": boundaries,
                                       "covered": covered}
            rows.append([label, level, boundaries, covered, boundaries - covered])
        sections.append(Section("LSOA coverage against the loaded boundaries",
                                ["table", "vintage", "LSOAs in boundaries", "covered",
                                 "missing"], rows))
    if counts["ed_site"]:
        placed = quality_queries.ed_sites_placed(warehouse)
        data["ed_sites"] = {"sites": counts["ed_site"], "placed_in_lsoa": placed}
        sections.append(Section("ED sites", ["sites", "placed in a loaded LSOA 2021"],
                                [[counts["ed_site"], placed]]))
    if counts["imd_value"]:
        conflicts = quality_queries.imd_rank_conflicts(warehouse)
        data["imd_rank_conflicts"] = conflicts
        sections.append(Section("IoD ranks that differ between files", ["LSOA x domain"],
                                [[conflicts]]))
    if counts["lsoa_change"]:
        basis = run(warehouse, quality_queries.LSOA_WEIGHT_BASIS)
        data["lsoa_weights"] = basis.to_dict("records")
        sections.append(Section("LSOA 2011<->2021 apportioning basis",
                                ["change", "basis", "pairs"], basis.values.tolist()))
    quarantine = _quarantine(warehouse, REFERENCE_SOURCES)
    data["quarantine"] = quarantine.to_dict("records")
    sections.append(Section("Quarantined rows by source and reason", ["source", "rule", "rows"],
                            quarantine.values.tolist() or [["none", "", 0]]))
    return QualityResult("reference", data, sections)


REPORTS = (
    QualityReport("mps", "MPS recorded crime: months, stub months, gaps, LSOA coverage, "
                  "quarantine.", build_mps),
    QualityReport("reference", "Boundaries, lookups, population, IoD and ED sites: rows, "
                  "coverage against boundaries, quarantine.", build_reference),
)
