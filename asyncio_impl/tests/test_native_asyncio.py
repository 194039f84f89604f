"""asyncio_impl tested the asyncio way: pytest-asyncio, plain asyncio calls.

The shared suite checks the contract on every backend; these few tests show
how an asyncio project tests its own code, and pin asyncio-only behaviour:
what ``gather`` does without the repairs in ``run_all_gather``.
"""

from __future__ import annotations

import asyncio

import pytest

from asyncio_impl import errors, fanout, timeouts

pytestmark = pytest.mark.asyncio


async def test_run_all_takes_as_long_as_the_slowest_child() -> None:
    loop = asyncio.get_running_loop()
    start = loop.time()
    results = await fanout.run_all([lambda: asyncio.sleep(3, "a"), lambda: asyncio.sleep(1, "b")])
    assert results == ["a", "b"]
    assert loop.time() - start == 3


async def test_bare_gather_leaves_orphans_that_run_all_gather_cancels() -> None:
    """The lesson's pitfall and its fix, side by side."""
    survivors: list[str] = []

    async def fail() -> None:
        await asyncio.sleep(1)
        raise ValueError("boom")

    async def slow(name: str) -> None:
        await asyncio.sleep(2)
        survivors.append(name)

    with pytest.raises(ValueError, match="boom"):
        await asyncio.gather(fail(), slow("orphan of bare gather"))
    await asyncio.sleep(5)  # the orphan keeps running after gather has raised
    assert survivors == ["orphan of bare gather"]

    with pytest.raises(ExceptionGroup):
        await fanout.run_all_gather([fail, lambda: slow("sibling of run_all_gather")])
    await asyncio.sleep(5)
    assert survivors == ["orphan of bare gather"]


async def test_gather_return_exceptions_turns_cancellation_into_a_value() -> None:
    """Why ``run_settled`` is not ``gather(return_exceptions=True)``."""

    async def cancelled_child() -> None:
        raise asyncio.CancelledError

    outcomes = await asyncio.gather(cancelled_child(), return_exceptions=True)
    assert isinstance(outcomes[0], asyncio.CancelledError)

    error = KeyError("captured")

    async def failing_child() -> None:
        raise error

    assert await errors.run_settled([failing_child]) == [error]


async def test_asyncio_timeout_around_call_with_timeout_is_told_apart() -> None:
    loop = asyncio.get_running_loop()
    start = loop.time()
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(1):
            # Our 5 s deadline is not the one that fired; the outer one was.
            await timeouts.call_with_timeout(lambda: asyncio.sleep(10), 5)
    assert loop.time() - start == 1


async def test_run_with_cleanup_survives_a_second_cancel() -> None:
    """``Task.cancel()`` twice: the shielded cleanup still runs to its end."""
    events: list[str] = []

    async def cleanup() -> None:
        await asyncio.sleep(2)
        events.append("cleanup done")

    task = asyncio.create_task(
        timeouts.run_with_cleanup(lambda: asyncio.sleep(10), cleanup, cleanup_timeout=5)
    )
    await asyncio.sleep(1)
    task.cancel()
    await asyncio.sleep(1)
    task.cancel()  # lands in the middle of the cleanup
    with pytest.raises(asyncio.CancelledError):
        await task
    assert events == ["cleanup done"]
