"""Read public outputs as tables for the disclosure scanner.

CSV (with the ``.csv.json`` metadata sidecar :func:`vrhub.reports.outputs.write_result`
writes), JSON (every list of objects anywhere in the document), GeoJSON (feature
properties and geometry types), XLSX (every sheet), Parquet and GeoPackage (every layer).
Each table comes with the disclosure declaration stored with it, if any.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from vrhub.analytics.suppression_markers import as_numbers

TableRead = tuple[str, pd.DataFrame, dict[str, Any] | None, list[str | None] | None]
Finding = list[tuple[str, int]]


class OutputFile:
    """One public output, read once for both its tables and its text fields.

    A JSON output of millions of rows is parsed a single time, with each distinct text
    value held once (a ward name repeated in 20,000 rows is one string, not 20,000), so
    that checking it takes a fraction of the memory of the document as plain objects."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.suffix = path.suffix.lower()
        self._document: Any = None
        if self.suffix in (".json", ".geojson"):
            self._document = load_json_compact(path)

    def tables(self) -> list[TableRead]:
        if self._document is None:
            return list(read_output_tables(self.path))
        document = self._document
        meta = document.get("vrhub", {}) if isinstance(document, dict) else {}
        return list(_json_tables(document, "", (meta or {}).get("disclosure")))

    def texts_breaking(self, check: Callable[[str], Finding]
                       ) -> Iterator[tuple[str, str, Finding]]:
        """(where, text, what ``check`` found) for every text field (as
        :func:`read_output_texts` lists them) where ``check`` finds something; each
        distinct text is checked once."""
        memo: dict[str, Finding] = {}

        def judged(text: str) -> Finding:
            found = memo.get(text)
            if found is None:
                found = memo[text] = check(text)
            return found

        if self._document is None:
            for where, text in read_output_texts(self.path):
                found = judged(text)
                if found:
                    yield where, text, found
            return
        yield from _strings_breaking(self._document, (), judged)


def load_json_compact(path: Path) -> Any:
    """``json.loads`` of the file, each distinct string value kept once."""
    strings: dict[str, str] = {}

    def compact(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        return {k: strings.setdefault(v, v) if type(v) is str else v for k, v in pairs}

    text = path.read_text(encoding="utf-8")
    try:
        return json.loads(text, object_pairs_hook=compact)
    finally:
        del text


def _where(parts: tuple[str | int, ...]) -> str:
    """The label :func:`_strings` gives the field at ``parts`` (keys and list indexes)."""
    where = ""
    for part in parts:
        if isinstance(part, int):
            where = f"{where}[{part}]"
        else:
            where = f"{where}.{part}" if where else part
    return where


def _strings_breaking(node: Any, parts: tuple[str | int, ...],
                      judged: Callable[[str], Finding]
                      ) -> Iterator[tuple[str, str, Finding]]:
    """:func:`_strings`, yielding only the texts ``judged`` finds something in, and
    making a field's label only for those."""
    if isinstance(node, str):
        found = judged(node)
        if found:
            yield _where(parts) or "text", node, found
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in ("geometry", "coordinates"):
                continue
            if isinstance(value, str):
                found = judged(value)
                if found:
                    yield _where((*parts, str(key))) or "text", value, found
            elif isinstance(value, dict | list):
                yield from _strings_breaking(value, (*parts, str(key)), judged)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            if isinstance(item, str):
                found = judged(item)
                if found:
                    yield _where((*parts, i)) or "text", item, found
            elif isinstance(item, dict | list):
                yield from _strings_breaking(item, (*parts, i), judged)


def read_output_tables(path: Path) -> Iterator[TableRead]:
    """Every table in the output at ``path``: (label, frame, disclosure declaration or
    None, geometry type per row or None)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        sidecar = Path(f"{path}.json")
        meta = json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.exists() else {}
        # read as categories (each distinct text once), then back to plain objects
        frame = pd.read_csv(path, keep_default_na=False, na_values=[""], dtype="category")
        frame = pd.DataFrame({c: frame[c].astype(object) for c in frame.columns},
                             columns=frame.columns)
        yield "", _infer(frame), meta.get("disclosure"), None
    elif suffix in (".json", ".geojson"):
        document = load_json_compact(path)
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
        frame = pd.DataFrame(node)
        nested = any(_holds_containers(frame[c]) for c in frame.columns)
        yield where or "", _infer_objects(frame), declared, None
        del frame
        if not nested:  # no value of any row is a dict or list: no table inside
            return
        for i, item in enumerate(node):
            for key, value in item.items():
                if isinstance(value, dict | list) and value:
                    yield from _json_tables(value, f"{where}[{i}].{key}", declared)


def _infer_objects(frame: pd.DataFrame) -> pd.DataFrame:
    simple = frame[[c for c in frame.columns if not _holds_containers(frame[c])]]
    return _infer(simple.astype(object))


SCALAR_KINDS = frozenset({"string", "integer", "floating", "mixed-integer-float", "boolean",
                          "empty"})
"""What :func:`pandas.api.types.infer_dtype` says of a column with no dict or list."""


def _holds_containers(column: pd.Series) -> bool:
    if pd.api.types.infer_dtype(column, skipna=True) in SCALAR_KINDS:
        return False
    return bool(column.map(lambda v: isinstance(v, dict | list)).any())


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
