"""The reader aligns the versions line by line, and the terminal keeps the rows aligned.

Small hand-made versions with their expected rows written out (``=`` a shared
row, ``+`` one that not every version has, ``·`` nothing in that column), then
the real exercises rendered at 100, 160 and 220 columns.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from pathlib import Path

import pytest
from rich.console import Console, RenderableType

from tools import align, compare, guarantees
from tools import exercises as model
from tools.registry import FRAMEWORK, PACKAGES

ASYNCIO = '''\
async def run(fns):
    """Run them."""
    async with asyncio.TaskGroup() as group:
        for fn in fns:
            await asyncio.sleep(0)  # a turn of the loop
            group.create_task(fn())
    return len(fns)
'''
TRIO = '''\
async def run(fns):
    """Run them."""
    async with trio.open_nursery() as nursery:
        for fn in fns:
            nursery.start_soon(fn)
    return len(fns)
'''
ANYIO = '''\
async def run(fns):
    """Run them."""
    async with anyio.create_task_group() as tg:
        for fn in fns:
            tg.start_soon(fn)
    return len(fns)
'''


def golden(rows: list[align.Row]) -> list[tuple[str, ...]]:
    """Rows as ``("=" or "+", cell, cell, ...)``, cells stripped, ``·`` for none."""
    return [
        ("=" if row.shared else "+", *("·" if c is None else c.strip() for c in row.cells.values()))
        for row in rows
    ]


def test_three_versions_align_statement_by_statement() -> None:
    rows = align.align({"asyncio": ASYNCIO, "trio": TRIO, "anyio": ANYIO})
    assert golden(rows) == [
        ("=", "async def run(fns):", "async def run(fns):", "async def run(fns):"),
        (
            "=",
            "async with asyncio.TaskGroup() as group:",
            "async with trio.open_nursery() as nursery:",
            "async with anyio.create_task_group() as tg:",
        ),
        ("=", "for fn in fns:", "for fn in fns:", "for fn in fns:"),
        ("+", "await asyncio.sleep(0)", "·", "·"),
        ("+", "group.create_task(fn())", "nursery.start_soon(fn)", "tg.start_soon(fn)"),
        ("=", "return len(fns)", "return len(fns)", "return len(fns)"),
    ]
    assert rows[3].cells["asyncio"] == " " * 12 + "await asyncio.sleep(0)"  # indentation kept


def test_docstrings_and_comments_unfold_on_request() -> None:
    rows = align.align({"asyncio": ASYNCIO, "trio": TRIO, "anyio": ANYIO}, fold_docstrings=False)
    assert golden(rows)[1] == ("=", '"""Run them."""', '"""Run them."""', '"""Run them."""')
    assert golden(rows)[4] == ("+", "await asyncio.sleep(0)  # a turn of the loop", "·", "·")
    assert len(rows) == 7


def test_a_line_one_version_adds_stands_alone_with_nothing_opposite() -> None:
    first = "def f(x):\n    a = 1\n    b = 2  # two\n\n\n    return a + b\n"
    second = "def f(x):\n    # why\n    a = 1\n    log(a)\n    b = 2\n\n    return a + b\n"
    assert golden(align.align({"first": first, "second": second})) == [
        ("=", "def f(x):", "def f(x):"),
        ("=", "a = 1", "a = 1"),
        ("+", "·", "log(a)"),
        ("=", "b = 2", "b = 2"),
        ("=", "", ""),  # blank lines kept, two in a row squeezed to one
        ("=", "return a + b", "return a + b"),
    ]


def test_a_definition_missing_from_a_version_has_no_cells_there() -> None:
    rows = align.align({"asyncio": "def f():\n    return 1\n", "trio": ""})
    assert golden(rows) == [("+", "def f():", "·"), ("+", "return 1", "·")]


def test_framework_spellings_of_one_step_normalise_alike() -> None:
    same = [
        "async with asyncio.TaskGroup() as group:",
        "async with trio.open_nursery() as nursery:  # trailing comments go",
        "async with anyio.create_task_group() as tg:",
    ]
    assert len({align.normalise(line.split("  #")[0]) for line in same}) == 1
    assert align.normalise("except trio.Cancelled:") == align.normalise(
        "except anyio.get_cancelled_exc_class():"
    )
    assert align.normalise("await trio.sleep(1)") == align.normalise("await asyncio.sleep(1)")
    assert align.normalise("await asyncio.sleep(0)") != align.normalise("await trio.sleep(1)")


# ------------------------------------------------------------ methods and helpers


def write(root: Path, package: str, module: str, source: str) -> None:
    (root / package).mkdir(exist_ok=True)
    (root / package / f"{module}.py").write_text(textwrap.dedent(source))


DEMO = '''
    """Demo."""
    from ._tasks import run_shielded


    class Pool:
        """Lend things."""

        size = 1

        def __init__(self):
            self.n = 0

        async def acquire(self):
            await run_shielded(self._make, 1)
            return _Lease()
    {extra}
        async def _make(self):
            self.n += 1


    class _Lease:
        def close(self):
            pass


    async def cleanup(fn):
        await run_shielded(fn, 1)
'''


def helpers_fixture(root: Path) -> model.Exercise:
    """Three packages whose ``run_shielded`` differs, used by a class and by a function."""
    write(
        root,
        "asyncio_impl",
        "_tasks",
        """
        import asyncio
        import math

        def no_limit_as_none(seconds):
            return None if math.isinf(seconds) else seconds

        async def run_shielded(fn, timeout):
            task = asyncio.create_task(fn())
            while not task.done():
                try:
                    await asyncio.wait([task], timeout=no_limit_as_none(timeout))
                except asyncio.CancelledError:
                    pass
        """,
    )
    for package in ("trio_impl", "anyio_impl"):
        framework = FRAMEWORK[package]
        shielded = f"""
            import {framework}

            async def run_shielded(fn, timeout):
                with {framework}.move_on_after(timeout, shield=True):
                    await fn()
            """
        write(root, package, "_tasks", shielded)
    write(root, "asyncio_impl", "demo", DEMO.format(extra=""))
    trio_extra = "\n        async def checkpoint(self):\n            await trio.sleep(0)\n"
    write(root, "trio_impl", "demo", DEMO.format(extra=trio_extra))
    write(root, "anyio_impl", "demo", DEMO.format(extra=""))
    [exercise] = model.load(root, PACKAGES)
    return exercise


def test_classes_come_method_by_method_each_followed_by_its_helpers(tmp_path: Path) -> None:
    aligned = align.aligned_exercise(helpers_fixture(tmp_path))
    assert [a.name for a in aligned] == [
        "Pool",
        "Pool.__init__",
        "Pool.acquire",
        "_tasks.run_shielded",  # the helper right after its first user
        "_tasks.no_limit_as_none",  # and the helper's own helper
        "_Lease",  # a private class of the module, after its first user too
        "_Lease.close",
        "Pool.checkpoint",  # trio's only: after the method it follows there
        "Pool._make",
        "cleanup",  # run_shielded was shown already
    ]
    by_name = {a.name: a for a in aligned}
    header = golden(by_name["Pool"].rows)
    assert header == [
        ("=", "class Pool:", "class Pool:", "class Pool:"),
        ("=", "size = 1", *["size = 1"] * 2),
    ]
    shielded = by_name["_tasks.run_shielded"]
    move_on = "with {}.move_on_after(timeout, shield=True):"
    assert golden(shielded.rows) == [  # nothing alike but the def: asyncio's lines, then the rest
        ("=", *["async def run_shielded(fn, timeout):"] * 3),
        ("+", "task = asyncio.create_task(fn())", "·", "·"),
        ("+", "while not task.done():", "·", "·"),
        ("+", "try:", "·", "·"),
        ("+", "await asyncio.wait([task], timeout=no_limit_as_none(timeout))", "·", "·"),
        ("+", "except asyncio.CancelledError:", "·", "·"),
        ("+", "pass", "·", "·"),
        ("+", "·", move_on.format("trio"), move_on.format("anyio")),
        ("+", "·", "await fn()", "await fn()"),
    ]
    assert shielded.shared_lines == 1
    assert shielded.added == {"asyncio_impl": 6, "trio_impl": 2, "anyio_impl": 2}
    assert shielded.primitives["trio_impl"] == ["trio.move_on_after"]
    assert by_name["Pool.checkpoint"].added == {"asyncio_impl": 0, "trio_impl": 2, "anyio_impl": 0}


def test_a_class_header_stops_before_a_decorated_first_method(tmp_path: Path) -> None:
    for package in PACKAGES:
        write(
            tmp_path,
            package,
            "demo",
            "class C:\n    @property\n    def x(self):\n        return 1\n",
        )
    [exercise] = model.load(tmp_path, PACKAGES)
    header, method = align.aligned_exercise(exercise)
    assert golden(header.rows) == [("=", *["class C:"] * 3)]
    assert method.name == "C.x"
    assert golden(method.rows)[0] == ("=", *["@property"] * 3)


def test_the_real_helpers_are_shown_after_their_users() -> None:
    """The issue's examples: run_with_cleanup brings asyncio's shielding loop along."""
    exercises = {e.name: e for e in model.load()}
    names = [a.name for a in align.aligned_exercise(exercises["timeouts"])]
    assert names[names.index("run_with_cleanup") + 1] == "_tasks.run_shielded"
    # run_shielded's own helper, the loop that holds the caller's cancellation back.
    assert names[names.index("_tasks.run_shielded") + 1] == "_tasks.wait_out"
    waiting = next(
        a for a in align.aligned_exercise(exercises["timeouts"]) if a.name == "_tasks.wait_out"
    )
    loop = [r for r in waiting.rows if (r.cells["asyncio_impl"] or "").strip().startswith("while")]
    assert loop
    assert not loop[0].shared
    pool = {a.name: a for a in align.aligned_exercise(exercises["pool"])}
    assert all(any(r.cells[p] for r in pool["Pool.acquire"].rows) for p in PACKAGES)


@pytest.mark.parametrize("fold", [True, False])
def test_every_line_of_every_version_stands_in_its_column_in_order(fold: bool) -> None:
    """Nothing is lost or reordered: a column read top to bottom is the version's code."""
    for exercise in model.load():
        for aligned in align.aligned_exercise(exercise, fold_docstrings=fold):
            for package in PACKAGES:
                column = [r.cells[package] for r in aligned.rows]
                code = [c.strip() for c in column if c is not None and c.strip()]
                assert len(code) >= aligned.shared_lines + aligned.added[package]
                if fold:  # only code lines, each counted as shared or added
                    assert len(code) == aligned.shared_lines + aligned.added[package] or not code


