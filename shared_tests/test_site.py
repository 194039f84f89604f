"""The site: results kept per target, and a browser check that fails on a page nobody can read."""

from __future__ import annotations

import os
from pathlib import Path

from tools import exercises as model


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
