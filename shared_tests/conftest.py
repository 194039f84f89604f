"""Parametrizes the shared suite over targets, backends and virtual clocks.

Each test that asks for ``impl`` (or a variant fixture such as ``run_all``)
runs once per target, with ids like ``[trio_impl-trio]``.  anyio's pytest
plugin runs it on the target's backend through ``anyio_backend``, which is
overridden here per test so that every test gets a fresh virtual clock:
trio's ``MockClock(autojump_threshold=0)`` or an asyncio loop on looptime's
virtual time (with the eager task factory for eager targets).  Tests marked
``real_time`` get the real clock.

Every async shared test also runs inside two guards: a generous deadline,
so that a deadlock fails at once under virtual time instead of hanging, and
a leak check, so that a task the code under test left alive fails the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import inspect
import sys
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
import trio
import trio.testing
from hypothesis import HealthCheck, Phase, settings

from testkit.blocking import no_blocking_calls
from testkit.virtual_time import new_virtual_time_loop
from tools.registry import EXERCISES, SUITE_TARGETS, Target

from .helpers import Impl

# Virtual seconds a test may take before it counts as deadlocked: generous,
# since under virtual time the guard is the only timer left in a deadlock
# and the clock jumps straight to it.  (Not much more: looptime's clock
# stops advancing somewhere past 1e7 seconds, a float-rounding limit.)
DEADLOCK_GUARD = 5_000_000.0
REAL_TIME_GUARD = 30.0

# Property tests run every example in one event loop (anyio's runner is per
# test), so the function-scoped fixtures are shared by the examples on
# purpose, and tests assert on time differences.  Derandomized and without
# a database so that a run is repeatable; no per-example deadline, since
# wall time on a small, noisy machine says nothing about the code.
settings.register_profile(
    "shared-suite",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
# The workshop checker (tools/workshop) wants a verdict in seconds: a failing
# example as found, without shrinking it.
settings.register_profile(
    "workshop", parent=settings.get_profile("shared-suite"), phases=[Phase.explicit, Phase.generate]
)
settings.load_profile("shared-suite")

# Fixtures that stand for one public function and its teaching variants:
# a test asking for ``run_all`` runs on each variant a target has.
VARIANTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "run_all": ("fanout", ("run_all", "run_all_gather")),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--impl",
        action="append",
        default=[],
        metavar="PACKAGE:BACKEND[:STYLE][:LOOP]",
        help="run the shared suite against this package on this backend "
        "(asyncio or trio); repeatable; default: the built-in targets",
    )


TARGETS = pytest.StashKey[list[Target]]()


def pytest_configure(config: pytest.Config) -> None:
    specs = config.getoption("--impl")
    try:
        config.stash[TARGETS] = [Target.parse(spec) for spec in specs] or list(SUITE_TARGETS)
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    targets = metafunc.config.stash[TARGETS]
    if "anyio_backend" in metafunc.fixturenames and not _real_time(metafunc.definition):
        # A virtual clock for every test that asks for a backend: uvloop's
        # timers live in libuv, beyond its reach.
        targets = [target for target in targets if target.loop != "uvloop"]
    only = metafunc.definition.get_closest_marker("backends")
    if only is not None:  # not applicable elsewhere: not collected, rather than skipped
        targets = [target for target in targets if target.backend in only.args]
    if "package" in metafunc.fixturenames:
        packages = list(dict.fromkeys(target.package for target in targets))
        metafunc.parametrize("package", packages, ids=packages)
    variant = next((name for name in VARIANTS if name in metafunc.fixturenames), None)
    if variant is not None:
        module, names = VARIANTS[variant]
        params = [
            pytest.param(target, name, id=f"{target.id}-{name}")
            for target in targets
            for name in names
            if _defines(target, module, name)
        ]
        metafunc.parametrize(("target", f"{variant}_name"), params)
    elif "target" in metafunc.fixturenames:
        metafunc.parametrize("target", targets, ids=[target.id for target in targets])


NEWEST_PYTHON = (3, 13)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect (visibly, in the summary) the tests marked ``newest_python`` on older Pythons.

    They run whole suites in subprocesses (the workshop checker's own tests,
    minutes in all): once per CI run, on the newest Python, keeps CI within
    its time; the suite they run is the one every Python runs anyway.
    """
    if sys.version_info[:2] >= NEWEST_PYTHON:
        return
    older = [item for item in items if item.get_closest_marker("newest_python") is not None]
    if older:
        config.hook.pytest_deselected(items=older)
        items[:] = [item for item in items if item not in older]


def pytest_collection_finish(session: pytest.Session) -> None:
    """Import every target's exercise modules now, outside any event loop.

    An import inside a test runs in the loop's thread, where blockbuster
    takes an import's own file checks (``offload`` imports multiprocessing)
    for blocking calls made by the exercise.
    """
    for target in session.config.stash[TARGETS]:
        for module in EXERCISES:
            _defines(target, module, "__name__")


