"""The comparison tools read the code: numbers change with it, and rows align by name."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tools import exercises as model
from tools import flakes
from tools.registry import ROOT

PACKAGES = ("a_impl", "b_impl", "c_impl")


def write(root: Path, package: str, module: str, source: str) -> None:
    (root / package).mkdir(exist_ok=True)
    (root / package / f"{module}.py").write_text(textwrap.dedent(source))


def fixture_packages(root: Path) -> None:
    write(
        root,
        "a_impl",
        "demo",
        '''
        """Module doc."""
        import asyncio

        async def first(x):
            """Doc lines do not count."""
            # nor comments
            async with asyncio.TaskGroup() as group:
                group.create_task(x())

        def extra():
            return 1
    ''',
    )
    write(
        root,
        "b_impl",
        "demo",
        """
        import trio

        async def first(x):
            async with trio.open_nursery() as nursery:
                nursery.start_soon(x)
    """,
    )
    write(
        root,
        "c_impl",
        "demo",
        """
        import anyio

        async def first(x):
            async with anyio.create_task_group() as group:
                group.start_soon(x)

        async def second():
            await anyio.sleep(1)
    """,
    )
    write(root, "a_impl", "only_here", "def f():\n    pass\n")


def test_rows_align_same_named_definitions_and_mark_missing_ones(tmp_path: Path) -> None:
    fixture_packages(tmp_path)
    [exercise] = model.load(tmp_path, PACKAGES)  # only_here is not in every package
    rows = {name: {p: d is not None for p, d in cells.items()} for name, cells in exercise.rows()}
    assert list(rows) == ["first", "extra", "second"]
    assert rows["first"] == dict.fromkeys(PACKAGES, True)
    assert rows["extra"] == {"a_impl": True, "b_impl": False, "c_impl": False}
    assert rows["second"] == {"a_impl": False, "b_impl": False, "c_impl": True}


def test_numbers_come_from_the_code(tmp_path: Path) -> None:
    fixture_packages(tmp_path)
    [exercise] = model.load(tmp_path, PACKAGES)
    assert exercise.versions["a_impl"].lines_of_code == 6  # no docstrings, comments, blanks
    assert exercise.versions["a_impl"].primitives == ["asyncio.TaskGroup"]
    assert exercise.versions["b_impl"].primitives == ["trio.open_nursery"]
    write(
        tmp_path, "b_impl", "demo", "import trio\n\nasync def first(x):\n    await trio.sleep(1)\n"
    )
    [changed] = model.load(tmp_path, PACKAGES)
    assert changed.versions["b_impl"].lines_of_code == 3
    assert changed.versions["b_impl"].primitives == ["trio.sleep"]


def test_suite_results_are_read_from_the_junit_report(tmp_path: Path) -> None:
    fixture_packages(tmp_path)
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "junit.xml").write_text(
        "<testsuites><testsuite>"
        '<testcase classname="shared_tests.test_demo" name="test_x[trio_impl-trio]"/>'
        '<testcase classname="shared_tests.test_demo" name="test_y[trio_impl-trio]">'
        '<failure message="boom"/></testcase>'
        '<testcase classname="shared_tests.test_demo" name="test_x[anyio_impl-asyncio-native]"/>'
        '<testcase classname="shared_tests.test_demo" name="test_x[asyncio_impl-asyncio-eager]"/>'
        "</testsuite></testsuites>"
    )
    [exercise] = model.load(tmp_path, PACKAGES)
    assert exercise.results["trio_impl-trio"] == {"passed": 1, "failed": 1}
    assert exercise.results["anyio_impl-asyncio-native"] == {"passed": 1}
    assert exercise.results["asyncio_impl-asyncio-eager"] == {"passed": 1}
    assert "asyncio_impl-asyncio" not in exercise.results  # the eager run is its own column


def test_the_readme_table_of_lines_of_code_is_current() -> None:
    """The README's sizes come from the code; this fails, with the right rows, when they drift."""
    expected = model.size_table(model.load())
    readme = (ROOT / "README.md").read_text().splitlines()
    start = readme.index(model.SIZE_TABLE_HEAD)
    assert readme[start : start + len(expected)] == expected, "\n".join(expected)


def test_differing_lines_counts_what_a_line_diff_cannot_pair() -> None:
    first = "async def f():\n    a = 1  # one\n    await x()\n    return a\n"
    second = 'async def f():\n    """Doc."""\n    a = 1\n    await y()\n    return a\n'
    assert model.differing_lines(first, second) == 2  # await x() and await y()
    assert model.differing_lines(first, first) == 0


def test_flakes_reports_a_test_whose_result_changed(tmp_path: Path) -> None:
    report = tmp_path / "run.xml"
    report.write_text(
        "<testsuites><testsuite>"
        '<testcase classname="shared_tests.test_a" name="test_ok"/>'
        '<testcase classname="shared_tests.test_a" name="test_x">'
        '<failure message="boom"/></testcase>'
        '<testcase classname="shared_tests.test_a" name="test_y">'
        '<skipped type="pytest.xfail" message="xfail"/></testcase>'
        "</testsuite></testsuites>"
    )
    first = flakes.outcomes(report)
    assert first == {
        "shared_tests.test_a::test_ok": "passed",
        "shared_tests.test_a::test_x": "failed",
        "shared_tests.test_a::test_y": "xfailed",
    }
    second = {**first, "shared_tests.test_a::test_x": "passed"}
    third = {k: v for k, v in first.items() if not k.endswith("test_y")}
    assert flakes.changed({1: first, 2: first}) == {}
    assert flakes.changed({1: first, 2: second, 3: third}) == {
        "shared_tests.test_a::test_x": {"failed": [1, 3], "passed": [2]},
        "shared_tests.test_a::test_y": {"xfailed": [1, 2], "missing": [3]},
    }
