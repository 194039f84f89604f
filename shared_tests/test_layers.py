"""The project's layers: framework-free code in one place, three packages that share nothing else.

The physical split is part of the lesson: ``sansio`` holds what no framework
touches, each ``*_impl`` package holds only its own dialect, and nothing is
copied between them.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.registry import EXERCISES, FRAMEWORK_FREE, PACKAGES, ROOT

FIRST_PARTY = (*PACKAGES, FRAMEWORK_FREE, "pitfalls", "testkit", "tools", "bench", "shared_tests")
FRAMEWORKS = ("asyncio", "trio", "anyio", "trio_parallel", "sniffio", "uvloop")


def python_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> Iterator[str]:
    """Every module ``path`` imports, anywhere in it, relative imports resolved."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            yield module
            # ``from . import x`` and ``from pkg import module`` name modules too.
            yield from (f"{module}.{alias.name}" for alias in node.names)


def imports_of(package: str, forbidden: set[str], *, tests: bool = True) -> list[str]:
    """Each import, in ``package`` (and its ``tests`` folders if ``tests``), of a forbidden name."""
    return [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in python_files(package)
        if tests or path.parent.name != "tests"
        for name in imported_modules(path)
        if name.split(".")[0] in forbidden
    ]


def test_the_framework_free_package_imports_no_framework() -> None:
    assert not imports_of(FRAMEWORK_FREE, set(FRAMEWORKS))


@pytest.mark.parametrize("implementation", PACKAGES)
def test_a_package_imports_no_other_implementation(implementation: str) -> None:
    assert not imports_of(implementation, {*PACKAGES} - {implementation})


# What each package may import besides the standard library's non-framework modules.
OWN_FRAMEWORKS = {
    "asyncio_impl": {"asyncio"},
    "trio_impl": {"trio", "trio_parallel"},
    "anyio_impl": {"anyio"},
}


@pytest.mark.parametrize("implementation", PACKAGES)
def test_a_package_imports_no_framework_but_its_own(implementation: str) -> None:
    forbidden = set(FRAMEWORKS) - OWN_FRAMEWORKS[implementation]
    assert not imports_of(implementation, forbidden, tests=False)


def test_no_source_file_of_20_lines_or_more_is_copied_between_packages() -> None:
    seen: dict[str, Path] = {}
    copies = []
    for package in PACKAGES:
        for path in python_files(package):
            text = path.read_text()
            if len(text.splitlines()) < 20:
                continue
            first = seen.setdefault(text, path)
            if first != path and first.parts[len(ROOT.parts)] != package:
                copies.append(f"{path.relative_to(ROOT)} == {first.relative_to(ROOT)}")
    assert not copies


def import_graph() -> dict[str, set[str]]:
    modules = {module_name(path): path for top in FIRST_PARTY for path in python_files(top)}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        graph[name] = {
            imported
            for imported in imported_modules(path)
            if imported in modules and imported != name and not name.startswith(imported + ".")
        }
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each strongly connected set of two or more modules (Tarjan), as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_import_circle() -> None:
    assert cycles(import_graph()) == []


def test_the_circle_check_finds_a_circle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_nothing_edits_sys_path() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for top in FIRST_PARTY
        for path in python_files(top)
        if path.name != "test_layers.py"
        and re.search(r"sys\.path\.(insert|append)", path.read_text())
    ]
    assert not offenders


def test_the_registry_lists_the_exercises_in_the_contracts_order() -> None:
    headings = re.findall(r"^## (\w+):", (ROOT / "CONTRACT.md").read_text(), flags=re.MULTILINE)
    assert tuple(headings) == EXERCISES