def test_folded_and_unfolded_list_the_same_definitions_in_the_same_order() -> None:
    """The site pairs the two lists one to one, to show docstrings on a click."""
    for exercise in model.load():
        folded = align.aligned_exercise(exercise)
        unfolded = align.aligned_exercise(exercise, fold_docstrings=False)
        assert [a.name for a in folded] == [a.name for a in unfolded]
        assert [a.shared_lines for a in folded] == [a.shared_lines for a in unfolded]


# ------------------------------------------------------------ rendering


def render(renderable: RenderableType, width: int) -> str:
    console = Console(width=width, file=io.StringIO(), color_system=None, force_terminal=False)
    console.print(renderable)
    assert isinstance(console.file, io.StringIO)
    return console.file.getvalue()


def rendered(aligned: align.Aligned, packages: Sequence[str], width: int) -> list[str]:
    console = Console(width=width, file=io.StringIO(), color_system=None, force_terminal=False)
    compare.render_aligned(console, aligned, packages)
    assert isinstance(console.file, io.StringIO)
    return console.file.getvalue().splitlines()


def starts(shown: str, cell: str | None) -> bool:
    """Whether the text shown in a column (mark and line) is the start of ``cell``."""
    if cell is None or not cell.strip():
        return not shown.strip()
    code = shown[len(compare.ADDED_MARK) :].rstrip()
    return bool(code.strip()) and cell.rstrip().startswith(code)


