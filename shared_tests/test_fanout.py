"""fanout.run_all (and asyncio_impl's run_all_gather): CONTRACT.md, section fanout."""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from typing import Any

import anyio
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.registry import Target

from .helpers import Boom, Fatal, Impl, Probe, leaves, now, stray_cancellation

RunAll = Callable[..., Any]


async def test_results_in_input_order_not_completion_order(run_all: RunAll) -> None:
    probe = Probe()
    fns = [probe.child(i, seconds, result=f"r{i}") for i, seconds in enumerate([3, 1, 2])]
    start = now()

    assert await run_all(fns) == ["r0", "r1", "r2"]

    assert now() - start == 3  # the longest child, not the sum
    assert probe.finished == [1, 2, 0]
    assert probe.peak == 3


async def test_empty_input_gives_empty_list(run_all: RunAll) -> None:
    start = now()
    assert await run_all([]) == []
    assert await run_all(iter([]), limit=2) == []
    assert now() == start


async def test_accepts_any_iterable(run_all: RunAll) -> None:
    probe = Probe()
    fns = (probe.child(i, 1, result=i) for i in range(4))
    assert await run_all(fns) == [0, 1, 2, 3]


async def test_limit_bounds_concurrency_and_starts_in_input_order(run_all: RunAll) -> None:
    probe = Probe()
    fns = [probe.child(i, 1, result=i) for i in range(5)]
    start = now()

    assert await run_all(fns, limit=2) == [0, 1, 2, 3, 4]

    assert now() - start == 3  # ceil(5 / 2) rounds of 1 s
    assert probe.peak == 2
    assert probe.started == [0, 1, 2, 3, 4]


async def test_limit_fills_slots_as_they_free(run_all: RunAll) -> None:
    probe = Probe()
    fns = [probe.child(i, seconds) for i, seconds in enumerate([4, 1, 1, 1])]
    start = now()

    await run_all(fns, limit=2)

    # slot A runs child 0 for 4 s; slot B runs children 1, 2, 3 back to back
    assert now() - start == 4
    assert probe.finished == [1, 2, 3, 0]


async def test_limit_larger_than_input(run_all: RunAll) -> None:
    probe = Probe()
    start = now()
    assert await run_all([probe.child(i, 2, result=i) for i in range(3)], limit=10) == [0, 1, 2]
    assert now() - start == 2


async def test_first_failure_cancels_siblings_and_group_holds_it(run_all: RunAll) -> None:
    probe = Probe()
    error = Boom("child 1")
    fns = [probe.child(0, 10), probe.child(1, 1, error=error), probe.child(2, 10)]
    start = now()

    with pytest.raises(ExceptionGroup) as caught:
        await run_all(fns)

    assert now() - start == 1
    assert leaves(caught.value) == [error]
    assert sorted(probe.cancelled) == [0, 2]
    probe.assert_all_done()


async def test_group_holds_every_failure_including_one_raised_while_cancelled(
    run_all: RunAll,
) -> None:
    probe = Probe()
    first, during_cancel = Boom("first"), Boom("while cancelled")
    fns = [
        probe.child(0, 1, error=first),
        probe.child(1, 10, error_when_cancelled=during_cancel),
        probe.child(2, 10),
    ]

    with pytest.raises(ExceptionGroup) as caught:
        await run_all(fns)

    errors = leaves(caught.value)
    assert sorted(errors, key=str) == [first, during_cancel]
    assert sorted(probe.cancelled) == [1, 2]
    probe.assert_all_done()


async def test_failure_with_limit_cancels_running_and_starts_no_more(run_all: RunAll) -> None:
    probe = Probe()
    fns = [probe.child(0, 1, error=Boom()), probe.child(1, 5), probe.child(2, 1), probe.child(3, 1)]

    with pytest.raises(ExceptionGroup):
        await run_all(fns, limit=2)

    assert probe.started == [0, 1]
    assert probe.cancelled == [1]
    probe.assert_all_done()


async def test_non_exception_failure_comes_out_in_a_base_group(run_all: RunAll) -> None:
    probe = Probe()
    fatal = Fatal()
    with pytest.raises(BaseExceptionGroup) as caught:
        await run_all([probe.child(0, 1, error=fatal), probe.child(1, 10)])
    assert leaves(caught.value) == [fatal]
    assert probe.cancelled == [1]
    probe.assert_all_done()


async def test_failure_while_the_caller_winds_down_is_not_lost(impl: Impl, run_all: RunAll) -> None:
    """A child fails; while its siblings wind down, the caller is cancelled too.

    The failures still come out (as TaskGroup does); a cancellation that
    arrives later does not erase them.
    """
    probe = Probe()
    first, during_cancel = Boom("first"), Boom("while cancelled")

    async def slow_to_cancel() -> None:
        try:
            await anyio.sleep(10)
        finally:
            with anyio.CancelScope(shield=True):
                await anyio.sleep(1)  # winds down for 1 s, across the caller's cancellation
            raise during_cancel

    with pytest.raises(ExceptionGroup) as caught:
        async with impl.cancel_after(1.5):
            await run_all([probe.child(0, 1, error=first), slow_to_cancel])

    assert sorted(leaves(caught.value), key=str) == [first, during_cancel]


async def test_a_child_that_cancels_itself_is_a_failure(run_all: RunAll) -> None:
    """Not a silent cancellation of the whole call (see ``_tasks.call_child``)."""
    probe = Probe()
    with pytest.raises(ExceptionGroup) as caught:
        await run_all([stray_cancellation(), probe.child(1, 5)])
    assert [type(error) for error in leaves(caught.value)] == [RuntimeError]
    assert probe.cancelled == [1]


