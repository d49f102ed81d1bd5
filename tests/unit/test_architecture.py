"""The architecture's boundaries, checked by the one test command (issue #15, item 7).

Every rule here reads the source, not the running program: each module under ``src/`` is parsed
once and every ``import`` in it is collected, including those inside functions and under
``if TYPE_CHECKING:`` (a function-local import hides a cycle from Python's import machinery,
not from the design). Imports are resolved to the deepest module that exists, so
``from fitvault.store import vault`` is an edge to ``fitvault.store.vault`` while
``from fitvault.store import Vault`` is an edge to ``fitvault.store``. A package's
``__init__`` is not an implicit target of its submodules' imports: a package re-exporting its
own modules is not a cycle.

The rules:

- no import cycle between fitvault's modules (the failure prints one cycle path per
  strongly connected component);
- no private cross-package import: a module or name starting with ``_`` is private to the
  top-level subpackage (``fitvault.importers``, ``fitvault.sync``, ...) or top-level module
  (``fitvault.timeutil``) that defines it;
- the simulator boundary, both ways: ``fitvault_simulator`` imports nothing from ``fitvault``
  (it is the API's stand-in, so it must not share the client's assumptions), and ``fitvault``
  imports ``fitvault_simulator`` only in the two demo modules (the library function
  ``fitvault.demo`` and its command ``fitvault.cli.demo``), so the installed product never
  depends on it anywhere else;
- mypy (non-strict, configured in pyproject.toml) finds no error;
- ruff checks import order (``I``) and a complexity limit (``C90``, max 15): test_lint runs
  ruff with pyproject.toml's rules, this module checks that they stay selected and that no
  function above complexity 30 is excused with ``# noqa: C901`` (grade D, 21-30, is the most
  that may be grandfathered). Complexity is ruff's McCabe count, which unlike radon's does not
  count boolean operators.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

# The repository root, wherever under tests/ this module sits.
ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
SRC = ROOT / "src"
PACKAGES = ("fitvault", "fitvault_simulator")
# The only modules of the product allowed to import the simulator: the demo runs it in-process.
SIMULATOR_USERS = {"fitvault.demo", "fitvault.cli.demo", "fitvault.study.demo"}
MAX_GRANDFATHERED_COMPLEXITY = 30


@dataclass(frozen=True)
class Import:
    """One imported module (and, for ``from m import n``, the name), as written at ``line``."""

    importer: str
    line: int
    module: str
    name: str | None = None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(p): p for package in PACKAGES for p in sorted((SRC / package).rglob("*.py"))}


def _absolute(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = importer.split(".")
    base = base[: len(base) - node.level + (1 if is_package else 0)]
    return ".".join(base + ([node.module] if node.module else []))


@cache
def imports() -> tuple[Import, ...]:
    """Every import of every module, with relative imports made absolute."""
    found = []
    for name, path in modules().items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                found += [Import(name, node.lineno, alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                module = _absolute(name, is_package, node)
                found += [Import(name, node.lineno, module, alias.name) for alias in node.names]
    return tuple(found)


def target(imp: Import) -> str:
    """The deepest known module an import reaches: ``from a import b`` is module ``a.b`` if it exists."""
    if imp.name and f"{imp.module}.{imp.name}" in modules():
        return f"{imp.module}.{imp.name}"
    return imp.module


def in_package(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in modules() if in_package(m, "fitvault")}
    for imp in imports():
        to = target(imp)
        if imp.importer in graph and to in graph and to != imp.importer:
            graph[imp.importer].add(to)
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; returns the components of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return components


def cycle_path(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """One shortest cycle through the component's first module, by breadth-first search."""
    start, members = component[0], set(component)
    parents: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph[node] & members):
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(parents[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if child not in parents:
                    parents[child] = node
                    following.append(child)
        frontier = following
    raise AssertionError(f"no cycle through {start}")


def owner(module: str) -> str:
    """The top-level subpackage (or module) a module belongs to: privacy stops at its border."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "fitvault" else parts[0]


def private_crossings() -> list[str]:
    found = []
    for imp in imports():
        if not any(in_package(imp.module, p) for p in PACKAGES) or owner(imp.module) == owner(imp.importer):
            continue
        reached = target(imp).split(".")
        if imp.name and target(imp) == imp.module:
            reached.append(imp.name)
        private = [part for part in reached if part.startswith("_") and not part.startswith("__")]
        if private:
            found.append(f"{imp.importer}:{imp.line} imports {'.'.join(reached)}")
    return found


def test_no_import_cycle():
    graph = import_graph()
    cycles = [" -> ".join(cycle_path(graph, c)) + f"  ({len(c)} modules in the component)"
              for c in strongly_connected(graph)]
    assert not cycles, "import cycles between fitvault modules:\n" + "\n".join(cycles)


def test_no_private_import_across_packages():
    crossings = private_crossings()
    assert not crossings, "private names reached from another package:\n" + "\n".join(crossings)


def test_simulator_imports_nothing_from_fitvault():
    leaks = [f"{imp.importer}:{imp.line} imports {imp.module}" for imp in imports()
             if in_package(imp.importer, "fitvault_simulator") and in_package(imp.module, "fitvault")]
    assert not leaks, "\n".join(leaks)


def test_only_the_demo_imports_the_simulator():
    users = [f"{imp.importer}:{imp.line}" for imp in imports()
             if in_package(imp.importer, "fitvault") and in_package(imp.module, "fitvault_simulator")
             and imp.importer not in SIMULATOR_USERS]
    assert not users, "fitvault modules importing fitvault_simulator outside the demo:\n" + "\n".join(users)


def test_the_rules_see_what_they_check():
    """A guard for the checks themselves: the parser finds the demo's import and the CLI's commands."""
    assert {imp.importer for imp in imports() if imp.module == "fitvault_simulator" and in_package(imp.importer, "fitvault")} == SIMULATOR_USERS
    assert "fitvault.cli.sync" in import_graph()["fitvault.cli.commands"]
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycle_path({"a": {"b", "d"}, "b": {"c"}, "c": {"a"}, "d": {"b"}}, ["a", "b", "c", "d"]) == [
        "a", "b", "c", "a"]


def test_mypy_finds_nothing():
    """Non-strict (pyproject.toml's [tool.mypy]): every annotation written must hold."""
    from mypy import api  # the test extra installs it

    stdout, stderr, status = api.run(["--config-file", str(ROOT / "pyproject.toml"), str(SRC)])
    assert status == 0, stdout + stderr


def _ruff(*args: str) -> subprocess.CompletedProcess:
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    return subprocess.run([ruff, "check", *args], cwd=ROOT, capture_output=True, text=True)


def test_ruff_checks_import_order_and_complexity():
    """test_lint runs ruff with pyproject's rules; these are the ones this module stands for."""
    lint = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["ruff"]["lint"]
    assert {"I", "C90"} <= set(lint["select"]) and not {"I", "C90", "C901"} & set(lint.get("ignore", []))
    assert lint["mccabe"]["max-complexity"] == 15


def test_nothing_above_grade_d_is_grandfathered():
    """``# noqa: C901`` may excuse complexity 16-30; anything above must be split."""
    result = _ruff("--select", "C901", "--ignore-noqa", "--output-format", "json",
                   "--config", f"lint.mccabe.max-complexity={MAX_GRANDFATHERED_COMPLEXITY}", "src", "tests", "bench")
    too_complex = [f"{d['filename']}:{d['location']['row']} {d['message']}" for d in json.loads(result.stdout)]
    assert not too_complex, "functions above complexity 30:\n" + "\n".join(too_complex)
