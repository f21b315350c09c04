"""The disclosure scanner reads every public output as tables and text fields: CSV with its
sidecar, every list of objects in a JSON document, GeoJSON properties with their geometry
types, every sheet of a workbook; and the one-pass reading of JSON finds the same text
fields as the plain one."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from vrhub.analytics.disclosure_files import OutputFile, read_output_tables, read_output_texts

DOCUMENT = {
    "vrhub": {"title": "Violence by ward", "notes": ["3 rows dropped", "rounded to 5"],
              "disclosure": {"count_columns": ["count"]}},
    "rows": [{"ward": "Dalston", "count": 10, "months": [{"month": "2024-01", "count": 5}]},
             {"ward": "Hoxton", "count": 15, "months": [{"month": "2024-01", "count": 15}]}],
    "about": {"source": "police.uk", "wards": ["Dalston", "Hoxton"]},
}


def test_a_csv_is_one_table_with_numbers_read_as_numbers_and_its_sidecar(
        tmp_path: Path) -> None:
    path = tmp_path / "wards.csv"
    path.write_text("ward,count,rate\nDalston,10,1.5\nHoxton,,2\n", encoding="utf-8")
    Path(f"{path}.json").write_text(json.dumps({"title": "By ward",
                                                "disclosure": {"rounded": 5}}), "utf-8")
    [(label, frame, declared, types)] = list(read_output_tables(path))
    assert (label, declared, types) == ("", {"rounded": 5}, None)
    assert frame["count"].iloc[0] == 10 and pd.isna(frame["count"].iloc[1])
    assert frame["rate"].tolist() == [1.5, 2.0]
    assert frame["ward"].tolist() == ["Dalston", "Hoxton"]
    assert list(read_output_texts(path)) == [("wards.csv.json.title", "By ward")]


def test_every_list_of_objects_in_a_json_document_is_a_table(tmp_path: Path) -> None:
    path = tmp_path / "wards.json"
    path.write_text(json.dumps(DOCUMENT), encoding="utf-8")
    tables = {label: (frame, declared) for label, frame, declared, _ in
              read_output_tables(path)}
    assert set(tables) == {".rows", ".rows[0].months", ".rows[1].months"}
    rows, declared = tables[".rows"]
    assert list(rows.columns) == ["ward", "count"]  # the nested list is a table of its own
    assert rows["count"].tolist() == [10, 15]
    assert declared == {"count_columns": ["count"]}
    assert tables[".rows[1].months"][0]["count"].tolist() == [15]


def test_geojson_gives_properties_and_geometry_types_not_coordinates(tmp_path: Path) -> None:
    path = tmp_path / "cells.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"cell": "a", "n": 10},
         "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}},
        {"type": "Feature", "properties": {"cell": "b", "n": 20},
         "geometry": {"type": "Point", "coordinates": [530000, 180000]}}]}), "utf-8")
    [(label, frame, _, types)] = list(read_output_tables(path))
    assert label == ""
    assert frame.to_dict("list") == {"cell": ["a", "b"], "n": [10, 20]}
    assert types == ["Polygon", "Point"]
    assert all("coordinates" not in where for where, _ in read_output_texts(path))


def test_every_sheet_with_rows_is_a_table(tmp_path: Path) -> None:
    book = Workbook()
    first = book.active
    first.title = "Wards"
    first.append(["ward", None])
    first.append(["Dalston", 10])
    book.create_sheet("Empty")
    book.create_sheet("Boroughs").append(["borough"])
    path = tmp_path / "book.xlsx"
    book.save(path)
    tables = {label: frame for label, frame, _, _ in read_output_tables(path)}
    assert set(tables) == {" sheet Wards", " sheet Boroughs"}
    assert tables[" sheet Wards"].to_dict("list") == {"ward": ["Dalston"], "column_2": [10]}
    assert len(tables[" sheet Boroughs"]) == 0


def test_reading_json_once_finds_the_text_fields_the_plain_reading_finds(
        tmp_path: Path) -> None:
    path = tmp_path / "wards.json"
    path.write_text(json.dumps(DOCUMENT), encoding="utf-8")
    checked: list[str] = []

    def digits(text: str) -> list[tuple[str, int]]:
        checked.append(text)
        return [(text, 1)] if any(c.isdigit() for c in text) else []

    plain = [(where, text) for where, text in read_output_texts(path) if digits(text)]
    checked.clear()
    once = [(where, text) for where, text, _ in OutputFile(path).texts_breaking(digits)]
    assert once == plain
    assert ("vrhub.notes[0]", "3 rows dropped") in once
    assert ("rows[1].months[0].month", "2024-01") in once
    # "Dalston", "Hoxton" and "2024-01" appear twice each, and are judged once each
    assert len(checked) == len(set(checked))


def test_an_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unsupported format \.txt"):
        list(read_output_tables(tmp_path / "notes.txt"))
