from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from vrhub.errors import UserError
from vrhub.reports.outputs import output_metadata, read_metadata, write_result


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".csv", ".parquet"])
def test_every_format_carries_parameters_and_provenance(tmp_path: Path, suffix: str) -> None:
    frame = gpd.GeoDataFrame(
        {"cell_id": [1, 2], "n": [3, 0]},
        geometry=[box(530000, 180000, 530100, 180100), box(530100, 180000, 530200, 180100)],
        crs=27700,
    )
    meta = output_metadata({"cell_size": 100}, [{"file_name": "a.csv", "sha256": "ab" * 32}])
    path = write_result(frame, tmp_path / f"out{suffix}", meta)
    back = read_metadata(path)
    assert back["parameters"] == {"cell_size": 100}
    assert back["provenance"][0]["file_name"] == "a.csv"
    if suffix in (".gpkg", ".geojson"):
        read = gpd.read_file(path)
        assert list(read["n"]) == [3, 0]
    elif suffix == ".csv":
        assert list(pd.read_csv(path)["n"]) == [3, 0]
    else:
        assert list(pd.read_parquet(path)["n"]) == [3, 0]


def test_geo_formats_refuse_tables_without_geometry(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no geometry"):
        write_result(pd.DataFrame({"a": [1]}), tmp_path / "x.geojson", output_metadata({}))


def test_unknown_suffix_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="unknown output format"):
        write_result(pd.DataFrame({"a": [1]}), tmp_path / "x.txt", output_metadata({}))
