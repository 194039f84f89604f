"""workers.process against a minimal hand-written queue loop and aiometer.amap.

Two handlers, because channels checkpoint on every send and receive while
``asyncio.Queue`` does not yield when it need not: a no-op handler flatters
asyncio, a handler that checkpoints once is the fairer comparison.  The
queue loop is each dialect's ``queue_loop`` (``bench.dialects``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiometer

from tools.registry import Target

from .common import OURS, RAW, Variants, check, scenario
from .dialects import DIALECTS

WORKERS = 50


def _variants(target: Target, size: int, handler: Callable[[int], Awaitable[int]]) -> Variants:
    process = target.module("workers").process
    dialect = DIALECTS[target.package]
    expected = list(range(size))

    async def ours() -> None:
        check(await process(range(size), handler, workers=WORKERS) == expected)

    async def raw() -> None:
        check(await dialect.queue_loop(range(size), handler, WORKERS) == size * (size - 1) // 2)

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
def noop_handler(target: Target, size: int) -> Variants:
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
def checkpoint_handler(target: Target, size: int) -> Variants:
    checkpoint = DIALECTS[target.package].checkpoint

    async def checkpoint_once(item: int) -> int:
        await checkpoint()
        return item

    return _variants(target, size, checkpoint_once)
