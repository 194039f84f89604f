"""The workshop kit (tools/workshop): skeletons, the clause-by-clause checker, its clause files.

The checker runs in a subprocess here, as a participant runs it, against
packages written to a temporary directory: skeletons, copies of the
reference, and copies with a planted bug.  Each planted bug must fail
exactly the clauses that cover it, with their hints.  Those runs are whole
suites (about two minutes in all), so they are marked ``newest_python``.
"""

from __future__ import annotations

import ast
import atexit
import importlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import Any

import pytest

from tools.registry import EXERCISES, FRAMEWORK, PACKAGES, ROOT
from tools.workshop import clauses as clause_table
from tools.workshop.cli import intro, participant, reference
from tools.workshop.skeleton import skeleton, with_reference_imports

from .contract import CONTRACT
from .test_contract_drift import bare_signature, public_definitions

FRAMEWORKS = [FRAMEWORK[p] for p in PACKAGES]


def workshop(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.workshop", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def check(
    framework: str, exercises: list[str], root: Path, *options: str
) -> dict[tuple[str, int], Any]:
    """``nox -s workshop -- check`` on ``root``'s package: each clause's record."""
    done = workshop("check", framework, *exercises, "--root", str(root), "--json", *options)
    assert done.stdout.startswith("["), done.stdout + done.stderr[-3000:]
    return {(r["exercise"], r["number"]): r for r in json.loads(done.stdout)}


def write_package(root: Path, framework: str, modules: dict[str, str]) -> None:
    package = root / participant(framework)
    package.mkdir(parents=True)
    (package / "__init__.py").write_text('"""A participant\'s package, for a test."""\n')
    for exercise, source in modules.items():
        (package / f"{exercise}.py").write_text(source)


def reference_copy(framework: str, exercise: str) -> str:
    source = (ROOT / reference(framework) / f"{exercise}.py").read_text()
    return with_reference_imports(source, reference(framework))


# ------------------------------------------------------------------ clause files


def contract_text() -> str:
    return plain((ROOT / "CONTRACT.md").read_text())


def plain(markdown: str) -> str:
    """Whitespace collapsed and bold marks gone: the text as a reader sees it."""
    return " ".join(markdown.replace("**", "").split())


def contract_section(exercise: str) -> str:
    text = (ROOT / "CONTRACT.md").read_text()
    return plain(text.split(f"\n## {exercise}:", 1)[1].split("\n## ", 1)[0])


@pytest.mark.parametrize("exercise", EXERCISES)
def test_each_clause_quotes_the_contract_and_gives_a_short_hint(exercise: str) -> None:
    clauses = clause_table.load(exercise)
    assert [c.number for c in clauses] == list(range(len(clauses)))
    stages = [clause_table.STAGES.index(c.stage) for c in clauses]
    assert stages == sorted(stages), f"{exercise}: clauses out of stage order"
    rules = contract_text().split("## fanout:", 1)[0]
    for clause in clauses[1:]:
        quoted = plain(clause.contract)
        assert quoted in contract_section(exercise) or quoted in rules, (
            f"{exercise} clause {clause.number} does not quote CONTRACT.md: {clause.contract!r}"
        )
        assert "\n" not in clause.hint, clause.hint
        assert len(clause.hint) <= 120, clause.hint
        assert clause.tests, f"{exercise} clause {clause.number} names no test"


