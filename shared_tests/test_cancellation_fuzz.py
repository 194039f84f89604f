"""Cancellation fuzzing: every exercise, cancelled at drawn moments, on virtual time.

One hypothesis property per exercise.  Each builds its children (attempts,
handlers, sources, factory calls, beats...) from drawn specs: a wait of 0
to 5 virtual seconds, so that moments coincide often, and an outcome: a
result, ``Boom`` (an ``Exception``), ``Fatal`` (a ``BaseException``),
``KeyboardInterrupt``, or a stray cancellation (``stray_cancellation()``).
A child may also be cut short by a cancel scope of its own and carry on;
pool users and limiter waiters give up after a drawn patience.  The caller
is cancelled at a drawn moment: 0, the exact moment a child starts or ends,
half a second after one, or never.

From the specs, each property computes every way the call may end when
nobody cancels it (``Ending``: when, and what comes out); events in one
instant may run in any order (trio shuffles them), so there may be several.
``judge`` then holds the call to the contract: a cancellation that came
before the call would have ended comes out of it, on time; otherwise the
outcome is one the contract allows (rule 4: a group of exactly the child
failures that happened, a stray cancellation turned into ``RuntimeError``;
the original exception itself where no child task runs it...).  Each
property also checks that no task outlives the call, that every async
generator given as input was closed, and, for ``pool`` and ``rate_limit``,
that no slot or token is lost.  Assertion messages carry the drawn case, and
the profile is derandomized: hypothesis prints a falsifying example that
repeats.  ``--hypothesis-show-statistics`` shows the mix of outcomes.

Where the rules bend, each time for asyncio's or the contract's own reasons:

- asyncio's event loop re-raises a ``KeyboardInterrupt`` that escapes any
  task out of ``run_forever``, which would stop the whole pytest run.  A
  child drawn to raise it raises ``InterruptStandIn`` (a ``Fatal``) instead
  wherever it runs in a task other than the test's own; on trio, and in the
  caller's own task, it raises the real thing, and no ``KeyboardInterrupt``
  leaves a test: ``observe`` catches everything and judges it.
- asyncio's ``TaskGroup`` re-raises a ``KeyboardInterrupt`` from its own
  body bare, not in a group, and a stray cancellation raised in the caller's
  own task (``work``, ``client``, a ``completed`` block) may pass through as
  itself: that task cannot tell it from its own cancellation.

``offload`` runs real threads, so its property runs on the real clock
(``real_time``) and fuzzes ``run_blocking`` only, with a thread blocked on an
``Event`` the test sets; ``run_in_process`` and ``crawl`` are left to their
own tests.  ``fetch_all`` runs on an ``httpx.MockTransport`` whose handler
waits on the virtual clock, with ``retries=0`` and no ``rate`` (retry's
jittered backoff and the limiter have properties of their own).  For
``server``, a ``Broadcast`` subscriber has its wait cancelled at drawn
moments and reads on: every item must still be read, dropped (counted) or
cut off by ``Lagged``, never lost; ``serve_chat`` runs real sockets and is
left to its own tests.

The bugs these properties found are at the end (``KNOWN_ISSUES``): one
reproduction each, expected to fail where the bug is, and left out of the
properties there.

``FUZZ_EXAMPLES`` (default 25) sets the examples per function: an exercise
with several functions gets that many for each.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import os
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from types import ModuleType
from typing import Any

import anyio
import anyio.lowlevel
import anyio.to_thread
import httpx
import pytest
import sniffio
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from tools.registry import Target

from .helpers import Boom, Fatal, Impl, leaves, now, stray_cancellation, task_count

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))


def fuzz(functions: int = 1) -> settings:
    return settings(max_examples=FUZZ_EXAMPLES * functions)


OUTCOMES = ("ok", "boom", "fatal", "interrupt", "stray")
FAILS = ("boom", "fatal", "interrupt", "stray")
EXCEPTIONS = ("boom", "stray")  # an Exception comes out of these (a stray: a RuntimeError)
moments = st.integers(min_value=0, max_value=5)
outcomes = st.one_of(st.just("ok"), st.sampled_from(OUTCOMES))  # a success half the time
failures = st.sampled_from(FAILS)


class InterruptStandIn(Fatal):
    """Raised where a ``KeyboardInterrupt`` would stop asyncio's event loop itself."""


@dataclass(frozen=True)
class Spec:
    """A drawn child: waits ``seconds`` (cut short at ``cut`` by a scope of its own), then ends."""

    seconds: int
    outcome: str = "ok"
    cut: int | None = None

    @property
    def ends(self) -> int:
        return self.seconds if self.cut is None else min(self.seconds, self.cut)

    @property
    def fails(self) -> bool:
        return self.outcome in FAILS

    def __repr__(self) -> str:
        cut = "" if self.cut is None else f"/cut{self.cut}"
        return f"{self.seconds}{cut}:{self.outcome}"


specs = st.builds(Spec, moments, outcomes, st.none() | moments)


def on_asyncio() -> bool:
    return sniffio.current_async_library() == "asyncio"


class Kids:
    """Makes children from specs and records what each did."""

    def __init__(self, specs: Sequence[Spec], *, in_caller: Sequence[int] = ()) -> None:
        self.specs = list(specs)
        self.in_caller = set(in_caller)  # run in the caller's own task, not a child task
        self.home = asyncio.current_task() if on_asyncio() else None
        self.started: list[int] = []
        self.finished: list[int] = []
        self.raised: dict[int, BaseException] = {}
        self.running = 0

    def fn(self, index: int) -> Callable[..., Awaitable[Any]]:
        async def run(*args: Any) -> Any:
            del args
            return await self.run(index)

        return run

    def fns(self) -> list[Callable[..., Awaitable[Any]]]:
        return [self.fn(index) for index in range(len(self.specs))]

    async def run(self, index: int) -> Any:
        """Wait as the spec says, then end as it says."""
        spec = self.specs[index]
        self.started.append(index)
        self.running += 1
        try:
            with anyio.move_on_after(math.inf if spec.cut is None else spec.cut):
                await anyio.sleep(spec.seconds)
        finally:
            self.running -= 1
            self.finished.append(index)
        return await self.end(index)

    async def end(self, index: int) -> Any:
        """Return ``f"r{index}"`` or raise as the spec's outcome says, recording the raise."""
        outcome = self.specs[index].outcome
        if outcome not in FAILS:
            return f"r{index}"
        try:
            if outcome == "stray":
                await stray_cancellation()()
            raise self.failure(index, outcome)
        except BaseException as exc:
            self.raised[index] = exc
            raise

    def failure(self, index: int, outcome: str) -> BaseException:
        if outcome == "boom":
            return Boom(f"child {index}")
        if outcome == "fatal":
            return Fatal(f"child {index}")
        assert outcome == "interrupt", outcome
        if self.home is not None and asyncio.current_task() is not self.home:
            return InterruptStandIn(f"child {index}")  # see the module docstring
        return KeyboardInterrupt(f"child {index}")

    def assert_all_done(self, context: str) -> None:
        assert self.running == 0, f"{self.running} children still running: {context}"
        assert sorted(self.started) == sorted(self.finished), context

    def origin(self, error: BaseException | None) -> int | None:
        """Which child raised ``error`` (a stray cancellation turned into RuntimeError counts)."""
        for index, raised in self.raised.items():
            if error is raised:
                return index
            if (
                self.specs[index].outcome == "stray"
                and isinstance(error, RuntimeError)
                and error.__cause__ is raised
            ):
                return index
        return None


# ---------------------------------------------------------------- observing one call


@dataclass
class Actual:
    cancelled: bool = False
    at: float = math.nan
    value: Any = None
    error: BaseException | None = None
    returned: bool = False

    @property
    def kind(self) -> str:
        if self.cancelled or self.returned:
            return "cancelled" if self.cancelled else "returned"
        found = leaves(self.error) if self.error is not None else []
        return f"{type(self.error).__name__} of {sorted({type(e).__name__ for e in found})}"

    def __repr__(self) -> str:
        if self.cancelled:
            what = "cancelled"
        elif self.returned:
            what = f"returned {self.value!r}"
        else:
            what = f"raised {self.error!r}"
        return f"<{what} at {self.at}>"


async def observe(impl: Impl, cancel_at: float, call: Callable[[], Awaitable[Any]]) -> Actual:
    """Run ``call()`` under ``impl.cancel_after(cancel_at)`` and record how it ended.

    Anything it raises is caught here, a bare ``KeyboardInterrupt`` included,
    so that nothing but a failed assertion leaves the test.
    """
    task = asyncio.current_task() if on_asyncio() else None
    cancelling = task.cancelling() if task is not None else 0
    start = now()
    actual = Actual()
    try:
        async with impl.cancel_after(cancel_at) as outcome:
            actual.value = await call()
            actual.returned = True
        actual.cancelled = outcome.cancelled_caught
    except anyio.get_cancelled_exc_class() as exc:
        if task is not None and task.cancelling() > cancelling:
            raise  # the deadline guard's, not the call's
        await anyio.lowlevel.checkpoint_if_cancelled()  # trio: the guard's, if any
        actual.error = exc  # a stray cancellation that came out of the call
    except BaseException as exc:
        actual.error = exc
    actual.at = now() - start
    if currently_in_test_context():  # not in the reproductions of known issues
        event(actual.kind)  # for --hypothesis-show-statistics
    return actual


# ---------------------------------------------------------------- what may happen


Check = Callable[[Actual], "str | None"]  # None: accepted; else why not


@dataclass
class Ending:
    """One way the call may end when nobody cancels it: at ``at``, as ``check`` approves."""

    at: float
    check: Check
    label: str

    def __repr__(self) -> str:
        return f"<{self.label} at {self.at}>"


def returns(at: float, value: Any) -> Ending:
    def check(actual: Actual) -> str | None:
        if not actual.returned:
            return f"expected it to return {value!r}"
        return None if actual.value == value else f"expected {value!r}"

    return Ending(at, check, f"returns {value!r}")


