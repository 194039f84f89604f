"""Print the three versions of an exercise one definition at a time.

    python tools/compare.py            # overview: lines of code per exercise
    python tools/compare.py timeouts   # each public definition, three times

Lines of code count what is left without docstrings, comments and blank
lines.  Plain text, so it can be piped; the rich, column-aligned view is
``nox -s compare``'s job once the comparison issue lands.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("asyncio_impl", "trio_impl", "anyio_impl")


def exercises() -> list[str]:
    names = {path.stem for path in (ROOT / PACKAGES[0]).glob("[!_]*.py")}
    return sorted(
        name for name in names if all((ROOT / p / f"{name}.py").exists() for p in PACKAGES)
    )


def code_lines(source: str) -> int:
    """Lines that hold code: no blank lines, comments or docstrings."""
    tree = ast.parse(source)
    docstrings: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                docstrings.update(range(body[0].lineno, (body[0].end_lineno or 0) + 1))
    return sum(
        1
        for number, line in enumerate(source.splitlines(), start=1)
        if line.strip() and not line.strip().startswith("#") and number not in docstrings
    )


def definitions(source: str) -> dict[str, str]:
    """Top-level functions and classes, private helpers included, by name."""
    tree = ast.parse(source)
    lines = source.splitlines()
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            found[node.name] = "\n".join(lines[start - 1 : node.end_lineno])
    return found


def overview() -> None:
    print(f"{'exercise':<12}" + "".join(f"{p:>14}" for p in PACKAGES))
    for name in exercises():
        counts = [code_lines((ROOT / p / f"{name}.py").read_text()) for p in PACKAGES]
        print(f"{name:<12}" + "".join(f"{count:>14}" for count in counts))


def side_by_side(name: str) -> None:
    sources = {p: definitions((ROOT / p / f"{name}.py").read_text()) for p in PACKAGES}
    order = list(dict.fromkeys(n for p in PACKAGES for n in sources[p]))
    for definition in order:
        print(f"\n{'=' * 30} {name}.{definition} {'=' * 30}")
        for package in PACKAGES:
            body = sources[package].get(definition)
            lines = code_lines(body) if body else 0
            print(f"\n--- {package} ({lines} lines of code) ---")
            print(body if body else "(not defined here)")


def main(argv: list[str]) -> int:
    if not argv:
        overview()
        return 0
    if argv[0] not in exercises():
        print(f"unknown exercise {argv[0]!r}; choose from {exercises()}", file=sys.stderr)
        return 2
    side_by_side(argv[0])
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main(sys.argv[1:]))
    except BrokenPipeError:  # piped into head or less and closed early
        sys.stderr.close()
        raise SystemExit(0) from None
