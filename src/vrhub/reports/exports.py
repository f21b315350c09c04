"""Record-level and aggregate exports in CSV, XLSX, GeoPackage, GeoJSON and Parquet.

Callers pass a frame that the policy layer has already scoped; this module only writes it.
Text cells are neutralised against formula injection in CSV and XLSX; points become
geometries (British National Grid) for the geographic formats.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from vrhub.errors import UserError
from vrhub.reports.outputs import output_metadata, write_result
from vrhub.reports.spreadsheet_safety import neutralise_frame

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "gpkg": "application/geopackage+sqlite3",
    "geojson": "application/geo+json",
    "parquet": "application/vnd.apache.parquet",
}


def as_points(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    located = frame.dropna(subset=["easting", "northing"]) if "easting" in frame else frame
    if "easting" not in frame.columns:
        raise UserError("this export has no coordinates",
                        hint="choose csv, xlsx or parquet instead")
    return gpd.GeoDataFrame(
        located.reset_index(drop=True),
        geometry=gpd.points_from_xy(located["easting"], located["northing"]),
        crs=27700,
    )


def render(frame: pd.DataFrame, fmt: str, *, parameters: dict[str, Any]) -> bytes:
    """The bytes of ``frame`` in format ``fmt`` (csv, xlsx, gpkg, geojson, parquet)."""
    if fmt not in MEDIA_TYPES:
        raise UserError(f"unknown export format {fmt!r}", hint="use " + ", ".join(MEDIA_TYPES))
    metadata = output_metadata(parameters)
    plain = frame.copy()
    for column in plain.columns:
        if pd.api.types.is_datetime64_any_dtype(plain[column]):
            plain[column] = plain[column].astype("string")
    if fmt == "csv":
        return neutralise_frame(plain).to_csv(index=False).encode("utf-8")
    if fmt == "xlsx":
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            neutralise_frame(plain).to_excel(writer, index=False, sheet_name="data")
            pd.DataFrame({"parameter": list(parameters), "value": [
                str(v) for v in parameters.values()]}).to_excel(
                writer, index=False, sheet_name="about")
        return buffer.getvalue()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"export.{fmt}"
        data = as_points(plain) if fmt in ("gpkg", "geojson") else plain
        write_result(data, path, metadata)
        return path.read_bytes()
