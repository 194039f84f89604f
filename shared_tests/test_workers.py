"""workers.process (CONTRACT.md, section workers)."""

from __future__ import annotations

import itertools
import math
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import pytest
from hypothesis import given
from hypothesis import strategies as st

from .helpers import (
    Boom,
    Impl,
    leaves,
    now,
    scheduling_orders,
    stray_cancellation,
    task_count,
    yields,
)


class Pipeline:
    """An input that counts what was taken, and a handler that counts what was handled."""

    def __init__(
        self,
        durations: list[float] | None = None,
        *,
        fail_at: int | None = None,
        input_fails_at: int | None = None,
    ) -> None:
        self.durations = durations
        self.fail_at = fail_at
        self.input_fails_at = input_fails_at
        self.taken = 0
        self.handled = 0
        self.outstanding_peak = 0
        self.running = 0
        self.running_peak = 0
        self.cancelled = 0
        self.closed = False

    def _take(self, item: int) -> int:
        if item == self.input_fails_at:
            raise Boom(f"input at {item}")
        self.taken += 1
        self.outstanding_peak = max(self.outstanding_peak, self.taken - self.handled)
        return item

    def sync_items(self, count: int | None) -> Iterator[int]:
        numbers = itertools.count() if count is None else range(count)
        try:
            for item in numbers:
                yield self._take(item)
        finally:
            self.closed = True

    async def async_items(self, count: int | None) -> AsyncIterator[int]:
        numbers = itertools.count() if count is None else range(count)
        try:
            for item in numbers:
                await anyio.lowlevel.checkpoint()
                yield self._take(item)
        finally:
            self.closed = True

    async def handler(self, item: int) -> str:
        self.running += 1
        self.running_peak = max(self.running_peak, self.running)
        try:
            if item == self.fail_at:
                raise Boom(f"item {item}")
            seconds = 1 if self.durations is None else self.durations[item % len(self.durations)]
            await anyio.sleep(seconds)
        except anyio.get_cancelled_exc_class():
            self.cancelled += 1
            raise
        finally:
            self.running -= 1
        self.handled += 1
        return f"r{item}"


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_results_in_input_order_with_exactly_workers_at_peak(impl: Impl, kind: str) -> None:
    pipeline = Pipeline(durations=[3, 1, 2, 1, 1])
    items = pipeline.sync_items(20) if kind == "sync" else pipeline.async_items(20)
    results = await impl.workers.process(items, pipeline.handler, workers=4)
    assert results == [f"r{i}" for i in range(20)]
    assert pipeline.running_peak == 4
    assert pipeline.closed


async def test_takes_exactly_as_long_as_the_work_divided_among_workers(impl: Impl) -> None:
    pipeline = Pipeline()
    start = now()
    await impl.workers.process(pipeline.sync_items(12), pipeline.handler, workers=3)
    assert now() - start == 4  # 12 one-second items on 3 workers


async def test_empty_input(impl: Impl) -> None:
    pipeline = Pipeline()
    assert await impl.workers.process([], pipeline.handler, workers=2) == []
    assert await impl.workers.process(pipeline.async_items(0), pipeline.handler, workers=2) == []


@pytest.mark.parametrize(("workers", "queue_size"), [(1, 1), (1, 5), (3, 1), (4, None), (8, 2)])
async def test_backpressure_bound_is_reached_and_never_exceeded(
    impl: Impl, workers: int, queue_size: int | None
) -> None:
    pipeline = Pipeline(durations=[5])
    await impl.workers.process(
        pipeline.sync_items(60), pipeline.handler, workers=workers, queue_size=queue_size
    )
    bound = workers + (workers if queue_size is None else queue_size) + 1
    assert pipeline.outstanding_peak == bound
    assert pipeline.handled == 60


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_an_endless_input_stops_cleanly_when_a_handler_fails(impl: Impl, kind: str) -> None:
    pipeline = Pipeline(fail_at=5)
    items = pipeline.sync_items(None) if kind == "sync" else pipeline.async_items(None)
    with pytest.raises(ExceptionGroup) as caught:
        await impl.workers.process(items, pipeline.handler, workers=3, queue_size=2)
    assert [str(error) for error in leaves(caught.value)] == ["item 5"]
    assert pipeline.closed  # the input was closed before process returned
    assert pipeline.running == 0
    assert pipeline.taken <= 5 + 3 + 2 + 1


