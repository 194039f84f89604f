"""workers.process against a minimal hand-written queue loop and aiometer.amap.

Two handlers, because channels checkpoint on every send and receive while
``asyncio.Queue`` does not yield when it need not: a no-op handler flatters
asyncio, a handler that checkpoints once is the fairer comparison.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

import aiometer
import anyio
import trio

from .common import OURS, RAW, Target, Workload, check, checkpoint_for, scenario

WORKERS = 50
T = TypeVar("T")


async def minimal_asyncio(
    items: Iterable[T], handler: Callable[[T], Awaitable[int]], workers: int = WORKERS
) -> int:
    queue: asyncio.Queue[T | None] = asyncio.Queue(workers)
    total = 0

    async def work() -> None:
        nonlocal total
        while (item := await queue.get()) is not None:
            value = await handler(item)
            total += value  # not `total += await ...`: that reads total before the await

    async with asyncio.TaskGroup() as group:
        for _ in range(workers):
            group.create_task(work())
        for item in items:
            await queue.put(item)
        for _ in range(workers):
            await queue.put(None)
    return total


async def minimal_trio(
    items: Iterable[T], handler: Callable[[T], Awaitable[int]], workers: int = WORKERS
) -> int:
    send, receive = trio.open_memory_channel[T](workers)
    total = 0

    async def work(received: trio.MemoryReceiveChannel[T]) -> None:
        nonlocal total
        async with received:
            async for item in received:
                value = await handler(item)
                total += value  # not `total += await ...`: that reads total before the await

    async with trio.open_nursery() as nursery:
        async with receive:
            for _ in range(workers):
                nursery.start_soon(work, receive.clone())
        async with send:
            for item in items:
                await send.send(item)
    return total


async def minimal_anyio(
    items: Iterable[T], handler: Callable[[T], Awaitable[int]], workers: int = WORKERS
) -> int:
    send, receive = anyio.create_memory_object_stream[T](workers)
    total = 0

    async def work(received: Any) -> None:
        nonlocal total
        async with received:
            async for item in received:
                value = await handler(item)
                total += value  # not `total += await ...`: that reads total before the await

    async with anyio.create_task_group() as group:
        async with receive:
            for _ in range(workers):
                group.start_soon(work, receive.clone())
        async with send:
            for item in items:
                await send.send(item)
    return total


MINIMAL = {"asyncio_impl": minimal_asyncio, "trio_impl": minimal_trio, "anyio_impl": minimal_anyio}


def _variants(
    target: Target, size: int, handler: Callable[[int], Awaitable[int]]
) -> dict[str, Workload]:
    process = target.module("workers").process
    expected = list(range(size))

    async def ours() -> None:
        check(await process(range(size), handler, workers=WORKERS) == expected)

    async def raw() -> None:
        check(await MINIMAL[target.package](range(size), handler) == size * (size - 1) // 2)

    async def with_aiometer() -> None:
        async with aiometer.amap(handler, range(size), max_at_once=WORKERS) as results:
            total = 0
            async for result in results:  # in completion order: a sum needs no sort
                total += result
            check(total == size * (size - 1) // 2)

    return {OURS: ours, RAW: raw, "aiometer.amap": with_aiometer}


@scenario(
    "workers",
    f"process, {WORKERS} workers, no-op handler",
    unit="item",
    size=10_000,
    quick_size=2_000,
)
def noop_handler(target: Target, size: int) -> dict[str, Workload]:
    async def noop(item: int) -> int:
        return item

    return _variants(target, size, noop)


@scenario(
    "workers",
    f"process, {WORKERS} workers, handler checkpoints once",
    unit="item",
    size=10_000,
    quick_size=2_000,
)
def checkpoint_handler(target: Target, size: int) -> dict[str, Workload]:
    checkpoint = checkpoint_for(target.package)

    async def checkpoint_once(item: int) -> int:
        await checkpoint()
        return item

    return _variants(target, size, checkpoint_once)
