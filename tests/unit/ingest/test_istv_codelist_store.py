"""Code-list versions an administrator loads: listed after the shipped ones, stored code by
code with their synonyms, and a version name refused when it is already known."""

from __future__ import annotations

import datetime as dt
import json
import re
from importlib import resources
from pathlib import Path

import pytest

from tests.warehouse_sql import query
from vrhub.errors import Conflict
from vrhub.ingest.istv.codelist_store import load_version, versions
from vrhub.standards import codelists
from vrhub.storage.warehouse import Warehouse


def revised(tmp_path: Path, version: str) -> Path:
    """The shipped default list under a new version name, with a synonym added."""
    shipped = resources.files("vrhub.standards") / "codelists" / "istv-default-1.json"
    data = json.loads(shipped.read_text(encoding="utf-8"))
    data["version"], data["title"] = version, f"Revised {version}"
    first = data["lists"]["assault_method"][0]
    first["synonyms"] = [*first.get("synonyms", []), "blade (local word)"]
    path = tmp_path / f"{version}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_loaded_version_is_listed_and_stored_code_by_code(tmp_path: Path) -> None:
    shipped = [s.version for s in codelists.shipped()]
    now = dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC)
    with Warehouse(tmp_path / "w.duckdb") as wh:
        assert [v["version"] for v in versions(wh)] == shipped
        parsed = load_version(wh, revised(tmp_path, "2099.1"), now=now)
        listed = versions(wh)
        stored = query(wh, "SELECT list_name, code, synonyms FROM istv_codelist "
                           "WHERE version = '2099.1'")
        with pytest.raises(Conflict, match=r"code-list version '2099\.1' is already known"):
            load_version(wh, revised(tmp_path, "2099.1"), now=now)
        with pytest.raises(Conflict, match=re.escape(f"'{shipped[0]}' is already known")):
            load_version(wh, revised(tmp_path, shipped[0]), now=now)
    assert [v["version"] for v in listed] == [*shipped, "2099.1"]
    assert listed[-1]["where"] == "loaded" and listed[-1]["title"] == "Revised 2099.1"
    assert str(listed[-1]["loaded_at"]).startswith("2025-03-01 09:30")
    expected = sum(len(codes.codes) for codes in parsed.lists.values())
    assert len(stored) == expected
    first = parsed.lists["assault_method"].codes[0]
    row = stored[(stored["list_name"] == "assault_method") & (stored["code"] == first.code)]
    assert "blade (local word)" in json.loads(row["synonyms"].iloc[0])
