"""``python -m tools.flakes --runs N [-- PYTEST ARGS]``: tests whose result changes between runs.

Runs the suite ``N`` times, each in a random order of its own
(``pytest-randomly``, a different seed per run, printed), and reads each
run's JUnit report.  A test that passed in one run and failed in another is
a flake: the report names it, with the seeds of the runs where it failed, so
``pytest -p randomly --randomly-seed=SEED`` reproduces the order.

Exits 1 if any test changed its result (or a run crashed), 0 otherwise.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from tools.registry import ROOT


def outcomes(report: Path) -> dict[str, str]:
    """``{test id: passed | failed | skipped | xfailed}`` from one JUnit report."""
    found: dict[str, str] = {}
    for case in ET.parse(report).iter("testcase"):
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "failed"
            elif child.tag == "skipped":
                xfail = "xfail" in (child.get("type", "") + child.get("message", ""))
                outcome = "xfailed" if xfail else "skipped"
        found[f"{case.get('classname', '')}::{case.get('name', '')}"] = outcome
    return found


def changed(runs: dict[int, dict[str, str]]) -> dict[str, dict[str, list[int]]]:
    """The tests whose outcome differs between runs: ``{test: {outcome: [seeds]}}``.

    A test missing from a run (a crash cut it short) counts as ``missing``.
    """
    tests = {test for found in runs.values() for test in found}
    flaky: dict[str, dict[str, list[int]]] = {}
    for test in sorted(tests):
        by_outcome: dict[str, list[int]] = defaultdict(list)
        for seed, found in runs.items():
            by_outcome[found.get(test, "missing")].append(seed)
        if len(by_outcome) > 1:
            flaky[test] = dict(by_outcome)
    return flaky


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.flakes", description=__doc__)
    parser.add_argument("--runs", type=int, default=20, help="how many runs (default 20)")
    parser.add_argument("pytest_args", nargs="*", help="passed to pytest, as is any unknown option")
    options, extra = parser.parse_known_args(argv)  # what it does not know goes to pytest
    options.pytest_args += extra
    if options.runs < 2:
        parser.error(f"--runs must be at least 2, got {options.runs}")
    seeds = random.sample(range(1, 2**31), options.runs)
    runs: dict[int, dict[str, str]] = {}
    crashed = []
    with tempfile.TemporaryDirectory() as folder:
        for number, seed in enumerate(seeds, start=1):
            report = Path(folder) / f"run-{seed}.xml"
            command = [
                sys.executable, "-m", "pytest", "-q", "-p", "randomly",
                f"--randomly-seed={seed}", f"--junitxml={report}", *options.pytest_args,
            ]  # fmt: skip
            start = time.perf_counter()
            result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
            seconds = time.perf_counter() - start
            tail = result.stdout.strip().splitlines()[-1:] or ["(no output)"]
            print(f"run {number}/{options.runs}, seed {seed}: {tail[0]} [{seconds:.0f} s]")
            if not report.exists():
                crashed.append(seed)
                print(result.stdout[-2000:], result.stderr[-2000:], sep="\n")
                continue
            runs[seed] = outcomes(report)
    flaky = changed(runs)
    for test, by_outcome in flaky.items():
        where = "; ".join(f"{outcome} with seed {seeds}" for outcome, seeds in by_outcome.items())
        print(f"FLAKY {test}: {where}")
    print(f"{len(runs)} runs, {len(flaky)} tests changed their result, {len(crashed)} crashed")
    return 1 if flaky or crashed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
