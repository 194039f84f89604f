"""``nox -s site``: a static HTML site for reading the exercises side by side.

    build/site/index.html         overview: sizes, shared and added lines, suite
                                  results, guarantee matrix
    build/site/<exercise>.html    the contract, the modules' notes (what they
                                  share once, what differs side by side), the
                                  three versions aligned row by row, benchmarks
    build/site/benchmarks.html    bench/results/latest: goals, charts, tables

No server needed: open ``build/site/index.html``.  Every definition (a class
method by method, then the private helpers it calls) is one table whose rows
are ``tools.align``'s rows: a statement all three versions share stands once,
across the columns, dimmed; a line only some versions have is highlighted in
its column with blank space opposite.  Code wraps inside its cell, so rows
never drift apart and no column scrolls sideways.  Docstrings and comments
are folded (the "docstrings" button or ``?docs`` shows them); the "large
type" button or ``?large`` is for projecting in a room.  ``--check`` then
looks at the pages in headless Chromium (``tools/site_check.py``).
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import PythonConsoleLexer, PythonLexer
from pygments.token import STANDARD_TYPES, _TokenType

from tools import align, when
from tools import exercises as model
from tools.registry import FRAMEWORK, PACKAGES, ROOT

OUT = ROOT / "build" / "site"

CSS = """
:root { --ink: #1d1d1f; --dim: #8b8b8b; --add: #fff1b8; --add-edge: #e3b600; --rule: #e3e3e3; }
/* On body, so that the projector's larger --font also scales --code. */
body { --font: 15px; --code: calc(var(--font) * 0.86); font: var(--font)/1.45 system-ui, sans-serif; margin: 1.5rem 2rem; color: var(--ink); background: #fff; }
body.large { --font: 22px; }
pre, code, .code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: var(--code); }
h1, h2, h3 { line-height: 1.2; }
h3 { margin: 1.8rem 0 0.2rem; font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
h3 a { color: inherit; text-decoration: none; }
nav a { margin-right: 0.8em; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.yes { color: #137333; font-weight: bold; } .no { color: #b3261e; font-weight: bold; }
.na { color: #999; }
.hint { color: #555; font-size: 0.92em; }
.controls { position: fixed; top: 0.6rem; right: 0.6rem; display: flex; gap: 0.4rem; z-index: 2; }
.contract { background: #fffbe6; padding: 0.2rem 1.2rem; border-left: 4px solid #e0c200; max-width: 60rem; }
.contract h2 { font-size: 1.1em; }
.notes { max-width: 100%; }
.notes .prose { max-width: 60rem; }
.notes pre { background: #f6f8fa; padding: 0.5rem 0.7rem; border-radius: 6px; white-space: pre-wrap; }
.columns { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 1rem;
           margin: 0.6rem 0 1rem; padding: 0.4rem 0; border-top: 1px dashed var(--rule); border-bottom: 1px dashed var(--rule); }
.columns > div { min-width: 0; }
.columns h4 { margin: 0.2rem 0; font-family: ui-monospace, monospace; }
.summary { margin: 0 0 0.4rem; color: #444; font-size: 0.92em; }
.summary .plus { color: #8a5a00; font-weight: 600; }
.summary .prims { color: #555; }
.toc { columns: 3; font-size: 0.92em; max-width: 100%; }
.toc a { font-family: ui-monospace, monospace; }
.toc .same { color: var(--dim); }
table.aligned { background: transparent; table-layout: fixed; width: 100%; border-collapse: separate; border-spacing: 0; margin: 0.3rem 0 0.6rem; }
table.aligned th { position: sticky; top: 0; background: #fff; font-family: ui-monospace, monospace;
                   border-bottom: 2px solid var(--rule); z-index: 1; }
table.aligned td { border: 0; padding: 0 0.6rem; white-space: pre-wrap; overflow-wrap: anywhere; }
table.aligned td + td, table.aligned th + th { border-left: 1px solid var(--rule); }
table.aligned td.span { opacity: 0.55; }
table.aligned tr.same td { opacity: 0.55; }
table.aligned td.add { background: var(--add); box-shadow: inset 3px 0 0 var(--add-edge); }
table.aligned td.gap { background: repeating-linear-gradient(135deg, #fff 0 6px, #fafafa 6px 12px); }
table.aligned tr.blank td { height: 0.5em; }
.ln { display: block; padding-left: calc((var(--i, 0) + 4) * 1ch); text-indent: -4ch; line-height: 1.4; min-height: 1.4em; }
.docs-only { display: none; } body.docs .docs-only { display: block; } body.docs .folded { display: none; }
details.identical > summary { cursor: pointer; color: #444; }
details.identical > summary code { font-weight: 600; }
"""

SCRIPT = """
const params = new URLSearchParams(location.search);
const remembered = (key) => params.has(key) || localStorage.getItem(key) === '1';
for (const [key, button] of [['large', 'size'], ['docs', 'docs']]) {
  document.body.classList.toggle(key, remembered(key));
  document.getElementById(button).onclick = () => {
    const on = document.body.classList.toggle(key);
    localStorage.setItem(key, on ? '1' : '0');
  };
}
"""


# ------------------------------------------------------------ pieces of HTML


def _token_class(ttype: _TokenType) -> str:
    while ttype not in STANDARD_TYPES:
        ttype = ttype.parent  # type: ignore[assignment]
    return STANDARD_TYPES[ttype]


def highlight_lines(lines: Sequence[str], lexer: Lexer | None = None) -> list[str]:
    """Each line as highlighted HTML without its indentation, lexed as one text.

    Lexing the lines together keeps a string or bracket that spans lines
    right; the indentation is left to the caller (the hanging indent).
    """
    out: list[list[str]] = [[]]
    started = False
    lexer = lexer or PythonLexer(stripnl=False)
    for ttype, value in lexer.get_tokens("\n".join(lines) + "\n"):
        css = _token_class(ttype)
        for index, part in enumerate(value.split("\n")):
            if index:
                out.append([])
                started = False
            if not started:
                part = part.lstrip(" ")
                started = bool(part)
            if part:
                text = html.escape(part)
                out[-1].append(f'<span class="{css}">{text}</span>' if css else text)
    return ["".join(parts) for parts in out[: len(lines)]]


def _line(text: str, markup: str) -> str:
    """One code line: indentation as a hanging indent, so a wrapped line stays inside its block."""
    indent = len(text) - len(text.lstrip(" "))
    return f'<span class="ln" style="--i:{indent}">{markup or "&#8203;"}</span>'


def aligned_table(
    aligned: Sequence[align.Row],
    packages: Sequence[str],
    *,
    css: str = "",
    lexer: Lexer | None = None,
) -> str:
    """Aligned rows as a table, a row per row (``data-row`` marks what must line up)."""
    markup: dict[str, Iterator[str]] = {}
    for package in packages:
        lines = [row.cells[package] or "" for row in aligned if row.cells[package] is not None]
        markup[package] = iter(highlight_lines(lines, lexer))
    head = "".join(f"<th>{package}</th>" for package in packages)
    rows = []
    for number, row in enumerate(aligned):
        cells = {
            p: (row.cells[p], next(markup[p]) if row.cells[p] is not None else "") for p in packages
        }
        texts = {text for text, _ in cells.values()}
        if row.shared and len(texts) == 1:
            text, shown = cells[packages[0]]
            kind = "blank" if not (text or "").strip() else "shared"
            rows.append(
                f'<tr class="{kind}"><td class="span" colspan="{len(packages)}" data-row="{number}" '
                f'data-span="1">{_line(text or "", shown)}</td></tr>'
            )
            continue
        tds = []
        for package, (text, shown) in cells.items():
            attributes = f'data-row="{number}" data-package="{package}"'
            if text is None:
                tds.append(f'<td class="gap" {attributes}></td>')
            elif row.shared:
                tds.append(f"<td {attributes}>{_line(text, shown)}</td>")
            else:
                tds.append(f'<td class="add" {attributes}>{_line(text, shown)}</td>')
        kind = "same" if row.shared else "differs"
        shared = ' data-shared="1"' if row.shared else ""
        rows.append(f'<tr class="{kind}"{shared}>{"".join(tds)}</tr>')
    return (
        f'<table class="aligned code {css}"><colgroup>{"<col>" * len(packages)}</colgroup>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _lines(count: int) -> str:
    return f"{count} line{'' if count == 1 else 's'}"


def _short(name: str) -> str:
    """``asyncio.TaskGroup`` -> ``TaskGroup``: the column already names the framework."""
    return name.split(".", 1)[1] if "." in name else name


def summary_line(aligned: align.Aligned, packages: Sequence[str]) -> str:
    """Lines shared, lines each version adds, the primitives each uses."""
    parts = [f"{_lines(aligned.shared_lines)} shared"]
    for package in packages:
        added = aligned.added.get(package, 0)
        used = ", ".join(_short(n) for n in aligned.primitives.get(package, []))
        plus = f'<span class="plus">+{added}</span>' if added else "+0"
        prims = f' <span class="prims">(uses {html.escape(used)})</span>' if used else ""
        parts.append(f"{FRAMEWORK.get(package, package)} {plus}{prims}")
    return f'<p class="summary">{" · ".join(parts)}</p>'


def definition_section(
    folded: align.Aligned, unfolded: align.Aligned, packages: Sequence[str]
) -> str:
    """A definition's heading, summary and aligned rows (folded, and with docstrings)."""
    anchor = html.escape(folded.name)
    rows = len([r for r in folded.rows if any(c is not None for c in r.cells.values())])
    if align.identical(folded.rows) and align.identical(unfolded.rows):
        return (
            f'<details class="identical" id="{anchor}"><summary><code>{anchor}</code> · '
            f"identical in all three · {_lines(folded.shared_lines)}</summary>"
            f"{aligned_table(folded.rows, packages, css='folded')}"
            f'<div class="docs-only">{aligned_table(unfolded.rows, packages)}</div></details>'
        )
    differs = sum(folded.added.values()) > 0
    return (
        f'<section class="definition" id="{anchor}" data-differs="{int(differs)}" data-rows="{rows}">'
        f'<h3><a href="#{anchor}">{anchor}</a></h3>{summary_line(folded, packages)}'
        f"{aligned_table(folded.rows, packages, css='folded')}"
        f'<div class="docs-only">{aligned_table(unfolded.rows, packages)}</div></section>'
    )


def markdown(text: str) -> str:
    """CommonMark with tables, raw HTML left escaped."""
    rendered: str = MarkdownIt("commonmark", {"html": False}).enable("table").render(text)
    return rendered


def contract_section(name: str) -> tuple[str, str]:
    """The exercise's section of CONTRACT.md: its title and its text as HTML."""
    text = (ROOT / "CONTRACT.md").read_text()
    match = re.search(rf"^## {re.escape(name)}\b(.*?)$(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    if match is None:
        return "", ""
    title = match.group(1).lstrip(": ").strip()
    return title, markdown(match.group(2))


def _blocks(docstring: str) -> list[str]:
    """A docstring's paragraphs, a bulleted list split into its items."""
    blocks: list[str] = []
    for paragraph in re.split(r"\n\s*\n", docstring.strip()):
        if re.match(r"[*-] ", paragraph):
            blocks.extend(item.strip() for item in re.split(r"\n(?=[*-] )", paragraph))
        elif paragraph.strip():
            blocks.append(paragraph.strip())
    return blocks


def _common(first: list[str], second: list[str]) -> list[str]:
    """The longest common subsequence of two lists of blocks."""
    best = [[0] * (len(second) + 1) for _ in range(len(first) + 1)]
    for i in range(len(first) - 1, -1, -1):
        for j in range(len(second) - 1, -1, -1):
            best[i][j] = (
                best[i + 1][j + 1] + 1
                if first[i] == second[j]
                else max(best[i + 1][j], best[i][j + 1])
            )
    common, i, j = [], 0, 0
    while i < len(first) and j < len(second):
        if first[i] == second[j]:
            common.append(first[i])
            i, j = i + 1, j + 1
        elif best[i + 1][j] >= best[i][j + 1]:
            i += 1
        else:
            j += 1
    return common


def _block_html(block: str) -> str:
    if block.startswith(">>>"):
        shown: str = highlight(block, PythonConsoleLexer(), HtmlFormatter(cssclass="highlight"))
        return shown
    return markdown(block)


def notes_html(docstrings: dict[str, str]) -> str:
    """The modules' docstrings: what all of them say once, what differs in columns."""
    blocks = {package: _blocks(text) for package, text in docstrings.items()}
    lists = list(blocks.values())
    common = lists[0]
    for other in lists[1:]:
        common = _common(common, other)
    position = dict.fromkeys(blocks, 0)
    out: list[str] = []
    for anchor in [*common, None]:
        differing: dict[str, list[str]] = {}
        for package, own in blocks.items():
            end = own.index(anchor, position[package]) if anchor is not None else len(own)
            differing[package] = own[position[package] : end]
            position[package] = end + 1
        if all(len(own) == 1 and own[0].startswith(">>>") for own in differing.values()):
            # The same example run the way each framework runs it: only those lines differ.
            rows = align.align({p: own[0] for p, own in differing.items()}, fold_docstrings=False)
            out.append(aligned_table(rows, list(differing), lexer=PythonConsoleLexer()))
        elif any(differing.values()):
            columns = "".join(
                f"<div><h4>{package}</h4>{''.join(_block_html(b) for b in own) or '<p class=na>(nothing)</p>'}</div>"
                for package, own in differing.items()
            )
            out.append(f'<div class="columns">{columns}</div>')
        if anchor is not None:
            out.append(f'<div class="prose">{_block_html(anchor)}</div>')
    return f'<div class="notes">{"".join(out)}</div>'


def results_cell(counts: Counter[str] | None) -> str:
    if not counts:
        return '<td class="na">not run</td>'
    failed = counts.get("failed", 0)
    text = f"{counts.get('passed', 0)} ok" + (f", {failed} failed" if failed else "")
    for outcome, label in (("xfailed", "xfail"), ("skipped", "skipped")):
        if counts.get(outcome):
            text += f", {counts[outcome]} {label}"
    return f'<td class="{"no" if failed else "yes"}">{text}</td>'


RESULTS_HINT = (
    '<p class="hint">No suite results yet: <code>nox -s tests</code> (or one Python, '
    "<code>nox -s tests-3.13</code>) writes <code>build/junit-*.xml</code>; run "
    "<code>nox -s site</code> again to fill these cells.</p>"
)


def matrix_html(
    results: dict[str, dict[str, bool]],
    constructs: list[str],
    links: dict[tuple[str, str], str] | None = None,
) -> str:
    """The guarantee matrix; ``links`` makes a cell a link (a failing one, to its pitfall)."""
    head = "".join(f"<th><code>{html.escape(c)}</code></th>" for c in constructs)
    rows = []
    for guarantee, cells in results.items():
        marks = []
        for construct in constructs:
            value = cells.get(construct)
            mark = "—" if value is None else ("✓" if value else "✗")
            link = (links or {}).get((guarantee, construct))
            if link is not None:
                mark = f'<a href="{html.escape(link)}">{mark}</a>'
            kind = "na" if value is None else ("yes" if value else "no")
            marks.append(f'<td class="{kind}">{mark}</td>')
        rows.append(f"<tr><th>{html.escape(guarantee)}</th>{''.join(marks)}</tr>")
    return f"<table><tr><th>guarantee</th>{head}</tr>{''.join(rows)}</table>"


def _pygments_css() -> str:
    css: str = HtmlFormatter(style="friendly").get_style_defs([".highlight", ".aligned"])  # type: ignore[no-untyped-call]
    return css


def page(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{_pygments_css()}{CSS}</style>
</head><body>
<div class="controls"><button id="docs" type="button" title="show docstrings and comments (?docs)">docstrings</button>
<button id="size" type="button" title="for a projector (?large)">large type</button></div>
{body}
<script>{SCRIPT}</script>
</body></html>
"""


# ------------------------------------------------------------ pages


def totals(aligned: list[align.Aligned], packages: Sequence[str]) -> tuple[int, dict[str, int]]:
    """An exercise's lines shared by all versions, and the lines each version adds."""
    shared = sum(a.shared_lines for a in aligned)
    return shared, {p: sum(a.added.get(p, 0) for a in aligned) for p in packages}


def index(
    exercises: list[model.Exercise], aligned: dict[str, list[align.Aligned]], matrix: str
) -> str:
    rows = []
    for exercise in exercises:
        sizes = "".join(
            f'<td class="num">{exercise.versions[p].lines_of_code}</td>' for p in PACKAGES
        )
        shared, added = totals(aligned[exercise.name], PACKAGES)
        adds = "".join(f'<td class="num">+{added[p]}</td>' for p in PACKAGES)
        results = "".join(results_cell(exercise.results.get(t)) for t in model.TARGETS)
        rows.append(
            f'<tr><th><a href="{exercise.name}.html">{exercise.name}</a></th>{sizes}'
            f'<td class="num">{shared}</td>{adds}{results}</tr>'
        )
    heads = "".join(f"<th>{p}</th>" for p in PACKAGES) + "<th>shared</th>"
    heads += "".join(f"<th>{FRAMEWORK[p]} adds</th>" for p in PACKAGES)
    heads += "".join(f"<th><small>{t}</small></th>" for t in model.TARGETS)
    hint = "" if any(e.results for e in exercises) else RESULTS_HINT
    return page(
        "Structured concurrency, compared",
        f"""<h1>Structured concurrency, compared</h1>
<p>The same exercises in asyncio, trio and anyio. Lines of code leave out docstrings,
comments and blank lines. <em>Shared</em> counts the statements all three versions write
alike (framework names aside), <em>adds</em> the lines only that version (or not all) writes,
both over the definitions and the private helpers they call (<code>_tasks</code>, <code>_queues</code>).
Results are the shared suite's, per implementation and backend.</p>
<table><tr><th>exercise</th>{heads}</tr>{"".join(rows)}</table>{hint}
<p><a href="benchmarks.html">Benchmarks</a>: every exercise on every target against the
primitive it is built on and the library you would pick instead.
<a href="when.html">When to use async</a>: the lesson's table, each row measured.
<a href="pitfalls.html">Pitfalls gallery</a>: short programs that go wrong, each fixed in every dialect.</p>
<h2>Guarantee matrix</h2>
<p>Each cell is a probe run against the construct (<code>tools/guarantees.py</code>);
✗ is a documented result, not a bug, and links to the pitfall that shows it; — is not applicable.</p>
{matrix}""",
    )


BENCH = ROOT / "bench" / "results" / "latest"


def bench_summary() -> dict[str, Any] | None:
    """The recorded benchmark results (``nox -s bench -- --record``), if any."""
    path = BENCH / "summary.json"
    return json.loads(path.read_text()) if path.exists() else None


def _ratio(stats: dict[str, float] | None) -> str:
    if not stats:
        return "—"
    return f"{stats['median']:.2f}× <small>({stats['min']:.2f}–{stats['max']:.2f})</small>"


def bench_table(summary: dict[str, Any], exercise: str) -> str:
    """One exercise's scenarios on every target: µs per unit and ratios (time; < 1: ours faster)."""
    rows = []
    for row in summary["rows"]:
        if row["exercise"] != exercise or row["variant"] != "ours":
            continue
        peers = ", ".join(f"{html.escape(k)} {_ratio(v)}" for k, v in row["vs_peers"].items())
        rows.append(
            f"<tr><td>{html.escape(row['scenario'])}</td><td>{row['target']}</td>"
            f'<td class="num">{row["us"]["median"]:.2f}</td><td class="num">{_ratio(row["vs_raw"])}</td>'
            f'<td class="num">{_ratio(row["vs_reference"])}</td><td>{peers or "—"}</td></tr>'
        )
    if not rows:
        return "<p>(not measured)</p>"
    head = (
        "<tr><th>scenario</th><th>target</th><th>µs per unit</th><th>ours ÷ raw</th>"
        "<th>ours ÷ asyncio_impl</th><th>ours ÷ peer</th></tr>"
    )
    return f"<table>{head}{''.join(rows)}</table>"


def benchmarks_page(summary: dict[str, Any], exercises: list[model.Exercise]) -> str:
    environment = summary["environment"]
    goals = []
    for goal in summary["goals"]:
        low_high = goal["range"]
        measured = " – ".join(goal["format"].format(v) for v in low_high) if low_high else "—"
        # Results recorded before goals had a status know only met or not.
        status = goal.get("status") or ("met" if goal["met"] else "missed")
        mark = f'<span class="{"yes" if status == "met" else "no"}">{status}</span>'
        missed = html.escape("; ".join(goal["missed"][:3]))
        goals.append(
            f"<tr><td>{html.escape(goal['goal'])}</td><td>{measured}</td><td>{mark}</td>"
            f"<td>{missed}</td></tr>"
        )
    versions = ", ".join(f"{k} {v}" for k, v in environment["versions"].items())
    sections = "".join(
        f'<h3><a href="{e.name}.html">{e.name}</a></h3>{bench_table(summary, e.name)}'
        for e in exercises
    )
    return page(
        "Benchmarks",
        f"""<nav><a href="index.html">overview</a></nav>
<h1>Benchmarks</h1>
<p>{html.escape(environment["date"])}: {html.escape(environment["python"])} on
{html.escape(environment["cpu"])} ({environment["cpus"]} CPUs); fresh processes:
{environment["processes"]}, timed rounds in each: {environment["values"]}. {html.escape(versions)}.
Ratios are paired medians of times (below 1: ours is faster), min–max in brackets.
Regenerate with <code>nox -s bench -- --record</code>.</p>
<h2>Goals</h2><table><tr><th>goal</th><th>measured</th><th></th><th>where missed</th></tr>
{"".join(goals)}</table>
<h2>Every exercise against the primitive it is built on</h2>
<img src="ratios.svg" alt="ours ÷ raw for every scenario and target" style="max-width:100%">
<h2>Scaling</h2>
<img src="scaling.svg" alt="µs per item and peak memory against N" style="max-width:100%">
<h2>Per exercise</h2>{sections}""",
    )


def exercise_page(
    exercise: model.Exercise,
    exercises: list[model.Exercise],
    folded: list[align.Aligned],
    unfolded: list[align.Aligned],
    timelines: str = "",
) -> str:
    packages = list(exercise.versions)
    nav = " ".join(f'<a href="{e.name}.html">{e.name}</a>' for e in exercises)
    results = "".join(
        f"<tr><th>{t}</th>{results_cell(exercise.results.get(t))}</tr>" for t in model.TARGETS
    )
    hint = "" if exercise.results else RESULTS_HINT
    toc = []
    for aligned in folded:
        added = sum(aligned.added.values())
        label = f"+{added}" if added else "same"
        css = "" if added else ' class="same"'
        name = html.escape(aligned.name)
        toc.append(f'<li{css}><a href="#{name}">{name}</a> {label}</li>')
    shared, adds = totals(folded, packages)
    overall = " · ".join(f"{FRAMEWORK.get(p, p)} +{adds[p]}" for p in packages)
    unfolded_by_name = {a.name: a for a in unfolded}
    sections = "".join(
        definition_section(a, unfolded_by_name.get(a.name, a), packages) for a in folded
    )
    title, contract = contract_section(exercise.name)
    notes = notes_html({p: v.docstring for p, v in exercise.versions.items()})
    summary = bench_summary()
    bench = (
        f'<h2>Benchmarks (<a href="benchmarks.html">all</a>)</h2>{bench_table(summary, exercise.name)}'
        if summary
        else ""
    )
    return page(
        f"{exercise.name}: asyncio, trio, anyio",
        f"""<nav><a href="index.html">overview</a> {nav}</nav>
<h1>{exercise.name}{f": {html.escape(title)}" if title else ""}</h1>
<h2>Contract</h2><div class="contract">{contract}</div>
<h2>Suite results</h2><table>{results}</table>{hint}
<h2>Notes: what each framework makes you do</h2>{notes}
<h2>The three versions</h2>
<p>Each definition, then the private helpers it calls, aligned statement by statement:
a <span style="opacity:.55">dimmed</span> line is written alike in all three (framework names
aside); a <span style="background:var(--add)">highlighted</span> line is one only that version
(or not all) writes. {shared} lines shared; {overall}. Docstrings and comments are folded:
the "docstrings" button shows them.</p>
<ul class="toc">{"".join(toc)}</ul>
{sections}{timelines}{bench}""",
    )


def timelines_html(exercise: str, traced: bool) -> str:
    """The exercise's scenarios (``tools.trace``) drawn on every target, one SVG each."""
    if not traced:
        return ""
    from tools import trace
    from tools.trace.scenarios import SCENARIOS

    chosen = [name for name in trace.scenarios() if SCENARIOS[name].exercise == exercise]
    parts = []
    for name in chosen:
        about = html.escape(SCENARIOS[name].about)
        svgs = "".join(
            f'<figure class="timeline">{trace.svg(name, target)}</figure>'
            for target in trace.targets()
        )
        parts.append(f"<h3>{html.escape(name)}: {about}</h3>{svgs}")
    if not parts:
        return ""
    return (
        "<h2>Timelines</h2><p>When each task ran, waited and ended, recorded from each "
        "framework's own hooks on virtual time (<code>python -m tools.trace</code>).</p>"
        + "".join(parts)
    )


def pitfalls_page(results: dict[str, dict[str, bool]]) -> str:
    """The gallery: the linked matrix (``results``: ``guarantees.compute()``'s), then each
    pitfall with its programs."""
    from pitfalls import DIALECTS, Pitfall, load_all
    from tools import gallery, guarantees

    def relative(pitfall: Pitfall, kind: str, dialect: str) -> str:
        return html.escape(str(pitfall.path(kind, dialect).relative_to(ROOT)))

    def inline(text: str) -> str:
        return markdown(text).strip().removeprefix("<p>").removesuffix("</p>")

    matrix = matrix_html(results, guarantees.CONSTRUCTS, gallery.links())
    sections = []
    for pitfall in load_all():
        facts = "".join(
            f"<li>{label}: {inline(value)}</li>" for label, value in gallery.facts(pitfall)
        )
        programs = "".join(
            f"<h4>{kind} ({dialect}) <code>{relative(pitfall, kind, dialect)}</code></h4>"
            + highlight(
                pitfall.path(kind, dialect).read_text(),
                PythonLexer(),
                HtmlFormatter(cssclass="highlight"),
            )
            for kind, dialect in pitfall.programs()
        )
        sections.append(
            f'<section id="{pitfall.name}"><h2>{html.escape(pitfall.title)}</h2>'
            f"{markdown(pitfall.explanation)}<ul>{facts}</ul>{programs}</section>"
        )
    return page(
        "Pitfalls gallery",
        "<h1>Pitfalls gallery</h1><p>Short programs that go wrong, each fixed in "
        + ", ".join(DIALECTS)
        + " (<code>pitfalls/</code>; run them with <code>nox -s workshop -- pitfalls</code>). "
        "A ✗ in the matrix links to the pitfall that shows it.</p>" + matrix + "".join(sections),
    )


def build(out: Path = OUT, *, with_matrix: bool = True, with_timelines: bool = True) -> list[Path]:
    exercises = model.load()
    if with_matrix:
        from tools import gallery, guarantees

        results = guarantees.compute()
        matrix = matrix_html(results, guarantees.CONSTRUCTS, gallery.links("pitfalls.html"))
    else:
        matrix = "<p>(not computed)</p>"
    folded = {e.name: align.aligned_exercise(e) for e in exercises}
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "index.html"]
    written[0].write_text(index(exercises, folded, matrix))
    for exercise in exercises:
        unfolded = align.aligned_exercise(exercise, fold_docstrings=False)
        path = out / f"{exercise.name}.html"
        timelines = timelines_html(exercise.name, with_timelines)
        page_html = exercise_page(exercise, exercises, folded[exercise.name], unfolded, timelines)
        path.write_text(page_html)
        written.append(path)
    if with_matrix:
        written.append(out / "pitfalls.html")
        written[-1].write_text(pitfalls_page(results))
    measured = when.recorded()
    if measured is not None:
        written.append(out / "when.html")
        written[-1].write_text(page("When to use async", when.html_page(measured)))
    summary = bench_summary()
    if summary is not None:
        for chart in ("ratios.svg", "scaling.svg"):
            shutil.copyfile(BENCH / chart, out / chart)
        written.append(out / "benchmarks.html")
        written[-1].write_text(benchmarks_page(summary, exercises))
    return written


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="nox -s site --", description=__doc__)
    parser.add_argument("--check", action="store_true", help="look at the pages in Chromium")
    options = parser.parse_args(argv)
    written = build()
    print(f"wrote {len(written)} pages to {OUT}")
    if options.check:
        from tools import site_check

        try:
            for line in site_check.check_site(OUT):
                print(f"site check: {line}")
        except site_check.CheckFailed as failure:
            print(f"site check failed:\n{failure}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