def returns_one_of(at: float, values: Sequence[Any]) -> Ending:
    def check(actual: Actual) -> str | None:
        if not actual.returned or actual.value not in values:
            return f"expected one of {values!r}"
        return None

    return Ending(at, check, f"returns one of {values!r}")


def group_of(
    at: float, kids: Kids, allowed: AbstractSet[int], *, ignorable: AbstractSet[int] = frozenset()
) -> Ending:
    """Rule 4: a group of exactly the failures that happened, each from an ``allowed`` child.

    A failure from ``ignorable`` may be left out (one the call keeps as a
    result); a stray cancellation may be too, when the real cancellation
    of the group reached the child right after it.
    """

    def check(actual: Actual) -> str | None:
        return group_problem(actual.error, kids, allowed, ignorable)

    return Ending(at, check, f"group of some of {sorted(allowed)}")


def group_problem(
    error: BaseException | None, kids: Kids, allowed: AbstractSet[int], ignorable: AbstractSet[int]
) -> str | None:
    bare = kids.origin(error)
    if bare is not None and bare in allowed and bare in kids.in_caller:
        # Raised in the caller's own task (see the module docstring).
        if kids.specs[bare].outcome == "stray" and not isinstance(error, RuntimeError):
            return None
        if isinstance(error, KeyboardInterrupt) and on_asyncio():
            return None
    if not isinstance(error, BaseExceptionGroup):
        return f"expected an exception group, got {error!r}"
    found = leaves(error)
    origins = [kids.origin(leaf) for leaf in found]
    known = {origin for origin in origins if origin is not None}
    if len(known) != len(origins):
        return f"a leaf no child raised, or one failure twice: {found!r}"
    if not known <= allowed:
        return f"failures of {sorted(known - allowed)}, which should not have failed"
    strays = {i for i in kids.raised if kids.specs[i].outcome == "stray"}
    missing = set(kids.raised) - known - strays - ignorable
    if missing:
        return f"lost the failures of {sorted(missing)}: {found!r}"
    if isinstance(error, ExceptionGroup) != all(isinstance(leaf, Exception) for leaf in found):
        return f"{type(error).__name__} for {found!r}"
    return None


def race_endings(
    kids: Kids,
    done: Ending | None,
    failures: Sequence[tuple[float, int]],
    *,
    ignorable: AbstractSet[int] = frozenset(),
) -> list[Ending]:
    """The call ends as ``done`` unless failures come first.

    ``done`` must not wait for a failing child (pass ``None`` then).

    ``failures``: (moment, child) of every failure that happens if nothing
    stops it.  The first ones cancel the rest (rule 4).  Events in one
    instant may run in any order: a return and failures in the same instant
    are both possible, and so is any part of one instant's failures.
    """
    first = min((at for at, _ in failures if done is None or at <= done.at), default=None)
    endings = []
    if done is not None and (first is None or done.at <= first):
        endings.append(done)
    if first is not None:
        allowed = {index for at, index in failures if at == first}
        endings.append(group_of(first, kids, allowed, ignorable=ignorable))
    return endings


def judge(
    actual: Actual,
    endings: Sequence[Ending],
    cancel_at: float,
    context: str,
    *,
    cancelled_at: float | None = None,
) -> None:
    """The contract, given every way the call may end when nobody cancels it.

    Cancelled: allowed only if some ending is not earlier than the
    cancellation (in the same instant either is fine: rule 4); the call then
    comes back at ``cancelled_at`` (by default at once).  Not cancelled: an
    ending at that very moment, no later than the cancellation, must accept
    the outcome.
    """
    where = f"{context}; got {actual!r}; possible: {list(endings)!r}"
    if actual.cancelled:
        assert any(cancel_at <= ending.at for ending in endings), (
            f"cancelled, but the call should have ended first: {where}"
        )
        expected = cancel_at if cancelled_at is None else cancelled_at
        assert actual.at == expected, f"the cancellation came out at {actual.at}: {where}"
        return
    assert actual.at <= cancel_at, f"the cancellation was swallowed: {where}"
    problems = []
    for ending in endings:
        problem = ending.check(actual) if ending.at == actual.at else f"not at {actual.at}"
        if problem is None:
            return
        problems.append(f"{ending!r}: {problem}")
    pytest.fail(f"no allowed ending: {where}; {problems}")


def raises_own(at: float, kids: Kids, index: int) -> Ending:
    """No child task: the child's own exception comes out as itself (rule 4)."""

    def check(actual: Actual) -> str | None:
        if actual.error is None or actual.error is not kids.raised.get(index):
            return f"expected child {index}'s own exception {kids.raised.get(index)!r}"
        return None

    return Ending(at, check, f"raises child {index}'s own")


def own_outcome(at: float, kids: Kids, index: int) -> Ending:
    """What child ``index`` ended with, as itself: its result or its exception."""
    if kids.specs[index].fails:
        return raises_own(at, kids, index)
    return returns(at, f"r{index}")


def timeout_error(at: float) -> Ending:
    def check(actual: Actual) -> str | None:
        if type(actual.error) is not TimeoutError:
            return "expected the builtin TimeoutError"
        return None

    return Ending(at, check, "TimeoutError")


def runtime_error(at: float) -> Ending:
    def check(actual: Actual) -> str | None:
        if actual.error is None or [type(e) for e in leaves(actual.error)] != [RuntimeError]:
            return "expected a RuntimeError, grouped or not"
        return None

    return Ending(at, check, "RuntimeError")


def cancel_moments(times: set[float]) -> st.SearchStrategy[float]:
    """The moments the model's events happen at, half a second after one, and never."""
    exact = sorted({0.0, *times})
    return st.one_of(
        st.sampled_from(exact),
        st.sampled_from(exact).map(lambda t: t + 0.5),
        st.just(math.inf),
    )


@contextlib.asynccontextmanager
async def task_group(impl: Impl) -> AsyncIterator[Callable[..., object]]:
    """A task group of the kind the target's users have; its value starts ``fn(*args)``.

    Native asyncio's where they cancel natively: anyio re-delivers its
    cancellation on every loop iteration, and asyncio code that waits out a
    cancellation (a pool's shielded close) would spin under it.
    """
    if impl.target.backend == "asyncio" and impl.target.style == "native":
        async with asyncio.TaskGroup() as group:
            yield lambda fn, *args: group.create_task(fn(*args))
    else:
        async with anyio.create_task_group() as anyio_group:
            yield anyio_group.start_soon


def assert_no_new_tasks(before: int, context: str) -> None:
    assert task_count() == before, f"{task_count() - before} tasks left behind: {context}"


# ---------------------------------------------------------------- fanout


def list_schedule(ends: Sequence[float], slots: int | None) -> list[tuple[float, float]]:
    """(start, end) of each job, each started in input order on the first free slot."""
    free = [0.0] * (slots or max(len(ends), 1))
    spans = []
    for seconds in ends:
        free.sort()
        start = free.pop(0)
        spans.append((start, start + seconds))
        free.append(start + seconds)
    return spans


@dataclass(frozen=True)
class FanoutCase:
    kids: tuple[Spec, ...]
    limit: int | None
    cancel_at: float

    def endings(self, kids: Kids) -> list[Ending]:
        spans = list_schedule([spec.ends for spec in self.kids], self.limit)
        done = max((end for _, end in spans), default=0)
        fails = [(end, i) for i, (_, end) in enumerate(spans) if self.kids[i].fails]
        every = returns(done, [f"r{i}" for i in range(len(spans))])
        return race_endings(kids, None if fails else every, fails)


@st.composite
def fanout_cases(draw: st.DrawFn) -> FanoutCase:
    kids = tuple(draw(st.lists(specs, max_size=6)))
    limit = draw(st.none() | st.integers(min_value=1, max_value=3))
    spans = list_schedule([spec.ends for spec in kids], limit)
    return FanoutCase(kids, limit, draw(cancel_moments({t for span in spans for t in span})))


async def check_fanout(impl: Impl, run_all: Callable[..., Any], case: FanoutCase) -> None:
    before = task_count()
    kids = Kids(case.kids)
    actual = await observe(impl, case.cancel_at, lambda: run_all(kids.fns(), limit=case.limit))
    judge(actual, case.endings(kids), case.cancel_at, repr(case))
    kids.assert_all_done(repr(case))
    assert_no_new_tasks(before, repr(case))


@fuzz()
@given(case=fanout_cases())
async def test_fanout(impl: Impl, run_all: Callable[..., Any], case: FanoutCase) -> None:
    assume(known_issue(impl.target, case) is None)
    await check_fanout(impl, run_all, case)


# ---------------------------------------------------------------- background