async def test_caller_cancellation_reaches_every_child(impl: Impl, run_all: RunAll) -> None:
    probe = Probe()
    fns = [probe.child(i, 10) for i in range(3)]
    start = now()

    async with impl.cancel_after(2) as outcome:
        await run_all(fns)

    assert outcome.cancelled_caught
    assert now() - start == 2
    assert sorted(probe.cancelled) == [0, 1, 2]
    probe.assert_all_done()


async def test_caller_cancellation_while_waiting_for_a_slot(impl: Impl, run_all: RunAll) -> None:
    probe = Probe()
    fns = [probe.child(i, 10) for i in range(4)]
    start = now()

    async with impl.cancel_after(1) as outcome:
        await run_all(fns, limit=1)

    assert outcome.cancelled_caught
    assert now() - start == 1
    assert probe.started == [0]
    assert probe.cancelled == [0]
    probe.assert_all_done()


@pytest.mark.parametrize("failing", [0, 1], ids=["fail-then-succeed", "succeed-then-fail"])
async def test_no_child_starts_when_a_slot_frees_as_a_sibling_fails(
    run_all: RunAll, failing: int
) -> None:
    """A success and a failure in the same instant: the freed slot starts nothing.

    The order in which the two wake up is up to the scheduler (trio randomises
    it), so the race is run many times.
    """
    for _ in range(20):
        probe = Probe()
        fns = [probe.child(i, 1, error=Boom() if i == failing else None) for i in range(2)]
        fns += [probe.child(i, 1) for i in range(2, 4)]

        with pytest.raises(ExceptionGroup):
            await run_all(fns, limit=2)

        assert sorted(probe.started) == [0, 1]
        probe.assert_all_done()


@pytest.mark.parametrize(
    ("failing", "count"), [(0, 1), (0, 3), (1, 3)], ids=["only", "first", "middle"]
)
async def test_a_child_failing_before_its_first_await_is_the_only_error(
    run_all: RunAll, failing: int, count: int
) -> None:
    """Under asyncio's eager task factory the child fails inside ``create_task``.

    The group then holds that one error, not also a ``RuntimeError`` from
    spawning into a group that is shutting down.  Which later siblings got
    to start is not fixed (trio runs every child spawned in one step), but
    each that did was cancelled.
    """
    probe = Probe()
    error = Boom("at once")
    fns = [
        probe.fails_at_once(i, error) if i == failing else probe.child(i, 10) for i in range(count)
    ]

    with pytest.raises(ExceptionGroup) as caught:
        await run_all(fns)

    assert leaves(caught.value) == [error]
    assert sorted(probe.cancelled) == sorted(set(probe.started) - {failing})
    probe.assert_all_done()
    await anyio.lowlevel.checkpoint()  # no cancellation left pending (CPython gh-116720)


async def test_no_child_starts_after_one_fails_before_its_first_await(
    target: Target, run_all: RunAll
) -> None:
    """A slot is free for child 2, but child 1 has failed: child 2 never starts.

    On asyncio, whose scheduler is first in, first out.  trio runs the tasks
    woken in one step in random order, so its parent may spawn child 2
    before child 1 has run at all; child 2 then starts, and is cancelled.
    """
    probe = Probe()
    error = Boom("at once")
    fns = [probe.child(0, 10), probe.fails_at_once(1, error), probe.child(2, 10), probe.child(3, 1)]

    with pytest.raises(ExceptionGroup) as caught:
        await run_all(fns, limit=3)

    assert leaves(caught.value) == [error]
    if target.backend == "asyncio":
        assert probe.started == [0, 1]
    assert sorted(probe.cancelled) == sorted(set(probe.started) - {1})
    probe.assert_all_done()
    await anyio.lowlevel.checkpoint()  # no cancellation left pending (CPython gh-116720)


@pytest.mark.parametrize("limit", [0, -1, math.nan, math.inf, -math.inf])
async def test_bad_limit_is_a_value_error_before_any_child(run_all: RunAll, limit: float) -> None:
    probe = Probe()
    with pytest.raises(ValueError, match="limit"):
        await run_all([probe.child(0, 1)], limit=limit)
    assert probe.started == []


@pytest.mark.parametrize("limit", ["2", 1.5, True])
async def test_wrong_kind_of_limit_is_a_type_error(run_all: RunAll, limit: object) -> None:
    probe = Probe()
    with pytest.raises(TypeError, match="limit"):
        await run_all([probe.child(0, 1)], limit=limit)
    assert probe.started == []


async def test_non_callable_is_a_type_error_before_any_child(run_all: RunAll) -> None:
    probe = Probe()
    with pytest.raises(TypeError, match=r"fns\[1\]"):
        await run_all([probe.child(0, 1), "not callable"])
    assert probe.started == []
    with pytest.raises(TypeError, match="fns"):
        await run_all(42)


def list_schedule_makespan(durations: list[int], limit: int | None) -> int:
    """When the last child ends if each starts, in order, on the first free slot."""
    slots = [0] * min(limit or len(durations), len(durations))
    for duration in durations:
        heapq.heappush(slots, heapq.heappop(slots) + duration)
    return max(slots, default=0)


@given(
    durations=st.lists(st.integers(min_value=0, max_value=20), max_size=12),
    limit=st.none() | st.integers(min_value=1, max_value=5),
)
async def test_property_order_makespan_and_peak(
    run_all: RunAll, durations: list[int], limit: int | None
) -> None:
    probe = Probe()
    fns = [probe.child(i, seconds, result=i) for i, seconds in enumerate(durations)]
    start = now()

    assert await run_all(fns, limit=limit) == list(range(len(durations)))

    assert now() - start == list_schedule_makespan(durations, limit)
    if limit is not None:
        assert probe.peak <= limit
        assert probe.started == list(range(len(durations)))
    probe.assert_all_done()
