"""The store is pure: every module under mockserver/store imports only the standard library or itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

STORE = Path(__file__).resolve().parents[2] / "mockserver" / "store"


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("module", sorted(STORE.glob("*.py")), ids=lambda path: path.name)
def test_store_module_imports_only_the_standard_library(module: Path) -> None:
    """Relative imports stay inside the store; absolute ones name standard-library modules."""
    outside = sorted(_imported_roots(module) - set(sys.stdlib_module_names) - {"__future__"})
    assert outside == [], f"{module.name} imports {outside}"


def test_relative_imports_never_leave_the_store() -> None:
    for module in STORE.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                assert node.level <= 1, f"{module.name} reaches above the store: {ast.unparse(node)}"
