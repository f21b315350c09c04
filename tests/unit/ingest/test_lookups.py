"""The ONS lookups: the LSOA 2011 to 2021 pairs with equal shares for a split LSOA until
population is loaded, and the LSOA to ward lookup of whatever ward year its headings name;
a repeated pair set aside, a lookup without a ward column refused, a new file replacing the
old one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.warehouse_sql import query
from vrhub.errors import InputError
from vrhub.ingest.inputs import InputFile
from vrhub.ingest.lookups import load_lsoa_lookup, load_ward_lookup
from vrhub.progress import Recording
from vrhub.storage.warehouse import Warehouse

LSOA = ("LSOA11CD,LSOA11NM,LSOA21CD,LSOA21NM,CHGIND,LAD22CD,LAD22NM\n"
        "E01000001,City 001A,E01000001,City 001A,U,E09000001,City of London\n"
        "E01000002,City 001B,E01032739,City 001F,S,E09000001,City of London\n"
        "E01000002,City 001B,E01032740,City 001G,S,E09000001,City of London\n"
        "E01000002,City 001B,E01032740,City 001G,S,E09000001,City of London\n")
WARD = ("LSOA21CD,LSOA21NM,WD23CD,WD23NM,LAD23CD,LAD23NM\n"
        "e01000001,City 001A,E05009288,Aldersgate,E09000001,City of London\n"
        "E01000907,Camden 001A,E05013652,Belsize,E09000007,Camden\n")


def file(tmp_path: Path, name: str, text: str) -> InputFile:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return InputFile(path)


def test_lsoa_pairs_share_a_split_lsoa_equally(tmp_path: Path) -> None:
    progress = Recording()
    with Warehouse(tmp_path / "w.duckdb") as wh:
        report = load_lsoa_lookup(wh, [file(tmp_path, "lsoa11_lsoa21.csv", LSOA)], progress)
        pairs = query(wh, "SELECT lsoa11_code, lsoa21_code, change, weight_11_to_21 "
                          "FROM lsoa_change ORDER BY lsoa21_code")
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (4, 3, 1)
    assert report.quarantined_by_rule() == {"key:duplicate": 1}
    assert report.files[0].notes[-1] == "pairs by change: S 3, U 1"
    assert pairs.values.tolist() == [["E01000001", "E01000001", "U", 1.0],
                                     ["E01000002", "E01032739", "S", 0.5],
                                     ["E01000002", "E01032740", "S", 0.5]]
    assert any("equal shares because the population they need is not loaded" in n
               for n in progress.notes)


def test_ward_lookup_of_any_ward_year(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb") as wh:
        report = load_ward_lookup(wh, [file(tmp_path, "lsoa_to_ward.csv", WARD)], Recording())
        rows = query(wh, "SELECT lsoa21_code, ward_code, borough_name FROM area_lookup "
                         "ORDER BY 1")
        with pytest.raises(InputError, match=r"no ward code column \(WD22CD, WD23CD"):
            load_ward_lookup(wh, [file(tmp_path, "lsoa_to_ward_bad.csv",
                                       "LSOA21CD,LSOA21NM\nE01000001,City 001A\n")],
                             Recording())
        newer = WARD.replace("WD23", "WD24").replace("LAD23", "LAD24").splitlines()[:2]
        load_ward_lookup(wh, [file(tmp_path, "lsoa_to_ward_2024.csv", "\n".join(newer))],
                         Recording())
        after = query(wh, "SELECT lsoa21_code FROM area_lookup")["lsoa21_code"].tolist()
    assert report.files[0].notes == ["wards of 2023"]
    assert rows.values.tolist() == [["E01000001", "E05009288", "City of London"],
                                    ["E01000907", "E05013652", "Camden"]]
    assert after == ["E01000001"]  # the new file replaces the old one
