"""Test helpers for the opportunities directory: the ORUK standard's own schemas (read from
../shared/standards/oruk-uk-3.0, never copied here) and a populated directory."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd
import pytest
from fastapi import FastAPI

from vrhub.pathways.directory import Directory
from vrhub.standards import oruk
from vrhub.standards.gazetteer import GAZETTEER_POSTCODE
from vrhub.storage import directory as store
from vrhub.storage.warehouse import Warehouse
from vrhub.synthetic.directory import (
    SyntheticPostcode,
    grid_areas,
    synthetic_postcodes,
    synthetic_services,
)

REPO = Path(__file__).resolve().parents[1]
ORUK = (REPO.parent / "shared" / "standards" / "oruk-uk-3.0").resolve()
SCHEMA_URL = ("https://raw.githubusercontent.com/tpximpact/OpenReferralApi/refs/heads/main/"
              "OpenReferralApi/Schemas/V3.0-UK/")
BOROUGHS = [(f"E09{i:06d}", f"Borough {i}") for i in range(1, 34)]


def oruk_standard() -> Path:
    if not ORUK.exists():
        if os.environ.get("CI"):
            pytest.fail(f"the ORUK standard folder {ORUK} is missing on CI")
        pytest.skip("../shared/standards/oruk-uk-3.0 is not present")
    return ORUK


@lru_cache(maxsize=64)
def schema(name: str) -> dict[str, Any]:
    return json.loads((oruk_standard() / "validator-schemas" / name).read_text("utf-8"))


def validator_api() -> dict[str, Any]:
    """The ORUK validator's description of the API (endpoints, filters, schemas)."""
    return schema("open_api.json")


def errors_of(schema_name: str, instance: Any) -> list[str]:
    """Every way ``instance`` breaks the named schema (formats checked too)."""
    validator = jsonschema.Draft202012Validator(
        schema(schema_name), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
            for e in validator.iter_errors(instance)]


def response_schema(path: str) -> tuple[str | None, bool]:
    """(schema file, paginated?) that the validator checks ``path``'s answer against."""
    operation = validator_api()["paths"][path]["get"]
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    paginated = "allOf" in body or any(p.get("$ref", "").endswith("/page")
                                       for p in operation.get("parameters", []))
    ref = body.get("$ref") or body.get("properties", {}).get("contents", {}).get(
        "items", {}).get("$ref")
    return (ref.removeprefix(SCHEMA_URL) if ref else None), paginated


def page_errors(body: dict[str, Any]) -> list[str]:
    """The validator's Page component, with every field required (as the profile's API
    reference lists them)."""
    page = dict(validator_api()["components"]["schemas"]["Page"])
    page["required"] = [*page["properties"], "contents"]
    validator = jsonschema.Draft202012Validator(page)
    out = [e.message for e in validator.iter_errors(body)]
    if not isinstance(body.get("contents"), list):
        out.append("contents is not a list")
    return out


def list_errors(path: str, body: dict[str, Any]) -> list[str]:
    """Errors of one page of a list endpoint: the Page shape, then the validator's schema
    for the list (list-shaped schemas check the whole page, item schemas each item)."""
    name, _ = response_schema(path)
    out = page_errors(body)
    if name is None:
        return out
    shape = schema(name)
    if "contents" in shape.get("properties", {}):
        out += errors_of(name, body)
        item = shape["properties"]["contents"]["items"]
        for i, entry in enumerate(body.get("contents", [])):
            validator = jsonschema.Draft202012Validator(
                item, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
            out += [f"contents/{i}: {e.message}" for e in validator.iter_errors(entry)]
    else:
        for i, entry in enumerate(body.get("contents", [])):
            out += [f"contents/{i}/{e}" for e in errors_of(name, entry)]
    return out


# -- a populated directory ---------------------------------------------------------------------
def postcodes(per_area: int = 6, seed: int = 7) -> list[SyntheticPostcode]:
    return synthetic_postcodes(grid_areas(BOROUGHS), per_area=per_area, seed=seed)


def load_postcodes(warehouse_path: Path, pcs: list[SyntheticPostcode]) -> None:
    with Warehouse(warehouse_path) as wh:
        wh.ensure_tables([GAZETTEER_POSTCODE])
        wh.insert(GAZETTEER_POSTCODE, pd.DataFrame([{
            "postcode": p.postcode.replace(" ", ""), "easting": p.easting,
            "northing": p.northing, "lsoa21_code": None, "ward_code": None,
            "borough_code": p.borough_code} for p in pcs]))


def app_directory(app: FastAPI) -> Directory:
    from vrhub.web.directory_deps import directory_of

    return directory_of(app.state)


def save_records(directory: Directory, records: list[dict[str, Any]], *,
                 owner_code: str | None = None) -> None:
    with directory.sessions() as session, session.begin():
        directory.save_many(session, [(oruk.validate_service(r),
                                       store.Stewardship(owner_code=owner_code), ())
                                      for r in records])


def populate(app: FastAPI, n: int = 260, *, seed: int = 7) -> list[dict[str, Any]]:
    """``n`` synthetic services (and their postcodes) in ``app``'s workspace."""
    pcs = postcodes(seed=seed)
    load_postcodes(app.state.workspace.warehouse_path, pcs)
    records = synthetic_services(pcs, n, seed=seed)
    save_records(app_directory(app), records)
    return records