@cache
def per_target_tests() -> dict[str, set[str]]:
    """``test_pool.py::test_name`` of every test that runs per target, by file."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--co", "-q", "-p", "no:randomly",
         "--impl", "asyncio_impl:asyncio", "--impl", "trio_impl:trio",
         *(f"shared_tests/{name}" for name in sorted(clause_test_files()))],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    found: dict[str, set[str]] = {}
    for line in done.stdout.splitlines():
        match = re.match(r"shared_tests/(test_\w+\.py)::(\w+)\[(asyncio_impl|trio_impl)", line)
        if match:
            found.setdefault(match[1], set()).add(f"{match[1]}::{match[2]}")
    assert found, done.stdout[-2000:] + done.stderr[-2000:]
    return found


def clause_test_files() -> set[str]:
    named = {t.split("::")[0] for e in EXERCISES for c in clause_table.load(e) for t in c.tests}
    return named | {f"test_{e}.py" for e in EXERCISES} | {"test_broadcast.py"}


@pytest.mark.parametrize("exercise", EXERCISES)
def test_every_test_of_the_exercise_is_in_exactly_one_clause(exercise: str) -> None:
    listed = [t for c in clause_table.load(exercise)[1:] for t in c.tests]
    twice = sorted({t for t in listed if listed.count(t) > 1})
    assert not twice, f"{exercise}: in more than one clause: {twice}"
    collected = per_target_tests()
    unknown = [t for t in listed if t not in collected.get(t.split("::")[0], set())]
    assert not unknown, f"{exercise}: no such per-target test: {unknown}"
    own = {"server": ["test_server.py", "test_broadcast.py"]}.get(exercise, [f"test_{exercise}.py"])
    unplaced = sorted(set().union(*(collected.get(f, set()) for f in own)) - set(listed))
    assert not unplaced, f"{exercise}: tests in no clause: {unplaced}"


def test_an_unknown_exercise_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="exercise must be one of"):
        clause_table.load("nope")


# ------------------------------------------------------------------ skeletons


@pytest.mark.parametrize("exercise", EXERCISES)
def test_a_skeleton_keeps_the_contracts_names_and_signatures(
    package: str, exercise: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = (ROOT / package / f"{exercise}.py").read_text()
    text = skeleton(source, exercise=exercise, reference=package, intro="For a test.")
    tree = ast.parse(text)
    private = [
        n.name
        for n in ast.walk(tree)
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and n.name.startswith("_")
        and not n.name.endswith("__")
    ]
    assert not private, f"private helpers left in the skeleton: {private}"
    name = f"{package}_skeleton_{exercise}"
    (tmp_path / f"{name}.py").write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    generated = importlib.import_module(name)
    original = importlib.import_module(f"{package}.{exercise}")
    assert public_definitions(generated) == public_definitions(original)
    for public in CONTRACT[exercise]:
        assert bare_signature(getattr(generated, public)) == bare_signature(
            getattr(original, public)
        )


def test_start_keeps_a_participants_work(tmp_path: Path) -> None:
    done = workshop("start", "trio", "pool", "--root", str(tmp_path))
    assert done.returncode == 0, done.stderr
    module = tmp_path / "trio_workshop" / "pool.py"
    module.write_text(module.read_text() + "# my work\n")
    again = workshop("start", "trio", "pool", "--root", str(tmp_path))
    assert again.returncode == 1
    assert "your work is kept" in again.stdout
    assert module.read_text().endswith("# my work\n")
    forced = workshop("start", "trio", "pool", "--root", str(tmp_path), "--force")
    assert forced.returncode == 0
    assert (tmp_path / "trio_workshop" / "pool.py.bak").read_text().endswith("# my work\n")
    assert not module.read_text().endswith("# my work\n")
    module.write_text(module.read_text() + "# my second try\n")
    assert workshop("start", "trio", "pool", "--root", str(tmp_path), "--force").returncode == 0
    assert (tmp_path / "trio_workshop" / "pool.py.bak").read_text().endswith("# my work\n")
    assert (tmp_path / "trio_workshop" / "pool.py.bak1").read_text().endswith("# my second try\n")


def test_a_module_that_does_not_import_is_reported_with_its_error(tmp_path: Path) -> None:
    assert workshop("start", "trio", "errors", "--root", str(tmp_path)).returncode == 0
    module = tmp_path / "trio_workshop" / "errors.py"
    module.write_text(module.read_text() + "def unfinished(:\n")
    done = workshop("check", "trio", "errors", "--root", str(tmp_path))
    assert done.returncode == 2
    assert "the suite could not start: SyntaxError" in done.stdout, done.stdout + done.stderr


def test_bad_arguments_name_the_parameter(tmp_path: Path) -> None:
    done = workshop("start", "curio", "pool", "--root", str(tmp_path))
    assert done.returncode == 2
    assert "FRAMEWORK" in done.stderr
    assert "invalid choice" in done.stderr
    missing = workshop("check", "trio", "pool", "--root", str(tmp_path))
    assert missing.returncode == 2
    assert "start trio pool" in missing.stdout


# The checks below are whole runs of the suite, each in processes of its own.
# All of them start when the first is asked for, two at a time (the machine's
# cores), the longest first (``all_checks``).
_RUNNER = ThreadPoolExecutor(max_workers=2)
Records = dict[tuple[str, int], Any]


@dataclass(frozen=True)
class Check:
    """A check of a participant's package made of ``modules()`` (source by exercise)."""

    framework: str
    modules: Callable[[], dict[str, str]]
    options: tuple[str, ...] = ()

    def __call__(self, root: Path) -> Records:
        modules = self.modules()
        write_package(root, self.framework, modules)
        return check(self.framework, list(modules), root, *self.options)


