"""asyncio_impl tested the asyncio way: pytest-asyncio, plain asyncio calls.

The shared suite checks the contract on every backend; these few tests show
how an asyncio project tests its own code, and pin asyncio-only behaviour:
what ``gather`` does without the repairs in ``run_all_gather``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from asyncio_impl import background, completion, errors, fanout, timeouts

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


async def test_as_completed_leaves_orphans_on_break_completed_does_not() -> None:
    """CPython issue 99933: the broken/fixed pair, same consumer loop."""
    loop = asyncio.get_running_loop()
    finished: list[str] = []

    def job(name: str, seconds: float) -> Callable[[], Awaitable[str]]:
        async def run() -> str:
            await asyncio.sleep(seconds)
            finished.append(name)
            return name

        return run

    leaky = completion.as_completed_leaky([job("leaky fast", 1), job("leaky slow", 5)])
    async for _, name in leaky:
        assert name == "leaky fast"
        break
    await leaky.aclose()
    await asyncio.sleep(10)
    assert finished == ["leaky fast", "leaky slow"]  # the slow one ran on, unobserved

    start = loop.time()
    async with completion.completed([job("fast", 1), job("slow", 5)]) as results:
        async for _, name in results:
            assert name == "fast"
            break
    assert loop.time() - start == 1
    await asyncio.sleep(10)
    assert "slow" not in finished  # cancelled when the block was left


async def test_run_after_ready_is_built_from_an_event() -> None:
    """What nursery.start gives trio, asyncio gets from an Event and a check."""
    loop = asyncio.get_running_loop()

    async def service(ready: Callable[[str], None]) -> None:
        await asyncio.sleep(2)
        ready("listening")
        await asyncio.Event().wait()  # serve until cancelled

    async def client(value: str) -> str:
        return f"{value} at {loop.time():g}"

    start = loop.time()
    assert await background.run_after_ready(service, client) == f"listening at {start + 2:g}"
