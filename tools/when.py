"""``nox -s compare -- when``: the lesson's "when to use async" table, each row measured here.

The lesson ends with a table (many network requests: yes; database
queries: yes, with an async driver; file I/O: maybe; CPU-heavy work: no;
real-time events: yes; simple scripts: usually overkill) and no numbers.
Each row here is backed by the measurements of ``bench/when/`` recorded in
``bench/results/when.json`` (``python -m bench.when --record``), per target,
with the code that measured it; then the matrix of which library runs on
which backend, each cell the outcome of a real call (``tools.libraries``).

Every number is seconds per unit on this machine, with its ratio to the
row's baseline (the synchronous way, or the variant named) in brackets.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.when.common import PLAIN, ROWS
from tools.registry import ROOT

RECORDED = ROOT / "bench" / "results" / "when.json"


def recorded(path: Path | None = None) -> dict[str, Any] | None:
    """The recorded measurements, or ``None`` when nothing was recorded yet."""
    path = path or RECORDED
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def duration(seconds: float) -> str:
    """``27.2 ms``: three significant figures, in the unit that reads best; ``—`` if none."""
    if not math.isfinite(seconds):
        return "—"  # not measured there: the result's note says why
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


@dataclass(frozen=True)
class Table:
    """One measurement as a grid: a row per target, a column per variant."""

    title: str
    unit: str
    code: str
    columns: list[str]
    rows: list[tuple[str, list[str]]]
    notes: list[str]


def measurement_table(measurement: dict[str, Any]) -> Table:
    """Each variant's time per unit on each target, with its ratio to the baseline.

    The baseline is the result of the ``baseline`` variant on the same
    target, or else on plain Python.
    """
    results: list[dict[str, Any]] = measurement["results"]
    targets = list(dict.fromkeys(r["target"] for r in results))
    variants = list(dict.fromkeys(r["variant"] for r in results))
    baseline = {r["target"]: r for r in results if r["variant"] == measurement["baseline"]}
    rows = []
    for target in targets:
        cells = []
        for variant in variants:
            found = [r for r in results if r["target"] == target and r["variant"] == variant]
            base = baseline.get(target) or baseline.get(PLAIN)
            cells.append(_cell(found[0], base) if found else "")
        rows.append((target, cells))
    notes = [f"{r['target']} {r['variant']}: {r['note']}" for r in results if r.get("note")]
    name, unit, code = measurement["name"], measurement["unit"], measurement["code"]
    return Table(name, unit, code, variants, rows, notes)


def _cell(result: dict[str, Any], base: dict[str, Any] | None) -> str:
    text = duration(result["seconds"])
    if not math.isfinite(result["seconds"]):
        return text
    if base is not None and base is not result and base["seconds"] > 0:
        ratio = result["seconds"] / base["seconds"]
        text += f" ({ratio:.2g}×)" if ratio < 100 else f" ({ratio:,.0f}×)"
    return text


def row_tables(data: dict[str, Any], row: str) -> list[Table]:
    return [measurement_table(m) for m in data["measurements"] if m["row"] == row]


def library_cells(libraries: dict[str, Any], row: str) -> list[tuple[str, str]]:
    """``(outcome, text)`` of each column's cell in the recorded matrix's ``row``."""
    cells = libraries["cells"].get(row, {})
    return [
        (cells[c]["outcome"], cells[c]["text"]) if c in cells else ("", "—")
        for c in libraries["columns"]
    ]


def library_details(libraries: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``(row, column, detail)`` of every cell with more to say (the error a user sees)."""
    return [
        (row, column, cell["detail"])
        for row in libraries["rows"]
        for column, cell in libraries["cells"].get(row, {}).items()
        if cell.get("detail")
    ]


