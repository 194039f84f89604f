"""``nox -s compare``: the three versions of every exercise, side by side, in the terminal.

    nox -s compare                 # overview: size, primitives, suite results, guarantees
    nox -s compare -- pool         # one exercise, definition by definition
    nox -s compare -- pool | less  # piped: plain text, no colour

Each public definition's three versions share a row, so ``Pool.acquire`` in
asyncio sits next to the trio and anyio ones.  On a terminal narrower than
``STACK_BELOW`` columns the versions are stacked instead.  Everything shown
is read from the code (and from the newest ``build/junit*.xml``, which
``nox -s tests`` writes).
"""

from __future__ import annotations

import sys
from collections import Counter

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from tools import exercises as model
from tools.registry import PACKAGES

STACK_BELOW = 150  # columns: three versions of 45+ columns each need about this much


def results_cell(counts: Counter[str] | None) -> Text:
    if not counts:
        return Text("not run", style="dim")
    failed = counts.get("failed", 0)
    text = f"{counts.get('passed', 0)} ok" + (f", {failed} failed" if failed else "")
    if counts.get("xfailed"):
        text += f", {counts['xfailed']} xfail"
    return Text(text, style="red" if failed else "green")


def overview(console: Console, exercises: list[model.Exercise]) -> None:
    table = Table(
        title="Exercises: lines of code (no docstrings, comments or blank lines)",
        box=box.SIMPLE_HEAVY,
    )
    table.add_column("exercise", style="bold")
    for package in PACKAGES:
        table.add_column(package, justify="right")
    table.add_column("asyncio / trio", justify="right")
    for exercise in exercises:
        sizes = [exercise.versions[p].lines_of_code for p in PACKAGES]
        table.add_row(exercise.name, *map(str, sizes), f"{sizes[0] / max(sizes[1], 1):.2f}")
    console.print(table)

    primitives = Table(title="Framework primitives each version uses", box=box.SIMPLE_HEAVY)
    primitives.add_column("exercise", style="bold")
    for package in PACKAGES:
        primitives.add_column(package, overflow="fold")
    for exercise in exercises:
        primitives.add_row(
            exercise.name,
            *(
                ", ".join(n.split(".", 1)[1] for n in exercise.versions[p].primitives)
                for p in PACKAGES
            ),
        )
    console.print(primitives)

    suite = Table(
        title="Shared suite results per target (newest build/junit*.xml)", box=box.SIMPLE_HEAVY
    )
    suite.add_column("exercise", style="bold")
    for target in model.TARGETS:
        suite.add_column(target)
    for exercise in exercises:
        suite.add_row(
            exercise.name, *(results_cell(exercise.results.get(t)) for t in model.TARGETS)
        )
    console.print(suite)

    try:
        from tools import guarantees
    except ImportError:  # pragma: no cover - the matrix needs the test dependencies
        return
    console.print(guarantees.rich_table())


def side_by_side(console: Console, exercise: model.Exercise) -> None:
    stacked = console.width < STACK_BELOW
    summary = exercise.versions[PACKAGES[0]].docstring.split("\n\n", 1)[0]
    console.print(Panel(summary, title=f"[bold]{exercise.name}[/]", expand=False))
    for name, cells in exercise.rows():
        sizes = [c.lines_of_code if c else 0 for c in cells.values()]
        console.rule(
            f"[bold]{name}[/]  "
            + "  ".join(f"{p}: {n}" for p, n in zip(PACKAGES, sizes, strict=True))
        )
        blocks = []
        for package, definition in cells.items():
            body = (
                Syntax(
                    definition.source,
                    "python",
                    theme="ansi_dark",
                    word_wrap=True,
                    background_color="default",
                )
                if definition
                else Text("(not defined here)", style="dim italic")
            )
            blocks.append(Group(Text(package, style="bold underline"), body))
        if stacked:
            for block in blocks:
                console.print(block)
        else:
            grid = Table.grid(expand=True, padding=(0, 1))
            for _ in blocks:
                grid.add_column(ratio=1)
            grid.add_row(*blocks)
            console.print(grid)


def main(argv: list[str]) -> int:
    console = Console()
    exercises = model.load()
    if not argv:
        overview(console, exercises)
        return 0
    chosen = {e.name: e for e in exercises}.get(argv[0])
    if chosen is None:
        console.print(f"unknown exercise {argv[0]!r}; choose from {[e.name for e in exercises]}")
        return 2
    side_by_side(console, chosen)
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main(sys.argv[1:]))
    except BrokenPipeError:  # piped into head or less and closed early
        sys.stderr.close()
        raise SystemExit(0) from None
