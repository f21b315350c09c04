"""SQL lives in vrhub.storage only: no module outside it holds SQL text, imports DuckDB,
asks a warehouse a raw question or touches its connection. The warehouse's raw questions
and connection are storage's own (``_query``, ``_query_arrow``, ``_scalar``, ``_con``):
outside storage no object's attribute of those names is read, directly or with
``getattr`` (nor the public names they had, ``query``, ``query_arrow``, ``scalar``,
``con``, of a warehouse). Tests look into a warehouse with a connection of their own
(``tests.warehouse_sql``)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[3] / "src" / "vrhub"
STORAGE = SRC / "storage"

SQL = re.compile(
    r"\bSELECT\b[\s\S]*\bFROM\b|\bDELETE\s+FROM\b|\bINSERT\s+INTO\b"
    r"|\bUPDATE\s+\"?\w+\"?\s+(AS\s+\w+\s+)?SET\b"
    r"|\bCREATE\s+(OR\s+REPLACE\s+)?(TEMP\s+)?(TABLE|VIEW|INDEX)\b"
    r"|\bpg_advisory|\bSELECT\s+(1|version|count)\b")
RAW = {"query", "query_arrow", "scalar"}
#: the warehouse's members only storage may use (its connection, and raw SQL on it)
PRIVATE = {"_con", "_connection", "_query", "_query_arrow", "_scalar"}
WAREHOUSE_NAME = re.compile(r"(^|\.)(wh|warehouse|writer|reader|existing|created)(\(\))?$")


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if STORAGE not in p.parents)


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value,
                                                                     ast.Constant):
                found.add(id(body[0].value))
    return found


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    """Every string literal (an f-string as its literal parts joined), docstrings aside."""
    skip = _docstrings(tree)
    out: list[tuple[int, str]] = []
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) and isinstance(v.value, str)
                           else "x" for v in node.values)
            out.append((node.lineno, text))
            inside.update(id(v) for v in node.values)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                and id(node) not in skip and id(node) not in inside):
            out.append((node.lineno, node.value))
    return out


def _adjacent(tree: ast.AST) -> list[tuple[int, str]]:
    """String concatenations ("SELECT ..." "FROM ..." across lines is one constant already;
    a + b of literals is joined here)."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            parts = [n.value for n in (node.left, node.right)
                     if isinstance(n, ast.Constant) and isinstance(n.value, str)]
            if len(parts) == 2:
                out.append((node.lineno, "".join(parts)))
    return out


def sql_outside_storage() -> list[str]:
    problems = []
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        name = path.relative_to(SRC.parent)
        for line, text in _strings(tree) + _adjacent(tree):
            if SQL.search(text):
                problems.append(f"{name}:{line}: SQL text {text[:60]!r}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                         else [node.module or ""])
                if any(n == "duckdb" or n.startswith("duckdb.") for n in names):
                    problems.append(f"{name}:{node.lineno}: imports duckdb")
            if isinstance(node, ast.Attribute) and node.attr in PRIVATE:
                problems.append(f"{name}:{node.lineno}: {ast.unparse(node)} (storage's own)")
                continue
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("getattr", "setattr", "hasattr")
                    and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)
                    and node.args[1].value in PRIVATE):
                problems.append(f"{name}:{node.lineno}: {ast.unparse(node)} (storage's own)")
            if isinstance(node, ast.Attribute):
                owner = ast.unparse(node.value)
                if not WAREHOUSE_NAME.search(owner):
                    continue
                if node.attr == "con":
                    problems.append(f"{name}:{node.lineno}: {owner}.{node.attr}")
                if node.attr in RAW:
                    problems.append(f"{name}:{node.lineno}: {owner}.{node.attr}(...)")
    return problems


def test_no_sql_outside_storage() -> None:
    problems = sql_outside_storage()
    assert not problems, "SQL belongs in vrhub.storage (a named query in " \
        "vrhub.storage.queries):\n" + "\n".join(problems)


@pytest.mark.parametrize("source, expected", [
    ('x = wh.query("SELECT a FROM t")', ["SQL text", "wh.query"]),
    ('x = warehouse.scalar("SELECT count(*) FROM t WHERE a = ?", [1])', ["SQL text",
                                                                       "warehouse.scalar"]),
    ("def f(load):\n    load.warehouse.con.execute(f'DELETE FROM \"{T}\"')",
     ["SQL text", "load.warehouse.con"]),
    ("import duckdb", ["imports duckdb"]),
    ("rows = service.wh._query(text)", ["wh._query"]),
    ("n = anything._scalar(q)", ["anything._scalar"]),
    ("t = store._query_arrow(q)", ["store._query_arrow"]),
    ("c = self.source._con", ["self.source._con"]),
    ("c = wh._connection", ["wh._connection"]),
    ('c = getattr(wh, "_con")', ["getattr(wh, '_con')"]),
    ("n = frame.query('a > 1'); m = session.scalar(stmt)", []),
    ('sql = f"UPDATE \\"{t}\\" AS a SET x = 1"', ["SQL text"]),
    ('def f():\n    """Runs a SELECT over rows FROM the table."""', []),
    ('msg = "the app role has SELECT and INSERT rights"', []),
])
def test_the_check_finds_what_it_should(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        source: str, expected: list[str]) -> None:
    root = tmp_path / "vrhub"
    (root / "storage").mkdir(parents=True)
    (root / "storage" / "ok.py").write_text('Q = "SELECT 1 FROM t"\n', encoding="utf-8")
    (root / "module.py").write_text(source + "\n", encoding="utf-8")
    monkeypatch.setattr(__import__(__name__, fromlist=["x"]), "SRC", root)
    monkeypatch.setattr(__import__(__name__, fromlist=["x"]), "STORAGE", root / "storage")
    problems = sql_outside_storage()
    assert all(p.startswith("vrhub/module.py:") for p in problems)
    for word in expected:
        assert any(word in p for p in problems), (word, problems)
    assert len(problems) == len(expected), problems


#: test modules that may reach the warehouse's own members, and why
TESTS_REACHING_IN = {
    "tests/warehouse_sql.py": "the tests' helper: own_connection, for the warehouse's tests",
    "tests/unit/storage/test_warehouse_tables.py": "swaps the connection for one that "
                                                   "refuses, to show names are read once",
}


def private_members_in_tests() -> list[str]:
    root = SRC.parents[1]
    problems = []
    for folder in ("tests", "benchmarks"):
        for path in sorted((root / folder).rglob("*.py")):
            name = str(path.relative_to(root))
            if name in TESTS_REACHING_IN:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Attribute) and node.attr in PRIVATE:
                    problems.append(f"{name}:{node.lineno}: {ast.unparse(node)}")
    return problems


def test_tests_look_into_the_warehouse_with_their_own_connection() -> None:
    """Tests check the warehouse with tests.warehouse_sql (a connection of their own), not
    through the connection of the code they test."""
    problems = private_members_in_tests()
    assert not problems, "use tests.warehouse_sql:\n" + "\n".join(problems)