def _defines(target: Target, module: str, name: str) -> bool:
    """Whether the target's ``module`` defines ``name``; a workshop package may lack the module."""
    try:
        return hasattr(target.module(module), name)
    except ModuleNotFoundError as exc:
        if exc.name != f"{target.package}.{module}":
            raise
        return False


def _real_time(item: pytest.Item) -> bool:
    return item.get_closest_marker("real_time") is not None


@pytest.fixture
def anyio_backend(target: Target, request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    """The target's backend, with a fresh virtual clock for every test."""
    real_time = _real_time(request.node)
    if target.backend == "trio":
        return "trio", {} if real_time else {"clock": trio.testing.MockClock(autojump_threshold=0)}
    loop_factory = target.loop_factory(None if real_time else new_virtual_time_loop)
    return "asyncio", {} if loop_factory is None else {"loop_factory": loop_factory}


@pytest.fixture(autouse=True, scope="session")
def _no_blocking_calls() -> Iterator[None]:
    """A blocking call from exercise code in an asyncio loop's thread fails its test."""
    with no_blocking_calls():
        yield


@pytest.fixture
def impl(target: Target, anyio_backend: tuple[str, dict[str, Any]]) -> Impl:
    return Impl(target)


@pytest.fixture
def run_all(target: Target, run_all_name: str, anyio_backend: object) -> Callable[..., Any]:
    fn: Callable[..., Any] = getattr(target.module("fanout"), run_all_name)
    return fn


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Iterator[None]:
    """Run every async shared test (each example, for property tests) under the guards."""
    target = pyfuncitem.funcargs.get("target")
    if not isinstance(target, Target):
        return (yield)
    real_time = _real_time(pyfuncitem)
    guard = REAL_TIME_GUARD if real_time else DEADLOCK_GUARD
    # hypothesis keeps the test body on ``.hypothesis.inner_test``.
    holder = getattr(pyfuncitem.obj, "hypothesis", None)
    owner, attribute = (holder, "inner_test") if holder is not None else (pyfuncitem, "obj")
    test = getattr(owner, attribute)
    if not inspect.iscoroutinefunction(test):
        return (yield)
    setattr(owner, attribute, _guarded(test, target.backend, guard))
    try:
        return (yield)
    finally:
        setattr(owner, attribute, test)


def _guarded(
    test: Callable[..., Awaitable[None]], backend: str, guard: float
) -> Callable[..., Awaitable[None]]:
    @functools.wraps(test)
    async def guarded(**kwargs: Any) -> None:
        with _no_leaked_tasks(backend), _deadline(backend, guard):
            await test(**kwargs)

    return guarded


@contextlib.contextmanager
def _deadline(backend: str, seconds: float) -> Iterator[None]:
    message = f"test still running after {seconds:g} s on the test's clock: deadlocked?"
    if backend == "trio":
        with trio.move_on_after(seconds) as scope:
            yield
        if scope.cancelled_caught:
            pytest.fail(message)
        return
    task = asyncio.current_task()
    assert task is not None
    fired: list[bool] = []

    def fire() -> None:
        fired.append(True)
        task.cancel(message)

    handle = asyncio.get_running_loop().call_later(seconds, fire)
    try:
        yield
    except asyncio.CancelledError:
        if not fired:
            raise
        task.uncancel()
        pytest.fail(message)
    finally:
        handle.cancel()


class _TaskTracker(trio.abc.Instrument):
    def __init__(self) -> None:
        self.alive: dict[trio.lowlevel.Task, None] = {}

    def task_spawned(self, task: trio.lowlevel.Task) -> None:
        self.alive[task] = None

    def task_exited(self, task: trio.lowlevel.Task) -> None:
        self.alive.pop(task, None)


# Tasks a library keeps for the life of the event loop, by design: anyio's
# process pool (``to_process``) has one that shuts the pool down at exit.
LIBRARY_TASKS = ("AnyIO process pool shutdown task", "anyio._backends._trio._shutdown_process_pool")


@contextlib.contextmanager
def _no_leaked_tasks(backend: str) -> Iterator[None]:
    """Fail the test if a task started during it is still alive at its end."""
    if backend == "trio":
        tracker = _TaskTracker()
        trio.lowlevel.add_instrument(tracker)
        try:
            yield
        finally:
            trio.lowlevel.remove_instrument(tracker)
        leaked = [task.name for task in tracker.alive if task.name not in LIBRARY_TASKS]
    else:
        before = asyncio.all_tasks()
        yield
        # Finished tasks nobody awaited report "exception was never retrieved"
        # when collected; collect now, so anyio's runner fails this test for it.
        gc.collect(1)
        leaked_tasks = {
            task for task in asyncio.all_tasks() - before if task.get_name() not in LIBRARY_TASKS
        }
        for task in leaked_tasks:
            task.cancel()
        leaked = [f"{task.get_name()} running {task.get_coro()!r}" for task in leaked_tasks]
    if leaked:
        pytest.fail(f"tasks still alive after the test: {sorted(leaked)}")
