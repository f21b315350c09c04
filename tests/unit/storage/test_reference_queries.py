"""Reference data as the loaders read it: Census persons per LSOA 2021 and the latest
mid-year estimate per LSOA 2011 (other ages, sexes and years left out), and the IoD tables
rebuilt from every file's values, the rank of the first file (by id) that gives one."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests.warehouse_sql import query
from vrhub.standards.deprivation import IMD_VALUE
from vrhub.standards.population import POPULATION
from vrhub.storage.queries import reference
from vrhub.storage.warehouse import Warehouse

A, B = "E01000001", "E01000002"


def test_census_and_latest_mid_year_residents(tmp_path: Path) -> None:
    rows = [  # (lsoa, vintage, year, source, sex, age band, count)
        (A, "2021", 2021, "census2021", "persons", "all", 1500),
        (B, "2021", 2021, "census2021", "persons", "all", 1720),
        (A, "2021", 2021, "census2021", "persons", "0-4", 90),
        (A, "2021", 2021, "census2021", "males", "all", 730),
        (A, "2011", 2019, "mye", "persons", "all", 1400),
        (A, "2011", 2020, "mye", "persons", "all", 1410),
        (B, "2011", 2020, "mye", "persons", "all", 1600)]
    frame = pd.DataFrame(rows, columns=["lsoa_code", "lsoa_vintage", "year", "source", "sex",
                                        "age_band", "count"]).assign(file_id="f")
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.ensure_tables([POPULATION])
        assert reference.latest_mye_year(wh) is None
        wh.insert(POPULATION, frame)
        census = reference.census_persons(wh)
        year = reference.latest_mye_year(wh)
        mye = reference.mye_persons(wh, 2020)
        assert not reference.can_place_points(wh)
    assert census.values.tolist() == [[A, 1500], [B, 1720]]
    assert year == 2020
    assert mye.values.tolist() == [[A, 1410], [B, 1600]]


def test_imd_is_rebuilt_from_the_first_file_giving_a_rank(tmp_path: Path) -> None:
    rows = [  # (lsoa, domain, score, rank, decile, file)
        (A, "imd", 30.5, None, None, "f2"),   # the second file gives only a score
        (A, "imd", None, 1200, 1, "f3"),
        (A, "imd", None, 1300, 1, "f4"),      # a later file's rank is not taken
        (B, "imd", 8.0, 25000, 8, "f3"),
        (A, "income", 0.31, 900, 1, "f3")]
    frame = pd.DataFrame(rows, columns=["lsoa_code", "domain", "score", "rank", "decile",
                                        "file_id"]).assign(edition="2025", lsoa_vintage="2021")
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.ensure_tables([IMD_VALUE])
        assert reference.lsoa_domain_deciles(wh) is None
        wh.insert(IMD_VALUE, frame)
        reference.rebuild_imd(wh)
        imd = query(wh, "SELECT lsoa_code, imd_score, imd_rank, imd_decile, file_id FROM imd "
                        "ORDER BY lsoa_code")
        domains = reference.lsoa_domain_deciles(wh)
        reference.rebuild_imd(wh)  # again: the same rows, none twice
        assert wh.count("imd") == 2
    assert imd.values.tolist() == [[A, 30.5, 1200, 1, "f3"], [B, 8.0, 25000, 8, "f3"]]
    assert domains is not None
    assert domains.values.tolist() == [[A, "income", 1]]
