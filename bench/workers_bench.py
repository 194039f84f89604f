"""workers.process against a minimal hand-written queue loop, and its memory over long inputs.

Two handlers, because channels checkpoint on every send and receive while
``asyncio.Queue`` does not yield when it need not: a no-op handler flatters
asyncio, a handler that checkpoints once is the fairer comparison.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
import tracemalloc
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import anyio.lowlevel
import trio

from .common import TARGETS, Result, check, interleaved, table

WORKERS = 50


def handlers(package: str) -> dict[str, Callable[[int], Awaitable[int]]]:
    """A no-op handler and one that yields once, in the package's own dialect."""

    async def noop(item: int) -> int:
        return item

    checkpoint: Callable[[], Awaitable[None]] = {
        "asyncio_impl": lambda: asyncio.sleep(0),
        "trio_impl": trio.lowlevel.checkpoint,
        "anyio_impl": anyio.lowlevel.checkpoint,
    }[package]

    async def checkpoint_once(item: int) -> int:
        await checkpoint()
        return item

    return {"no-op": noop, "one checkpoint": checkpoint_once}


async def minimal_asyncio(count: int, handler: Callable[[int], Awaitable[int]]) -> int:
    queue: asyncio.Queue[int | None] = asyncio.Queue(WORKERS)
    total = 0

    async def work() -> None:
        nonlocal total
        while (item := await queue.get()) is not None:
            value = await handler(item)
            total += value  # not `total += await ...`: that reads total before the await

    async with asyncio.TaskGroup() as group:
        for _ in range(WORKERS):
            group.create_task(work())
        for item in range(count):
            await queue.put(item)
        for _ in range(WORKERS):
            await queue.put(None)
    return total


async def minimal_trio(count: int, handler: Callable[[int], Awaitable[int]]) -> int:
    send, receive = trio.open_memory_channel[int](WORKERS)
    total = 0

    async def work(items: trio.MemoryReceiveChannel[int]) -> None:
        nonlocal total
        async with items:
            async for item in items:
                value = await handler(item)
                total += value  # not `total += await ...`: that reads total before the await

    async with trio.open_nursery() as nursery:
        async with receive:
            for _ in range(WORKERS):
                nursery.start_soon(work, receive.clone())
        async with send:
            for item in range(count):
                await send.send(item)
    return total


async def minimal_anyio(count: int, handler: Callable[[int], Awaitable[int]]) -> int:
    send, receive = anyio.create_memory_object_stream[int](WORKERS)
    total = 0

    async def work(items: Any) -> None:
        nonlocal total
        async with items:
            async for item in items:
                value = await handler(item)
                total += value  # not `total += await ...`: that reads total before the await

    async with anyio.create_task_group() as group:
        async with receive:
            for _ in range(WORKERS):
                group.start_soon(work, receive.clone())
        async with send:
            for item in range(count):
                await send.send(item)
    return total


MINIMAL = {"asyncio_impl": minimal_asyncio, "trio_impl": minimal_trio, "anyio_impl": minimal_anyio}


def throughput(count: int, repeat: int) -> str:
    rows = []
    for label, package, backend in TARGETS:
        process = importlib.import_module(f"{package}.workers").process
        for handler_name, handler in handlers(package).items():

            async def ours(h: Any = handler, run: Any = process) -> None:
                check(await run(range(count), h, workers=WORKERS) == list(range(count)))

            async def minimal(h: Any = handler, pkg: str = package) -> None:
                check(await MINIMAL[pkg](count, h) == count * (count - 1) // 2)

            mine, baseline = interleaved(
                {"process": (backend, ours), "minimal": (backend, minimal)}, count, repeat
            )
            rows.append(_row(label, handler_name, mine, baseline))
    return table(
        f"workers.process vs a minimal queue loop ({count:,} items, {WORKERS} workers, "
        f"median of {repeat})",
        rows,
        ["target", "handler", "process items/s", "minimal items/s", "process / minimal time"],
    )


def _row(label: str, handler: str, mine: Result, baseline: Result) -> list[str]:
    return [
        label,
        handler,
        f"{mine.per_second:,.0f}",
        f"{baseline.per_second:,.0f}",
        f"{mine.seconds / baseline.seconds:.2f}x",
    ]


def peak_memory(counts: tuple[int, ...]) -> str:
    """Peak memory of process over lazy inputs, less what does not depend on the window.

    The result list is O(n) by contract (8 bytes a slot); the backend's own
    start-up is paid by any program.  What is left is what process keeps in
    flight, which the backpressure bound says must not grow with the input.
    """
    rows = []
    for label, package, backend in TARGETS:
        process = importlib.import_module(f"{package}.workers").process

        async def noop(item: int) -> None:
            return None

        async def nothing() -> None:
            return None

        baseline = _traced_peak(backend, nothing)[0]
        cells = []
        in_flight = []
        for count in counts:

            async def main(n: int = count, run: Any = process) -> list[None]:
                result: list[None] = await run((i for i in range(n)), noop, workers=8)
                check(result == [None] * n)
                return result

            peak, results = _traced_peak(backend, main)
            in_flight.append(peak - baseline - sys.getsizeof(results))
            cells.append(f"{peak / 1024:,.0f} KiB")
        rows.append([label, *cells, *(f"{size / 1024:,.0f} KiB" for size in in_flight)])
    return table(
        "workers.process peak memory over lazily generated inputs (tracemalloc; 8 workers)",
        rows,
        [
            "target",
            *(f"peak, {count:,} items" for count in counts),
            *(f"less results and start-up, {count:,}" for count in counts),
        ],
    )


def _traced_peak(backend: str, main: Callable[[], Awaitable[Any]]) -> tuple[int, Any]:
    tracemalloc.start()
    try:
        value = anyio.run(main, backend=backend)
        return tracemalloc.get_traced_memory()[1], value
    finally:
        tracemalloc.stop()
