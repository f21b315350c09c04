"""Read public outputs as tables for the disclosure scanner.

CSV (with the ``.csv.json`` metadata sidecar :func:`vrhub.reports.outputs.write_result`
writes), JSON (every list of objects anywhere in the document), GeoJSON (feature
properties and geometry types), XLSX (every sheet), Parquet and GeoPackage (every layer).
Each table comes with the disclosure declaration stored with it, if any.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from vrhub.analytics.disclosure import as_numbers

TableRead = tuple[str, pd.DataFrame, dict[str, Any] | None, list[str | None] | None]


def read_output_tables(path: Path) -> Iterator[TableRead]:
    """Every table in the output at ``path``: (label, frame, disclosure declaration or
    None, geometry type per row or None)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        sidecar = Path(f"{path}.json")
        meta = json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.exists() else {}
        frame = pd.read_csv(path, keep_default_na=False, na_values=[""], dtype=object)
        yield "", _infer(frame), meta.get("disclosure"), None
    elif suffix in (".json", ".geojson"):
        document = json.loads(path.read_text(encoding="utf-8"))
        meta = document.get("vrhub", {}) if isinstance(document, dict) else {}
        yield from _json_tables(document, "", (meta or {}).get("disclosure"))
    elif suffix == ".xlsx":
        yield from _xlsx_tables(path)
    elif suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        raw = (table.schema.metadata or {}).get(b"vrhub")
        meta = json.loads(raw) if raw else {}
        yield "", table.to_pandas(), meta.get("disclosure"), None
    elif suffix == ".gpkg":
        import pyogrio

        for layer, _kind in pyogrio.list_layers(path):
            info = pyogrio.read_info(path, layer=layer)
            raw = (info.get("layer_metadata") or {}).get("vrhub")
            meta = json.loads(raw) if raw else {}
            frame = pyogrio.read_dataframe(path, layer=layer)
            yield f" layer {layer}", frame, meta.get("disclosure"), None
    else:
        raise ValueError(f"unsupported format {suffix}")


def _infer(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns that hold only numbers (and markers) become numbers."""
    out = frame.copy()
    for column in out.columns:
        numbers = as_numbers(out[column])
        if numbers is not None:
            out[column] = numbers
    return out


def _json_tables(node: Any, where: str, declared: dict[str, Any] | None) -> Iterator[TableRead]:
    if isinstance(node, dict):
        if node.get("type") == "FeatureCollection" and isinstance(node.get("features"), list):
            features = [f for f in node["features"] if isinstance(f, dict)]
            frame = pd.DataFrame([f.get("properties") or {} for f in features])
            types = [(f.get("geometry") or {}).get("type") for f in features]
            yield where or "", _infer_objects(frame), declared, types
            return
        for key, value in node.items():
            if key == "vrhub":
                continue
            yield from _json_tables(value, f"{where}.{key}", declared)
    elif isinstance(node, list) and node and all(isinstance(x, dict) for x in node):
        yield where or "", _infer_objects(pd.DataFrame(node)), declared, None
        for i, item in enumerate(node):
            for key, value in item.items():
                if isinstance(value, dict | list) and value:
                    yield from _json_tables(value, f"{where}[{i}].{key}", declared)


def _infer_objects(frame: pd.DataFrame) -> pd.DataFrame:
    simple = frame[[c for c in frame.columns if not frame[c].map(
        lambda v: isinstance(v, dict | list)).any()]]
    return _infer(simple.astype(object))


def _xlsx_tables(path: Path) -> Iterator[TableRead]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        for sheet in book.worksheets:
            rows = [list(r) for r in sheet.iter_rows(values_only=True)]
            rows = [r for r in rows if any(v is not None for v in r)]
            if not rows:
                continue
            header = [str(h) if h is not None else f"column_{i + 1}"
                      for i, h in enumerate(rows[0])]
            frame = pd.DataFrame(rows[1:], columns=header, dtype=object)
            yield f" sheet {sheet.title}", _infer(frame), None, None
    finally:
        book.close()


def read_output_texts(path: Path) -> Iterator[tuple[str, str]]:
    """Every text field the output at ``path`` carries besides its table cells: titles,
    descriptions, notes, parameters and provenance in its metadata (the ``vrhub`` block
    of a JSON document, a CSV's ``.csv.json`` sidecar, Parquet and GeoPackage metadata)
    and every string of a JSON document such as the manifest. (where, text) pairs."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        sidecar = Path(f"{path}.json")
        if sidecar.exists():
            yield from _strings(json.loads(sidecar.read_text(encoding="utf-8")),
                                sidecar.name)
    elif suffix in (".json", ".geojson"):
        document = json.loads(path.read_text(encoding="utf-8"))
        yield from _strings(document, "")
    elif suffix == ".parquet":
        import pyarrow.parquet as pq

        raw = (pq.read_schema(path).metadata or {}).get(b"vrhub")
        if raw:
            yield from _strings(json.loads(raw), "metadata")
    elif suffix == ".gpkg":
        import pyogrio

        for layer, _kind in pyogrio.list_layers(path):
            raw = (pyogrio.read_info(path, layer=layer).get("layer_metadata")
                   or {}).get("vrhub")
            if raw:
                yield from _strings(json.loads(raw), f"layer {layer} metadata")


def _strings(node: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, str):
        yield where or "text", node
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in ("geometry", "coordinates"):
                continue
            yield from _strings(value, f"{where}.{key}" if where else str(key))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _strings(item, f"{where}[{i}]")
