"""The model behind ``nox -s compare`` and ``nox -s site``: everything read from the code.

Exercises are the modules all three packages define.  For each: its top-level
definitions (aligned by name across packages), lines of code without
docstrings, comments and blank lines, the framework primitives it uses
(attribute chains rooted at ``asyncio``, ``trio`` or ``anyio``), and the
shared suite's results per target, each from the newest JUnit report in
``build/`` that ran it.  ``tools.align`` lines the versions up statement by
statement.
"""

from __future__ import annotations

import ast
import difflib
import itertools
import textwrap
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tools.registry import EXERCISES, PACKAGES, ROOT, TARGET_IDS, target_id_in

FRAMEWORKS = ("asyncio", "trio", "anyio", "trio_parallel")
# Every target; eager needs Python 3.12+ and uvloop its package (empty columns otherwise).
TARGETS = TARGET_IDS


@dataclass
class Definition:
    name: str
    source: str
    lines_of_code: int


@dataclass
class Version:
    package: str
    source: str
    definitions: dict[str, Definition]
    lines_of_code: int
    primitives: list[str]
    docstring: str


@dataclass
class Exercise:
    name: str
    versions: dict[str, Version]
    results: dict[str, Counter[str]] = field(default_factory=dict)
    root: Path = ROOT  # where the packages live: tools.align reads their _tasks modules

    def rows(self) -> list[tuple[str, dict[str, Definition | None]]]:
        """One row per definition name, in first-seen order, a cell per package."""
        order = list(dict.fromkeys(n for v in self.versions.values() for n in v.definitions))
        return [
            (name, {p: v.definitions.get(name) for p, v in self.versions.items()}) for name in order
        ]


def exercise_names(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> list[str]:
    """The modules every package defines: the registry's exercises first, in its order."""
    found = [{p.stem for p in (root / package).glob("[!_]*.py")} for package in packages]
    shared = set.intersection(*found) if found else set()
    return [name for name in EXERCISES if name in shared] + sorted(shared - set(EXERCISES))


def load(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> list[Exercise]:
    results = suite_results(root)
    exercises = []
    for name in exercise_names(root, packages):
        versions = {p: read_version(p, (root / p / f"{name}.py").read_text()) for p in packages}
        exercises.append(Exercise(name, versions, results.get(name, {}), root))
    return exercises


def read_version(package: str, source: str) -> Version:
    tree = ast.parse(source)
    lines = source.splitlines()
    definitions = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            text = "\n".join(lines[start - 1 : node.end_lineno])
            definitions[node.name] = Definition(node.name, text, code_lines(text))
    return Version(
        package,
        source,
        definitions,
        code_lines(source),
        primitives(tree),
        ast.get_docstring(tree) or "",
    )


def code_lines(source: str) -> int:
    """Lines that hold code: no blank lines, comments or docstrings."""
    return len(statements(source))


def statements(source: str) -> list[str]:
    """The lines that hold code, stripped of indentation and trailing comments."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # a method's source on its own: dedent first
        tree = ast.parse(textwrap.dedent(source))
    docstrings: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                docstrings.update(range(body[0].lineno, (body[0].end_lineno or 0) + 1))
    return [
        line.split("  #")[0].strip()
        for number, line in enumerate(source.splitlines(), start=1)
        if line.strip() and not line.strip().startswith("#") and number not in docstrings
    ]


def differing_lines(first: str, second: str) -> int:
    """Code lines of two versions that a line diff cannot pair up (in either one)."""
    a, b = statements(first), statements(second)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return len(a) + len(b) - 2 * sum(block.size for block in matcher.get_matching_blocks())


def primitives(tree: ast.AST) -> list[str]:
    """Framework names used, e.g. ``asyncio.TaskGroup``, ``trio.move_on_after``."""
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            chain = _chain(node)
            if chain and chain.split(".")[0] in FRAMEWORKS and "." in chain:
                used.add(_trim(chain))
    # drop prefixes of longer chains (trio.lowlevel when trio.lowlevel.checkpoint is there)
    return sorted(n for n in used if not any(o != n and o.startswith(n + ".") for o in used))


def _chain(node: ast.expr) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _trim(chain: str) -> str:
    """Keep the framework's name, not methods called on its results."""
    parts = chain.split(".")
    keep = [parts[0]]
    for part in parts[1:]:
        keep.append(part)
        if part[:1].isupper() or part not in (
            "lowlevel",
            "to_thread",
            "to_process",
            "abc",
            "testing",
        ):
            break
    return ".".join(keep)


def suite_results(root: Path = ROOT) -> dict[str, dict[str, Counter[str]]]:
    """``{exercise: {target: Counter(passed=, failed=, xfailed=)}}`` from ``build/junit*.xml``.

    Each exercise on each target comes whole from the newest report that ran
    it, so a partial run (``nox -s tests -- -k pool``) updates what it ran
    and leaves the other cells to the reports before it.  A report that
    cannot be parsed (a run that was interrupted) is passed over.
    """
    reports = sorted((root / "build").glob("junit*.xml"), key=lambda p: p.stat().st_mtime)
    results: dict[str, dict[str, Counter[str]]] = {}
    for report in reversed(reports):  # newest first: a cell, once filled, is kept
        try:
            cases = list(ET.parse(report).iter("testcase"))
        except ET.ParseError:
            continue
        found: dict[str, dict[str, Counter[str]]] = {}
        for case in cases:
            module = case.get("classname", "").rsplit(".", 1)[-1]
            if not module.startswith("test_"):
                continue
            target = target_id_in(case.get("name", ""))
            if target is None:
                continue
            outcome = "passed"
            for child in case:
                if child.tag in ("failure", "error"):
                    outcome = "failed"
                elif child.tag == "skipped":
                    outcome = (
                        "xfailed"
                        if "xfail" in (child.get("type", "") + child.get("message", ""))
                        else "skipped"
                    )
            exercise = module.removeprefix("test_")
            found.setdefault(exercise, {}).setdefault(target, Counter())[outcome] += 1
        for exercise, targets in found.items():
            for target, counts in targets.items():
                results.setdefault(exercise, {}).setdefault(target, counts)
    return results


SIZE_TABLE_HEAD = (
    "| exercise | asyncio_impl | trio_impl | anyio_impl | differ: asyncio vs trio | trio vs anyio |"
)


def size_table(exercises: list[Exercise]) -> list[str]:
    """The README's table: code lines per version, and the lines a line diff cannot pair up."""
    rows = [SIZE_TABLE_HEAD, "|---|---:|---:|---:|---:|---:|"]
    for exercise in exercises:
        sources = [exercise.versions[p].source for p in PACKAGES]
        sizes = [exercise.versions[p].lines_of_code for p in PACKAGES]
        differ = [differing_lines(a, b) for a, b in itertools.pairwise(sources)]
        rows.append(f"| `{exercise.name}` | " + " | ".join(map(str, sizes + differ)) + " |")
    return rows


def main() -> None:
    """``python -m tools.exercises``: the README's table of sizes and differing lines."""
    print("\n".join(size_table(load())))


if __name__ == "__main__":
    main()
