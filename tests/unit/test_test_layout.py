"""The test tree's layout: test modules live in ``unit/``, ``integration/``, ``reliability/`` or ``study/``,
what they share lives in the one package ``support/``, and no test module imports another (nor
``conftest``, whose fixtures pytest hands out by name)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
FOLDERS = ("unit", "integration", "reliability", "study")


def all_test_modules() -> list[Path]:
    return sorted(p for p in TESTS.rglob("test_*.py") if "support" not in p.relative_to(TESTS).parts)


def imported_names(path: Path) -> set[str]:
    """Every module name ``path`` imports, at any depth (functions too), as written."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_every_test_module_sits_in_one_of_the_test_folders():
    misplaced = [str(p.relative_to(TESTS)) for p in all_test_modules() if p.parent.parent != TESTS
                 or p.parent.name not in FOLDERS]
    assert misplaced == []


def test_test_module_names_are_unique_across_folders():
    names = [p.name for p in all_test_modules()]
    assert sorted(n for n in set(names) if names.count(n) > 1) == []


def test_no_test_module_imports_another_test_module_or_conftest():
    offenders = []
    for path in all_test_modules() + sorted((TESTS / "support").glob("*.py")):
        for name in imported_names(path):
            head = name.split(".")[0]
            if head.startswith("test_") or head == "conftest":
                offenders.append(f"{path.relative_to(TESTS)} imports {name}")
    assert offenders == []


def test_helpers_live_only_in_the_support_package():
    loose = sorted(p.name for p in TESTS.glob("*.py") if p.name != "conftest.py")
    in_folders = sorted(str(p.relative_to(TESTS)) for f in FOLDERS for p in (TESTS / f).glob("*.py")
                        if not p.name.startswith("test_"))
    assert loose == [] and in_folders == []
