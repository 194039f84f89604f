"""errors.run_settled: CONTRACT.md, section errors."""

from __future__ import annotations

import anyio
import pytest

from .helpers import Boom, Fatal, Impl, Probe, leaves, now, stray_cancellation


async def test_results_and_exceptions_in_input_order(impl: Impl) -> None:
    probe = Probe()
    first, second = Boom("one"), KeyError("three")
    fns = [
        probe.child(0, 3, result="zero"),
        probe.child(1, 1, error=first),
        probe.child(2, 2, result=None),
        probe.child(3, 1, error=second),
    ]
    start = now()

    outcomes = await impl.errors.run_settled(fns)

    assert outcomes == ["zero", first, None, second]
    assert outcomes[1] is first
    assert outcomes[3] is second
    assert now() - start == 3  # a failure cancels nobody
    assert probe.cancelled == []
    probe.assert_all_done()


async def test_empty_input(impl: Impl) -> None:
    assert await impl.errors.run_settled([]) == []


async def test_returned_exception_is_a_result_not_a_failure(impl: Impl) -> None:
    returned = Boom("returned, not raised")
    probe = Probe()
    assert await impl.errors.run_settled([probe.child(0, 1, result=returned)]) == [returned]


async def test_non_exception_failure_cancels_the_rest_and_propagates(impl: Impl) -> None:
    probe = Probe()
    fatal = Fatal()
    fns = [probe.child(0, 1, error=fatal), probe.child(1, 5, error=Boom()), probe.child(2, 5)]
    start = now()

    with pytest.raises(BaseExceptionGroup) as caught:
        await impl.errors.run_settled(fns)

    assert leaves(caught.value) == [fatal]
    assert now() - start == 1
    assert sorted(probe.cancelled) == [1, 2]
    probe.assert_all_done()


async def test_non_exception_failure_before_the_first_await_is_the_only_error(impl: Impl) -> None:
    """Under asyncio's eager task factory the child fails inside ``create_task``.

    The group holds that one failure, not also a ``RuntimeError`` from
    spawning into a group that is shutting down; a settled ``Exception`` is
    not in it either.
    """
    probe = Probe()
    fatal = Fatal()
    fns = [probe.child(0, 10, error=Boom()), probe.fails_at_once(1, fatal), probe.child(2, 10)]

    with pytest.raises(BaseExceptionGroup) as caught:
        await impl.errors.run_settled(fns)

    assert leaves(caught.value) == [fatal]
    assert sorted(probe.cancelled) == sorted(set(probe.started) - {1})
    probe.assert_all_done()
    await anyio.lowlevel.checkpoint()  # no cancellation left pending (CPython gh-116720)


async def test_caller_cancellation_is_not_captured(impl: Impl) -> None:
    probe = Probe()
    fns = [probe.child(i, 10) for i in range(3)]
    reached_end = False

    async with impl.cancel_after(1) as outcome:
        await impl.errors.run_settled(fns)
        reached_end = True

    assert outcome.cancelled_caught
    assert not reached_end
    assert sorted(probe.cancelled) == [0, 1, 2]
    probe.assert_all_done()


async def test_caller_cancellation_stands_when_a_child_fails_while_cancelled(impl: Impl) -> None:
    probe = Probe()
    fns = [probe.child(0, 10, error_when_cancelled=Boom("while cancelled")), probe.child(1, 10)]

    async with impl.cancel_after(1) as outcome:
        await impl.errors.run_settled(fns)
        pytest.fail("the cancellation was swallowed")

    assert outcome.cancelled_caught
    probe.assert_all_done()


async def test_a_child_that_cancels_itself_is_settled_as_a_runtime_error(impl: Impl) -> None:
    probe = Probe()
    outcomes = await impl.errors.run_settled([stray_cancellation(), probe.child(1, 2, result="ok")])
    assert isinstance(outcomes[0], RuntimeError)
    assert outcomes[1] == "ok"


async def test_non_callable_is_a_type_error_before_any_child(impl: Impl) -> None:
    probe = Probe()
    with pytest.raises(TypeError, match=r"fns\[0\]"):
        await impl.errors.run_settled([None, probe.child(1, 1)])
    with pytest.raises(TypeError, match="fns"):
        await impl.errors.run_settled(7)
    assert probe.started == []