def beat_starts(interval: int, beats: Sequence[Spec], until: float) -> list[tuple[int, int]]:
    """(start, spec index) of each beat due no later than ``until``, up to the first failure.

    Ticks fall at k·interval; one strictly in the past when a beat ends is
    skipped, one reached exactly is not.  The last spec repeats.
    """
    starts: list[tuple[int, int]] = []
    tick = interval
    while tick <= until:
        index = min(len(starts), len(beats) - 1)
        starts.append((tick, index))
        if beats[index].fails:
            break
        tick = max(tick + interval, -(-(tick + beats[index].ends) // interval) * interval)
    return starts


@dataclass(frozen=True)
class HeartbeatCase:
    work: Spec
    interval: int
    beats: tuple[Spec, ...]  # the last one repeats
    cancel_at: float

    def endings(self, kids: Kids) -> list[Ending]:
        end = self.work.ends
        fails = [(end, 0)] if self.work.fails else []
        for start, index in beat_starts(self.interval, self.beats, end):
            if self.beats[index].fails:
                fails.append((start + self.beats[index].ends, 1 + index))
        return race_endings(kids, None if self.work.fails else returns(end, "r0"), fails)


@st.composite
def heartbeat_cases(draw: st.DrawFn) -> HeartbeatCase:
    work = draw(specs)
    interval = draw(st.integers(min_value=1, max_value=3))
    beats = tuple(draw(st.lists(specs, min_size=1, max_size=3)))
    times = {float(work.ends)}
    for start, index in beat_starts(interval, beats, work.ends):
        times |= {start, start + beats[index].ends}
    return HeartbeatCase(work, interval, beats, draw(cancel_moments(times)))


@dataclass(frozen=True)
class ReadyCase:
    service: Spec  # its start-up; after it, unless it failed, ready() (or not)
    calls_ready: bool
    serving: Spec | None  # after ready(): how the service ends; None: serves until cancelled
    client: Spec
    cancel_at: float

    def endings(self, kids: Kids) -> list[Ending]:
        ready = self.service.ends
        if self.service.fails:
            return [group_of(ready, kids, {0})]
        if not self.calls_ready:
            return [runtime_error(ready)]
        fails = []
        if self.serving is not None and self.serving.fails:
            fails.append((ready + self.serving.ends, 1))
        end = ready + self.client.ends
        if self.client.fails:
            fails.append((end, 2))
        return race_endings(kids, None if self.client.fails else returns(end, "r2"), fails)


@st.composite
def ready_cases(draw: st.DrawFn) -> ReadyCase:
    service, client = draw(specs), draw(specs)
    calls_ready = draw(st.booleans() | st.just(True))
    serving = draw(st.none() | specs)
    ready = service.ends
    times = {ready, ready + client.ends, ready + (serving.ends if serving else 0)}
    return ReadyCase(service, calls_ready, serving, client, draw(cancel_moments(set(times))))


async def check_background(impl: Impl, case: HeartbeatCase | ReadyCase) -> None:
    before = task_count()
    call: Callable[[], Awaitable[Any]]
    if isinstance(case, HeartbeatCase):
        kids = Kids([case.work, *case.beats], in_caller=[0])
        beats = itertools.count(1)

        async def beat() -> None:
            await kids.run(min(next(beats), len(case.beats)))

        def call() -> Any:
            return impl.background.run_with_heartbeat(kids.fn(0), interval=case.interval, beat=beat)
    else:
        kids = Kids([case.service, case.serving or Spec(0), case.client], in_caller=[2])

        async def service(ready: Callable[[Any], None]) -> None:
            await kids.run(0)
            if not case.calls_ready:
                return
            ready("value")
            if case.serving is None:
                await anyio.sleep_forever()
            await kids.run(1)

        async def client(value: Any) -> Any:
            assert value == "value"
            return await kids.run(2)

        def call() -> Any:
            return impl.background.run_after_ready(service, client)

    actual = await observe(impl, case.cancel_at, call)
    judge(actual, case.endings(kids), case.cancel_at, repr(case))
    kids.assert_all_done(repr(case))
    assert_no_new_tasks(before, repr(case))


@fuzz(functions=2)
@given(case=heartbeat_cases() | ready_cases())
async def test_background(impl: Impl, case: HeartbeatCase | ReadyCase) -> None:
    assume(known_issue(impl.target, case) is None)
    await check_background(impl, case)


# ---------------------------------------------------------------- racing


@dataclass(frozen=True)
class RaceCase:
    attempts: tuple[Spec, ...]
    delay: int | float | None  # None: first_completed
    cancel_at: float

    def spans(self) -> list[tuple[float, float]]:
        """(start, end) of each attempt if nobody wins and nothing fails fatally."""
        spans: list[tuple[float, float]] = []
        start = 0.0
        for spec in self.attempts:
            end = start + spec.ends
            spans.append((start, end))
            if self.delay is not None:
                following = start + self.delay
                start = end if spec.outcome in EXCEPTIONS and end < following else following
        return spans

    def endings(self, kids: Kids) -> list[Ending]:
        spans = self.spans()
        wins = [end for (_, end), spec in zip(spans, self.attempts, strict=True) if not spec.fails]
        won = min(wins, default=None)
        fatal = [
            (end, i)
            for i, (_, end) in enumerate(spans)
            if self.attempts[i].outcome in ("fatal", "interrupt")
        ]
        if won is None and not fatal:
            return [every_failure_in_order(max(end for _, end in spans), kids)]
        done = None
        if won is not None:
            winners = [
                f"r{i}"
                for i, (_, end) in enumerate(spans)
                if end == won and i in range(len(spans)) and not self.attempts[i].fails
            ]
            done = returns_one_of(won, winners)
        exceptions = {i for i, spec in enumerate(self.attempts) if spec.outcome in EXCEPTIONS}
        return race_endings(kids, done, fatal, ignorable=exceptions)


def every_failure_in_order(at: float, kids: Kids) -> Ending:
    def check(actual: Actual) -> str | None:
        error = actual.error
        if not isinstance(error, ExceptionGroup):
            return "expected an ExceptionGroup of every failure"
        if [kids.origin(e) for e in error.exceptions] != list(range(len(kids.specs))):
            return "expected every failure, in input order"
        return None

    return Ending(at, check, "every failure in input order")


@st.composite
def race_cases(draw: st.DrawFn) -> RaceCase:
    attempts = tuple(draw(st.lists(specs, min_size=1, max_size=5)))
    delay = draw(st.none() | st.sampled_from([0, 1, 2, 3, math.inf]))
    case = RaceCase(attempts, delay, 0)
    times = {t for span in case.spans() for t in span if t != math.inf}
    return replace(case, cancel_at=draw(cancel_moments(times)))


async def check_racing(impl: Impl, case: RaceCase) -> None:
    before = task_count()
    kids = Kids(case.attempts)

    def call() -> Any:
        if case.delay is None:
            return impl.racing.first_completed(kids.fns())
        return impl.racing.staggered_race(kids.fns(), delay=case.delay)

    actual = await observe(impl, case.cancel_at, call)
    judge(actual, case.endings(kids), case.cancel_at, repr(case))
    kids.assert_all_done(repr(case))
    assert_no_new_tasks(before, repr(case))


@fuzz(functions=2)
@given(case=race_cases())
async def test_racing(impl: Impl, case: RaceCase) -> None:
    assume(known_issue(impl.target, case) is None)
    await check_racing(impl, case)


# ---------------------------------------------------------------- completion


@dataclass(frozen=True)
class CompletionCase:
    kids: tuple[Spec, ...]
    stop: tuple[int, str] | None  # after so many results the block ends: "ok" by break
    cancel_at: float

    def endings(self, kids: Kids) -> list[Ending]:
        ok = sorted(spec.ends for spec in self.kids if not spec.fails)
        fails = [(spec.ends, i) for i, spec in enumerate(self.kids) if spec.fails]
        if self.stop is None or self.stop[0] > len(ok):
            done = max((spec.ends for spec in self.kids), default=0)
            return race_endings(kids, None if fails else pairs(done, self.kids, len(ok)), fails)
        count, how = self.stop
        at = ok[count - 1]
        if how == "ok":
            return race_endings(kids, pairs(at, self.kids, count), fails)
        return race_endings(kids, None, [*fails, (at, len(self.kids))])


def pairs(at: float, specs: Sequence[Spec], count: int) -> Ending:
    """The first ``count`` (index, result) pairs, in completion order (a tie in any order)."""
    ok = sorted(spec.ends for spec in specs if not spec.fails)

    def check(actual: Actual) -> str | None:
        seen = actual.value
        if not actual.returned or len(seen) != count or len(set(seen)) != count:
            return f"expected {count} distinct pairs"
        if any(not 0 <= i < len(specs) or specs[i].fails or r != f"r{i}" for i, r in seen):
            return "a pair no success gave"
        if [specs[i].ends for i, _ in seen] != ok[:count]:
            return "not in completion order"
        return None

    return Ending(at, check, f"{count} pairs in completion order")


@st.composite
def completion_cases(draw: st.DrawFn) -> CompletionCase:
    kids = tuple(draw(st.lists(specs, max_size=5)))
    stop = draw(st.none() | st.tuples(st.integers(min_value=1, max_value=3), outcomes))
    times = {float(spec.ends) for spec in kids}
    return CompletionCase(kids, stop, draw(cancel_moments(times)))


async def check_completion(impl: Impl, case: CompletionCase) -> None:
    before = task_count()
    consumer = len(case.kids)
    stop_outcome = case.stop[1] if case.stop else "ok"
    kids = Kids([*case.kids, Spec(0, stop_outcome)], in_caller=[consumer])

    async def call() -> list[tuple[int, Any]]:
        seen: list[tuple[int, Any]] = []
        async with impl.completion.completed(kids.fns()[:consumer]) as results:
            async for pair in results:
                seen.append(pair)
                if case.stop is not None and len(seen) == case.stop[0]:
                    await kids.end(consumer)  # raises, unless the outcome is "ok"
                    break
        return seen

    actual = await observe(impl, case.cancel_at, call)
    judge(actual, case.endings(kids), case.cancel_at, repr(case))
    kids.assert_all_done(repr(case))
    assert_no_new_tasks(before, repr(case))


@fuzz()
@given(case=completion_cases())
async def test_completion(impl: Impl, case: CompletionCase) -> None:
    assume(known_issue(impl.target, case) is None)
    await check_completion(impl, case)


# ---------------------------------------------------------------- errors


@dataclass(frozen=True)
class ErrorsCase:
    kids: tuple[Spec, ...]
    cancel_at: float

    def endings(self, kids: Kids) -> list[Ending]:
        done = max((spec.ends for spec in self.kids), default=0)
        fatal = [
            (spec.ends, i)
            for i, spec in enumerate(self.kids)
            if spec.outcome in ("fatal", "interrupt")
        ]
        exceptions = {i for i, spec in enumerate(self.kids) if spec.outcome in EXCEPTIONS}
        every = None if fatal else settled(done, kids)
        return race_endings(kids, every, fatal, ignorable=exceptions)


def settled(at: float, kids: Kids) -> Ending:
    def check(actual: Actual) -> str | None:
        if not actual.returned or len(actual.value) != len(kids.specs):
            return "expected one outcome per child"
        for i, got in enumerate(actual.value):
            if kids.specs[i].outcome in EXCEPTIONS:
                if kids.origin(got) != i:
                    return f"expected child {i}'s exception at {i}, got {got!r}"
            elif got != f"r{i}":
                return f"expected r{i} at {i}, got {got!r}"
        return None

    return Ending(at, check, "settled outcomes in input order")


async def check_errors(impl: Impl, case: ErrorsCase) -> None:
    before = task_count()
    kids = Kids(case.kids)
    actual = await observe(impl, case.cancel_at, lambda: impl.errors.run_settled(kids.fns()))
    judge(actual, case.endings(kids), case.cancel_at, repr(case))
    kids.assert_all_done(repr(case))
    assert_no_new_tasks(before, repr(case))


@st.composite
def errors_cases(draw: st.DrawFn) -> ErrorsCase:
    kids = tuple(draw(st.lists(specs, max_size=5)))
    return ErrorsCase(kids, draw(cancel_moments({float(spec.ends) for spec in kids})))


@fuzz()
@given(case=errors_cases())
async def test_errors(impl: Impl, case: ErrorsCase) -> None:
    assume(known_issue(impl.target, case) is None)
    await check_errors(impl, case)


# ---------------------------------------------------------------- timeouts


@dataclass(frozen=True)
class TimeoutCase:
    function: str  # call_with_timeout or call_or_default
    fn: Spec
    seconds: float
    cancel_at: float

    def endings(self, kids: Kids) -> list[Ending]:
        endings = []
        if self.fn.ends <= self.seconds:
            endings.append(own_outcome(self.fn.ends, kids, 0))
        if self.seconds <= self.fn.ends:
            timed_out = (
                timeout_error(self.seconds)
                if self.function == "call_with_timeout"
                else returns(self.seconds, "default")
            )
            endings.append(timed_out)
        return endings


@dataclass(frozen=True)
class CleanupCase:
    work: Spec
    cleanup: Spec
    cleanup_timeout: float
    cancel_at: float

    @property
    def cleanup_takes(self) -> float:
        return min(self.cleanup.ends, self.cleanup_timeout)

    def endings(self, kids: Kids) -> list[Ending]:
        end = self.work.ends + self.cleanup_takes
        endings = []
        if self.cleanup.fails and self.cleanup.ends <= self.cleanup_timeout:
            endings.append(cleanup_error(end, kids))
        if not self.cleanup.fails or self.cleanup.ends >= self.cleanup_timeout:
            endings.append(own_outcome(end, kids, 0))  # finished, or cut off silently
        if self.work.outcome == "stray":  # taken for the caller's: it stands
            endings.append(raises_own(end, kids, 0))
        return endings

    def cancelled_at(self) -> float:
        """Not before the cleanup, which starts when the work ends or is cancelled, has ended."""
        return min(self.cancel_at, self.work.ends) + self.cleanup_takes


def cleanup_error(at: float, kids: Kids) -> Ending:
    """The cleanup's own exception (a stray cancellation may come as a RuntimeError)."""

    def check(actual: Actual) -> str | None:
        if actual.error is None or kids.origin(actual.error) != 1:
            return "expected the cleanup's own exception"
        work_error = kids.raised.get(0)
        if work_error is not None and actual.error.__context__ is not work_error:
            return f"the work's exception is not its context: {actual.error.__context__!r}"
        return None

    return Ending(at, check, "the cleanup's exception")


timeout_seconds = st.sampled_from([0, 1, 2, 3, 5, math.inf])


@st.composite
def timeout_cases(draw: st.DrawFn) -> TimeoutCase:
    function = draw(st.sampled_from(["call_with_timeout", "call_or_default"]))
    fn, seconds = draw(specs), draw(timeout_seconds)
    times = {float(fn.ends), seconds} - {math.inf}
    return TimeoutCase(function, fn, seconds, draw(cancel_moments(times)))


@st.composite
def cleanup_cases(draw: st.DrawFn) -> CleanupCase:
    work, cleanup, timeout = draw(specs), draw(specs), draw(timeout_seconds)
    case = CleanupCase(work, cleanup, timeout, 0)
    times = {float(work.ends), work.ends + case.cleanup_takes}
    return replace(case, cancel_at=draw(cancel_moments(times)))


async def check_timeouts(impl: Impl, case: TimeoutCase | CleanupCase) -> None:
    before = task_count()
    call: Callable[[], Awaitable[Any]]
    if isinstance(case, TimeoutCase):
        kids = Kids([case.fn], in_caller=[0])
        function = getattr(impl.timeouts, case.function)
        extra = () if case.function == "call_with_timeout" else ("default",)

        def call() -> Any:
            return function(kids.fn(0), case.seconds, *extra)

        cancelled_at = None
    else:
        kids = Kids([case.work, case.cleanup], in_caller=[0])

        def call() -> Any:
            return impl.timeouts.run_with_cleanup(
                kids.fn(0), kids.fn(1), cleanup_timeout=case.cleanup_timeout
            )

        cancelled_at = case.cancelled_at()
    actual = await observe(impl, case.cancel_at, call)
    judge(actual, case.endings(kids), case.cancel_at, repr(case), cancelled_at=cancelled_at)
    kids.assert_all_done(repr(case))
    assert_no_new_tasks(before, repr(case))


@fuzz(functions=3)
@given(case=timeout_cases() | cleanup_cases())
async def test_timeouts(impl: Impl, case: TimeoutCase | CleanupCase) -> None:
    assume(known_issue(impl.target, case) is None)
    await check_timeouts(impl, case)


# ---------------------------------------------------------------- generators


@dataclass(frozen=True)
class TickerCase:
    interval: int
    busy: tuple[Spec, ...]  # the consumer's work after each tick; as many ticks as these
    cancel_at: float

    def ticks(self) -> tuple[list[float], float, int | None]:
        """The ticks seen, when the consumer ends, and which busy spell failed (if one did)."""
        seen: list[float] = []
        at, last = 0.0, 0
        for index, spec in enumerate(self.busy):
            last = max(last + 1, math.ceil(at / self.interval))  # reached exactly: not past
            at = float(last * self.interval)
            seen.append(at)
            at += spec.ends
            if spec.fails:
                return seen, at, index
        return seen, at, None

    def endings(self, kids: Kids) -> list[Ending]:
        seen, at, failed = self.ticks()
        return [returns(at, seen) if failed is None else raises_own(at, kids, failed)]


@st.composite
def ticker_cases(draw: st.DrawFn) -> TickerCase:
    interval = draw(st.integers(min_value=1, max_value=3))
    busy = tuple(draw(st.lists(specs, max_size=4)))
    seen, at, _ = TickerCase(interval, busy, 0).ticks()
    return TickerCase(interval, busy, draw(cancel_moments({*seen, at})))


@dataclass(frozen=True)
class PaginateCase:
    fetches: tuple[Spec, ...]  # one per page
    sizes: tuple[int, ...]  # items per page
    stop: int | None  # the consumer leaves after so many items
    cancel_at: float

    def run(self) -> tuple[list[str], float, int, int | None]:
        """Items seen, when it ends, pages fetched, and which fetch failed (if one did)."""
        items: list[str] = []
        at = 0.0
        for page, spec in enumerate(self.fetches):
            at += spec.ends
            if spec.fails:
                return items, at, page + 1, page
            for item in range(self.sizes[page]):
                items.append(f"p{page}i{item}")
                if len(items) == self.stop:
                    return items, at, page + 1, None
        return items, at, len(self.fetches), None

    def endings(self, kids: Kids) -> list[Ending]:
        items, at, _, failed = self.run()
        return [returns(at, items) if failed is None else raises_own(at, kids, failed)]


@st.composite
def paginate_cases(draw: st.DrawFn) -> PaginateCase:
    fetches = tuple(draw(st.lists(specs, min_size=1, max_size=4)))
    sizes = tuple(draw(st.lists(st.integers(0, 2), min_size=len(fetches), max_size=len(fetches))))
    stop = draw(st.none() | st.integers(min_value=1, max_value=4))
    times = set(itertools.accumulate(float(spec.ends) for spec in fetches))
    return PaginateCase(fetches, sizes, stop, draw(cancel_moments(times)))


@dataclass(frozen=True)
class BatchedCase:
    gaps: tuple[int, ...]  # before each item
    end: Spec  # after the last item: how the source ends
    size: int
    max_wait: int
    stop_first: bool  # the consumer leaves after the first batch
    cancel_at: float

    def arrivals(self) -> list[int]:
        return list(itertools.accumulate(self.gaps))

    def first_due(self) -> float:
        """When the first batch is due, the source's end aside."""
        arrivals = self.arrivals()
        if not arrivals:
            return math.inf
        full = arrivals[self.size - 1] if len(arrivals) >= self.size else math.inf
        return min(full, arrivals[0] + self.max_wait)

    def endings(self, kids: Kids) -> list[Ending]:
        end = sum(self.gaps) + self.end.ends  # when the source ends, or fails
        if not self.stop_first:
            every = all_batches(end, len(self.gaps), self.size)
            return [source_failure(end, kids, 0) if self.end.fails else every]
        due = self.first_due()
        if not self.end.fails:  # the last partial batch comes at the end
            return [first_batch(min(due, end), self) if self.gaps else returns(end, [])]
        endings = [first_batch(due, self)] if due <= end else []
        return [*endings, source_failure(end, kids, 0)] if end <= due else endings


def first_batch(at: float, case: BatchedCase) -> Ending:
    """The first batch alone: 1 to ``size`` items, the first ones, all arrived by then."""

    def check(actual: Actual) -> str | None:
        if not actual.returned or len(actual.value) != 1:
            return "expected the first batch alone"
        [batch] = actual.value
        if not 0 < len(batch) <= case.size or batch != list(range(len(batch))):
            return f"expected a first batch of 1 to {case.size} items, got {batch}"
        if case.arrivals()[len(batch) - 1] > at:
            return "it holds an item that had not arrived"
        return None

    return Ending(at, check, "the first batch")


def all_batches(at: float, items: int, size: int) -> Ending:
    def check(actual: Actual) -> str | None:
        if not actual.returned:
            return "expected every batch"
        batches = actual.value
        if [item for batch in batches for item in batch] != list(range(items)):
            return "lost or reordered items"
        if not all(0 < len(batch) <= size for batch in batches):
            return "a batch of the wrong size"
        return None

    return Ending(at, check, "every batch")


def source_failure(at: float, kids: Kids, index: int) -> Ending:
    """A source's failure, grouped (rule 4) or not: it alone, from that source."""

    def check(actual: Actual) -> str | None:
        if actual.error is None:
            return "expected the source's failure"
        found = leaves(actual.error)
        if [kids.origin(leaf) for leaf in found] != [index]:
            return f"expected source {index}'s failure alone, got {found!r}"
        return None

    return Ending(at, check, f"source {index}'s failure")


@st.composite
def batched_cases(draw: st.DrawFn) -> BatchedCase:
    gaps = tuple(draw(st.lists(st.integers(0, 2), max_size=6)))
    end, size, max_wait = draw(specs), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    case = BatchedCase(gaps, end, size, max_wait, draw(st.booleans()), 0)
    times = {*case.arrivals(), sum(gaps) + end.ends, case.first_due()} - {math.inf}
    return replace(case, cancel_at=draw(cancel_moments(times)))


@dataclass(frozen=True)
class MergedCase:
    sources: tuple[tuple[tuple[int, ...], Spec], ...]  # each: gaps before its items, its end
    stop: int | None  # the consumer leaves after so many items
    cancel_at: float

    def arrivals(self) -> dict[str, float]:
        return {
            f"s{s}i{i}": float(at)
            for s, (gaps, _) in enumerate(self.sources)
            for i, at in enumerate(itertools.accumulate(gaps))
        }

    def endings(self, kids: Kids) -> list[Ending]:
        arrivals = self.arrivals()
        ends = [sum(gaps) + end.ends for gaps, end in self.sources]
        fails = [
            (at, s)
            for s, (at, (_, end)) in enumerate(zip(ends, self.sources, strict=True))
            if end.fails
        ]
        if self.stop is not None and self.stop <= len(arrivals):
            at = sorted(arrivals.values())[self.stop - 1]
            return race_endings(kids, merged_items(at, arrivals, self.stop), fails)
        every = merged_items(max(ends, default=0), arrivals, len(arrivals))
        return race_endings(kids, None if fails else every, fails)


def merged_items(at: float, arrivals: dict[str, float], count: int) -> Ending:
    """The first ``count`` items, each seen as it arrived, each source's in order."""

    def check(actual: Actual) -> str | None:
        if not actual.returned:
            return f"expected {count} items"
        seen: list[tuple[str, float]] = actual.value
        if sorted(arrivals.get(item, -1) for item, _ in seen) != sorted(arrivals.values())[:count]:
            return "not the first items to arrive"
        if any(arrivals[item] != when for item, when in seen):
            return "an item seen later than it arrived"
        numbers: dict[str, list[int]] = {}
        for item, _ in seen:
            source, number = item.split("i")
            numbers.setdefault(source, []).append(int(number))
        if any(got != list(range(len(got))) for got in numbers.values()):
            return "a source's items out of order"
        return None

    return Ending(at, check, f"{count} items as they arrive")


@st.composite
def merged_cases(draw: st.DrawFn) -> MergedCase:
    sources = tuple(
        draw(
            st.lists(
                st.tuples(st.lists(st.integers(0, 3), max_size=3).map(tuple), specs), max_size=3
            )
        )
    )
    stop = draw(st.none() | st.integers(min_value=1, max_value=4))
    case = MergedCase(sources, stop, 0)
    times = {*case.arrivals().values(), *(sum(gaps) + end.ends for gaps, end in sources)}
    return replace(case, cancel_at=draw(cancel_moments(times)))


GeneratorCase = TickerCase | PaginateCase | BatchedCase | MergedCase


async def check_generators(impl: Impl, case: GeneratorCase) -> None:
    before = task_count()
    opened: set[int] = set()
    closed: set[int] = set()
    generators = impl.generators

    async def source(index: int, gaps: Sequence[int], kids: Kids) -> AsyncGenerator[Any, None]:
        opened.add(index)
        try:
            for item, gap in enumerate(gaps):
                await anyio.sleep(gap)
                yield item if isinstance(case, BatchedCase) else f"s{index}i{item}"
            await kids.run(index)
        finally:
            closed.add(index)

    call: Callable[[], Awaitable[Any]]
    if isinstance(case, TickerCase):
        kids = Kids(case.busy, in_caller=range(len(case.busy)))

        async def call() -> list[float]:
            start, seen = now(), []
            async with contextlib.aclosing(
                generators.ticker(case.interval, count=len(case.busy))
            ) as ticks:
                async for tick in ticks:
                    seen.append(tick - start)
                    await kids.run(len(seen) - 1)
            return seen
    elif isinstance(case, PaginateCase):
        kids = Kids(case.fetches, in_caller=range(len(case.fetches)))

        async def fetch_page(cursor: int | None) -> tuple[list[str], int | None]:
            page = cursor or 0
            await kids.run(page)
            following = page + 1 if page + 1 < len(case.fetches) else None
            return [f"p{page}i{item}" for item in range(case.sizes[page])], following

        async def call() -> list[str]:
            seen = []
            async with contextlib.aclosing(generators.paginate(fetch_page)) as items:
                async for item in items:
                    seen.append(item)
                    if len(seen) == case.stop:
                        break
            return seen
    elif isinstance(case, BatchedCase):
        kids = Kids([case.end])

        async def call() -> list[list[int]]:
            seen = []
            batches_cm = generators.batched(
                source(0, case.gaps, kids), size=case.size, max_wait=case.max_wait
            )
            async with batches_cm as batches:
                async for batch in batches:
                    seen.append(batch)
                    if case.stop_first:
                        break
            return seen
    else:
        kids = Kids([end for _, end in case.sources])

        async def call() -> list[tuple[str, float]]:
            start, seen = now(), []
            sources = [source(s, gaps, kids) for s, (gaps, _) in enumerate(case.sources)]
            async with generators.merged(*sources) as items:
                async for item in items:
                    seen.append((item, now() - start))
                    if len(seen) == case.stop:
                        break
            return seen

    actual = await observe(impl, case.cancel_at, call)
    judge(actual, case.endings(kids), case.cancel_at, repr(case))
    kids.assert_all_done(repr(case))
    assert closed == opened, f"sources {sorted(opened - closed)} left open: {case!r}"
    if isinstance(case, PaginateCase) and not actual.cancelled:
        fetched = case.run()[2]
        assert kids.started == list(range(fetched)), f"fetched {kids.started}: {case!r}"
    assert_no_new_tasks(before, repr(case))


@fuzz(functions=4)
@given(case=ticker_cases() | paginate_cases() | batched_cases() | merged_cases())
async def test_generators(impl: Impl, case: GeneratorCase) -> None:
    assume(known_issue(impl.target, case) is None)
    await check_generators(impl, case)


# ---------------------------------------------------------------- rate_limit


@dataclass(frozen=True)
class Waiter:
    arrival: float
    patience: float | None  # its own scope gives up after this long; None: never
    style: str  # "acquire" or "async with"

    @property
    def waits(self) -> float:
        return math.inf if self.patience is None else self.patience


@dataclass(frozen=True)
class RateCase:
    rate: int
    period: int
    burst: int
    waiters: tuple[Waiter, ...]
    cancel_at: float

    def grants(self) -> set[tuple[float | None, ...]]:
        """Every possible (time each waiter got its token, or None), FIFO by arrival.

        A token bucket, as "theoretical arrival time" (GCRA): the bucket is full
        when ``tat`` is past; a token is free once ``tat - (burst-1)·interval``
        is.  Waiters arriving in one instant may line up in any order; one whose
        deadline is the instant its token is due may get it or not.
        """
        interval = self.period / self.rate
        groups = [
            list(g)
            for _, g in itertools.groupby(
                sorted(range(len(self.waiters)), key=lambda i: self.waiters[i].arrival),
                key=lambda i: self.waiters[i].arrival,
            )
        ]
        possible: set[tuple[float | None, ...]] = set()
        for order in itertools.product(*(itertools.permutations(group) for group in groups)):
            branches: list[tuple[float, dict[int, float | None]]] = [(-math.inf, {})]
            for index in itertools.chain.from_iterable(order):
                waiter = self.waiters[index]
                patience = math.inf if waiter.patience is None else waiter.patience
                deadline = min(waiter.arrival + patience, self.cancel_at)
                following = []
                for tat, got in branches:
                    due = max(waiter.arrival, tat - (self.burst - 1) * interval)
                    if waiter.arrival <= self.cancel_at and due <= deadline:
                        following.append((max(tat, due) + interval, {**got, index: due}))
                    if due >= deadline or waiter.arrival > self.cancel_at:
                        following.append((tat, {**got, index: None}))
                branches = following
            possible |= {tuple(got[i] for i in range(len(self.waiters))) for _, got in branches}
        return possible

    def waits_past(self, grants: Sequence[float | None]) -> tuple[bool, bool]:
        """Whether a waiter was waiting (or yet to come) at the cancellation: surely, maybe."""
        ends = [
            got if got is not None else waiter.arrival + waiter.waits
            for waiter, got in zip(self.waiters, grants, strict=True)
        ]
        surely = any(end > self.cancel_at for end in ends)
        return surely, surely or self.cancel_at in ends


@st.composite
def rate_cases(draw: st.DrawFn) -> RateCase:
    rate, period = draw(st.sampled_from([1, 2])), draw(st.sampled_from([1, 2]))
    burst = draw(st.integers(1, 3))
    waiters = tuple(
        draw(
            st.lists(
                st.builds(
                    Waiter,
                    st.sampled_from([0, 0.5, 1, 2, 3]),
                    st.none() | st.sampled_from([0, 0.5, 1, 2, 3]),
                    st.sampled_from(["acquire", "async with"]),
                ),
                min_size=1,
                max_size=5,
            )
        )
    )
    interval = period / rate
    times = {w.arrival + k * interval for w in waiters for k in range(6)}
    times |= {w.arrival + w.patience for w in waiters if w.patience is not None}
    return RateCase(rate, period, burst, waiters, draw(cancel_moments(times)))


async def check_rate_limit(impl: Impl, case: RateCase) -> None:
    before = task_count()
    limiter = impl.rate_limit.RateLimiter(case.rate, case.period, burst=case.burst)
    start = now()
    got: dict[int, float] = {}

    async def waiter(index: int, spec: Waiter) -> None:
        await anyio.sleep(spec.arrival)
        patience = math.inf if spec.patience is None else spec.patience
        async with impl.cancel_after(patience):
            if spec.style == "acquire":
                await limiter.acquire()
            else:
                async with limiter:
                    pass
            got[index] = now() - start

    async def call() -> None:
        async with task_group(impl) as start_soon:
            for index, spec in enumerate(case.waiters):
                start_soon(waiter, index, spec)

    actual = await observe(impl, case.cancel_at, call)
    context = f"{case!r}; got {got} and {actual!r}"
    assert actual.error is None, context
    grants = tuple(got.get(i) for i in range(len(case.waiters)))
    matches = [
        possible
        for possible in case.grants()
        if all(
            (a is None) == (b is None) and (a is None or b is None or abs(a - b) < 1e-9)
            for a, b in zip(grants, possible, strict=True)
        )
    ]
    assert matches, f"not a possible order of grants ({sorted(case.grants(), key=str)}): {context}"
    surely, maybe = case.waits_past(matches[0])
    if actual.cancelled:
        assert maybe, f"cancelled, but every waiter was done: {context}"
        assert actual.at == case.cancel_at, context
    else:
        assert not surely, f"the cancellation was swallowed: {context}"
        assert actual.at <= case.cancel_at, context
    # No token lost and none made up: once the bucket has had time to refill,
    # exactly burst acquisitions are immediate and the next one waits its turn.
    await anyio.sleep(case.burst * case.period / case.rate)
    refilled = now()
    for _ in range(case.burst):
        await limiter.acquire()
    assert now() == refilled, f"a token was lost: {context}"
    async with limiter:
        pass
    assert now() - refilled == pytest.approx(case.period / case.rate), (
        f"a token too many: {context}"
    )
    assert_no_new_tasks(before, context)


@fuzz()
@given(case=rate_cases())
async def test_rate_limit(impl: Impl, case: RateCase) -> None:
    assume(known_issue(impl.target, case) is None)
    await check_rate_limit(impl, case)


# ---------------------------------------------------------------- workers


@dataclass(frozen=True)
class WorkersCase:
    handlers: tuple[Spec, ...]  # one per item
    workers: int
    queue_size: int | None
    kind: str  # the input: "sync" or "async" generator
    input_fails: tuple[int, str] | None  # before this item, the input raises so
    cancel_at: float

    @property
    def items(self) -> int:
        return (
            len(self.handlers)
            if self.input_fails is None
            else min(self.input_fails[0], len(self.handlers))
        )

    def spans(self) -> list[tuple[float, float]]:
        return list_schedule([spec.ends for spec in self.handlers[: self.items]], self.workers)

    def read_at(self, item: int) -> float:
        """When the producer takes ``item``: once the queue had room for the one before."""
        room = item - 1 - (self.queue_size or self.workers)
        return self.spans()[room][0] if room >= 0 else 0.0

    def endings(self, kids: Kids) -> list[Ending]:
        spans = self.spans()
        fails = [(end, i) for i, (_, end) in enumerate(spans) if self.handlers[i].fails]
        if self.input_fails is not None and self.input_fails[0] <= len(self.handlers):
            fails.append((self.read_at(self.input_fails[0]), len(self.handlers)))
        done = max((end for _, end in spans), default=0)
        every = returns(done, [f"r{i}" for i in range(len(spans))])
        return race_endings(kids, None if fails else every, fails)


@st.composite
def workers_cases(draw: st.DrawFn) -> WorkersCase:
    handlers = tuple(draw(st.lists(specs, max_size=7)))
    workers = draw(st.integers(1, 3))
    queue_size = draw(st.none() | st.integers(1, 2))
    kind = draw(st.sampled_from(["sync", "async"]))
    fails = failures if kind == "async" else st.sampled_from(["boom", "fatal", "interrupt"])
    input_fails = draw(st.none() | st.tuples(st.integers(0, len(handlers)), fails))
    case = WorkersCase(handlers, workers, queue_size, kind, input_fails, 0)
    times = {t for span in case.spans() for t in span}
    return replace(case, cancel_at=draw(cancel_moments(times)))


async def check_workers(impl: Impl, case: WorkersCase) -> None:
    before = task_count()
    failing = len(case.handlers)
    outcome = case.input_fails[1] if case.input_fails else "ok"
    kids = Kids([*case.handlers, Spec(0, outcome)])
    opened: list[bool] = []
    closed: list[bool] = []
    stop = len(case.handlers) if case.input_fails is None else case.input_fails[0]

    def sync_items() -> Iterator[int]:
        opened.append(True)
        try:
            yield from range(min(stop, len(case.handlers)))
            if case.input_fails is not None:
                kids.raised[failing] = kids.failure(failing, case.input_fails[1])
                raise kids.raised[failing]
        finally:
            closed.append(True)

    async def async_items() -> AsyncGenerator[int, None]:
        opened.append(True)
        try:
            for item in range(min(stop, len(case.handlers))):
                await anyio.lowlevel.checkpoint()
                yield item
            if case.input_fails is not None:
                await kids.end(failing)
        finally:
            closed.append(True)

    async def handler(item: int) -> Any:
        return await kids.run(item)

    def call() -> Any:
        items = sync_items() if case.kind == "sync" else async_items()
        return impl.workers.process(
            items, handler, workers=case.workers, queue_size=case.queue_size
        )

    actual = await observe(impl, case.cancel_at, call)
    judge(actual, case.endings(kids), case.cancel_at, repr(case))
    kids.assert_all_done(repr(case))
    assert closed == opened, f"the input was not closed: {case!r}"
    assert_no_new_tasks(before, repr(case))


@fuzz()
@given(case=workers_cases())
async def test_workers(impl: Impl, case: WorkersCase) -> None:
    assume(known_issue(impl.target, case) is None)
    await check_workers(impl, case)


# ---------------------------------------------------------------- retry


@dataclass(frozen=True)
class RetryCase:
    attempts: tuple[Spec, ...]  # as many attempts as these
    base_delay: int
    multiplier: int
    max_delay: float
    deadline: int | None
    retry_on: str  # "Exception" or "BaseException"
    cancel_at: float

    def retried(self, spec: Spec) -> bool:
        if spec.outcome == "boom":
            return True
        return spec.outcome == "fatal" and self.retry_on == "BaseException"

    def run(self) -> tuple[list[float], float, int]:
        """Attempt starts, when it ends, and the attempt whose outcome stands."""
        starts: list[float] = []
        at = 0.0
        for number, spec in enumerate(self.attempts, start=1):
            starts.append(at)
            at += spec.ends
            if not self.retried(spec) or number == len(self.attempts):
                break
            delay = min(self.max_delay, self.base_delay * self.multiplier ** (number - 1))
            if self.deadline is not None and at + delay > self.deadline:
                break
            at += delay
        return starts, at, len(starts) - 1

    def endings(self, kids: Kids) -> list[Ending]:
        starts, at, last = self.run()
        if not self.attempts[last].fails:
            return [returns(at, f"r{last}")]
        return [
            gave_up(at, kids, last, len(starts))
            if self.retried(self.attempts[last])
            else raises_own(at, kids, last)
        ]


def gave_up(at: float, kids: Kids, last: int, made: int) -> Ending:
    def check(actual: Actual) -> str | None:
        if actual.error is None or actual.error is not kids.raised.get(last):
            return f"expected the last attempt's own exception {kids.raised.get(last)!r}"
        notes = getattr(actual.error, "__notes__", [])
        if not any(f"{made} attempt" in note for note in notes):
            return f"no note of {made} attempts: {notes}"
        return None

    return Ending(at, check, f"gives up after {made}")


@st.composite
def retry_cases(draw: st.DrawFn) -> RetryCase:
    mostly_retried = st.one_of(st.just("boom"), st.sampled_from(OUTCOMES))
    attempts = tuple(
        draw(
            st.lists(
                st.builds(Spec, moments, mostly_retried, st.none() | moments),
                min_size=1,
                max_size=4,
            )
        )
    )
    case = RetryCase(
        attempts,
        draw(st.integers(0, 2)),
        draw(st.integers(1, 2)),
        draw(st.sampled_from([3, math.inf])),
        draw(st.none() | st.integers(1, 8)),
        draw(st.sampled_from(["Exception", "BaseException"])),
        0,
    )
    starts, end, _ = case.run()
    times = {*starts, end, *(s + spec.ends for s, spec in zip(starts, attempts, strict=False))}
    return replace(case, cancel_at=draw(cancel_moments(times)))


async def check_retry(impl: Impl, case: RetryCase) -> None:
    before = task_count()
    kids = Kids(case.attempts, in_caller=range(len(case.attempts)))
    calls = itertools.count()

    async def fn() -> Any:
        return await kids.run(next(calls))

    def call() -> Any:
        return impl.retry.retry(
            fn,
            attempts=len(case.attempts),
            base_delay=case.base_delay,
            multiplier=case.multiplier,
            max_delay=case.max_delay,
            jitter=False,
            deadline=case.deadline,
            retry_on=Exception if case.retry_on == "Exception" else BaseException,
        )

    actual = await observe(impl, case.cancel_at, call)
    judge(actual, case.endings(kids), case.cancel_at, repr(case))
    starts = case.run()[0]
    if actual.cancelled:  # never retried: no attempt started after the cancellation
        assert len(kids.started) <= sum(s <= case.cancel_at for s in starts), repr(case)
    kids.assert_all_done(repr(case))
    assert_no_new_tasks(before, repr(case))


@fuzz()
@given(case=retry_cases())
async def test_retry(impl: Impl, case: RetryCase) -> None:
    assume(known_issue(impl.target, case) is None)
    await check_retry(impl, case)


# ---------------------------------------------------------------- pool


@dataclass(frozen=True)
class User:
    arrival: int
    body: Spec  # how long it holds its resource, and how the block ends
    patience: int | None  # its own scope gives up after this long; None: never


@dataclass(frozen=True)
class PoolCase:
    max_size: int
    users: tuple[User, ...]
    factory: tuple[Spec, ...]  # one per factory call; later calls make one at once
    close_seconds: int
    acquire_timeout: int | None
    cancel_at: float


@st.composite
def pool_cases(draw: st.DrawFn) -> PoolCase:
    users = tuple(
        draw(
            st.lists(
                st.builds(User, st.integers(0, 4), specs, st.none() | st.integers(0, 4)),
                min_size=1,
                max_size=5,
            )
        )
    )
    factory = tuple(draw(st.lists(specs, max_size=4)))
    times = {float(u.arrival + t) for u in users for t in (0, u.body.ends, u.patience or 0)}
    return PoolCase(
        draw(st.integers(1, 3)),
        users,
        factory,
        draw(st.integers(0, 1)),
        draw(st.none() | st.sampled_from([0, 1, 3])),
        draw(cancel_moments(times)),
    )


@dataclass
class Resource:
    number: int
    closed: bool = False


async def check_pool(impl: Impl, case: PoolCase) -> None:
    before = task_count()
    made = len(case.factory)  # the kid of every factory call past the drawn ones
    kids = Kids([*case.factory, Spec(0), *(user.body for user in case.users)])
    calls = itertools.count()
    fuzzing = True
    resources: list[Resource] = []
    in_flight = peak = 0
    sizes: list[int] = []
    ended: dict[int, Any] = {}

    async def factory() -> Resource:
        nonlocal in_flight, peak
        number = next(calls)
        in_flight += 1
        peak = max(peak, in_flight + sum(not r.closed for r in resources))
        try:
            if fuzzing:  # afterwards, made at once: not even a checkpoint
                await kids.run(min(number, made))
        finally:
            in_flight -= 1
        resources.append(Resource(number))
        return resources[-1]

    async def close(resource: Resource) -> None:
        await anyio.sleep(case.close_seconds)
        resource.closed = True

    pool = impl.pool.Pool(
        factory, max_size=case.max_size, close=close, acquire_timeout=case.acquire_timeout
    )

    async def user(index: int, spec: User) -> None:
        body = made + 1 + index
        await anyio.sleep(spec.arrival)
        try:
            async with impl.cancel_after(
                math.inf if spec.patience is None else spec.patience
            ) as own:
                async with pool.acquire() as resource:
                    assert not resource.closed, f"handed a closed resource: {case!r}"
                    sizes.append(pool.size)
                    await kids.run(body)
                ended[index] = "done"
            if own.cancelled_caught:
                ended[index] = "gave up"
        except anyio.get_cancelled_exc_class() as exc:
            if kids.origin(exc) is None:
                raise  # the caller's cancellation, not a stray one from the body or factory
            ended[index] = exc
        except BaseException as exc:
            ended[index] = exc

    async def call() -> None:
        async with task_group(impl) as start_soon:
            for index, spec in enumerate(case.users):
                start_soon(user, index, spec)

    actual = await observe(impl, case.cancel_at, call)
    context = f"{case!r}; got {actual!r}, users ended {ended}"
    assert actual.error is None, context
    if actual.cancelled:  # a body cut short discards its resource: a shielded close
        assert case.cancel_at <= actual.at <= case.cancel_at + case.close_seconds, context
    else:
        assert actual.at <= case.cancel_at, f"the cancellation was swallowed: {context}"
    factory_errors = [kids.origin(e) for e in ended.values() if not isinstance(e, str)]
    for index, how in ended.items():
        if isinstance(how, str):
            continue
        origin = kids.origin(how)
        if origin == made + 1 + index:
            continue  # the body's own exception, as itself
        if origin is not None and origin < made:
            assert factory_errors.count(origin) == 1, f"a factory failure twice: {context}"
            continue  # the factory's exception reached the acquirer that called it
        if type(how) is TimeoutError and case.acquire_timeout is not None:
            continue
        pytest.fail(f"user {index} ended with {how!r}, which nothing raised: {context}")
    assert max(sizes, default=0) <= case.max_size, context
    assert peak <= case.max_size, f"{peak} resources alive or being made: {context}"
    alive = [r for r in resources if not r.closed]
    assert (pool.in_use, pool.idle, pool.size) == (0, len(alive), len(alive)), context
    # No slot lost: max_size acquisitions succeed at once.
    kids.assert_all_done(context)
    fuzzing = False
    start = now()
    async with contextlib.AsyncExitStack() as stack:
        for _ in range(case.max_size):
            await stack.enter_async_context(pool.acquire())
        assert now() == start, f"a slot was lost: {context}"
    await pool.aclose()
    assert all(r.closed for r in resources), context
    assert pool.size == 0, context
    assert_no_new_tasks(before, context)


@fuzz()
@given(case=pool_cases())
async def test_pool(impl: Impl, case: PoolCase) -> None:
    assume(known_issue(impl.target, case) is None)
    await check_pool(impl, case)


# ---------------------------------------------------------------- fetch


HTTP_OUTCOMES = ("ok", "404", "503", "connect", "boom", "fatal", "interrupt", "stray")
ANSWERS = {"ok": 200, "404": 404, "503": 503}
RESULTS = {  # (status, error) of a URL, by the outcome drawn for it
    "ok": (200, None),
    "404": (404, None),
    "503": (503, "HTTP 503"),
    "connect": (None, "ConnectError: refused"),
    "boom": (None, "Boom: child {index}"),
}


@dataclass(frozen=True)
class FetchCase:
    answers: tuple[Spec, ...]  # one per URL: how long the server takes, and what it does
    concurrency: int
    request_timeout: float
    cancel_at: float

    def spans(self) -> list[tuple[float, float]]:
        took = [min(spec.ends, self.request_timeout) for spec in self.answers]
        return list_schedule(took, self.concurrency)

    def endings(self, kids: Kids) -> list[Ending]:
        """A failure due at the request timeout itself may happen or not: each subset may."""
        spans = self.spans()
        fatal = [
            i
            for i, spec in enumerate(self.answers)
            if spec.outcome in ("fatal", "interrupt", "stray")
        ]
        sure = [(spans[i][1], i) for i in fatal if self.answers[i].ends < self.request_timeout]
        maybe = [(spans[i][1], i) for i in fatal if self.answers[i].ends == self.request_timeout]
        every = fetched(max((end for _, end in spans), default=0), self)
        boom = {i for i, spec in enumerate(self.answers) if spec.outcome == "boom"}
        endings: list[Ending] = []
        for count in range(len(maybe) + 1):
            for happen in itertools.combinations(maybe, count):
                fails = [*sure, *happen]
                endings += race_endings(kids, None if fails else every, fails, ignorable=boom)
        return endings

    def results(self, index: int) -> list[tuple[int | None, str | None]]:
        """The (status, error) this URL may end with."""
        spec = self.answers[index]
        possible = []
        if spec.ends <= self.request_timeout and spec.outcome in RESULTS:
            status, error = RESULTS[spec.outcome]
            possible.append((status, error and error.format(index=index)))
        if spec.ends >= self.request_timeout:
            possible.append((None, f"timed out after {self.request_timeout:g} s"))
        return possible


def fetched(at: float, case: FetchCase) -> Ending:
    def check(actual: Actual) -> str | None:
        if not actual.returned or len(actual.value) != len(case.answers):
            return "expected one result per URL"
        for index, result in enumerate(actual.value):
            if result.url != f"http://fuzz.test/{index}" or result.attempts != 1:
                return f"result {index}: {result!r}"
            if (result.status, result.error) not in case.results(index):
                return f"result {index}: {result!r}, expected one of {case.results(index)}"
        return None

    return Ending(at, check, "a result per URL")


@st.composite
def fetch_cases(draw: st.DrawFn) -> FetchCase:
    answers = tuple(
        draw(
            st.lists(
                st.builds(Spec, moments, st.one_of(st.just("ok"), st.sampled_from(HTTP_OUTCOMES))),
                max_size=6,
            )
        )
    )
    case = FetchCase(
        answers, draw(st.integers(1, 3)), draw(st.sampled_from([1, 2, 3, 5, math.inf])), 0
    )
    times = {t for span in case.spans() for t in span}
    return replace(case, cancel_at=draw(cancel_moments(times)))


async def check_fetch(impl: Impl, case: FetchCase) -> None:
    before = task_count()
    kids = Kids(case.answers)

    async def handler(request: httpx.Request) -> httpx.Response:
        index = int(request.url.path.strip("/"))
        await kids.run(index)  # raises for boom, fatal, interrupt, stray
        outcome = case.answers[index].outcome
        if outcome == "connect":
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(ANSWERS[outcome], content=f"r{index}".encode())

    urls = [f"http://fuzz.test/{index}" for index in range(len(case.answers))]
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:

        def call() -> Any:
            return impl.fetch.fetch_all(
                urls,
                concurrency=case.concurrency,
                request_timeout=case.request_timeout,
                retries=0,
                client=client,
            )

        actual = await observe(impl, case.cancel_at, call)
        assert not client.is_closed, f"the given client was closed: {case!r}"
    judge(actual, case.endings(kids), case.cancel_at, repr(case))
    kids.assert_all_done(repr(case))
    assert_no_new_tasks(before, repr(case))


@fuzz()
@given(case=fetch_cases())
async def test_fetch(impl: Impl, case: FetchCase) -> None:
    assume(known_issue(impl.target, case) is None)
    await check_fetch(impl, case)


# ---------------------------------------------------------------- offload


@dataclass(frozen=True)
class OffloadCase:
    outcome: str  # how the thread ends: "ok", "boom", "fatal" or "interrupt"
    plan: str  # "released first", "released while waiting" or "cancelled while blocked"
    after: float  # real seconds before the release or the cancellation


@pytest.fixture
def offload(impl: Impl) -> ModuleType:
    """Imported here, outside the event loop: importing multiprocessing reads the cwd."""
    return impl.offload


async def check_offload(offload: ModuleType, impl: Impl, case: OffloadCase) -> None:
    before = task_count()
    released, started, done = threading.Event(), threading.Event(), threading.Event()
    raised: list[BaseException] = []

    def blocking() -> str:
        started.set()
        try:
            if not released.wait(30):
                return "never released"
            if case.outcome == "ok":
                return "r0"
            error = {"boom": Boom, "fatal": Fatal, "interrupt": KeyboardInterrupt}[case.outcome](
                "thread"
            )
            raised.append(error)
            raise error
        finally:
            done.set()

    async def release_later() -> None:
        await anyio.sleep(case.after)
        released.set()

    if case.plan == "released first":
        released.set()
    cancel_at = case.after if case.plan == "cancelled while blocked" else math.inf
    start = time.monotonic()
    try:
        async with anyio.create_task_group() as group:
            if case.plan == "released while waiting":
                group.start_soon(release_later)
            actual = await observe(impl, cancel_at, lambda: offload.run_blocking(blocking))
        context = f"{case!r}; got {actual!r}"
        if case.plan == "cancelled while blocked":
            assert actual.cancelled, context
            assert not released.is_set(), f"it waited for the thread: {context}"
            assert time.monotonic() - start < 10, context
        elif case.outcome == "ok":
            assert actual.returned, context
            assert actual.value == "r0", context
        else:
            assert actual.error is raised[0], f"expected the thread's own exception: {context}"
    finally:
        released.set()  # let an abandoned thread finish
        if started.is_set():
            await anyio.to_thread.run_sync(done.wait, 10)
    assert_no_new_tasks(before, repr(case))


@pytest.mark.real_time
@fuzz()
@given(
    case=st.builds(
        OffloadCase,
        st.sampled_from(["ok", "boom", "fatal", "interrupt"]),
        st.sampled_from(["released first", "released while waiting", "cancelled while blocked"]),
        st.sampled_from([0, 0.001, 0.01]),
    )
)
async def test_offload(offload: ModuleType, impl: Impl, case: OffloadCase) -> None:
    assume(known_issue(impl.target, case) is None)
    await check_offload(offload, impl, case)


# ---------------------------------------------------------------- server: Broadcast


@dataclass(frozen=True)
class BroadcastCase:
    buffer: int
    policy: str
    gaps: tuple[int, ...]  # seconds before each publish; item n is the number n
    pauses: tuple[int, ...]  # the subscriber's pause after each item it reads, cycled
    interrupts: tuple[float, ...]  # moments the subscriber's wait is cancelled; it reads on
    cancel_at: float  # the moment the whole run is cancelled


async def check_broadcast(impl: Impl, case: BroadcastCase) -> None:
    """A cancelled wait takes nothing: every item is read, dropped or cut off by ``Lagged``."""
    before = task_count()
    hub = impl.server.Broadcast(buffer=case.buffer, policy=case.policy)
    got: list[int] = []
    ended: list[str] = []
    subscriptions: list[Any] = []
    subscribed = anyio.Event()
    start = now()

    async def subscriber() -> None:
        pauses = itertools.cycle(case.pauses or (0,))
        interrupts = iter(sorted(case.interrupts))
        async with hub.subscribe() as items:
            subscriptions.append(items)
            subscribed.set()
            while not ended:
                until = next(interrupts, math.inf)
                async with impl.cancel_after(max(0.0, start + until - now())):
                    while True:
                        try:
                            item = await items.__anext__()
                        except StopAsyncIteration:
                            ended.append("end")
                            break
                        except impl.server.Lagged:
                            ended.append("lagged")
                            break
                        got.append(item)
                        await anyio.sleep(next(pauses))

    async def publisher() -> None:
        await subscribed.wait()
        for item, gap in enumerate(case.gaps):
            await anyio.sleep(gap)
            hub.publish(item)
        await hub.aclose()

    async def call() -> None:
        async with task_group(impl) as start_soon:
            start_soon(subscriber)
            start_soon(publisher)

    actual = await observe(impl, case.cancel_at, call)
    context = f"{case!r}; got {got}, ended {ended} and {actual!r}"
    assert actual.error is None, context
    assert got == sorted(set(got)), f"out of order or twice: {context}"
    published = len(case.gaps)
    if case.policy == "drop_oldest":
        dropped = subscriptions[0].dropped
        assert len(got) + dropped <= published, context
        if not actual.cancelled:
            assert ended == ["end"], context
            assert len(got) + dropped == published, f"an item was lost: {context}"
            assert not got or got[-1] == published - 1, f"the newest was dropped: {context}"
    else:
        assert got == list(range(len(got))), f"an item was lost: {context}"
        if not actual.cancelled:
            assert ended in (["end"], ["lagged"]), context
            assert (ended == ["end"]) == (len(got) == published), context
    if ended == ["lagged"]:
        assert len(got) < published, f"cut off with nothing missed: {context}"
    assert_no_new_tasks(before, context)


@st.composite
def broadcast_cases(draw: st.DrawFn) -> BroadcastCase:
    gaps = tuple(draw(st.lists(st.integers(0, 2), max_size=6)))
    pauses = tuple(draw(st.lists(st.integers(0, 3), max_size=3)))
    # Interrupts at the publishing moments (a wait about to be served), or half a second on.
    published_at = sorted({float(t) for t in itertools.accumulate(gaps)} | {0.0})
    moments_ = st.sampled_from([t + half for t in published_at for half in (0.0, 0.5)])
    interrupts = tuple(draw(st.lists(moments_, max_size=3)))
    case = BroadcastCase(
        draw(st.integers(1, 3)),
        draw(st.sampled_from(["drop_oldest", "disconnect"])),
        gaps,
        pauses,
        interrupts,
        0,
    )
    return replace(case, cancel_at=draw(cancel_moments({*published_at, *interrupts})))


@fuzz()
@given(case=broadcast_cases())
async def test_broadcast(impl: Impl, case: BroadcastCase) -> None:
    assume(known_issue(impl.target, case) is None)
    await check_broadcast(impl, case)


# ---------------------------------------------------------------- known issues

# Bugs the properties found, one reproduction each, expected to fail (strict)
# where the bug is; the properties leave out the examples that would hit
# them there, so that they keep looking for others.  Fixing a bug turns its
# reproduction into an unexpected pass: then drop its entry here.
STRAY = Spec(0, "stray")


@dataclass(frozen=True)
class Issue:
    what: str
    affects: Callable[[Target], bool]
    hits: Callable[[Any], bool]  # whether an example may run into it
    check: Callable[[Impl, Any], Awaitable[None]]  # the property's own check
    example: Any  # a reproduction


def frameworks(*names: str) -> Callable[[Target], bool]:
    return lambda target: target.framework in names


KNOWN_ISSUES = {
    "background-stray-work-or-client": Issue(
        "a stray cancellation from work or client comes out as UnboundLocalError",
        frameworks("anyio"),
        lambda case: (
            (isinstance(case, HeartbeatCase) and case.work.outcome == "stray")
            or (isinstance(case, ReadyCase) and case.client.outcome == "stray")
        ),
        check_background,
        HeartbeatCase(STRAY, 1, (Spec(0),), math.inf),
    ),
    "completion-stray-in-block": Issue(
        "a stray cancellation raised in the completed block is swallowed",
        frameworks("trio", "anyio"),
        lambda case: (
            isinstance(case, CompletionCase) and case.stop is not None and case.stop[1] == "stray"
        ),
        check_completion,
        CompletionCase((Spec(0),), (1, "stray"), math.inf),
    ),
    "cleanup-base-exception-after-cancel": Issue(
        "a non-Exception from the cleanup replaces a cancellation that came during the work",
        lambda target: target.framework == "anyio" and target.style == "native",
        lambda case: (
            isinstance(case, CleanupCase)
            and case.cleanup.outcome in ("fatal", "interrupt")
            and case.cancel_at <= case.work.ends
        ),
        check_timeouts,
        CleanupCase(Spec(1), Spec(0, "fatal"), 1, 0.5),
    ),
    "staggered-native-cancel-at-zero": Issue(
        "cancelled by Task.cancel() at 0 while an attempt's own scope expires at 0 (delay=0),"
        " staggered_race raises ValueError (an empty ExceptionGroup)",
        lambda target: target.framework == "anyio" and target.style == "native",
        lambda case: (
            isinstance(case, RaceCase)
            and case.delay == 0
            and case.cancel_at == 0
            and any(spec.cut == 0 for spec in case.attempts)
        ),
        check_racing,
        RaceCase((Spec(1, "ok", 0),), 0, 0.0),
    ),
}


def known_issue(target: Target, case: object) -> str | None:
    """The known issue (above) ``case`` may run into on ``target``, if any."""
    for name, issue in KNOWN_ISSUES.items():
        if issue.affects(target) and issue.hits(case):
            return name
    return None


@pytest.mark.parametrize("name", list(KNOWN_ISSUES))
async def test_known_issue(impl: Impl, name: str, request: pytest.FixtureRequest) -> None:
    issue = KNOWN_ISSUES[name]
    if issue.affects(impl.target):
        request.applymarker(pytest.mark.xfail(strict=True, reason=issue.what))
    await issue.check(impl, issue.example)
