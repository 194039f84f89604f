"""trio_impl tested the trio way: pytest-trio, ``autojump_clock``, ``trio.testing``.

The shared suite checks the contract on every backend; these few tests show
how a trio project tests its own code.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest
import trio
import trio.testing

from trio_impl import background, errors, fanout, racing, timeouts

pytestmark = pytest.mark.trio


async def test_run_all_takes_as_long_as_the_slowest_child(
    autojump_clock: trio.testing.MockClock,
) -> None:
    start = trio.current_time()
    await fanout.run_all([partial(trio.sleep, 3), partial(trio.sleep, 1)])
    assert trio.current_time() - start == 3


async def test_limit_holds_the_rest_until_a_slot_frees(
    autojump_clock: trio.testing.MockClock,
) -> None:
    running = 0
    peak = 0

    async def child() -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await trio.sleep(1)
        running -= 1

    await fanout.run_all([child] * 7, limit=3)
    assert peak == 3
    assert trio.current_time() == 3


async def test_cancel_scope_reaches_every_child_before_run_all_returns() -> None:
    finished: list[int] = []

    async def child(index: int) -> None:
        try:
            await trio.sleep_forever()
        finally:
            finished.append(index)

    with trio.CancelScope() as scope:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(fanout.run_all, [partial(child, i) for i in range(3)])
            await trio.testing.wait_all_tasks_blocked()
            scope.cancel()
    assert sorted(finished) == [0, 1, 2]


async def test_run_settled_never_captures_cancelled(autojump_clock: trio.testing.MockClock) -> None:
    with trio.move_on_after(1) as scope:
        await errors.run_settled([trio.sleep_forever])
    assert scope.cancelled_caught


async def test_call_with_timeout_raises_builtin_timeout_error_not_too_slow_error(
    autojump_clock: trio.testing.MockClock,
) -> None:
    with pytest.raises(TimeoutError) as caught:
        await timeouts.call_with_timeout(trio.sleep_forever, 2)
    assert not isinstance(caught.value, trio.TooSlowError)
    assert trio.current_time() == 2


async def test_run_after_ready_is_nursery_start(autojump_clock: trio.testing.MockClock) -> None:
    async def service(ready: Callable[[str], None]) -> None:
        await trio.sleep(2)
        ready("listening")
        await trio.sleep_forever()

    async def client(value: str) -> tuple[str, float]:
        return value, trio.current_time()

    assert await background.run_after_ready(service, client) == ("listening", 2)


async def test_staggered_race_starts_the_next_attempt_on_failure(
    autojump_clock: trio.testing.MockClock,
) -> None:
    starts: list[float] = []

    async def refused() -> str:
        starts.append(trio.current_time())
        await trio.sleep(0.1)
        raise ConnectionRefusedError

    async def accepted() -> str:
        starts.append(trio.current_time())
        return "connected"

    assert await racing.staggered_race([refused, accepted], delay=0.25) == "connected"
    assert starts == [0, 0.1]
