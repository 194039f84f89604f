"""completion.completed (CONTRACT.md, section completion)."""

from __future__ import annotations

import anyio
import pytest
import trio

from .helpers import (
    Boom,
    Impl,
    Probe,
    leaves,
    now,
    scheduling_orders,
    stray_cancellation,
    yields,
)


async def test_results_arrive_in_completion_order_with_their_index(impl: Impl) -> None:
    probe = Probe()
    fns = [probe.child(i, seconds, result=f"r{i}") for i, seconds in enumerate([3, 1, 2])]
    start = now()
    seen = []
    async with impl.completion.completed(fns) as results:
        async for index, result in results:
            seen.append((index, result, now() - start))
    assert seen == [(1, "r1", 1), (2, "r2", 2), (0, "r0", 3)]
    probe.assert_all_done()


async def test_every_callable_starts_on_entering_the_block(impl: Impl) -> None:
    probe = Probe()
    fns = [probe.child(i, seconds, result=i) for i, seconds in enumerate([2, 1])]
    start = now()
    async with impl.completion.completed(fns) as results:
        await anyio.sleep(5)  # not reading yet
        assert sorted(probe.started) == [0, 1]
        assert [pair async for pair in results] == [(1, 1), (0, 0)]
    assert now() - start == 5


async def test_empty_input_ends_at_once(impl: Impl) -> None:
    async with impl.completion.completed([]) as results:
        assert [pair async for pair in results] == []


async def test_leaving_early_cancels_the_rest(impl: Impl) -> None:
    probe = Probe()
    fns = [probe.child(i, seconds, result=i) for i, seconds in enumerate([5, 1, 9])]
    start = now()
    async with impl.completion.completed(fns) as results:
        async for index, _ in results:
            assert index == 1
            break
    assert now() - start == 1
    assert sorted(probe.cancelled) == [0, 2]
    probe.assert_all_done()


async def test_a_failure_cancels_the_rest_and_comes_out_of_the_block(impl: Impl) -> None:
    probe = Probe()
    error = Boom("child 1")
    fns = [probe.child(0, 1, result="zero"), probe.child(1, 2, error=error), probe.child(2, 9)]
    start = now()
    seen = []
    with pytest.raises(ExceptionGroup) as caught:
        async with impl.completion.completed(fns) as results:
            async for pair in results:
                seen.append(pair)
    assert seen == [(0, "zero")]
    assert leaves(caught.value) == [error]
    assert probe.cancelled == [2]
    assert now() - start == 2
    probe.assert_all_done()


async def test_a_callable_failing_before_its_first_await_is_the_only_error(impl: Impl) -> None:
    """Under asyncio's eager task factory it fails inside ``create_task``.

    The group holds that one error, not also a ``RuntimeError`` from
    spawning into a group that is shutting down.
    """
    probe = Probe()
    error = Boom("at once")
    fns = [probe.child(0, 10), probe.fails_at_once(1, error), probe.child(2, 10)]
    seen = []
    with pytest.raises(ExceptionGroup) as caught:
        async with impl.completion.completed(fns) as results:
            async for pair in results:
                seen.append(pair)
    assert leaves(caught.value) == [error]
    assert seen == []
    assert sorted(probe.cancelled) == sorted(set(probe.started) - {1})
    probe.assert_all_done()
    await anyio.lowlevel.checkpoint()  # no cancellation left pending (CPython gh-116720)


async def test_an_error_in_the_block_comes_out_in_the_group_and_cancels_the_rest(
    impl: Impl,
) -> None:
    probe = Probe()
    error = Boom("consumer")
    with pytest.raises(ExceptionGroup) as caught:
        async with impl.completion.completed([probe.child(0, 1), probe.child(1, 5)]) as results:
            async for _ in results:
                raise error
    assert leaves(caught.value) == [error]
    assert probe.cancelled == [1]
    probe.assert_all_done()


async def test_caller_cancellation_cancels_every_callable(impl: Impl) -> None:
    probe = Probe()
    fns = [probe.child(i, 10) for i in range(3)]
    async with impl.cancel_after(2) as outcome, impl.completion.completed(fns) as results:
        async for _ in results:
            pytest.fail("nothing finishes before the cancellation")
    assert outcome.cancelled_caught
    assert sorted(probe.cancelled) == [0, 1, 2]
    probe.assert_all_done()


async def test_a_child_that_cancels_itself_fails_the_block(impl: Impl) -> None:
    probe = Probe()
    seen = []
    with pytest.raises(ExceptionGroup) as caught:
        async with impl.completion.completed([stray_cancellation(), probe.child(1, 5)]) as results:
            async for pair in results:
                seen.append(pair)
    assert [type(error) for error in leaves(caught.value)] == [RuntimeError]
    assert seen == []
    assert probe.cancelled == [1]


async def test_the_iterator_is_done_with_after_an_early_exit(impl: Impl) -> None:
    probe = Probe()
    async with impl.completion.completed([probe.child(0, 1), probe.child(1, 2)]) as results:
        async for _ in results:
            break
    # asyncio's iterator ends; trio's channel and anyio's stream are closed.
    with pytest.raises((StopAsyncIteration, anyio.ClosedResourceError, trio.ClosedResourceError)):
        await anext(results)


def test_bad_input_is_a_type_error_at_call_time(impl: Impl) -> None:
    probe = Probe()
    with pytest.raises(TypeError, match=r"fns\[1\]"):
        impl.completion.completed([probe.child(0, 1), 5])  # not even entered
    with pytest.raises(TypeError, match="fns"):
        impl.completion.completed(5)
    assert probe.started == []


async def test_the_last_child_failing_fails_the_block_in_every_scheduling_order(impl: Impl) -> None:
    """The reader never sees a normal end, and the failure always comes out.

    A child that closed its channel clone on the way out could end the
    reader's loop first, and the cancellation that followed could replace the
    error at that close (trio's ``aclose()`` is a checkpoint).
    """
    for seed in scheduling_orders():

        async def ok() -> str:
            await anyio.sleep(1)
            return "ok"

        async def fail(seed: int = seed) -> str:
            await anyio.sleep(2)
            await yields(seed, "fail")
            raise Boom("last")

        ended: list[bool] = []
        with pytest.raises(ExceptionGroup) as caught:
            async with impl.completion.completed([ok, fail]) as results:
                async for _ in results:
                    pass
                ended.append(True)
        assert [repr(error) for error in leaves(caught.value)] == ["Boom('last')"], seed
        assert not ended, seed
