"""Every exercise module opens with a short sample use, and the sample runs as written.

The samples are doctests in each module's docstring (as Fluent Python's
examples show a sample run), run here with the module's own globals, on the
module's own framework and the real clock: they must take milliseconds.
"""

from __future__ import annotations

import doctest
import importlib

import pytest

from tools.registry import EXERCISES, PACKAGES


@pytest.mark.parametrize("exercise", EXERCISES)
@pytest.mark.parametrize("implementation", PACKAGES)
def test_the_module_docstring_opens_with_a_sample_that_runs(
    implementation: str, exercise: str
) -> None:
    module = importlib.import_module(f"{implementation}.{exercise}")
    finder = doctest.DocTestFinder(recurse=False)
    tests = [test for test in finder.find(module) if test.examples]
    assert tests, f"{module.__name__}'s docstring has no sample use (a >>> example)"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    report: list[str] = []
    for test in tests:
        runner.run(test, out=report.append)
    assert runner.summarize(verbose=False).failed == 0, "".join(report)


def test_a_failing_sample_is_reported() -> None:
    class Module:
        """>>> 1 + 1
        3
        """

    runner = doctest.DocTestRunner()
    for test in doctest.DocTestFinder(recurse=False).find(Module, "Module"):
        runner.run(test, out=lambda text: None)
    assert runner.summarize(verbose=False).failed == 1
