"""The shape of the package: the import contracts in ``.importlinter`` hold, and no web
route imports another route module (a route that needs another route's helper has found
a missing service)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[3]
ROUTES = "vrhub.web.routes"


def route_imports(graph: grimp.ImportGraph) -> list[tuple[str, str]]:
    """(importer, imported) for every import from one route module of another."""
    routes = {m for m in graph.find_descendants(ROUTES)}
    return sorted((m, imported) for m in routes
                  for imported in graph.find_modules_directly_imported_by(m)
                  if imported in routes and imported != m)


def test_no_route_imports_another_route() -> None:
    graph = grimp.build_graph("vrhub", cache_dir=None)
    assert len(graph.find_descendants(ROUTES)) >= 20  # the routes are really found
    assert route_imports(graph) == []


def test_the_route_check_finds_an_import_between_routes() -> None:
    graph = grimp.ImportGraph()
    for name in (ROUTES, f"{ROUTES}.home", f"{ROUTES}.maps", "vrhub.web.choropleth"):
        graph.add_module(name)
    graph.add_import(importer=f"{ROUTES}.home", imported="vrhub.web.choropleth")
    assert route_imports(graph) == []
    graph.add_import(importer=f"{ROUTES}.maps", imported=f"{ROUTES}.home")
    assert route_imports(graph) == [(f"{ROUTES}.maps", f"{ROUTES}.home")]


def test_the_import_contracts_are_kept() -> None:
    linter = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(linter), "--config", str(ROOT / ".importlinter"),
                             "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300, check=False)
    assert "Contracts: 3 kept, 0 broken." in result.stdout, result.stdout + result.stderr
    assert result.returncode == 0
