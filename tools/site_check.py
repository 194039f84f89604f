"""The site check: load the pages in headless Chromium and look at them.

    python -m tools.site_check [build/site]

A page passes only if a reader could use it at 1600 px:

- the screenshot is not blank (enough pixels differ from the background);
- aligned rows line up: every element with the same ``data-row`` inside one
  ``.aligned`` block starts at the same height in every column;
- where the versions differ (a row whose cells say different things, or a
  line with blank space opposite) the lines are highlighted, and a page on
  which versions differ shows at least one highlighted line;
- no code cell is wider than its column (nothing scrolls or spills sideways),
  nor is the page;
- the columns stand side by side, each wide enough to read.

Playwright drives the system's Chromium (Debian: ``apt-get install
chromium``); Playwright's own browser download is never used.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, sync_playwright

WIDTH, HEIGHT = 1600, 1000
INK = 0.01  # below this share of pixels off the background colour, a screenshot is blank
MIN_COLUMN = 300  # px: narrower than this, a column of code is not readable
# What the saved screenshot shows: the first definition whose versions differ.
SCREENSHOT_AT = '[data-differs="1"]'


class CheckFailed(AssertionError):
    """A page a reader could not use; the message lists every problem found."""


def chromium() -> str | None:
    """The system's Chromium, if installed."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    return None


@contextmanager
def browser() -> Iterator[Browser]:
    path = chromium()
    if path is None:
        raise CheckFailed("no Chromium found (Debian: apt-get install chromium)")
    # Chromium refuses to run as root (containers, CI) with its sandbox on.
    root = hasattr(os, "geteuid") and os.geteuid() == 0
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=path, args=["--no-sandbox"] if root else []
        )
        try:
            yield launched
        finally:
            launched.close()


# Runs in the page: what a reader would see, measured.
MEASURE = """
() => {
  // checkVisibility: not display:none, not inside a closed <details>, not visibility:hidden.
  const shown = el => el.checkVisibility({visibilityProperty: true});
  const painted = el => {
    for (let node = el; node && node !== document.body; node = node.parentElement) {
      const colour = getComputedStyle(node).backgroundColor;
      if (colour !== 'rgba(0, 0, 0, 0)' && colour !== 'transparent') return colour;
    }
    return getComputedStyle(document.body).backgroundColor;
  };
  const label = el => (el.closest('[id]') || {}).id || '?';
  const out = {blocks: 0, rows: 0, drift: [], unmarked: [], differing: 0, highlighted: 0,
               wide: [], columns: [], text: document.body.innerText.trim().length,
               pageWidth: document.documentElement.scrollWidth, viewport: innerWidth};
  for (const block of document.querySelectorAll('.aligned')) {
    if (!shown(block)) continue;
    out.blocks += 1;
    const plain = painted(block);  // what an unhighlighted line stands on
    const rows = new Map();
    for (const cell of block.querySelectorAll('[data-row]')) {
      if (!shown(cell)) continue;
      if (!rows.has(cell.dataset.row)) rows.set(cell.dataset.row, []);
      rows.get(cell.dataset.row).push(cell);
      if (cell.scrollWidth > cell.clientWidth + 1) {
        const where = `${label(block)} row ${cell.dataset.row}`;
        out.wide.push(`${where}: ${cell.scrollWidth} px in ${cell.clientWidth}`);
      }
    }
    if (!out.columns.length) {
      const first = [...rows.values()].find(cells => cells.length > 1);
      if (first) out.columns = first.map(c => { const r = c.getBoundingClientRect();
        return {left: Math.round(r.left), top: Math.round(r.top), width: Math.round(r.width)}; });
    }
    for (const [row, cells] of rows) {
      out.rows += 1;
      const tops = cells.map(c => Math.round(c.getBoundingClientRect().top));
      if (Math.max(...tops) - Math.min(...tops) > 1)
        out.drift.push(`${label(block)} row ${row}: tops ${tops.join(', ')}`);
      if (cells.length < 2) continue;
      const texts = cells.map(c => c.innerText.trim());
      const gap = texts.some(t => !t);
      const differ = new Set(texts).size > 1;
      const shared = cells.some(c => c.closest('[data-shared]'));
      if (!differ || (shared && !gap)) continue;
      out.differing += 1;
      for (const cell of cells) {
        if (!cell.innerText.trim()) continue;
        const line = `${label(block)} row ${row}: ${cell.innerText.trim().slice(0, 60)}`;
        if (painted(cell) === plain) out.unmarked.push(line);
        else out.highlighted += 1;
      }
    }
  }
  return out;
}
"""

# Runs in a blank page: decode a PNG and count the pixels off its commonest colour.
INK_SHARE = """
async (data) => {
  const image = new Image();
  image.src = 'data:image/png;base64,' + data;
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = image.width; canvas.height = image.height;
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0);
  const pixels = context.getImageData(0, 0, image.width, image.height).data;
  const counts = new Map();
  let total = 0;
  for (let i = 0; i < pixels.length; i += 4 * 3) {
    const key = (pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2];
    counts.set(key, (counts.get(key) || 0) + 1);
    total += 1;
  }
  return 1 - Math.max(...counts.values()) / total;
}
"""


@dataclass
class Looked:
    """What the check saw on one page."""

    ink: float
    measured: dict[str, Any]
    problems: list[str]

    def summary(self) -> str:
        m = self.measured
        return (
            f"{m['blocks']} aligned blocks, {m['rows']} rows, {m['highlighted']} highlighted "
            f"lines, columns {[c['width'] for c in m['columns']]} px wide, "
            f"{self.ink:.1%} of the screenshot inked"
        )


