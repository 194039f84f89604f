"""server: Broadcast (CONTRACT.md, section server), on virtual time."""

from __future__ import annotations

import math
from typing import Any

import anyio
import anyio.abc
import pytest

from .helpers import CancelOutcome, Impl, now, scheduling_orders, yields


async def collect(subscription: Any, into: list[Any], *, delay: float = 0) -> None:
    """Read ``subscription`` to its end into ``into``, ``delay`` seconds per item."""
    async for item in subscription:
        into.append((now(), item))
        await anyio.sleep(delay)


async def subscriber(
    hub: Any,
    into: list[Any],
    delay: float = 0,
    *,
    task_status: anyio.abc.TaskStatus[Any] = anyio.TASK_STATUS_IGNORED,
) -> None:
    """Subscribe (handing back the subscription), then collect until the hub closes."""
    async with hub.subscribe() as subscription:
        task_status.started(subscription)
        await collect(subscription, into, delay=delay)


async def test_every_subscriber_gets_every_item_in_order(impl: Impl) -> None:
    hub = impl.server.Broadcast(buffer=4)
    got: list[list[Any]] = [[], [], []]
    async with anyio.create_task_group() as group:
        for into in got:
            await group.start(subscriber, hub, into)
        for n in range(10):
            hub.publish(n)
            await anyio.sleep(1)
        await hub.aclose()
    for into in got:
        assert [item for _, item in into] == list(range(10))


async def test_a_subscriber_gets_only_what_is_published_while_subscribed(impl: Impl) -> None:
    hub = impl.server.Broadcast()
    hub.publish("before")  # nobody listens: it goes nowhere
    async with hub.subscribe() as staying:
        async with hub.subscribe() as leaving:
            hub.publish("both")
            assert await leaving.__anext__() == "both"
        hub.publish("after")  # one subscriber has left
        await hub.aclose()
        assert [item async for item in staying] == ["both", "after"]


async def test_drop_oldest_keeps_the_newest_and_delays_no_one(impl: Impl) -> None:
    hub = impl.server.Broadcast(buffer=3, policy="drop_oldest")
    fast: list[Any] = []
    slow: list[Any] = []
    async with anyio.create_task_group() as group:
        fast_items = await group.start(subscriber, hub, fast)
        slow_items = await group.start(subscriber, hub, slow, 100)
        start = now()
        for n in range(10):
            hub.publish(n)  # never blocks, never awaits
            await anyio.sleep(1)
        assert now() - start == 10
        await hub.aclose()
    assert [(time - start, item) for time, item in fast] == [(n, n) for n in range(10)]
    # The slow one took 0 at once, then slept; when it woke 7, 8, 9 were left.
    assert [item for _, item in slow] == [0, 7, 8, 9]
    assert slow_items.dropped == 6
    assert fast_items.dropped == 0


async def test_disconnect_ends_the_slow_subscriber_with_lagged_after_what_it_holds(
    impl: Impl,
) -> None:
    hub = impl.server.Broadcast(buffer=2, policy="disconnect")
    fast: list[Any] = []
    slow: list[Any] = []
    lagged: list[BaseException] = []

    async def slow_reader(*, task_status: anyio.abc.TaskStatus[None]) -> None:
        try:
            await subscriber(hub, slow, 100, task_status=task_status)
        except impl.server.Lagged as exc:
            lagged.append(exc)

    async with anyio.create_task_group() as group:
        await group.start(subscriber, hub, fast)
        await group.start(slow_reader)
        for n in range(6):
            hub.publish(n)
            await anyio.sleep(1)
        await hub.aclose()
    assert [item for _, item in fast] == list(range(6))
    # 0 taken at once; 1, 2 fill the buffer; 3 overflows it: the subscriber
    # is cut off, and still gets the two it held.
    assert [item for _, item in slow] == [0, 1, 2]
    assert len(lagged) == 1
    assert "2 items behind" in str(lagged[0])


async def test_aclose_ends_subscriptions_after_what_they_hold(impl: Impl) -> None:
    async with impl.server.Broadcast(buffer=8) as hub, hub.subscribe() as subscription:
        hub.publish(1)
        hub.publish(2)
        await hub.aclose()
        assert [item async for item in subscription] == [1, 2]
        with pytest.raises(RuntimeError, match="closed"):
            hub.publish(3)
        with pytest.raises(RuntimeError, match="closed"):
            async with hub.subscribe():
                pass


async def test_async_with_closes_the_hub_and_ends_a_waiting_subscriber(impl: Impl) -> None:
    got: list[Any] = []
    async with anyio.create_task_group() as group, impl.server.Broadcast() as hub:
        await group.start(subscriber, hub, got)
        hub.publish("last")
        await anyio.sleep(1)
    # The collector ended: the task group would otherwise never exit.
    assert [item for _, item in got] == ["last"]
    with pytest.raises(RuntimeError, match="closed"):
        hub.publish("more")


async def test_a_cancelled_wait_takes_nothing(impl: Impl) -> None:
    hub = impl.server.Broadcast()
    async with hub.subscribe() as subscription:
        async with impl.cancel_after(5) as outcome:
            await subscription.__anext__()
        assert outcome.cancelled_caught
        hub.publish("kept")
        assert await subscription.__anext__() == "kept"


async def publish_then_cancel(hub: Any, seed: int, outcome: CancelOutcome) -> None:
    hub.publish(0)
    await yields(seed, "cancel")
    outcome.cancel()


async def test_a_wait_cancelled_as_its_item_arrives_takes_nothing(impl: Impl) -> None:
    for seed in scheduling_orders():
        hub = impl.server.Broadcast(buffer=4)
        got: list[int] = []
        async with hub.subscribe() as items, anyio.create_task_group() as group:
            async with impl.cancel_after(math.inf) as outcome:
                group.start_soon(publish_then_cancel, hub, seed, outcome)
                got.append(await items.__anext__())
                await anyio.sleep(math.inf)  # until the cancellation, if it came after the item
            hub.publish(1)
            await hub.aclose()
            rest = [item async for item in items]
        assert got + rest == [0, 1], f"seed {seed}: got {got}, then {rest}"


@pytest.fixture
def hub_built_outside_the_loop(impl: Impl) -> Any:
    return impl.server.Broadcast(buffer=2)


async def test_built_outside_a_running_loop(impl: Impl, hub_built_outside_the_loop: Any) -> None:
    hub = hub_built_outside_the_loop
    async with hub.subscribe() as subscription:
        hub.publish("x")
        await hub.aclose()
        assert [item async for item in subscription] == ["x"]


@pytest.mark.parametrize(
    ("options", "error", "name"),
    [
        ({"buffer": 0}, ValueError, "buffer"),
        ({"buffer": -1}, ValueError, "buffer"),
        ({"buffer": 1.5}, TypeError, "buffer"),
        ({"buffer": float("inf")}, ValueError, "buffer"),
        ({"policy": "drop_newest"}, ValueError, "policy"),
        ({"policy": None}, TypeError, "policy"),
    ],
)
async def test_bad_arguments(
    impl: Impl, options: dict[str, Any], error: type[Exception], name: str
) -> None:
    with pytest.raises(error, match=name):
        impl.server.Broadcast(**options)
