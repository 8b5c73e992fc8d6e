"""The layering rule, checked on every module: imports only run downward.

- ``api/domain/`` is pure: no Litestar, no database driver, nothing from ``store``, ``routes``
  or the app's wiring.
- ``api/store/`` holds the SQL: no Litestar, nothing from ``routes``.
- Only the records modules of ``api/store/`` touch the ``records`` table: ``records.py`` (the
  versioned rows and the changes feed), ``trend_reads.py`` (what trends read in bulk) and
  ``encrypt_existing.py`` (migration 0008's start-up step).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from api.settings import PROJECT_DIR

PACKAGE = PROJECT_DIR / "api"
FORBIDDEN = {
    "domain": ("litestar", "sqlite3", "asyncpg", "api.store", "api.routes", "api.app",
               "api.state", "api.security", "api.errors", "api.cli"),
    "store": ("litestar", "api.routes", "api.app", "api.state", "api.security", "api.errors",
              "api.cli"),
}  # fmt: skip


def imported_names(path: Path) -> list[str]:
    """Every module a file imports, at any depth (inside functions too)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def modules(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_imports_run_downward(layer: str) -> None:
    found = modules(layer)
    assert found, f"no modules under api/{layer}/"
    wrong = [
        f"{path.relative_to(PROJECT_DIR)} imports {name}"
        for path in found
        for name in imported_names(path)
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN[layer])
    ]
    assert wrong == []


def test_the_rule_catches_a_wrong_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from litestar import get\n    import api.store.db\n")
    assert imported_names(bad) == ["litestar", "api.store.db"]


def test_only_the_records_store_touches_the_records_table() -> None:
    table = re.compile(r"\b(FROM|INTO|UPDATE|JOIN)\s+records\b", re.IGNORECASE)
    touching = sorted(
        str(path.relative_to(PROJECT_DIR))
        for path in PACKAGE.rglob("*.py")
        if table.search(path.read_text(encoding="utf-8"))
    )
    assert touching == [
        "api/store/encrypt_existing.py",
        "api/store/records.py",
        "api/store/trend_reads.py",
    ]