def look(
    page: Page, decoder: Page, path: Path, *, screenshot: Path | None = None, focus: str = ""
) -> Looked:
    """Load one page at 1600 px, measure it, take its screenshot and judge it.

    ``decoder`` is a blank page of the same browser, which decodes the screenshot.
    """
    page.goto(path.resolve().as_uri())
    page.wait_for_load_state("load")
    measured: dict[str, Any] = page.evaluate(MEASURE)
    if focus:  # scroll there as a reader following a link would; no fragment in the URL
        page.evaluate("(css) => document.querySelector(css)?.scrollIntoView()", focus)
    picture = page.screenshot()
    if screenshot is not None:
        screenshot.write_bytes(picture)
    ink = float(decoder.evaluate(INK_SHARE, base64.b64encode(picture).decode()))
    return Looked(ink, measured, judge(path.name, ink, measured))


def judge(name: str, ink: float, m: dict[str, Any]) -> list[str]:
    problems = []
    if ink < INK or m["text"] == 0:
        problems.append(f"{name}: the page is blank ({ink:.2%} of its screenshot inked)")
    if m["blocks"] == 0:
        problems.append(f"{name}: no aligned code (no visible .aligned block with data-row cells)")
    if m["drift"]:
        problems.append(
            f"{name}: aligned rows drift apart across the columns in {len(m['drift'])} rows, "
            f"first {m['drift'][:3]}"
        )
    if m["unmarked"]:
        problems.append(
            f"{name}: {len(m['unmarked'])} lines differ but are not highlighted, "
            f"first {m['unmarked'][:3]}"
        )
    if m["differing"] and not m["highlighted"]:
        problems.append(f"{name}: the versions differ but no line is highlighted")
    if m["wide"]:
        problems.append(
            f"{name}: {len(m['wide'])} code cells are wider than their column (they would "
            f"scroll sideways), first {m['wide'][:3]}"
        )
    if m["pageWidth"] > m["viewport"] + 1:
        problems.append(f"{name}: the page scrolls sideways ({m['pageWidth']} px wide)")
    columns = m["columns"]
    lefts = [c["left"] for c in columns]
    if m["blocks"] and (
        len(columns) < 2 or lefts != sorted(set(lefts)) or len({c["top"] for c in columns}) != 1
    ):
        problems.append(f"{name}: the columns do not stand side by side: {columns}")
    elif columns and min(c["width"] for c in columns) < MIN_COLUMN:
        problems.append(f"{name}: a column is too narrow to read: {columns}")
    return problems


def check_pages(
    pages: Sequence[Path],
    *,
    screenshot: Path | None = None,
    focus: str = "",
    charts: Path | None = None,
) -> list[str]:
    """Look at each page; the first one's screenshot is saved.  Raises ``CheckFailed``.

    ``charts``: a page whose images must all load (the benchmarks page).
    """
    report, problems = [], []
    with browser() as launched:
        context = launched.new_context(viewport={"width": WIDTH, "height": HEIGHT})
        page, decoder = context.new_page(), context.new_page()
        for number, path in enumerate(pages):
            saved = screenshot if number == 0 else None
            looked = look(page, decoder, path, screenshot=saved, focus=focus)
            problems.extend(looked.problems)
            report.append(f"{path.name}: {looked.summary()}")
        if charts is not None:
            page.goto(charts.resolve().as_uri())
            page.wait_for_load_state("load")
            widths: list[int] = page.evaluate("() => [...document.images].map(i => i.naturalWidth)")
            if len(widths) != 2 or min(widths) == 0:
                problems.append(f"{charts.name}: the benchmark charts did not load: {widths}")
            report.append(f"{charts.name}: charts loaded, {widths} px wide")
    if problems:
        raise CheckFailed("\n".join(problems))
    return report


def check_site(out: Path) -> list[str]:
    """Every exercise page, ``pool.html`` first with its screenshot saved in ``out``."""
    special = ("index.html", "benchmarks.html", "when.html", "pitfalls.html")
    exercises = sorted(p for p in out.glob("*.html") if p.name not in special)
    exercises.sort(key=lambda p: p.name != "pool.html")  # stable: pool first, then by name
    screenshot = out / "screenshot.png"
    charts = out / "benchmarks.html"
    report = check_pages(
        exercises,
        screenshot=screenshot,
        focus=SCREENSHOT_AT,
        charts=charts if charts.exists() else None,
    )
    when = out / "when.html"
    if when.exists():
        report.append(check_when(when))
    gallery = out / "pitfalls.html"
    if gallery.exists():
        report.append(check_pitfalls(gallery))
    return [*report, f"screenshot {screenshot}"]


def check_when(path: Path) -> str:
    """The "when to use async" page has no code to align: its tables and the matrix."""
    text = path.read_text()
    tables = text.count("<table>")
    if tables < 2 or 'id="libraries"' not in text:
        found = f"{tables} tables"
        raise CheckFailed(f"{path.name}: expected its tables and the library matrix, {found}")
    return f"{path.name}: {tables} tables"


def check_pitfalls(path: Path) -> str:
    """The gallery: a section per pitfall, and every matrix link lands on one of them."""
    text = path.read_text()
    sections = set(re.findall(r'<section id="(\w+)">', text))
    linked = set(re.findall(r'<a href="#(\w+)">', text))
    if not sections or not linked or not linked <= sections:
        raise CheckFailed(
            f"{path.name}: sections {sorted(sections)}, matrix links {sorted(linked)}"
        )
    return f"{path.name}: {len(sections)} pitfalls, {len(linked)} linked from the matrix"


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent / "build" / "site"
    try:
        for line in check_site(out):
            print(f"site check: {line}")
    except CheckFailed as failure:
        print(f"site check failed:\n{failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
