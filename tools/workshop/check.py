"""Run the shared suite against a participant's package and judge it clause by clause.

The suite runs in a child process (``python -m tools.workshop.check``) on
the targets of the participant's framework; a plugin keeps only the tests
the clauses name and writes what each one did, as it happens, to a file of
JSON lines.  A participant's code may never stop (a worker that loops
forever on virtual time), so each test has a real-time limit: the child is
stopped at the first test that exceeds it (pytest-timeout's thread method),
that test is recorded as hung, and a new child goes on with the rest.

A test that failed because a body still raises ``NotImplementedError`` is
reported as "not implemented yet" rather than as a traceback.

Absolute imports only: anyio's process workers import the parent's main
module by its path, which a checked ``run_in_process`` test makes them do.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Generator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tools.registry import ROOT, Target
from tools.workshop.clauses import Clause

NOT_IMPLEMENTED = "not implemented yet"
TEST_TIMEOUT = 20.0
"""Real seconds a test may run in a check before it counts as hung."""


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
    location: str = ""
    """Where the failure surfaced: ``shared_tests/test_pool.py:231``."""


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


class SuiteDidNotRun(Exception):
    """The suite could not collect the exercise's tests (the message says why)."""


def test_key(item: pytest.Item) -> str:
    """``test_pool.py::test_name``: how clauses name a test, without its parameters."""
    return f"{Path(str(item.path)).name}::{getattr(item, 'originalname', item.name)}"


def _params(item: pytest.Item) -> dict[str, Any]:
    params: dict[str, Any] = getattr(getattr(item, "callspec", None), "params", {})
    return params


class Collector:
    """A pytest plugin: select the clauses' tests and write down what each one did."""

    def __init__(self, tests: Sequence[str], exercises: Sequence[str], done: set[str], out: Path):
        self.wanted, self.exercises, self.done = set(tests), set(exercises), done
        self.out = out.open("a")
        self._results: dict[str, Result] = {}
        self._not_implemented: set[str] = set()

    def _write(self, **event: Any) -> None:
        self.out.write(json.dumps(event) + "\n")
        self.out.flush()  # the process may be stopped at any moment

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            crash = getattr(report.longrepr, "reprcrash", None)
            message = getattr(crash, "message", None) or str(report.longrepr).strip()
            self._write(event="collection error", message=f"{report.nodeid}: {message}")

    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        keep = [item for item in items if self._selected(item)]
        config.hook.pytest_deselected(items=[item for item in items if item not in keep])
        items[:] = keep

    def _selected(self, item: pytest.Item) -> bool:
        if test_key(item) not in self.wanted or item.nodeid in self.done:
            return False
        # The drift tests run once per exercise module: only these exercises'.
        return _params(item).get("module_name", next(iter(self.exercises))) in self.exercises

    def pytest_runtest_logstart(self, nodeid: str, location: object) -> None:
        self._write(event="start", nodeid=nodeid)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if call.excinfo is not None and _raised_not_implemented(call.excinfo.value):
            self._not_implemented.add(item.nodeid)
        if item.nodeid not in self._results:
            where = _params(item).get("target", _params(item).get("package", ""))
            self._results[item.nodeid] = Result(
                test_key(item),
                where.id if isinstance(where, Target) else str(where),
                "passed",
                module=_params(item).get("module_name", ""),
            )
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        result = self._results.get(report.nodeid)
        if result is None or result.outcome == "failed":
            return
        if report.failed:
            result.outcome = "failed"
            # Some tests catch what the code raised and compare it: then only the
            # report's text shows that a stub raised NotImplementedError.
            result.not_implemented = report.nodeid in self._not_implemented or (
                "NotImplementedError" in str(report.longrepr)
            )
            crash = getattr(report.longrepr, "reprcrash", None)
            message = (getattr(crash, "message", "") or str(report.longrepr)).strip()
            result.message = message.splitlines()[0] if message else ""
            if crash is not None:
                path = Path(crash.path)
                shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
                result.location = f"{shown}:{crash.lineno}"
        elif report.skipped and result.outcome == "passed" and report.when != "teardown":
            result.outcome = "skipped"

    def pytest_runtest_logfinish(self, nodeid: str, location: object) -> None:
        result = self._results.get(nodeid)
        if result is not None:
            self._write(event="result", nodeid=nodeid, **asdict(result))


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


