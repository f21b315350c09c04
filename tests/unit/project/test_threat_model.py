"""The threat model's controls each name tests, and every test it names exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
MODEL = REPO / "docs" / "explanation" / "threat-model.md"
NODE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def controls() -> list[tuple[str, list[tuple[str, str]]]]:
    rows = []
    for line in MODEL.read_text(encoding="utf-8").splitlines():
        if re.match(r"\| T\d+ \|", line):
            rows.append((line.split("|")[1].strip(), NODE.findall(line)))
    return rows


def test_every_threat_has_a_control_shown_by_a_test() -> None:
    rows = controls()
    assert [t for t, _ in rows] == [f"T{i}" for i in range(1, len(rows) + 1)]
    assert len(rows) >= 20
    assert all(tests for _, tests in rows), "a threat names no test"


def test_every_test_the_model_names_exists() -> None:
    missing = []
    for threat, tests in controls():
        for path, name in tests:
            source = REPO / path
            if not source.exists():
                missing.append(f"{threat}: {path} does not exist")
                continue
            defined = {n.name for n in ast.walk(ast.parse(source.read_text("utf-8")))
                       if isinstance(n, ast.FunctionDef)}
            if name not in defined:
                missing.append(f"{threat}: {path} has no test {name}")
    assert missing == []


def test_the_model_names_each_asset_actor_and_surface_section() -> None:
    text = MODEL.read_text(encoding="utf-8")
    for heading in ("## Assets", "## Actors", "## Surfaces",
                    "## Controls and the tests that show them"):
        assert heading in text