def show(width: int | None = None) -> int:
    """Print the table to the terminal (``nox -s compare -- when``)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table as RichTable

    console = Console(width=width)
    data = recorded()
    if data is None:
        console.print(f"nothing recorded yet: run `python -m bench.when --record` ({RECORDED})")
        return 1
    environment = data["environment"]
    console.print(
        f"[bold]When to use async[/bold]: the lesson's table, measured on {environment['date']}"
        f" ({environment['python']}, {environment['cpus']} cores, {environment['cpu']})\n"
        "Each cell: time per unit, and in brackets its ratio to the row's baseline."
    )
    for row in ROWS:
        console.rule(f"[bold]{row.situation}[/bold] · the lesson says: {row.verdict}")
        tables = row_tables(data, row.key)
        if not tables:
            console.print("  not measured\n")
        for table in tables:
            grid = RichTable(
                title=f"{table.title} (per {table.unit}; {table.code})",
                box=box.SIMPLE,
                title_justify="left",
            )
            grid.add_column("target", style="bold", no_wrap=True)
            for column in table.columns:
                grid.add_column(column, justify="right")
            for target, cells in table.rows:
                grid.add_row(target, *cells)
            console.print(grid)
            for note in table.notes:
                console.print(f"  [dim]{note}[/dim]")
    libraries = data.get("libraries")
    console.rule("[bold]Which library runs where[/bold] (each cell a real call)")
    if not libraries:
        console.print("  not probed")
        return 0
    grid = RichTable(box=box.SIMPLE)
    grid.add_column("library", style="bold", no_wrap=True)
    for column in libraries["columns"]:
        grid.add_column(column)
    for library in libraries["rows"]:
        grid.add_row(library, *(text for _, text in library_cells(libraries, library)))
    console.print(grid)
    for library, column, detail in library_details(libraries):
        console.print(f"  [dim]{library} on {column}: {detail}[/dim]")
    return 0


def html_page(data: dict[str, Any]) -> str:
    """The body of the site's ``when.html``: the same tables as ``show``, as HTML."""
    escape = html.escape
    environment = data["environment"]
    parts = [
        '<nav><a href="index.html">overview</a> · <a href="benchmarks.html">benchmarks</a></nav>',
        "<h1>When to use async</h1>",
        f"<p>The lesson's table, each row measured on {escape(environment['date'])}: "
        f"{escape(environment['python'])} on {escape(environment['cpu'])} "
        f"({environment['cpus']} CPUs). Each cell is the time per unit and, in brackets, "
        "its ratio to the row's baseline. Regenerate with "
        "<code>python -m bench.when --record</code>.</p>",
        "<table><tr><th>situation</th><th>the lesson says</th><th>measured here</th></tr>",
    ]
    for row in ROWS:
        names = ", ".join(
            f'<a href="#{row.key}-{n}">{escape(t.title)}</a>'
            for n, t in enumerate(row_tables(data, row.key))
        )
        parts.append(
            f'<tr><th><a href="#{row.key}">{escape(row.situation)}</a></th>'
            f"<td>{escape(row.verdict)}</td><td>{names or 'not measured'}</td></tr>"
        )
    parts.append("</table>")
    for row in ROWS:
        parts.append(f'<h2 id="{row.key}">{escape(row.situation)}: {escape(row.verdict)}?</h2>')
        tables = row_tables(data, row.key)
        if not tables:
            parts.append("<p>(not measured)</p>")
        for n, table in enumerate(tables):
            heads = "".join(f"<th>{escape(c)}</th>" for c in table.columns)
            rows = "".join(
                f"<tr><th>{escape(target)}</th>"
                + "".join(f'<td class="num">{escape(c)}</td>' for c in cells)
                + "</tr>"
                for target, cells in table.rows
            )
            notes = "".join(f"<li>{escape(note)}</li>" for note in table.notes)
            parts.append(
                f'<h3 id="{row.key}-{n}">{escape(table.title)}</h3>'
                f"<p>Per {escape(table.unit)}; measured by <code>{escape(table.code)}</code>.</p>"
                f"<table><tr><th>target</th>{heads}</tr>{rows}</table>"
                + (f"<ul>{notes}</ul>" if notes else "")
            )
    libraries = data.get("libraries")
    parts.append('<h2 id="libraries">Which library runs where</h2>')
    if libraries:
        notes = libraries["column_notes"]
        heads = "".join(
            f'<th title="{escape(notes.get(c, ""))}">{escape(c)}</th>' for c in libraries["columns"]
        )
        rows = "".join(
            f'<tr><th title="{escape(libraries["row_notes"].get(row, ""))}">{escape(row)}</th>'
            + "".join(
                f'<td class="{outcome}">{escape(text)}</td>'
                for outcome, text in library_cells(libraries, row)
            )
            + "</tr>"
            for row in libraries["rows"]
        )
        details = "".join(
            f"<li>{escape(row)} on {escape(column)}: {escape(detail)}</li>"
            for row, column, detail in library_details(libraries)
        )
        parts.append(
            "<p>Each cell is the outcome of a real call (<code>tools/libraries.py</code>); "
            "bridge: it works only through <code>trio_asyncio.aio_as_trio</code>.</p>"
            f"<table><tr><th>library</th>{heads}</tr>{rows}</table><ul>{details}</ul>"
        )
    else:
        parts.append("<p>(not probed)</p>")
    return "\n".join(parts)
