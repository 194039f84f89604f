"""``nox -s compare``: the three versions of every exercise, aligned line by line, in the terminal.

    nox -s compare                                # overview: sizes, primitives, results, guarantees
    nox -s compare -- pool                        # one exercise, definition by definition
    nox -s compare -- pool --only asyncio,trio    # two of the three, side by side (workshops)
    nox -s compare -- pool --docstrings           # docstrings and comments too
    nox -s compare -- pool | less                 # piped: plain text, no colour
    nox -s compare -- when                        # the lesson's "when to use async", measured

Each definition's versions are aligned statement by statement (``tools.align``):
a statement every version shares stands on one row, dimmed; a line only some
versions have is marked ``+`` and highlighted in its column, with blank space
opposite.  Classes come method by method (``Pool.acquire`` next to its twins),
each definition followed by the private helpers it uses (``run_with_cleanup``,
then ``_tasks.run_shielded``).  A definition written the same in every version
is shown once.

At ``COLUMN_WIDTH`` columns per version or more, the versions stand side by
side, a table row per aligned row, so a long line wraps inside its row and
the rows never drift; narrower, the rows are stacked: a shared statement once,
then each version's own lines, tagged with its framework.  Everything shown
is read from the code and from the JUnit reports in ``build/``.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from tools import align, when
from tools import exercises as model
from tools.registry import FRAMEWORK, PACKAGES

WHEN = "when"
COLUMN_WIDTH = 60  # per version, for side by side: three versions need 180 columns
SHARED_STYLE = "dim"
ADDED_MARK = "+ "  # also in plain text: a line not every version has
SHARED_MARK = "  "
SEPARATOR = " │ "  # between versions side by side
PACKAGE_STYLE = {"asyncio_impl": "cyan", "trio_impl": "magenta", "anyio_impl": "green"}


def results_cell(counts: Counter[str] | None) -> Text:
    if not counts:
        return Text("—", style="dim")
    failed = counts.get("failed", 0)
    text = f"{counts.get('passed', 0)} ok" + (f", {failed} failed" if failed else "")
    if counts.get("xfailed"):
        text += f", {counts['xfailed']} xfail"
    return Text(text, style="red" if failed else "green")


def line_counts(exercise: model.Exercise) -> tuple[int, dict[str, int]]:
    """Code lines every version shares, and per package the lines it adds, over all definitions."""
    aligned = align.aligned_exercise(exercise)
    added = {p: sum(a.added[p] for a in aligned) for p in exercise.versions}
    return sum(a.shared_lines for a in aligned), added


def overview(console: Console, exercises: list[model.Exercise]) -> None:
    """Sizes, shared and added lines, primitives, suite results and the guarantee matrix.

    Laid out to read at 80 columns without a word split: frameworks by their
    short names, the suite's targets numbered (with their ids below) when
    the terminal is too narrow for the ids.
    """
    frameworks = [_framework(p) for p in PACKAGES]
    table = Table(title="Lines of code per exercise, helpers included", box=box.SIMPLE_HEAVY)
    table.add_column("exercise", style="bold", no_wrap=True)
    for name in frameworks:
        table.add_column(name, justify="right")
    table.add_column("shared", justify="right")
    for package, name in zip(PACKAGES, frameworks, strict=True):
        table.add_column(f"+{name}", justify="right", style=PACKAGE_STYLE[package])
    for exercise in exercises:
        sizes = [exercise.versions[p].lines_of_code for p in PACKAGES]
        shared, added = line_counts(exercise)
        table.add_row(
            exercise.name, *map(str, sizes), str(shared), *(str(added[p]) for p in PACKAGES)
        )
    console.print(table)
    console.print(
        Text(
            "The first three: the exercise module's code lines (no docstrings, comments or "
            "blank lines).  Aligned line by line with its helpers (tools.align): shared, the "
            "lines all three have, framework names aside; +name, the lines only that version "
            "(or not all three) has.",
            style="dim",
        )
    )

    primitives = Table(title="Framework primitives each version uses", box=box.SIMPLE_HEAVY)
    primitives.add_column("exercise", style="bold", no_wrap=True)
    primitives.add_column("in", no_wrap=True)
    primitives.add_column("primitives")
    for exercise in exercises:
        for index, package in enumerate(PACKAGES):
            names = ", ".join(n.split(".", 1)[1] for n in exercise.versions[package].primitives)
            primitives.add_row(
                exercise.name if index == 0 else "",
                Text(_framework(package), style=PACKAGE_STYLE[package]),
                names,
                end_section=index == len(PACKAGES) - 1,
            )
    console.print(primitives)

    targets = list(model.TARGETS)
    by_number = console.width < 12 + 15 * len(targets)
    suite = Table(
        title="Shared suite results per target (build/junit*.xml)",
        caption="— not run: `nox -s tests` writes the reports",
        box=box.SIMPLE_HEAVY,
    )
    suite.add_column("exercise", style="bold", no_wrap=True)
    for number, target in enumerate(targets, start=1):
        suite.add_column(str(number) if by_number else target.replace("-", "-\n"))
    for exercise in exercises:
        suite.add_row(exercise.name, *(results_cell(exercise.results.get(t)) for t in targets))
    console.print(suite)
    if by_number:
        legend = Table.grid(padding=(0, 1))
        legend.add_column(justify="right", style="bold", no_wrap=True)
        legend.add_column()
        for number, target in enumerate(targets, start=1):
            legend.add_row(str(number), target)
        console.print(legend)

    try:
        from tools import guarantees
    except ImportError:  # pragma: no cover - the matrix needs the test dependencies
        return
    console.print(guarantees.rich_table())


# ------------------------------------------------------------ one exercise, aligned


def _framework(package: str) -> str:
    return FRAMEWORK.get(package, package)


def summary(aligned: align.Aligned, packages: Sequence[str]) -> Text:
    """``19 shared · asyncio +2 · trio +2``, and the framework primitives each version uses."""
    text = Text()
    text.append(aligned.name, style="bold")
    text.append(f"  {aligned.shared_lines} shared")
    for package in packages:
        text.append(" · ")
        if all(row.cells[package] is None for row in aligned.rows):
            text.append(f"not in {_framework(package)}", style="dim italic")
        else:
            style = PACKAGE_STYLE.get(package, "bold") if aligned.added[package] else ""
            text.append(f"{_framework(package)} +{aligned.added[package]}", style=style)
    used = [
        f"{_framework(p)}: " + ", ".join(n.split(".", 1)[1] for n in aligned.primitives[p])
        for p in packages
        if aligned.primitives[p]
    ]
    if used:
        text.append("\n" + "  ·  ".join(used), style="dim")
    return text


def wrap_spans(line: str, width: int) -> list[tuple[int, int]]:
    """Where to cut a line wider than ``width``: at the last space, opening bracket or comma
    that fits (a dot if none does, anywhere if nothing does).

    Continuations are indented four more than the line (``hang``), so the
    spans after the first get ``width - hang(line)`` columns.
    """
    spans: list[tuple[int, int]] = []
    start, limit, indent = 0, width, len(line) - len(line.lstrip())
    while len(line) - start > limit:
        low = start + (indent if not spans else 0) + 1  # never cut inside the indentation
        space = line.rfind(" ", low, start + limit + 1)
        after = max(line.rfind(c, low, start + limit) for c in "([,") + 1
        if after <= low:
            after = line.rfind(".", low, start + limit) + 1
        if space >= low and space + 1 >= after:
            spans.append((start, space))
            start = space
            while start < len(line) and line[start] == " ":
                start += 1
        else:
            cut = after if after > low else start + limit
            spans.append((start, cut))
            start = cut
        limit = max(width - hang(line, width), 1)
    spans.append((start, len(line)))
    return spans


def hang(line: str, width: int) -> int:
    """How far a wrapped line's continuations are indented: four past the line, within reason."""
    return min(len(line) - len(line.lstrip()) + 4, width // 2)


def cell_lines(line: str | None, shared: bool, package: str | None, width: int) -> list[Text]:
    """One cell as output lines: the mark, then the line, dimmed if shared, else highlighted.

    Wrapped here, to ``width``, with continuations indented past the line.
    """
    if line is None:
        return []
    if not line.strip():
        return [Text("")]
    if shared:
        code = Text(line, style=SHARED_STYLE)
        mark = Text(SHARED_MARK)
    else:
        code = Syntax(line, "python", theme="ansi_dark").highlight(line)
        code.rstrip()
        mark = Text(ADDED_MARK, style=f"bold {PACKAGE_STYLE.get(package or '', '')}".strip())
    room = max(width - len(ADDED_MARK), 1)
    spans = wrap_spans(line, room)
    lines = [mark + code[spans[0][0] : spans[0][1]]]
    indent = " " * (len(ADDED_MARK) + hang(line, room))
    lines.extend(Text(indent) + code[start:end] for start, end in spans[1:])
    return lines


def _joined(lines: list[Text]) -> Text:
    return Text("\n").join(lines)


def side_by_side(aligned: align.Aligned, packages: Sequence[str], width: int) -> Text:
    """A block of output lines per aligned row, the versions side by side.

    Each row is as tall as its tallest cell: a long line wraps inside its row,
    so the rows never drift apart.
    """
    inner = (width - len(SEPARATOR) * (len(packages) - 1)) // len(packages)
    separator = Text(SEPARATOR, style="dim")
    out = [
        separator.join(
            Text(p.ljust(inner)[:inner], style=f"bold {PACKAGE_STYLE.get(p, '')}".strip())
            for p in packages
        ),
        Text("─┼─".join("─" * inner for _ in packages), style="dim"),
    ]
    for row in aligned.rows:
        cells = [cell_lines(row.cells[p], row.shared, p, inner) for p in packages]
        for index in range(max(len(c) for c in cells) or 1):
            parts = [c[index].copy() if index < len(c) else Text("") for c in cells]
            for part in parts:
                part.align("left", inner)
            line = separator.join(parts)
            line.rstrip()
            out.append(line)
    return _joined(out)


def stacked(aligned: align.Aligned, packages: Sequence[str], width: int) -> Text:
    """One column: a shared statement once, each version's own lines tagged with its framework.

    A shared statement spelled differently (``trio.Semaphore``, ``anyio.Semaphore``)
    stands once per spelling, tagged, still dimmed; one only indented differently,
    once, as the first version has it.
    """
    tag_width = max(len(_framework(p)) for p in packages)
    inner = width - tag_width - 1
    out: list[Text] = []

    def add(tag: Text, lines: list[Text]) -> None:
        tag.align("left", tag_width)
        for index, line in enumerate(lines):
            out.append((tag if index == 0 else Text(" " * tag_width)) + Text(" ") + line)
            out[-1].rstrip()

    for row in aligned.rows:
        cells = [(p, row.cells[p] or "") for p in packages if row.cells[p] is not None]
        if not any(cell.strip() for _, cell in cells):
            out.append(Text(""))
            continue
        if row.shared and len({cell.strip() for _, cell in cells}) == 1:
            add(Text(""), cell_lines(cells[0][1], True, None, inner))
            continue
        shown: set[str] = set()
        for package, cell in cells:
            if row.shared and cell.strip() in shown:
                continue  # a spelling shown already with an earlier version
            shown.add(cell.strip())
            tag = Text(_framework(package), style=PACKAGE_STYLE.get(package, "bold"))
            add(tag, cell_lines(cell, row.shared, package, inner))
    return _joined(out)


def identical_block(aligned: align.Aligned, packages: Sequence[str], width: int) -> Panel:
    """A definition written the same in every version: shown once, across the columns."""
    first = packages[0]
    lines = [
        line for row in aligned.rows for line in cell_lines(row.cells[first], True, None, width - 4)
    ]
    title = "the same in " + ", ".join(_framework(p) for p in packages)
    return Panel(
        _joined(lines),
        title=title,
        title_align="left",
        box=box.ROUNDED,
        border_style="dim",
        expand=False,
    )


def show_exercise(
    console: Console,
    exercise: model.Exercise,
    packages: Sequence[str] = PACKAGES,
    *,
    docstrings: bool = False,
) -> None:
    """One exercise, definition by definition, aligned across ``packages``."""
    chosen = model.Exercise(
        exercise.name,
        {p: exercise.versions[p] for p in packages},
        exercise.results,
        exercise.root,
    )
    summary_text = exercise.versions[packages[0]].docstring.split("\n\n", 1)[0]
    console.print(Panel(summary_text, title=f"[bold]{exercise.name}[/]", expand=False))
    for aligned in align.aligned_exercise(chosen, fold_docstrings=not docstrings):
        console.print()
        console.rule(style="dim")
        render_aligned(console, aligned, packages)


def render_aligned(console: Console, aligned: align.Aligned, packages: Sequence[str]) -> None:
    """One definition: its summary, then its rows, side by side if the console is wide enough."""
    console.print(summary(aligned, packages))
    if len(packages) > 1 and align.identical(aligned.rows):
        console.print(identical_block(aligned, packages, console.width))
    elif console.width >= COLUMN_WIDTH * len(packages):
        console.print(side_by_side(aligned, packages, console.width), soft_wrap=True)
    else:
        console.print(stacked(aligned, packages, console.width), soft_wrap=True)


# ------------------------------------------------------------ command line


def only_packages(value: str) -> list[str]:
    """``asyncio,trio`` or ``asyncio_impl,trio_impl``: packages, in the order given."""
    by_name = {**{FRAMEWORK[p]: p for p in PACKAGES}, **{p: p for p in PACKAGES}}
    chosen = []
    for name in (n.strip() for n in value.split(",") if n.strip()):
        if name not in by_name:
            raise argparse.ArgumentTypeError(
                f"unknown framework {name!r}; choose from "
                + ", ".join(FRAMEWORK[p] for p in PACKAGES)
                + " (or their packages: "
                + ", ".join(PACKAGES)
                + ")"
            )
        if by_name[name] in chosen:
            raise argparse.ArgumentTypeError(f"{name!r} is given twice")
        chosen.append(by_name[name])
    if not chosen:
        raise argparse.ArgumentTypeError("name at least one framework, e.g. asyncio,trio")
    return chosen


def parser(names: Sequence[str]) -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(
        prog="nox -s compare --",
        description=(
            "The three versions of each exercise, aligned line by line: shared statements "
            "dimmed, the lines only some versions need marked '+' and highlighted.  "
            "Without an exercise: the overview (sizes, shared and added lines, primitives, "
            "suite results, guarantee matrix)."
        ),
    )
    cli.add_argument(
        "exercise",
        nargs="?",
        choices=[*names, WHEN],
        metavar="exercise",
        help="one of: " + ", ".join(names) + f"; or {WHEN}: the lesson's table, measured",
    )
    cli.add_argument(
        "--only",
        type=only_packages,
        metavar="FRAMEWORKS",
        help="compare only these, e.g. --only asyncio,trio (frameworks or package names)",
    )
    cli.add_argument(
        "--docstrings",
        action="store_true",
        help="show docstrings and comments (folded by default)",
    )
    cli.add_argument(
        "--width",
        type=int,
        metavar="COLUMNS",
        help=f"render for this many columns (side by side needs {COLUMN_WIDTH} per version); "
        "default: the terminal's, 80 when piped",
    )
    return cli


def main(argv: list[str]) -> int:
    cli = parser(model.exercise_names())
    args = cli.parse_args(argv)
    if args.width is not None and args.width < 40:
        cli.error(f"argument --width: {args.width} is too narrow; give 40 or more")
    if args.only and not args.exercise:
        cli.error("argument --only: name an exercise too, e.g. pool --only asyncio,trio")
    if args.exercise == WHEN:
        return when.show(args.width)
    console = Console(width=args.width)
    exercises = model.load()
    if not args.exercise:
        overview(console, exercises)
        return 0
    chosen = next(e for e in exercises if e.name == args.exercise)
    show_exercise(console, chosen, args.only or PACKAGES, docstrings=args.docstrings)
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main(sys.argv[1:]))
    except BrokenPipeError:  # piped into head or less and closed early
        sys.stderr.close()
        raise SystemExit(0) from None