async def test_handler_failure_cancels_the_other_workers(impl: Impl) -> None:
    pipeline = Pipeline(durations=[10], fail_at=2)
    start = now()
    with pytest.raises(ExceptionGroup):
        await impl.workers.process(pipeline.sync_items(10), pipeline.handler, workers=3)
    assert now() - start == 0  # item 2 fails at once; items 0 and 1 were cancelled mid-handler
    assert pipeline.cancelled == 2


async def test_a_handler_that_cancels_itself_is_a_failure(impl: Impl) -> None:
    pipeline = Pipeline(durations=[5])
    stray = stray_cancellation()

    async def handler(item: int) -> str:
        if item == 3:
            await stray()
        return await pipeline.handler(item)

    with pytest.raises(ExceptionGroup) as caught:
        await impl.workers.process(pipeline.sync_items(10), handler, workers=4)
    assert [type(error) for error in leaves(caught.value)] == [RuntimeError]
    assert pipeline.cancelled == 3


async def test_an_input_failure_cancels_the_workers(impl: Impl) -> None:
    pipeline = Pipeline(durations=[10])
    error = Boom("input")

    async def broken_input() -> AsyncIterator[int]:
        yield 0
        yield 1
        await anyio.sleep(1)
        raise error

    with pytest.raises(ExceptionGroup) as caught:
        await impl.workers.process(broken_input(), pipeline.handler, workers=2)
    assert leaves(caught.value) == [error]
    assert pipeline.cancelled == 2


async def test_a_handler_failing_before_its_first_await_is_the_only_error(impl: Impl) -> None:
    """Under asyncio's eager task factory the first worker fails inside ``create_task``.

    The group holds that one error, not also a ``RuntimeError`` from
    spawning the next worker into a group that is shutting down.
    """
    pipeline = Pipeline(durations=[10], fail_at=0)
    with pytest.raises(ExceptionGroup) as caught:
        await impl.workers.process(pipeline.sync_items(10), pipeline.handler, workers=3)
    assert [str(error) for error in leaves(caught.value)] == ["item 0"]
    assert pipeline.running == 0
    assert pipeline.closed
    await anyio.lowlevel.checkpoint()  # no cancellation left pending (CPython gh-116720)


async def test_an_input_failing_at_its_first_item_is_the_only_error(impl: Impl) -> None:
    """A plain iterable that raises at once fails the producer before its first ``await``.

    Under asyncio's eager task factory that is inside ``create_task``; no
    worker starts, and the group holds the input's error alone.
    """
    pipeline = Pipeline(input_fails_at=0)
    with pytest.raises(ExceptionGroup) as caught:
        await impl.workers.process(pipeline.sync_items(10), pipeline.handler, workers=2)
    assert [str(error) for error in leaves(caught.value)] == ["input at 0"]
    assert pipeline.running_peak == 0
    assert pipeline.closed
    await anyio.lowlevel.checkpoint()  # no cancellation left pending (CPython gh-116720)


async def test_caller_cancellation_cancels_the_producer_and_every_worker(impl: Impl) -> None:
    pipeline = Pipeline(durations=[10])
    async with impl.cancel_after(3) as outcome:
        await impl.workers.process(pipeline.async_items(None), pipeline.handler, workers=4)
    assert outcome.cancelled_caught
    assert pipeline.cancelled == 4
    assert pipeline.running == 0
    assert pipeline.closed


