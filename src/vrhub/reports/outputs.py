"""Write analytics results as GeoPackage, GeoJSON, CSV or Parquet, each carrying its
parameters and data provenance.

Where the metadata lives, by format:

- GeoPackage: the layer's metadata (``vrhub`` key, JSON) through GDAL, readable with
  ``pyogrio.read_info(path)["layer_metadata"]``;
- GeoJSON: a top-level ``"vrhub"`` member of the FeatureCollection;
- Parquet: the ``vrhub`` key of the schema metadata;
- CSV: a sidecar ``<name>.csv.json`` (CSV has nowhere to keep it).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyogrio

from vrhub import __version__
from vrhub.errors import UserError

FORMATS = {".gpkg": "GeoPackage", ".geojson": "GeoJSON", ".csv": "CSV", ".parquet": "Parquet"}


def output_metadata(parameters: dict[str, Any], provenance: list[dict[str, Any]] | None = None,
                    **extra: Any) -> dict[str, Any]:
    return {
        "vrhub_version": __version__,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "parameters": parameters,
        "provenance": provenance or [],
        **extra,
    }


def write_result(data: pd.DataFrame, path: Path, metadata: dict[str, Any]) -> Path:
    """Write ``data`` to ``path`` in the format its suffix names, with ``metadata``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise UserError(
            f"cannot write {path.name}: unknown output format {suffix or '(none)'}",
            hint="use one of " + ", ".join(FORMATS),
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    meta_json = json.dumps(metadata, default=str, sort_keys=True)
    is_geo = isinstance(data, gpd.GeoDataFrame) and data.geometry.name in data.columns
    if suffix in (".gpkg", ".geojson") and not is_geo:
        raise UserError(
            f"cannot write {path.name}: this result has no geometry",
            hint="write it as .csv or .parquet instead",
        )
    if suffix == ".gpkg":
        pyogrio.write_dataframe(data, path, driver="GPKG", layer=path.stem,
                                layer_metadata={"vrhub": meta_json})
    elif suffix == ".geojson":
        geo = cast(gpd.GeoDataFrame, data)
        if geo.crs is not None and geo.crs.to_epsg() != 4326:
            geo = geo.to_crs(4326)
        collection = json.loads(geo.to_json(drop_id=True))
        collection["vrhub"] = metadata
        path.write_text(json.dumps(collection, default=str), encoding="utf-8")
    elif suffix == ".parquet":
        plain = _plain(data)
        table = pa.Table.from_pandas(plain, preserve_index=False)
        schema_meta = dict(table.schema.metadata or {})
        schema_meta[b"vrhub"] = meta_json.encode()
        pq.write_table(table.replace_schema_metadata(schema_meta), path)
    else:
        _plain(data).to_csv(path, index=False)
        Path(f"{path}.json").write_text(json.dumps(metadata, default=str, indent=2),
                                        encoding="utf-8")
    return path


def read_metadata(path: Path) -> dict[str, Any]:
    """The metadata :func:`write_result` stored with ``path``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".gpkg":
        info = pyogrio.read_info(path, layer=path.stem)
        return dict(json.loads((info.get("layer_metadata") or {})["vrhub"]))
    if suffix == ".geojson":
        return dict(json.loads(path.read_text(encoding="utf-8"))["vrhub"])
    if suffix == ".parquet":
        meta = pq.read_schema(path).metadata or {}
        return dict(json.loads(meta[b"vrhub"]))
    return dict(json.loads(Path(f"{path}.json").read_text(encoding="utf-8")))


def _plain(data: pd.DataFrame) -> pd.DataFrame:
    """Geometry as WKT text for formats without a geometry type."""
    if isinstance(data, gpd.GeoDataFrame) and data.geometry.name in data.columns:
        out = pd.DataFrame(data.drop(columns=data.geometry.name))
        out["geometry_wkt"] = data.geometry.to_wkt()
        return out
    return data