def height(cell: str | None, width: int) -> int:
    """Output lines a cell takes in a column ``width`` wide (mark included)."""
    if cell is None or not cell.strip():
        return 0
    return len(compare.wrap_spans(cell, width - len(compare.ADDED_MARK)))


def check_side_by_side(
    lines: list[str], aligned: align.Aligned, packages: Sequence[str], width: int
) -> None:
    """Each row's cells start on one output line, right after the row before, marked if not shared.

    No row is left out, repeated or shifted in one column: the versions never drift.
    """
    inner = (width - len(compare.SEPARATOR) * (len(packages) - 1)) // len(packages)
    body = [line.split("│") for line in lines if "│" in line][1:]  # after the header
    body = [[parts[0], *(p[1:] for p in parts[1:])] for parts in body]
    at = 0
    for row in aligned.rows:
        cells = [row.cells[p] for p in packages]
        where = f"{aligned.name} at {width}: row {cells} not on output line {at}"
        assert at < len(body), where
        assert len(body[at]) == len(cells), where
        assert all(starts(shown, cell) for shown, cell in zip(body[at], cells, strict=True)), where
        mark = compare.SHARED_MARK if row.shared else compare.ADDED_MARK
        assert all(s.startswith(mark) for s, c in zip(body[at], cells, strict=True) if c), where
        at += max(1, *(height(c, inner) for c in cells))
    assert at == len(body), f"{aligned.name}: {len(body) - at} lines after the last row"