@pytest.mark.parametrize(
    ("workers", "queue_size", "error", "name"),
    [
        (0, None, ValueError, "workers"),
        (-1, None, ValueError, "workers"),
        (math.nan, None, ValueError, "workers"),
        ("2", None, TypeError, "workers"),
        (2, 0, ValueError, "queue_size"),
        (2, math.inf, ValueError, "queue_size"),
        (2, 1.5, TypeError, "queue_size"),
    ],
)
async def test_bad_sizes_are_rejected_before_anything_runs(
    impl: Impl, workers: Any, queue_size: Any, error: type[Exception], name: str
) -> None:
    pipeline = Pipeline()
    with pytest.raises(error, match=name):
        await impl.workers.process(
            pipeline.sync_items(3), pipeline.handler, workers=workers, queue_size=queue_size
        )
    assert pipeline.taken == 0


async def test_wrong_kinds_of_items_and_handler_are_type_errors(impl: Impl) -> None:
    pipeline = Pipeline()
    with pytest.raises(TypeError, match="items"):
        await impl.workers.process(42, pipeline.handler, workers=1)
    with pytest.raises(TypeError, match="handler"):
        await impl.workers.process(pipeline.sync_items(3), "handler", workers=1)
    assert pipeline.taken == 0


@given(
    durations=st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=6),
    count=st.integers(min_value=0, max_value=40),
    workers=st.integers(min_value=1, max_value=6),
    queue_size=st.integers(min_value=1, max_value=6),
    kind=st.sampled_from(["sync", "async"]),
)
async def test_property_order_and_backpressure(
    impl: Impl, durations: list[int], count: int, workers: int, queue_size: int, kind: str
) -> None:
    pipeline = Pipeline(durations=[float(d) for d in durations])
    items = pipeline.sync_items(count) if kind == "sync" else pipeline.async_items(count)
    results = await impl.workers.process(
        items, pipeline.handler, workers=workers, queue_size=queue_size
    )
    assert results == [f"r{i}" for i in range(count)]
    assert pipeline.outstanding_peak <= workers + queue_size + 1
    assert pipeline.running_peak <= workers
    assert pipeline.closed


async def test_one_failing_worker_is_the_only_error_in_every_scheduling_order(impl: Impl) -> None:
    """A handler failing at or just after its start, with one worker: its error alone comes out.

    A worker that closed its receive side on the way out could have its
    error replaced by a cancellation at that close (trio's ``aclose()`` is a
    checkpoint), or break the producer's pending send, adding a
    ``BrokenResourceError``.  Each order is tried on purpose.
    """
    for seed in scheduling_orders():

        async def fail(item: int, seed: int = seed) -> str:
            await yields(seed, item)  # 0 yields: it fails before its first await
            raise Boom(f"item {item}")

        with pytest.raises(ExceptionGroup) as caught:
            await impl.workers.process(range(5), fail, workers=1, queue_size=1)
        assert [repr(error) for error in leaves(caught.value)] == ["Boom('item 0')"], seed


async def test_two_workers_failing_in_the_same_instant_both_come_out(impl: Impl) -> None:
    for seed in scheduling_orders():
        both_running = anyio.Event()
        started: list[int] = []

        async def fail(
            item: int, both_running: anyio.Event = both_running, started: list[int] = started
        ) -> str:
            # Both fail in one step, with no checkpoint between.  (Not by
            # sleeping: on trio a sleep's wakeup is a cancellation, which the
            # first failure would turn into the group's own.)
            started.append(item)
            if len(started) == 2:
                both_running.set()
            else:
                await both_running.wait()
            raise Boom(f"item {item}")

        with pytest.raises(ExceptionGroup) as caught:
            await impl.workers.process(range(2), fail, workers=2)
        assert sorted(str(error) for error in leaves(caught.value)) == ["item 0", "item 1"], seed


@pytest.mark.parametrize("workers", [10**6, 2**70])
async def test_workers_start_as_items_arrive(impl: Impl, workers: int) -> None:
    """A generous ``workers`` costs nothing for a short input: never more workers than items."""
    alive: list[int] = []

    async def handler(item: int) -> int:
        await anyio.sleep(1)
        alive.append(task_count())
        return item

    before = task_count()
    assert await impl.workers.process(range(3), handler, workers=workers) == [0, 1, 2]
    # The producer and three workers at most, beside the tasks the test started with.
    assert max(alive) <= before + 4
