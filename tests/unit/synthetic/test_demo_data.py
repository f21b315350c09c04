"""The demo's synthetic files: every loader source's files written under one folder, two
years of police.uk street files from October 2023, MPS tables opening with a stub month as
published, and the same seed writing the same bytes."""

from __future__ import annotations

import csv
import hashlib
import statistics
from pathlib import Path

import pytest

from vrhub.synthetic import FIRST_MONTH, MONTHS, write_demo_data


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[Path]]]:
    folder = tmp_path_factory.mktemp("demo-data")
    return folder, write_demo_data(folder)


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_files_are_grouped_by_the_source_that_loads_them(
        written: tuple[Path, dict[str, list[Path]]]) -> None:
    folder, paths = written
    assert set(paths) == {"boundaries", "lsoa-lookup", "ward-lookup", "population", "imd",
                          "ed-sites", "police", "mps"}
    for files in paths.values():
        assert files and all(p.is_file() and folder in p.parents for p in files)
    months = [p.name[:7] for p in paths["police"]]
    assert months[0] == FIRST_MONTH == "2023-10" and months[-1] == "2025-09"
    assert len(months) == MONTHS == len(set(months))
    assert all(p.name.endswith("-metropolitan-street.csv") for p in paths["police"])


def test_street_rows_name_lsoas_of_the_lookup(
        written: tuple[Path, dict[str, list[Path]]]) -> None:
    _, paths = written
    lookup = {r["LSOA21CD"] for r in rows(paths["ward-lookup"][0])}
    street = rows(paths["police"][0])
    assert {r["Month"] for r in street} == {"2023-10"}
    placed = {r["LSOA code"] for r in street if r["LSOA code"]}
    assert placed and placed <= lookup


def test_mps_tables_open_with_a_stub_month(
        written: tuple[Path, dict[str, list[Path]]]) -> None:
    _, paths = written
    borough = next(p for p in paths["mps"] if p.name == "recorded-crime-borough.csv")
    table = rows(borough)
    months = [c for c in table[0] if c.isdigit()]
    assert months[0] == "202309" and months[-1] == "202509" and len(months) == MONTHS + 1
    totals = [sum(int(r[m]) for r in table) for m in months]
    assert totals[0] < 0.1 * statistics.median(totals[1:])  # what the loader calls a stub
    assert min(totals[1:]) > 0.5 * statistics.median(totals[1:])


def test_the_same_seed_writes_the_same_bytes(written: tuple[Path, dict[str, list[Path]]],
                                             tmp_path: Path) -> None:
    folder, paths = written
    again = write_demo_data(tmp_path)

    def digests(root: Path, found: dict[str, list[Path]]) -> dict[str, str]:
        return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
                for files in found.values() for p in files}

    assert digests(tmp_path, again) == digests(folder, paths)
