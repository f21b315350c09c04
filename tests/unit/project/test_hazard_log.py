"""Every control in the clinical-safety hazard log names a test that exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
LOG = REPO / "docs" / "explanation" / "clinical-safety.md"
NODE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def hazards() -> list[tuple[str, list[tuple[str, str]]]]:
    rows = []
    for line in LOG.read_text(encoding="utf-8").splitlines():
        if re.match(r"\| H\d+ \|", line):
            rows.append((line.split("|")[1].strip(), NODE.findall(line)))
    return rows


def test_every_hazard_has_a_control_verified_by_a_test() -> None:
    rows = hazards()
    assert [h for h, _ in rows] == [f"H{i}" for i in range(1, len(rows) + 1)]
    assert len(rows) >= 15
    assert all(tests for _, tests in rows), "a hazard names no test"


def test_every_test_the_log_names_exists() -> None:
    missing = []
    for hazard, tests in hazards():
        for path, name in tests:
            source = REPO / path
            if not source.exists():
                missing.append(f"{hazard}: {path} does not exist")
                continue
            defined = {n.name for n in ast.walk(ast.parse(source.read_text("utf-8")))
                       if isinstance(n, ast.FunctionDef)}
            if name not in defined:
                missing.append(f"{hazard}: {path} has no test {name}")
    assert missing == []