def in_background(checks: dict[tuple[str, str], Check]) -> dict[tuple[str, str], Future[Records]]:
    """Each check run on a fresh directory of its own, two at a time, in the order given."""
    futures = {}
    for name, job in checks.items():
        root = Path(tempfile.mkdtemp(prefix="workshop-check-"))
        atexit.register(shutil.rmtree, root, ignore_errors=True)
        futures[name] = _RUNNER.submit(job, root)
    return futures


def skeletons(framework: str) -> dict[str, str]:
    """What ``start`` writes for every exercise."""
    package = reference(framework)
    return {
        exercise: skeleton(
            (ROOT / package / f"{exercise}.py").read_text(),
            exercise=exercise,
            reference=package,
            intro=intro(framework, exercise),
        )
        for exercise in EXERCISES
    }


@pytest.mark.newest_python
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_skeleton_fails_every_clause_as_not_implemented(framework: str) -> None:
    records = all_checks()["skeleton", framework].result()
    for exercise in EXERCISES:
        clauses = clause_table.load(exercise)
        assert records[exercise, 0]["status"] == "pass", records[exercise, 0]
        for clause in clauses[1:]:
            record = records[exercise, clause.number]
            assert record["status"] == "not implemented", (exercise, clause.contract, record)


# ------------------------------------------------------------------ the reference and planted bugs

# The exercises whose tests look at the package's framework (the chat
# server's driver, rate_limit's and retry's framework-specific checks), and
# those with planted bugs below: a copy must pass where the reference does.
COPIED = ["rate_limit", "workers", "retry", "pool", "server"]


def copies(framework: str) -> dict[str, str]:
    return {exercise: reference_copy(framework, exercise) for exercise in COPIED}


@pytest.mark.newest_python
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_copy_of_the_reference_passes_every_clause(framework: str) -> None:
    records = all_checks()["copy", framework].result()
    failing = {key: r for key, r in records.items() if r["status"] != "pass"}
    assert not failing, failing


def planted(framework: str, exercise: str, old: str, new: str) -> str:
    source = reference_copy(framework, exercise)
    assert source.count(old) == 1, f"the planted bug's anchor moved in {framework} {exercise}"
    return source.replace(old, new)


# A worker pool in the lesson's style: workers outside any task group, and a
# producer that waits for queue.join(), which never returns once a handler fails.
JOINED_WORKERS = """
    results: list[Any] = []
    queue: asyncio.Queue[tuple[int, Item]] = asyncio.Queue(queue_size)

    async def work() -> None:
        while True:
            index, item = await queue.get()
            results[index] = await handler(item)
            queue.task_done()

    tasks = []
    try:
        async with contextlib.aclosing(iterate(items)) as stream:
            async for item in stream:
                if len(tasks) < workers:
                    tasks.append(asyncio.create_task(work()))
                results.append(None)
                await queue.put((len(results) - 1, item))
        await queue.join()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return results
"""