def check_stacked(
    lines: list[str], aligned: align.Aligned, packages: Sequence[str], width: int
) -> None:
    """A shared statement stands once, untagged; other lines tagged with their framework.

    Every row in order, right after the one before: none left out or repeated.
    """
    tag = max(len(FRAMEWORK[p]) for p in packages) + 1
    inner = width - tag
    expected: list[tuple[str, str]] = []  # (tag, line) in output order; ("", "") a blank line
    for row in aligned.rows:
        present = [(p, c) for p, c in row.cells.items() if c is not None]
        if not any(c.strip() for _, c in present):
            expected.append(("", ""))
        elif row.shared and len({c.strip() for _, c in present}) == 1:
            expected.append(("", present[0][1]))
        else:
            seen: set[str] = set()
            for package, cell in present:
                if not (row.shared and cell.strip() in seen):  # one spelling, shown once
                    expected.append((FRAMEWORK[package], cell))
                seen.add(cell.strip())
    first = expected[0][1]
    at = next(i for i, line in enumerate(lines) if line[tag:].strip() and starts(line[tag:], first))
    for label, cell in expected:
        where = f"{aligned.name} at {width}: {label or 'shared'} {cell!r} not on line {at}"
        assert at < len(lines), where
        assert lines[at][:tag].strip() == label, where
        assert starts(lines[at][tag:], cell), where
        at += max(1, height(cell, inner))
    assert at == len(lines), f"{aligned.name}: {len(lines) - at} lines after the last row"


@pytest.mark.parametrize("width", [100, 160, 220])
def test_compare_keeps_every_row_on_one_line_at_any_width(width: int) -> None:
    for exercise in model.load():
        for aligned in align.aligned_exercise(exercise):
            lines = rendered(aligned, PACKAGES, width)
            assert max(map(len, lines)) <= width, aligned.name
            if align.identical(aligned.rows):
                continue  # one block, checked below
            if width >= compare.COLUMN_WIDTH * len(PACKAGES):
                check_side_by_side(lines, aligned, PACKAGES, width)
            else:
                check_stacked(lines, aligned, PACKAGES, width)


