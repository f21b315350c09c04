"""The MPS recorded-crime tables: the level read from the headings of each real table, the
month columns in order, and refusals of a table that is not one, an extra column or no
months; borough names known from the London list and the loaded lookup."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from vrhub.errors import InputError
from vrhub.ingest.inputs import InputFile
from vrhub.ingest.mps_datastore import borough_names, detect_level, month_columns
from vrhub.ingest.reference_files import read_published
from vrhub.standards.geography_tables import AREA_LOOKUP
from vrhub.storage.warehouse import Warehouse


def table(tmp_path: Path, text: str, name: str = "recorded-crime-x.csv") -> object:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_published(InputFile(path))


@pytest.mark.parametrize(("name", "level", "first", "last"), [
    ("recorded-crime-lsoa.csv.gz", "lsoa", "202402", "202511"),
    ("recorded-crime-ward.csv.gz", "ward", "202402", "202511"),
    ("recorded-crime-borough.csv.gz", "borough", "202403", "202511")])
def test_the_level_and_months_of_each_real_table(shared_data: Path, name: str, level: str,
                                                 first: str, last: str) -> None:
    path = shared_data / "london-datastore" / "mps-recorded-crime" / name
    published = read_published(InputFile(path))
    assert detect_level(published) == level
    months = month_columns(published, level)
    header = pd.read_csv(path, nrows=0).columns
    assert months == sorted(c for c in header if c.isdigit())
    assert (months[0], months[-1]) == (first, last)  # as the data's manifest says


def test_refusals_name_the_column(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not an MPS recorded-crime table"):
        detect_level(table(tmp_path, "code,202401\nE01,1\n"))
    borough = "majortext,minortext,boroughname,202402,202401,notes\nTHEFT,THEFT,Camden,1,2,x\n"
    published = table(tmp_path, borough)
    assert detect_level(published) == "borough"
    with pytest.raises(InputError, match="unexpected column 'notes'"):
        month_columns(published, "borough")
    published = table(tmp_path, "majortext,minortext,boroughname\nTHEFT,THEFT,Camden\n")
    with pytest.raises(InputError, match=r"no month columns \(YYYYMM\)"):
        month_columns(published, "borough")
    assert month_columns(table(tmp_path, borough.replace(",notes", "").replace(",x", "")),
                         "borough") == ["202401", "202402"]


def test_borough_names_add_the_lookups(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb") as wh:
        assert borough_names(wh)["Camden"] == "E09000007"
        wh.ensure_tables([AREA_LOOKUP])
        wh.insert(AREA_LOOKUP, pd.DataFrame({
            "lsoa21_code": ["E01990001"], "lsoa21_name": ["Alderbury 001A"],
            "ward_code": ["E05990001"], "ward_name": ["Alderbury North"],
            "borough_code": ["E09990001"], "borough_name": ["Alderbury"], "file_id": "f"}))
        names = borough_names(wh)
    assert names["Alderbury"] == "E09990001" and names["Camden"] == "E09000007"
