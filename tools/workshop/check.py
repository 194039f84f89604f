"""Run the shared suite against a participant's package and report clause by clause.

The suite runs in this process (``pytest.main``) with its output written to
a log, on the targets of the participant's framework; a plugin keeps only
the tests the exercise's clauses name and records each one's outcome.  A
test that failed because a body still raises ``NotImplementedError`` is
reported as "not implemented yet" rather than as a traceback.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tools.registry import ROOT, Target

from .clauses import Clause

NOT_IMPLEMENTED = "not implemented yet"


@dataclass
class Result:
    """One test on one target."""

    test: str
    target: str
    outcome: str  # passed, failed or skipped
    message: str = ""
    not_implemented: bool = False
    module: str = ""
    """For the drift tests, which run once per exercise module: that module."""


@dataclass
class ClauseResult:
    clause: Clause
    results: list[Result] = field(default_factory=list)

    @property
    def status(self) -> str:
        """``pass``, ``not implemented``, ``fail``, ``skipped`` or ``n/a`` (no test applies)."""
        failed = [r for r in self.results if r.outcome == "failed"]
        if failed:
            return "not implemented" if all(r.not_implemented for r in failed) else "fail"
        if any(r.outcome == "passed" for r in self.results):
            return "pass"
        return "skipped" if self.results else "n/a"

    @property
    def first_failure(self) -> Result | None:
        failed = [r for r in self.results if r.outcome == "failed"]
        return next((r for r in failed if not r.not_implemented), failed[0] if failed else None)


def test_key(item: pytest.Item) -> str:
    """``test_pool.py::test_name``: how clauses name a test, without its parameters."""
    return f"{Path(str(item.path)).name}::{getattr(item, 'originalname', item.name)}"


class Collector:
    """A pytest plugin: select the clauses' tests and record what each one did."""

    def __init__(self, clauses: Sequence[Clause]) -> None:
        self.exercises = {clause.exercise for clause in clauses}
        self.wanted = {test for clause in clauses for test in clause.tests}
        self.results: dict[str, list[Result]] = {}
        self._not_implemented: set[str] = set()
        self._by_nodeid: dict[str, Result] = {}
        self.collection_errors: list[str] = []

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            crash = getattr(report.longrepr, "reprcrash", None)
            message = (
                getattr(crash, "message", None) or str(report.longrepr).strip().splitlines()[-1]
            )
            self.collection_errors.append(f"{report.nodeid}: {message}")

    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        keep = [item for item in items if self._selected(item)]
        config.hook.pytest_deselected(items=[item for item in items if item not in keep])
        items[:] = keep

    def _selected(self, item: pytest.Item) -> bool:
        if test_key(item) not in self.wanted:
            return False
        params: dict[str, Any] = getattr(getattr(item, "callspec", None), "params", {})
        # The drift tests run per exercise module: only these exercises'.
        return params.get("module_name", next(iter(self.exercises))) in self.exercises

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Iterator[None]:
        report = yield
        if call.excinfo is not None and _raised_not_implemented(call.excinfo.value):
            self._not_implemented.add(item.nodeid)
        if item.nodeid not in self._by_nodeid:
            params: dict[str, Any] = getattr(getattr(item, "callspec", None), "params", {})
            where = params.get("target", params.get("package", ""))
            result = Result(
                test_key(item), where.id if isinstance(where, Target) else str(where), "passed"
            )
            self._by_nodeid[item.nodeid] = result
            self.results.setdefault(result.test, []).append(result)
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        result = self._by_nodeid.get(report.nodeid)
        if result is None or result.outcome == "failed":
            return
        if report.failed:
            result.outcome = "failed"
            result.not_implemented = report.nodeid in self._not_implemented
            crash = getattr(report.longrepr, "reprcrash", None)
            message = getattr(crash, "message", "") or str(report.longrepr)
            result.message = message.strip().splitlines()[0] if message.strip() else ""
        elif report.skipped and result.outcome == "passed" and report.when != "teardown":
            result.outcome = "skipped"


def _raised_not_implemented(exc: BaseException | None, seen: set[int] | None = None) -> bool:
    """Whether ``exc``, its group's members, its cause or its context is a NotImplementedError."""
    seen = set() if seen is None else seen
    if exc is None or id(exc) in seen:
        return False
    seen.add(id(exc))
    if isinstance(exc, NotImplementedError):
        return True
    inner = list(exc.exceptions) if isinstance(exc, BaseExceptionGroup) else []
    return any(_raised_not_implemented(e, seen) for e in [*inner, exc.__cause__, exc.__context__])


class SuiteDidNotRun(Exception):
    """The suite could not collect the exercise's tests (the message says why)."""


def run(
    clauses: Sequence[Clause], specs: Sequence[str], *, package_root: Path, log: Path
) -> list[ClauseResult]:
    """Run ``clauses``' tests on the targets ``specs`` (``--impl`` values) and judge each clause.

    The clauses may come from several exercises: one run of the suite checks them all.

    Raises ``SuiteDidNotRun`` if a test file could not even be collected.
    """
    collector = Collector(clauses)
    files = sorted({test.split("::")[0] for clause in clauses for test in clause.tests})
    args = [
        *(str(ROOT / "shared_tests" / name) for name in files),
        *(part for spec in specs for part in ("--impl", spec)),
        f"--rootdir={ROOT}", "-c", str(ROOT / "pyproject.toml"),
        "-p", "no:randomly", "-p", "no:cacheprovider", "-q", "--tb=short",
        "--hypothesis-profile=workshop",
    ]  # fmt: skip
    sys.path.insert(0, str(package_root))
    log.parent.mkdir(parents=True, exist_ok=True)
    with (
        log.open("w") as output,
        contextlib.redirect_stdout(output),
        contextlib.redirect_stderr(output),
    ):
        pytest.main(args, plugins=[collector])
    if collector.collection_errors:
        raise SuiteDidNotRun("; ".join(collector.collection_errors))
    return [
        ClauseResult(
            clause,
            [
                result
                for test in clause.tests
                for result in collector.results.get(test, [])
                if result.module in ("", clause.exercise)
            ],
        )
        for clause in clauses
    ]
