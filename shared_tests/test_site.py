"""The site: results kept per target, and a browser check that fails on a page nobody can read."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tools import align, site, site_check
from tools import exercises as model
from tools.align import Aligned, Row
from tools.registry import PACKAGES


def junit(path: Path, cases: list[tuple[str, str, bool]], *, age: float) -> None:
    """A JUnit report of ``(module, test id, passed)`` cases, ``age`` seconds old."""
    body = "".join(
        f'<testcase classname="shared_tests.{module}" name="{name}">'
        + ("" if passed else '<failure message="boom"/>')
        + "</testcase>"
        for module, name, passed in cases
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"<testsuites><testsuite>{body}</testsuite></testsuites>")
    mtime = path.stat().st_mtime - age
    os.utime(path, (mtime, mtime))


def test_a_partial_run_keeps_the_results_it_did_not_rerun(tmp_path: Path) -> None:
    build = tmp_path / "build"
    full = [
        ("test_pool", "test_a[trio_impl-trio]", True),
        ("test_pool", "test_b[trio_impl-trio]", True),
        ("test_pool", "test_a[asyncio_impl-asyncio]", True),
        ("test_retry", "test_a[trio_impl-trio]", True),
    ]
    junit(build / "junit-3.13.xml", full, age=60)
    # Newer: only pool, only on trio, and one test now fails.
    partial = [
        ("test_pool", "test_a[trio_impl-trio]", True),
        ("test_pool", "test_b[trio_impl-trio]", False),
    ]
    junit(build / "junit-3.13--k_trio_impl-trio_and_pool.xml", partial, age=0)
    (build / "junit-3.12.xml").write_text("<testsuites><testsu")  # an interrupted run

    results = model.suite_results(tmp_path)

    assert results["pool"]["trio_impl-trio"] == {"passed": 1, "failed": 1}  # the newest run
    assert results["pool"]["asyncio_impl-asyncio"] == {"passed": 1}  # kept from the full run
    assert results["retry"]["trio_impl-trio"] == {"passed": 1}  # kept from the full run


def test_no_reports_no_results(tmp_path: Path) -> None:
    assert model.suite_results(tmp_path) == {}


# ------------------------------------------------------------ rendering (no browser)


def rows(*cells: tuple[str | None, str | None, str | None], shared: bool = False) -> list[Row]:
    return [Row(dict(zip(PACKAGES, triple, strict=True)), shared) for triple in cells]


def test_a_shared_line_stands_once_and_a_line_only_one_version_has_is_highlighted() -> None:
    table = site.aligned_table(
        [
            *rows(("x = 1", "x = 1", "x = 1"), shared=True),
            *rows(("await asyncio.sleep(0)", None, None)),
            *rows(("    return x", "    return x", "    return x"), shared=True),
        ],
        PACKAGES,
    )
    body = table.split("<tbody>")[1]
    assert body.count("<tr") == 3
    first, second, third = body.split("</tr>")[:3]
    assert first.count("<td") == 1
    assert 'colspan="3"' in first
    assert second.count('class="add"') == 1
    assert second.count('class="gap"') == 2
    assert 'data-package="asyncio_impl"' in second.split('class="gap"')[0]
    assert "--i:4" in third  # indentation kept, as a hanging indent that wraps inside the cell


def test_a_shared_statement_spelled_per_framework_is_dimmed_in_each_column() -> None:
    table = site.aligned_table(
        rows(("asyncio.Event()", "trio.Event()", "anyio.Event()"), shared=True), PACKAGES
    )
    assert 'class="same" data-shared="1"' in table
    assert 'class="add"' not in table
    assert "colspan" not in table


def test_a_definition_identical_in_all_three_is_one_shared_block() -> None:
    same = rows(("def f():",) * 3, ("    pass",) * 3, shared=True)
    aligned = Aligned("f", same, 2, dict.fromkeys(PACKAGES, 0), {p: [] for p in PACKAGES})
    section = site.definition_section(aligned, aligned, PACKAGES)
    assert section.startswith('<details class="identical" id="f">')
    assert "identical in all three · 2 lines" in section
    folded = section.split('<div class="docs-only">')[0]
    assert folded.count("<td") == 2
    assert folded.count('colspan="3"') == 2


def test_the_notes_show_what_all_modules_say_once_and_what_differs_side_by_side() -> None:
    notes = site.notes_html(
        {
            "asyncio_impl": "Summary.\n\n* Same point.\n* asyncio shields by hand.\n\nClosing.",
            "trio_impl": "Summary.\n\n* Same point.\n* trio shields natively.\n\nClosing.",
            "anyio_impl": "Summary.\n\n* Same point.\n\nClosing.",
        }
    )
    for shared in ("Summary.", "Same point.", "Closing."):
        assert notes.count(shared) == 1
    columns = notes.split('<div class="columns">')[1]
    assert "asyncio shields by hand." in columns
    assert "trio shields natively." in columns
    assert "(nothing)" in columns  # anyio says nothing there


def test_the_contract_is_rendered_as_html() -> None:
    title, contract = site.contract_section("pool")
    assert title == "an async resource pool"
    assert "<li>" in contract
    assert "<code>" in contract
    assert "##" not in contract
    assert "`" not in contract


def test_the_pages_say_how_to_get_results_when_there_are_none(tmp_path: Path) -> None:
    assert "nox -s tests" in site.RESULTS_HINT
    exercise = model.load()[0]
    aligned = align.aligned_exercise(exercise)
    without = site.exercise_page(replace(exercise, results={}), [exercise], aligned, aligned)
    assert site.RESULTS_HINT in without
    ran = {target: Counter(passed=3) for target in model.TARGETS}
    with_results = site.exercise_page(replace(exercise, results=ran), [exercise], aligned, aligned)
    assert site.RESULTS_HINT not in with_results
    assert "3 ok" in with_results


# ------------------------------------------------------------ the browser check


@pytest.fixture
def browser_available() -> None:
    if site_check.chromium() is None:
        if os.environ.get("CI"):
            pytest.fail("CI runs the site check: install Chromium (apt-get install chromium)")
        pytest.skip("the site check needs Chromium: install Debian's `chromium` package")


PAGE = """<!doctype html><html><head><meta charset="utf-8"><style>
body {{ margin: 8px; font: 13px/1.4 "DejaVu Sans Mono", monospace; }}
.aligned {{ display: grid; grid-template-columns: 380px 580px 580px; gap: 10px; }}
.aligned div div {{ white-space: {white_space}; overflow-x: auto; }}
.add {{ background: #fff1b8; }}
</style></head><body><h1>{title}</h1><div class="aligned">{columns}</div></body></html>
"""


def columns(lines: list[tuple[str, str, str]], *, highlight: bool = True) -> str:
    """Three independent columns, ``data-row`` on each line: aligned only if nothing wraps."""
    out = []
    for index, package in enumerate(PACKAGES):
        cells = []
        for row, triple in enumerate(lines):
            marked = highlight and len(set(triple)) > 1 and triple[index]
            css = ' class="add"' if marked else ""
            line = f'data-row="{row}" data-package="{package}"{css}'
            cells.append(f"<div {line}>{triple[index]}</div>")
        out.append(f"<div>{''.join(cells)}</div>")
    return "".join(out)


SAME = [(f"value_{n} = compute(value_{n - 1})",) * 3 for n in range(1, 30)]
LONG = ("result = await some_function(with_an_argument, and_another_one, and_more)",) * 3


def write_page(tmp_path: Path, name: str, lines: list[Any], **options: Any) -> Path:
    path = tmp_path / f"{name}.html"
    white_space = options.pop("white_space", "pre-wrap")
    path.write_text(
        PAGE.format(title=name, white_space=white_space, columns=columns(lines, **options))
    )
    return path


@pytest.mark.real_time
@pytest.mark.usefixtures("browser_available")
def test_the_check_fails_on_a_blank_page(tmp_path: Path) -> None:
    blank = tmp_path / "blank.html"
    blank.write_text("<!doctype html><html><body></body></html>")
    with pytest.raises(site_check.CheckFailed, match="blank"):
        site_check.check_pages([blank])


@pytest.mark.real_time
@pytest.mark.usefixtures("browser_available")
def test_the_check_fails_when_a_wrapped_line_makes_the_columns_drift(tmp_path: Path) -> None:
    # The first column is the narrowest: the long line wraps there only.
    page = write_page(tmp_path, "drift", [*SAME[:3], LONG, *SAME[3:]])
    with pytest.raises(site_check.CheckFailed, match="drift") as failure:
        site_check.check_pages([page])
    assert "blank" not in str(failure.value)


@pytest.mark.real_time
@pytest.mark.usefixtures("browser_available")
def test_the_check_fails_when_differing_lines_are_not_highlighted(tmp_path: Path) -> None:
    differing = [*SAME, ("group.create_task(job())", "nursery.start_soon(job)", "")]
    page = write_page(tmp_path, "plain", differing, highlight=False)
    with pytest.raises(site_check.CheckFailed, match="not highlighted"):
        site_check.check_pages([page])
    site_check.check_pages([write_page(tmp_path, "marked", differing)])  # and passes when they are


@pytest.mark.real_time
@pytest.mark.usefixtures("browser_available")
def test_the_check_fails_when_a_code_cell_scrolls_sideways(tmp_path: Path) -> None:
    wide = [*SAME, ("x = 1", "x = 1", "y = " + "z" * 120)]
    page = write_page(tmp_path, "wide", wide, white_space="pre")
    with pytest.raises(site_check.CheckFailed, match="wider than their column"):
        site_check.check_pages([page])


@pytest.mark.real_time
@pytest.mark.usefixtures("browser_available")
def test_the_check_passes_on_the_real_site(tmp_path: Path) -> None:
    """The two longest pages (``nox -s site`` checks every page)."""
    site.build(tmp_path, with_matrix=False)
    pages = [tmp_path / "pool.html", tmp_path / "generators.html"]
    screenshot = tmp_path / "screenshot.png"
    report = site_check.check_pages(pages, screenshot=screenshot, focus=site_check.SCREENSHOT_AT)
    assert screenshot.stat().st_size > 10_000
    assert report[0].startswith("pool.html: ")
