"""Tools the shared tests use to drive and observe any implementation.

Tests are written with anyio so that one test body runs on both backends;
the code under test is always called the way its own users would call it.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, cast

import anyio
import anyio.lowlevel
import sniffio
import trio
import trio.lowlevel

from tools.registry import Target


def now() -> float:
    """The running backend's clock (virtual in the suite)."""
    return anyio.current_time()


def leaves(exc: BaseException) -> list[BaseException]:
    """Every non-group exception inside ``exc``, depth first."""
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in leaves(inner)]
    return [exc]


@dataclass
class CancelOutcome:
    cancelled_caught: bool = False
    _cancel: Callable[[], object] | None = None

    def cancel(self) -> None:
        """Cancel the block now (in this very step), the way ``cancel_after`` would."""
        assert self._cancel is not None
        self._cancel()


class Impl:
    """One target's exercise modules: ``impl.fanout.run_all``."""

    def __init__(self, target: Target) -> None:
        self.target = target

    def __getattr__(self, module: str) -> ModuleType:
        try:
            return self.target.module(module)
        except ModuleNotFoundError as exc:
            if exc.name != f"{self.target.package}.{module}":
                raise  # the module exists but failed to import
            raise AttributeError(f"{self.target.package} has no module {module!r}") from exc

    def cancel_after(self, seconds: float) -> AbstractAsyncContextManager[CancelOutcome, bool]:
        """Cancel the body after ``seconds``, the way this target's users would.

        The block's value records whether the cancellation was caught; the
        block swallows it, like trio's ``move_on_after``.

        On asyncio with native style that is one ``Task.cancel()`` (what
        ``asyncio.timeout`` does); otherwise an anyio cancel scope, which on
        trio is trio's own.  (anyio re-delivers its cancellation on every
        loop iteration; native asyncio code that waits out a cancellation,
        as ``TaskGroup.__aexit__`` does, would spin under it and stop
        virtual time.)
        """
        return cast(AbstractAsyncContextManager[CancelOutcome, bool], self._cancel_after(seconds))

    @contextlib.asynccontextmanager
    async def _cancel_after(self, seconds: float) -> AsyncIterator[CancelOutcome]:
        outcome = CancelOutcome()
        if self.target.backend == "asyncio" and self.target.style == "native":
            # What asyncio.timeout does, plus a cancel() that acts at once.
            task = asyncio.current_task()
            assert task is not None
            cancelling = task.cancelling()
            requested: list[bool] = []

            def cancel() -> None:
                if not requested:
                    requested.append(True)
                    task.cancel()

            outcome._cancel = cancel
            loop = asyncio.get_running_loop()
            handle = None if math.isinf(seconds) else loop.call_later(seconds, cancel)
            try:
                yield outcome
            except asyncio.CancelledError:
                if not requested or task.uncancel() > cancelling:
                    raise
                outcome.cancelled_caught = True
            finally:
                if handle is not None:
                    handle.cancel()
        else:
            with anyio.move_on_after(seconds) as anyio_scope:
                outcome._cancel = anyio_scope.cancel
                yield outcome
            outcome.cancelled_caught = anyio_scope.cancelled_caught


@dataclass
class Probe:
    """Makes child callables and records what happened to them.

    ``started`` and ``finished`` are in event order; ``cancelled`` lists
    the children that saw a cancellation; ``peak`` is the most that ever ran
    at once.
    """

    started: list[Any] = field(default_factory=list)
    finished: list[Any] = field(default_factory=list)
    cancelled: list[Any] = field(default_factory=list)
    running: int = 0
    peak: int = 0

    def child(
        self,
        name: Any,
        seconds: float,
        *,
        result: Any = None,
        error: BaseException | None = None,
        error_when_cancelled: BaseException | None = None,
    ) -> Callable[[], Awaitable[Any]]:
        """A child that sleeps ``seconds``, then returns ``result`` or raises ``error``.

        ``error_when_cancelled`` is raised instead of the cancellation, as
        by a child whose own cleanup fails.
        """

        async def run() -> Any:
            self.started.append(name)
            self.running += 1
            self.peak = max(self.peak, self.running)
            try:
                await anyio.sleep(seconds)
            except anyio.get_cancelled_exc_class():
                self.cancelled.append(name)
                if error_when_cancelled is not None:
                    raise error_when_cancelled from None
                raise
            finally:
                self.running -= 1
                self.finished.append(name)
            if error is not None:
                raise error
            return result

        return run

    def fails_at_once(self, name: Any, error: BaseException) -> Callable[..., Awaitable[Any]]:
        """A child that raises ``error`` before its first ``await``.

        Under asyncio's eager task factory it fails inside ``create_task``,
        before the line that spawned it returns.  Takes any arguments, so it
        can stand for a handler too.
        """

        async def run(*args: Any) -> Any:
            del args
            self.started.append(name)
            self.finished.append(name)
            raise error

        return run

    def assert_all_done(self) -> None:
        assert self.running == 0, f"{self.running} children still running"
        assert sorted(map(str, self.started)) == sorted(map(str, self.finished))


