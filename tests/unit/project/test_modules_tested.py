"""Every module of vrhub is imported by some test.

A module no test imports is exercised, if at all, only through other modules: its own
behaviour is not pinned down. :data:`NOT_YET_IMPORTED` lists the modules of today that no
test imports directly; the list only shrinks. A new module must come with a test that
imports it, and a module on the list that gains one must leave the list (both fail here).
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp

SRC = Path(__file__).resolve().parents[3] / "src"
NOT_YET_IMPORTED_FILE = Path(__file__).resolve().parents[1] / "modules_not_yet_imported.txt"


def module_file(module: str) -> Path | None:
    base = SRC / module.replace(".", "/")
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def holds_code(path: Path) -> bool:
    """False for a module of only a docstring and imports (a package's ``__init__``)."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        return True
    return False


def modules_no_test_imports() -> tuple[list[str], int]:
    """(modules of vrhub holding code that no test module imports directly, how many
    modules hold code)."""
    graph = grimp.build_graph("vrhub", "tests", cache_dir=None)
    imported: set[str] = set()
    for module in graph.modules:
        if module.startswith("tests"):
            imported |= graph.find_modules_directly_imported_by(module)
    with_code = []
    for module in sorted(graph.modules):
        if not module.startswith("vrhub"):
            continue
        path = module_file(module)
        if path is not None and holds_code(path):
            with_code.append(module)
    return [m for m in with_code if m not in imported], len(with_code)


def not_yet_imported() -> list[str]:
    lines = NOT_YET_IMPORTED_FILE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_every_module_is_imported_by_a_test_or_listed() -> None:
    untested, total = modules_no_test_imports()
    assert total > 250  # the package is really read
    listed = set(not_yet_imported())
    new = [m for m in untested if m not in listed]
    assert new == [], (f"no test imports {new}: add a test that does (or, for a module "
                       "that truly cannot have one, list it with "
                       "`python -m tests.unit.project.test_modules_tested`)")
    now_tested = sorted(listed - set(untested))
    assert now_tested == [], (f"tests import {now_tested} now: take them off "
                              f"{NOT_YET_IMPORTED_FILE.name}")


def test_the_modules_the_tests_read_are_found() -> None:
    graph = grimp.build_graph("vrhub", "tests", cache_dir=None)
    assert "vrhub.storage.records" in graph.find_modules_directly_imported_by(
        "tests.unit.storage.test_records_scope")
    assert holds_code(SRC / "vrhub/storage/records.py")
    assert not holds_code(SRC / "vrhub/pathways/__init__.py")


def write_list() -> None:
    """Write today's modules no test imports to :data:`NOT_YET_IMPORTED_FILE`."""
    untested, total = modules_no_test_imports()
    NOT_YET_IMPORTED_FILE.write_text(
        "# Modules of vrhub that no test imports directly"
        " (tests/unit/project/test_modules_tested.py)."
        "\n# The list only shrinks: take a module off when a test imports it.\n"
        + "".join(f"{m}\n" for m in untested), encoding="utf-8")
    print(f"{len(untested)} of {total} modules are imported by no test")


if __name__ == "__main__":
    write_list()
