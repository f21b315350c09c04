"""Reading published tables: cells as text (a byte-order mark and spaces round headings
tolerated, cp1252 read when UTF-8 fails), numbers as publishers write them ('29,199'),
a cell that is not a number named with its row, and a missing heading refused naming it."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from vrhub.errors import InputError
from vrhub.ingest.inputs import InputFile
from vrhub.ingest.reference_files import parse_numbers, read_published, text_column


def published(tmp_path: Path, data: bytes, name: str = "table.csv") -> InputFile:
    path = tmp_path / name
    path.write_bytes(data)
    return InputFile(path)


def test_cells_are_text_and_headings_are_trimmed(tmp_path: Path) -> None:
    table = read_published(published(
        tmp_path, "\ufeff code , name ,people\nE01,Caf\u00e9, 29\nE02,,\"1,204\"\n"
        .encode("utf-8")))
    assert list(table.frame.columns) == ["code", "name", "people"]
    assert table.frame["people"].tolist() == [" 29", "1,204"]
    assert table.rows.tolist() == [1, 2]
    assert table.frame["name"].tolist() == ["Caf\u00e9", ""]
    assert text_column(table, "name").isna().tolist() == [False, True]
    latin = read_published(published(tmp_path, b"code,name\nE01,Caf\xe9\n", "latin.csv"))
    assert latin.frame["name"].tolist() == ["Caf\u00e9"]


def test_numbers_as_publishers_write_them(tmp_path: Path) -> None:
    table = read_published(published(
        tmp_path, b'code,people\nE01,"29,199"\nE02, 12 \nE03,\nE04,many\nE05,2.5\n'))
    values, problems = parse_numbers(table, "people", integer=True)
    assert values.tolist()[:2] == [29199.0, 12.0]
    assert all(math.isnan(v) for v in values.tolist()[2:])
    assert [(p.row, p.value, p.rule) for p in problems] == [(4, "many", "people:number"),
                                                           (5, "2.5", "people:number")]
    assert problems[0].reason == "people must be a whole number"
    decimals, problems = parse_numbers(table, "people", integer=False, blank_ok=False)
    assert decimals.tolist()[4] == 2.5
    assert [(p.row, p.rule) for p in problems] == [(4, "people:number"),
                                                   (3, "people:required")]


def test_a_missing_heading_is_refused_naming_it(tmp_path: Path) -> None:
    table = read_published(published(tmp_path, b"code,name\nE01,A\n", "lookup.csv"))
    table.require(["code"], what="lookup")
    with pytest.raises(InputError) as refused:
        table.require(["code", "people"], what="lookup")
    message = str(refused.value)
    assert "the lookup has no column 'people' (columns found: code, name)" in message
    assert "lookup.csv" in message
    with pytest.raises(InputError, match="not a readable CSV table"):
        read_published(published(tmp_path, b"", "empty.csv"))
