"""``nox -s site``: a static HTML site for reading the exercises side by side.

    build/site/index.html         overview, suite results, guarantee matrix
    build/site/<exercise>.html    contract text, notes, the three versions
                                  aligned definition by definition, benchmarks
    build/site/benchmarks.html    bench/results/latest: goals, charts, tables

No server needed: open ``build/site/index.html``.  The "large type" button
(or ``?large``) is for projecting in a room.  ``--check`` then loads the
pages in headless Chromium, checks that the three columns sit side by side,
and saves ``build/site/screenshot.png``.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from tools import exercises as model
from tools.registry import PACKAGES, ROOT

OUT = ROOT / "build" / "site"

CSS = """
:root { --font: 15px; }
body { font: var(--font)/1.45 system-ui, sans-serif; margin: 1.5rem; color: #1d1d1f; }
body.large { --font: 22px; }
pre, code { font: calc(var(--font) * 0.9)/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
h1, h2, h3 { line-height: 1.2; }
nav a { margin-right: 0.8em; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.yes { color: #137333; font-weight: bold; } .no { color: #b3261e; font-weight: bold; }
.na { color: #999; }
.row { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 1rem; margin: 0.5rem 0 1.5rem; }
.cell { min-width: 0; }
.cell h4 { margin: 0.2rem 0; font-family: ui-monospace, monospace; }
.cell .highlight pre { overflow-x: auto; padding: 0.6rem; background: #f6f8fa; border-radius: 6px; margin: 0; }
.missing { color: #999; font-style: italic; }
.contract { background: #fffbe6; padding: 0.2rem 1rem; border-left: 4px solid #e0c200; }
.note { white-space: pre-wrap; font-size: 0.92em; }
button#size { position: fixed; top: 0.6rem; right: 0.6rem; }
@media (max-width: 1100px) { .row { grid-template-columns: 1fr; } }
"""

SCRIPT = """
const large = new URLSearchParams(location.search).has('large') || localStorage.getItem('large') === '1';
document.body.classList.toggle('large', large);
document.getElementById('size').onclick = () => {
  const on = document.body.classList.toggle('large');
  localStorage.setItem('large', on ? '1' : '0');
};
// For the headless check: where did the first row's columns land?
const first = document.querySelector('.row.code');
if (first) {
  const boxes = [...first.children].map(c => { const r = c.getBoundingClientRect();
    return {left: Math.round(r.left), top: Math.round(r.top), width: Math.round(r.width)}; });
  document.body.dataset.layout = JSON.stringify(boxes);
}
"""


def _pygments_css() -> str:
    css: str = HtmlFormatter(style="friendly").get_style_defs(".highlight")  # type: ignore[no-untyped-call]
    return css


def page(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{CSS}{_pygments_css()}</style>
</head><body>
<button id="size" type="button">large type</button>
{body}
<script>{SCRIPT}</script>
</body></html>
"""


def results_cell(counts: object) -> str:
    from collections import Counter

    if not isinstance(counts, Counter) or not counts:
        return '<td class="na">not run</td>'
    failed = counts.get("failed", 0)
    text = f"{counts.get('passed', 0)} ok" + (f", {failed} failed" if failed else "")
    return f'<td class="{"no" if failed else "yes"}">{text}</td>'


def matrix_html(results: dict[str, dict[str, bool]], constructs: list[str]) -> str:
    head = "".join(f"<th><code>{html.escape(c)}</code></th>" for c in constructs)
    rows = []
    for guarantee, cells in results.items():
        marks = []
        for construct in constructs:
            value = cells.get(construct)
            marks.append(
                '<td class="na">—</td>' if value is None
                else f'<td class="{"yes" if value else "no"}">{"✓" if value else "✗"}</td>'
            )  # fmt: skip
        rows.append(f"<tr><th>{html.escape(guarantee)}</th>{''.join(marks)}</tr>")
    return f"<table><tr><th>guarantee</th>{head}</tr>{''.join(rows)}</table>"


def index(exercises: list[model.Exercise], matrix: str) -> str:
    rows = []
    for exercise in exercises:
        sizes = "".join(
            f'<td class="num">{exercise.versions[p].lines_of_code}</td>' for p in PACKAGES
        )
        results = "".join(results_cell(exercise.results.get(t)) for t in model.TARGETS)
        rows.append(
            f'<tr><th><a href="{exercise.name}.html">{exercise.name}</a></th>{sizes}{results}</tr>'
        )
    heads = "".join(f"<th>{p}</th>" for p in PACKAGES)
    heads += "".join(f"<th>{t}</th>" for t in model.TARGETS)
    return page(
        "Structured concurrency, compared",
        f"""<h1>Structured concurrency, compared</h1>
<p>The same exercises in asyncio, trio and anyio. Lines of code leave out docstrings,
comments and blank lines; results are the shared suite's, per implementation and backend.</p>
<table><tr><th>exercise</th>{heads}</tr>{"".join(rows)}</table>
<p><a href="benchmarks.html">Benchmarks</a>: every exercise on every target against the
primitive it is built on and the library you would pick instead.</p>
<h2>Guarantee matrix</h2>
<p>Each cell is a probe run against the construct (<code>tools/guarantees.py</code>);
✗ is a documented result, not a bug; — is not applicable.</p>
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
<h2>Per exercise</h2>{sections}
<script>
window.addEventListener('load', () => {{
  document.body.dataset.images = JSON.stringify([...document.images].map(i => i.naturalWidth));
}});
</script>""",
    )


def contract_section(name: str) -> str:
    text = (ROOT / "CONTRACT.md").read_text()
    match = re.search(rf"^## {re.escape(name)}\b.*?(?=^## |\Z)", text, flags=re.M | re.S)
    return match.group(0) if match else ""


def exercise_page(exercise: model.Exercise, exercises: list[model.Exercise]) -> str:
    formatter = HtmlFormatter(cssclass="highlight")
    nav = " ".join(f'<a href="{e.name}.html">{e.name}</a>' for e in exercises)
    notes = "".join(
        f'<div class="cell"><h4>{p}</h4><div class="note">{html.escape(v.docstring)}</div></div>'
        for p, v in exercise.versions.items()
    )
    results = "".join(
        f"<tr><th>{t}</th>{results_cell(exercise.results.get(t))}</tr>" for t in model.TARGETS
    )
    rows = []
    for name, cells in exercise.rows():
        columns = []
        for package, definition in cells.items():
            if definition is None:
                body = '<p class="missing">(not defined here)</p>'
                size = "—"
            else:
                body = highlight(definition.source, PythonLexer(), formatter)
                size = f"{definition.lines_of_code} lines"
            columns.append(f'<div class="cell"><h4>{package} · {size}</h4>{body}</div>')
        rows.append(f'<h3 id="{name}">{name}</h3><div class="row code">{"".join(columns)}</div>')
    contract = html.escape(contract_section(exercise.name))
    summary = bench_summary()
    bench = (
        f'<h2>Benchmarks (<a href="benchmarks.html">all</a>)</h2>{bench_table(summary, exercise.name)}'
        if summary
        else ""
    )
    return page(
        f"{exercise.name}: asyncio, trio, anyio",
        f"""<nav><a href="index.html">overview</a> {nav}</nav>
<h1>{exercise.name}</h1>
<h2>Contract</h2><pre class="contract">{contract}</pre>
<h2>Suite results</h2><table>{results}</table>
<h2>Notes: what each framework makes you do</h2><div class="row">{notes}</div>
<h2>The three versions</h2>{"".join(rows)}{bench}""",
    )


def build(out: Path = OUT, *, with_matrix: bool = True) -> list[Path]:
    exercises = model.load()
    if with_matrix:
        from tools import guarantees

        matrix = matrix_html(guarantees.compute(), guarantees.CONSTRUCTS)
    else:
        matrix = "<p>(not computed)</p>"
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "index.html"]
    written[0].write_text(index(exercises, matrix))
    for exercise in exercises:
        path = out / f"{exercise.name}.html"
        path.write_text(exercise_page(exercise, exercises))
        written.append(path)
    summary = bench_summary()
    if summary is not None:
        for chart in ("ratios.svg", "scaling.svg"):
            shutil.copyfile(BENCH / chart, out / chart)
        written.append(out / "benchmarks.html")
        written[-1].write_text(benchmarks_page(summary, exercises))
    return written


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    raise SystemExit("site check: no Chromium found (Debian: apt-get install chromium)")


def check(out: Path = OUT) -> None:
    """Render an exercise page in headless Chromium; the three columns must be side by side."""
    browser = chromium()
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--window-size=1600,1000", "--virtual-time-budget=2000",
    ]  # fmt: skip
    target = (out / "pool.html").as_uri() + "#Pool"
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run(
            [browser, *flags, f"--user-data-dir={profile}", "--dump-dom", target],
            capture_output=True, text=True, timeout=120, check=True,
        ).stdout  # fmt: skip
    match = re.search(r'data-layout="([^"]+)"', dom)
    if match is None:
        raise SystemExit("site check: the page's layout probe did not run")
    boxes = json.loads(html.unescape(match.group(1)))
    lefts = [b["left"] for b in boxes]
    if len(boxes) != 3 or len({b["top"] for b in boxes}) != 1 or lefts != sorted(lefts):
        raise SystemExit(f"site check: the three columns are not side by side: {boxes}")
    if min(b["width"] for b in boxes) < 300:
        raise SystemExit(f"site check: a column is too narrow to read: {boxes}")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [browser, *flags, f"--user-data-dir={profile}",
             f"--screenshot={out / 'screenshot.png'}", target],
            capture_output=True, timeout=120, check=True,
        )  # fmt: skip
    print(f"site check: three columns side by side {boxes}; screenshot {out / 'screenshot.png'}")
    if (out / "benchmarks.html").exists():
        _check_charts(browser, flags, out / "benchmarks.html")


def _check_charts(browser: str, flags: list[str], page_path: Path) -> None:
    """The benchmarks page must show its charts: every image loaded with a width."""
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run(
            [browser, *flags, f"--user-data-dir={profile}", "--dump-dom", page_path.as_uri()],
            capture_output=True, text=True, timeout=120, check=True,
        ).stdout  # fmt: skip
    match = re.search(r'data-images="([^"]+)"', dom)
    widths = json.loads(html.unescape(match.group(1))) if match else []
    if len(widths) != 2 or min(widths) == 0:
        raise SystemExit(f"site check: the benchmark charts did not load: {widths}")
    print(f"site check: benchmark charts loaded, {widths} px wide")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="nox -s site --", description=__doc__)
    parser.add_argument("--check", action="store_true", help="render in headless Chromium")
    options = parser.parse_args(argv)
    written = build()
    print(f"wrote {len(written)} pages to {OUT}")
    if options.check:
        check()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