@dataclass
class WakeupCount:
    count: int = 0


@contextlib.contextmanager
def count_wakeups(backend: str) -> Iterator[WakeupCount]:
    """Count how often tasks are woken while the block runs.

    trio: task steps, seen by an instrument.  asyncio: timers scheduled
    (``loop.call_at``, which every sleep goes through).  The two count
    different things; both grow with time spent polling and stay flat for
    code that sleeps once until it is due.
    """
    counter = WakeupCount()
    if backend == "trio":

        class Steps(trio.abc.Instrument):
            def before_task_step(self, task: trio.lowlevel.Task) -> None:
                counter.count += 1

        instrument = Steps()
        trio.lowlevel.add_instrument(instrument)
        try:
            yield counter
        finally:
            trio.lowlevel.remove_instrument(instrument)
        return
    loop = asyncio.get_running_loop()
    call_at = loop.call_at

    def counting_call_at(*args: Any, **kwargs: Any) -> asyncio.TimerHandle:
        counter.count += 1
        return call_at(*args, **kwargs)

    loop.call_at = counting_call_at  # type: ignore[method-assign, assignment]
    try:
        yield counter
    finally:
        del loop.call_at  # back to the class's method


def stray_cancellation() -> Callable[..., Awaitable[Any]]:
    """A child that raises the backend's cancellation exception without being cancelled.

    It re-raises one caught inside an inner cancel scope, outside that scope:
    on asyncio the same happens to code awaiting a future someone else
    cancelled.  Task groups then quietly cancel themselves unless guarded.
    """

    async def run(*args: Any) -> Any:
        del args  # usable as any callable: a service, a handler, a beat
        caught: BaseException | None = None
        with anyio.CancelScope() as inner:
            inner.cancel()
            try:
                await anyio.sleep(1)
            except anyio.get_cancelled_exc_class() as exc:
                caught = exc
        assert caught is not None
        raise caught

    return run


class Boom(Exception):
    """A child failure the tests can recognise."""


class Fatal(BaseException):
    """A failure that is not an ``Exception`` (like ``KeyboardInterrupt``)."""


ORDERS = 40
"""How many scheduling orders a test of an error path tries."""


@contextlib.contextmanager
def _seeded_trio_scheduler(seed: int) -> Iterator[None]:
    # trio runs each batch of runnable tasks in a random order, drawn from a
    # private generator (trio._core._run._r), and deterministically only with
    # the test-only flag pytest-trio sets under hypothesis.  This is the one
    # place the suite touches that private detail.
    from trio._core import _run

    state, flag = _run._r.getstate(), _run._ALLOW_DETERMINISTIC_SCHEDULING
    _run._ALLOW_DETERMINISTIC_SCHEDULING = True  # type: ignore[misc]  # a Final, set by pytest-trio too
    _run._r.seed(seed)
    try:
        yield
    finally:
        _run._r.setstate(state)
        _run._ALLOW_DETERMINISTIC_SCHEDULING = flag  # type: ignore[misc]


def scheduling_orders(count: int = ORDERS) -> Iterator[int]:
    """Seeds for ``count`` runs of a test body, each in a scheduling order of its own.

    On trio each seed fixes the scheduler's order for that run.  asyncio's
    loop runs ready tasks first in, first out, so there the body varies the
    order itself with ``await yields(seed, key)`` at its contested points.
    Put the seed in every assertion message: a failure is then reproducible.
    """
    on_trio = sniffio.current_async_library() == "trio"
    for seed in range(count):
        with _seeded_trio_scheduler(seed) if on_trio else contextlib.nullcontext():
            yield seed


async def yields(seed: int, key: object) -> None:
    """Yield to the scheduler 0, 1 or 2 times, as ``(seed, key)`` decides."""
    for _ in range(random.Random(f"{seed}/{key}").randrange(3)):
        await anyio.lowlevel.checkpoint()


def task_count() -> int:
    """How many tasks are alive in this event loop right now."""
    if sniffio.current_async_library() == "trio":
        count = 0
        root = trio.lowlevel.current_root_task()
        assert root is not None  # inside trio.run
        nurseries = list(root.child_nurseries)
        while nurseries:
            nursery = nurseries.pop()
            count += len(nursery.child_tasks)
            nurseries.extend(n for task in nursery.child_tasks for n in task.child_nurseries)
        return count
    return len(asyncio.all_tasks())