def joined_workers() -> str:
    source = reference_copy("asyncio", "workers")
    start = source.index("    # One slot per item taken")
    end = source.index("    return results\n", start) + len("    return results\n")
    return source[:start] + JOINED_WORKERS.lstrip("\n") + source[end:]


PLANTED = {
    "a pool that keeps a slot after a cancelled factory": (
        "trio",
        {
            "pool": lambda: planted(
                "trio", "pool",
                "resource = await self._factory()\n        except BaseException:",
                "resource = await self._factory()\n        except Exception:",
            )
        },
        {
            "test_pool.py::test_acquire_timeout_counts_the_factory_call_and_frees_its_slot",
            "test_pool.py::test_a_factory_call_cancelled_midway_frees_its_slot",
        },
    ),
    "a limiter that wakes every waiter": (
        "asyncio",
        {
            "rate_limit": lambda: planted(
                "asyncio", "rate_limit",
                "            if head and self._line:\n                self._line[0].set()",
                "            for waiting in self._line:\n                waiting.set()",
            )
        },
        {
            "test_rate_limit.py::test_waiters_are_served_first_come_first_served",
            "test_rate_limit.py::test_waiting_is_one_sleep_per_waiter_not_polling",
            "test_rate_limit.py::test_property_window_bound_fifo_and_cancellation",
        },
    ),
    "a worker pool using Queue.join()": (
        "asyncio",
        {"workers": joined_workers},
        {"test_workers.py::test_handler_failure_cancels_the_other_workers"},
    ),
}  # fmt: skip


def made(makers: dict[str, Callable[[], str]]) -> dict[str, str]:
    return {exercise: make() for exercise, make in makers.items()}


@cache
def all_checks() -> dict[tuple[str, str], Future[Records]]:
    """Every check the tests make, keyed (kind, name), submitted longest first."""
    # The Queue.join() workers never stop on an endless input: each such test
    # runs until the check's real-time limit, kept short here.  The longest.
    timeout = ("--test-timeout=6",)
    planted = {
        ("planted", bug): Check(framework, partial(made, makers), timeout)
        for bug, (framework, makers, _) in PLANTED.items()
    }
    joined = ("planted", "a worker pool using Queue.join()")
    return in_background(
        {
            joined: planted.pop(joined),
            **{("skeleton", fw): Check(fw, partial(skeletons, fw)) for fw in FRAMEWORKS},
            **{("copy", fw): Check(fw, partial(copies, fw)) for fw in FRAMEWORKS},
            **planted,
        }
    )


@pytest.mark.newest_python
@pytest.mark.parametrize("bug", PLANTED)
def test_a_planted_bug_fails_exactly_the_clauses_that_cover_it(bug: str) -> None:
    _, modules, covering = PLANTED[bug]
    records = all_checks()["planted", bug].result()
    failed = {key for key, r in records.items() if r["status"] != "pass"}
    expected = {
        (clause.exercise, clause.number)
        for exercise in modules
        for clause in clause_table.load(exercise)
        if covering & set(clause.tests)
    }
    assert len(expected) == len(covering)  # each named test stands for a clause of its own
    assert failed == expected, f"{bug}: failed {sorted(failed)}, expected {sorted(expected)}"
    for exercise, number in failed:
        record = records[exercise, number]
        assert record["status"] == "fail"
        assert record["hint"] == clause_table.load(exercise)[number].hint


def test_diff_shows_the_participants_version_beside_the_reference(tmp_path: Path) -> None:
    assert workshop("start", "anyio", "rate_limit", "--root", str(tmp_path)).returncode == 0
    done = workshop("diff", "anyio", "rate_limit", "--root", str(tmp_path), "--width", "200")
    assert done.returncode == 0, done.stderr
    assert "anyio_impl" in done.stdout
    assert "anyio_workshop" in done.stdout
    # The reference's lines the skeleton leaves out are marked as added.
    assert re.search(r"^\+ .*self\._line", done.stdout, re.MULTILINE), done.stdout[:3000]