def run(
    clauses: Sequence[Clause],
    specs: Sequence[str],
    *,
    package_root: Path,
    log: Path,
    test_timeout: float = TEST_TIMEOUT,
) -> list[ClauseResult]:
    """Run ``clauses``' tests on the targets ``specs`` (``--impl`` values) and judge each clause.

    The clauses may come from several exercises: one run of the suite checks
    them all.  Raises ``SuiteDidNotRun`` if a test file could not be collected.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    events = log.with_suffix(".jsonl")
    events.write_text("")
    log.write_text("")
    results: dict[str, Result] = {}
    while True:
        config = {
            "tests": sorted({test for clause in clauses for test in clause.tests}),
            "exercises": sorted({clause.exercise for clause in clauses}),
            "specs": list(specs),
            "done": sorted(results),
            "events": str(events),
            "timeout": test_timeout,
        }
        with log.open("a") as output:
            finished = subprocess.run(
                [sys.executable, "-m", "tools.workshop.check", json.dumps(config)],
                cwd=ROOT,
                env=_environment(package_root),
                stdout=output,
                stderr=subprocess.STDOUT,
                check=False,
            )
        started = ""
        for line in events.read_text().splitlines():
            event = json.loads(line)
            kind = event.pop("event")
            if kind == "collection error":
                raise SuiteDidNotRun(event["message"])
            if kind == "start":
                started = event["nodeid"]
            elif kind == "result":
                nodeid = event.pop("nodeid")
                results[nodeid] = Result(**event)
                started = ""
        if finished.returncode not in (0, pytest.ExitCode.NO_TESTS_COLLECTED) and not started:
            raise SuiteDidNotRun(_last_error(log) or f"status {finished.returncode}")
        if not started:
            break
        # The child was stopped in this test: record it as hung, then go on without it.
        results[started] = Result(
            started.split("/")[-1].split("[")[0],
            started.partition("[")[2].rstrip("]"),
            "failed",
            f"still running after {test_timeout:g} s of real time: a task that never ends?",
        )
        events.write_text("")
    return [
        ClauseResult(
            clause,
            [
                result
                for result in results.values()
                if result.test in clause.tests and result.module in ("", clause.exercise)
            ],
        )
        for clause in clauses
    ]


def _last_error(log: Path) -> str:
    """The error that stopped pytest itself (an import of the package failed, say)."""
    errors = [
        line.removeprefix("INTERNALERROR>").strip()
        for line in log.read_text().splitlines()
        if line.startswith("INTERNALERROR>") and "Error" in line
    ]
    return errors[-1] if errors else ""


def _environment(package_root: Path) -> dict[str, str]:
    """The child's environment: the participant's packages importable, here and in
    the processes the tests start (``offload.run_in_process``)."""
    paths = [str(package_root), str(ROOT), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, paths))}


def _child(config: dict[str, Any]) -> int:
    """In the child: run the suite with the collector, on the configured targets."""
    files = sorted({test.split("::")[0] for test in config["tests"]})
    args = [
        *(str(ROOT / "shared_tests" / name) for name in files),
        *(part for spec in config["specs"] for part in ("--impl", spec)),
        f"--rootdir={ROOT}", "-c", str(ROOT / "pyproject.toml"),
        "-p", "no:randomly", "-p", "no:cacheprovider", "-q", "--tb=short",
        "--hypothesis-profile=workshop",
        f"--timeout={config['timeout']:g}", "--timeout-method=thread",
    ]  # fmt: skip
    collector = Collector(
        config["tests"], config["exercises"], set(config["done"]), Path(config["events"])
    )
    status = pytest.main(args, plugins=[collector])
    # Failed tests are the verdict, not an error of the check.
    return 0 if status in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) else int(status)


if __name__ == "__main__":
    sys.exit(_child(json.loads(sys.argv[1])))
