"""The test suite's own rules, read from its source (README "Tests").

Shared helpers live in ``tests/helpers.py`` (and the real server and crash harness in
``tests/server.py`` and ``tests/crash.py``, which ``bench/`` uses too): no test module imports
another test module or a conftest, a conftest defines only fixtures, and nothing under
``tests/`` imports ``bench`` (bench imports tests, never the other way round).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from api.settings import PROJECT_DIR

TESTS = PROJECT_DIR / "tests"
MODULES = sorted(TESTS.rglob("*.py"))


def imported(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def is_test_or_conftest(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return module.startswith("tests.") and (last == "conftest" or last.startswith("test_"))


def relative(path: Path) -> str:
    return str(path.relative_to(PROJECT_DIR))


@pytest.mark.parametrize("path", MODULES, ids=relative)
def test_imports_no_test_module_conftest_or_bench(path: Path) -> None:
    names = imported(ast.parse(path.read_text(encoding="utf-8")))
    assert sorted(n for n in names if is_test_or_conftest(n)) == []
    assert sorted(n for n in names if n == "bench" or n.startswith("bench.")) == []


def is_fixture(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(target, ast.Attribute) and target.attr == "fixture"


@pytest.mark.parametrize("path", [p for p in MODULES if p.name == "conftest.py"], ids=relative)
def test_conftest_defines_only_fixtures(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = [
        node for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    assert functions
    others = [f.name for f in functions if not any(map(is_fixture, f.decorator_list))]
    assert [name for name in others if not name.startswith("pytest_")] == []  # hooks are fine
    assert [node.name for node in tree.body if isinstance(node, ast.ClassDef)] == []
