"""Exports: each format reads back as the rows given, formulas neutralised in CSV and XLSX,
points placed in British National Grid for GeoPackage and GeoJSON, unknown formats and
coordinate-less geographic exports refused."""

from __future__ import annotations

import io
import json

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest

from vrhub.errors import UserError
from vrhub.reports.exports import MEDIA_TYPES, render

ROWS = pd.DataFrame({"crime_id": ["a1", "b2", "c3"],
                     "location": ["On or near Mare Street", "=HYPERLINK(\"http://x\")",
                                  "+44 20 7946 0000"],
                     "month": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]),
                     "easting": [535000.0, None, 535500.0],
                     "northing": [184500.0, None, 184600.0]})
PARAMETERS = {"dataset": "police_street", "borough": "E09000012"}


def test_csv_keeps_every_row_and_neutralises_formulas() -> None:
    back = pd.read_csv(io.BytesIO(render(ROWS, "csv", parameters=PARAMETERS)))
    assert back["crime_id"].tolist() == ["a1", "b2", "c3"]
    assert back["location"].iloc[0] == "On or near Mare Street"
    assert not back["location"].iloc[1].startswith("=")
    assert back["location"].iloc[1].endswith('=HYPERLINK("http://x")')
    assert not back["location"].iloc[2].startswith("+")
    assert back["month"].iloc[0].startswith("2024-01-01")


def test_xlsx_has_the_rows_and_an_about_sheet_of_the_parameters() -> None:
    book = openpyxl.load_workbook(io.BytesIO(render(ROWS, "xlsx", parameters=PARAMETERS)))
    data = [list(r) for r in book["data"].iter_rows(values_only=True)]
    assert data[0][:2] == ["crime_id", "location"] and len(data) == 4
    assert not str(data[2][1]).startswith("=")
    about = dict(list(book["about"].iter_rows(values_only=True))[1:])
    assert about == PARAMETERS


def test_geographic_formats_hold_the_located_rows_as_points_in_bng() -> None:
    package = gpd.read_file(io.BytesIO(render(ROWS, "gpkg", parameters=PARAMETERS)))
    assert package.crs.to_epsg() == 27700
    assert package["crime_id"].tolist() == ["a1", "c3"]  # b2 has no point
    assert [(p.x, p.y) for p in package.geometry] == [(535000.0, 184500.0),
                                                      (535500.0, 184600.0)]
    document = json.loads(render(ROWS, "geojson", parameters=PARAMETERS))
    assert [f["properties"]["crime_id"] for f in document["features"]] == ["a1", "c3"]


def test_parquet_reads_back_as_written() -> None:
    back = pd.read_parquet(io.BytesIO(render(ROWS, "parquet", parameters=PARAMETERS)))
    assert back["crime_id"].tolist() == ["a1", "b2", "c3"]
    assert back["northing"].isna().tolist() == [False, True, False]


def test_unknown_formats_and_maps_without_coordinates_are_refused() -> None:
    with pytest.raises(UserError, match="unknown export format 'shp'"):
        render(ROWS, "shp", parameters=PARAMETERS)
    with pytest.raises(UserError, match="this export has no coordinates"):
        render(ROWS.drop(columns=["easting", "northing"]), "geojson", parameters=PARAMETERS)
    assert set(MEDIA_TYPES) == {"csv", "xlsx", "gpkg", "geojson", "parquet"}
