"""The layering is law: console → engine → eventlog, and sandbox stands alone (DESIGN.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("console", "engine", "eventlog", "sandbox")

# What each package must never import (its own top-level name is always allowed).
FORBIDDEN: dict[str, frozenset[str]] = {
    "eventlog": frozenset(
        {"console", "engine", "sandbox", "trio", "httpx", "notion_client", "textual", "rich", "asyncio"}
    ),
    "engine": frozenset({"console", "sandbox", "textual", "rich", "asyncio"}),
    "sandbox": frozenset({"console", "engine", "eventlog", "textual", "rich"}),
    "console": frozenset(),
}


def imported_top_levels(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def modules_of(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", PACKAGES)
def test_package_imports_only_what_its_layer_allows(package: str) -> None:
    offences = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in modules_of(package)
        for name in sorted(imported_top_levels(path) & FORBIDDEN[package])
    ]
    assert offences == []


def test_the_layering_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text("import trio\nfrom console.cli import main\n", encoding="utf-8")
    assert {"trio", "console"} <= imported_top_levels(module) & FORBIDDEN["eventlog"]
