"""The layering is law: console → engine → eventlog, and sandbox stands alone (DESIGN.md).

Beyond which package may import which: the console reaches the engine and the event log only through their
faces (`engine`, `eventlog`: what their `__init__` exports), the engine's own modules never go through its
face (it imports them all), the parts of the engine that run any job (`run`, `notion`, `workspace`) know no
kind, and no job kind imports another (each is one folder under engine/kinds behind one registry).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import engine
import eventlog

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("console", "engine", "eventlog", "sandbox")
KINDS_DIR = ROOT / "engine" / "kinds"
FACES = {"engine": engine, "eventlog": eventlog}

# What each package must never import (its own top-level name is always allowed).
FORBIDDEN: dict[str, frozenset[str]] = {
    "eventlog": frozenset(
        {"console", "engine", "sandbox", "trio", "httpx", "notion_client", "textual", "rich", "asyncio"}
    ),
    "engine": frozenset({"console", "sandbox", "textual", "rich", "asyncio"}),
    "sandbox": frozenset({"console", "engine", "eventlog", "textual", "rich"}),
    "console": frozenset(),
}


def imports_of(path: Path, where: Path | None = None) -> list[tuple[str, tuple[str, ...]]]:
    """(module, names) for every import in `path` (read as if it were at `where` in the project), relative
    imports made absolute; `import a.b` gives ("a.b", ())."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    place = where or path
    package = ".".join(place.relative_to(ROOT).parts[:-1]) if place.is_relative_to(ROOT) else ""
    found: list[tuple[str, tuple[str, ...]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, ()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, module] if module else base)
            found.append((module, tuple(alias.name for alias in node.names)))
    return found


def imported_top_levels(path: Path) -> set[str]:
    return {module.split(".")[0] for module, _ in imports_of(path)}


def modules_of(package: str | Path) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", PACKAGES)
def test_package_imports_only_what_its_layer_allows(package: str) -> None:
    offences = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in modules_of(package)
        for name in sorted(imported_top_levels(path) & FORBIDDEN[package])
    ]
    assert offences == []


def face_offences(path: Path) -> list[str]:
    """Imports of engine or eventlog other than names their face exports."""
    offences: list[str] = []
    for module, names in imports_of(path):
        top = module.split(".")[0]
        if top not in FACES:
            continue
        if module != top:
            offences.append(f"{path.name} imports {module} (import from `{top}` itself)")
            continue
        exported = set(FACES[top].__all__)
        offences += [
            f"{path.name} imports {top}.{name}, which {top} does not export"
            for name in names
            if name not in exported
        ]
    return offences


def test_the_console_imports_only_the_faces_of_engine_and_eventlog() -> None:
    assert [o for path in modules_of("console") for o in face_offences(path)] == []


@pytest.mark.parametrize("face", sorted(FACES))
def test_every_name_a_face_exports_is_there(face: str) -> None:
    module = FACES[face]
    assert [name for name in module.__all__ if not hasattr(module, name)] == []


def test_the_engine_never_imports_itself_through_its_face() -> None:
    offences = [
        f"{path.relative_to(ROOT)} imports from engine's face"
        for path in modules_of("engine")
        for module, _ in imports_of(path)
        if module == "engine" and path != ROOT / "engine" / "__init__.py"
    ]
    assert offences == []


def app_offences(path: Path, where: Path | None = None) -> list[str]:
    """Imports of console.app (the app imports every screen: a screen knows it as a ConsoleHost)."""
    where = where or path
    return [
        f"{where.relative_to(ROOT)} imports {module}" + (" app" if module == "console" else "")
        for module, names in imports_of(path, where)
        if module == "console.app"
        or module.startswith("console.app.")
        or (module == "console" and "app" in names)
    ]


def test_no_screen_imports_the_app() -> None:
    screens = modules_of(Path("console") / "screens")
    assert ROOT / "console" / "screens" / "host.py" in screens
    assert [o for path in screens for o in app_offences(path)] == []


def kind_of(path: Path) -> str | None:
    """The kind a module of engine/kinds belongs to (None for the registry and the base)."""
    parts = path.relative_to(KINDS_DIR).parts
    return parts[0] if len(parts) > 1 else None


def kind_offences(path: Path, where: Path | None = None) -> list[str]:
    """Imports by a kind's module (at `where`) of anything under engine.kinds but its own folder and
    the base."""
    where = where or path
    allowed = ("engine.kinds.base", f"engine.kinds.{kind_of(where)}")
    return [
        f"{where.relative_to(ROOT)} imports {module}"
        for module, _ in imports_of(path, where)
        if (module == "engine.kinds" or module.startswith("engine.kinds."))
        and not any(module == a or module.startswith(f"{a}.") for a in allowed)
    ]


def test_no_kind_imports_another_kind() -> None:
    kinds = [path for path in modules_of(KINDS_DIR) if kind_of(path) is not None]
    assert {kind_of(path) for path in kinds} >= {"commit", "generate", "sync"}
    assert [o for path in kinds for o in kind_offences(path)] == []


@pytest.mark.parametrize("part", ["run", "notion", "workspace"])
def test_the_parts_that_run_any_job_know_no_kind(part: str) -> None:
    offences = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in modules_of(Path("engine") / part)
        for module, _ in imports_of(path)
        if module.startswith(("engine.kinds", "engine.engine")) or module == "engine"
    ]
    assert offences == []


# ---- the checks see what they look for --------------------------------------------------------------------


def test_the_layering_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text("import trio\nfrom console.cli import main\n", encoding="utf-8")
    assert {"trio", "console"} <= imported_top_levels(module) & FORBIDDEN["eventlog"]


def test_the_face_check_sees_a_submodule_or_a_name_the_face_does_not_export(tmp_path: Path) -> None:
    module = tmp_path / "probe.py"
    module.write_text(
        "from engine import Engine, props\nfrom engine.run.jobs import run_job\nimport eventlog.queries\n"
        "from eventlog import EventLog\n",
        encoding="utf-8",
    )
    assert face_offences(module) == [
        "probe.py imports engine.props, which engine does not export",
        "probe.py imports engine.run.jobs (import from `engine` itself)",
        "probe.py imports eventlog.queries (import from `eventlog` itself)",
    ]


def test_the_app_check_sees_a_screen_importing_the_app_even_for_types(tmp_path: Path) -> None:
    module = tmp_path / "probe.py"
    module.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from console.app import PaydeskApp\n"
        "import console.app\nfrom console import app\nfrom .. import app as the_app\n"
        "from console.screens.host import ConsoleHost\n",
        encoding="utf-8",
    )
    offences = app_offences(module, where=ROOT / "console" / "screens" / "probe.py")
    assert sorted(o.split(" imports ", 1)[1] for o in offences) == [
        "console app",
        "console app",
        "console.app",
        "console.app",
    ]


def test_the_kind_check_sees_one_kind_importing_another(tmp_path: Path) -> None:
    module = tmp_path / "probe.py"
    module.write_text(
        "from engine.kinds.generate.plan import payload\nfrom engine.kinds import KINDS\n"
        "from engine.kinds.base import JobKind\nfrom . import work\nfrom ..commit import kind\n",
        encoding="utf-8",
    )
    offences = kind_offences(module, where=KINDS_DIR / "sync" / "probe.py")
    assert [o.rsplit(" ", 1)[1] for o in offences] == [
        "engine.kinds.generate.plan",
        "engine.kinds",
        "engine.kinds.commit",
    ]