def test_two_way_mode_for_workshops_stands_side_by_side_at_160() -> None:
    two = ("asyncio_impl", "trio_impl")
    for exercise in model.load():
        chosen = model.Exercise(exercise.name, {p: exercise.versions[p] for p in two})
        for aligned in align.aligned_exercise(chosen):
            assert list(aligned.added) == list(two)
            if not align.identical(aligned.rows):
                check_side_by_side(rendered(aligned, two, 160), aligned, two, 160)


@pytest.mark.parametrize("width", [100, 220])
def test_a_definition_identical_in_three_renders_as_one_shared_block(
    tmp_path: Path, width: int
) -> None:
    [lease] = [
        a for a in align.aligned_exercise(helpers_fixture(tmp_path)) if a.name == "_Lease.close"
    ]
    assert align.identical(lease.rows)
    assert lease.added == dict.fromkeys(PACKAGES, 0)
    output = "\n".join(rendered(lease, PACKAGES, width))
    assert "the same in asyncio, trio, anyio" in output
    assert output.count("def close(self):") == 1
    assert output.count("pass") == 1
    assert "│   " not in output.replace("│   def", "").replace("│       pass", "")  # no columns


def test_long_lines_wrap_inside_their_column_with_a_hanging_indent() -> None:
    line = "        result = some_function(first_argument, second_argument, third_argument)"
    [first, second] = compare.cell_lines(line, False, "trio_impl", 60)
    assert first.plain == "+ " + line[: len(first.plain) - 2]
    assert second.plain.startswith(" " * (2 + 12))
    assert second.plain.strip() in line
    assert all(len(part.plain) <= 60 for part in (first, second))


# ------------------------------------------------------------ matrix, overview, command line


def fake_matrix() -> dict[str, dict[str, bool]]:
    return {
        g: {c: index % 2 == 0 for index, c in enumerate(cells)}
        for g, cells in guarantees.MATRIX.items()
    }


def words_whole(text: str, phrases: list[str]) -> None:
    tokens = set(text.split())
    split = {w for phrase in phrases for w in phrase.split() if w not in tokens}
    assert not split, f"split across lines: {sorted(split)}"


def test_the_guarantee_matrix_splits_no_word_at_80_columns() -> None:
    results = fake_matrix()
    text = render(guarantees.rich_table(results), 80)
    assert max(map(len, text.splitlines())) <= 80
    words_whole(text, [*results, *guarantees.CONSTRUCTS])
    assert {"✓", "✗", "—"} <= set(text)


def test_the_overview_reads_at_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guarantees, "compute", fake_matrix)
    console = Console(width=80, file=io.StringIO(), color_system=None, force_terminal=False)
    exercises = model.load()
    compare.overview(console, exercises)
    assert isinstance(console.file, io.StringIO)
    text = console.file.getvalue()
    assert max(map(len, text.splitlines())) <= 80
    words_whole(text, [e.name for e in exercises] + list(model.TARGETS) + list(guarantees.MATRIX))


def test_help_and_bad_arguments_name_the_parameter(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        compare.main(["--help"])
    assert done.value.code == 0
    assert "--only" in capsys.readouterr().out
    for argv, parameter in [
        (["nosuch"], "argument exercise"),
        (["pool", "--only", "asyncio,curio"], "argument --only"),
        (["pool", "--only", "trio,trio_impl"], "argument --only"),
        (["--only", "trio,anyio"], "argument --only"),
    ]:
        with pytest.raises(SystemExit) as done:
            compare.main(argv)
        assert done.value.code == 2
        assert parameter in capsys.readouterr().err, argv


def test_only_takes_frameworks_or_packages_in_the_order_given() -> None:
    assert compare.only_packages("trio,asyncio") == ["trio_impl", "asyncio_impl"]
    assert compare.only_packages("anyio_impl, trio") == ["anyio_impl", "trio_impl"]
