"""fanout.run_all against the bare task group it wraps, and workers.process against aiometer.

``run_all`` over N no-op children is compared with spawning the same
children into a bare ``TaskGroup`` / nursery / anyio task group and joining
them: the difference is what the result bookkeeping and argument checks
cost.  ``process`` is compared with ``aiometer.amap`` (anyio-based) at the
same concurrency, the library a user would pick instead.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Awaitable, Callable
from typing import Any

import aiometer
import anyio
import trio

from .common import TARGETS, check, interleaved, table


async def _child() -> int:
    return 1


async def _bare_asyncio(count: int) -> int:
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(_child()) for _ in range(count)]
    return sum(task.result() for task in tasks)


async def _bare_trio(count: int) -> int:
    total = 0

    async def one() -> None:
        nonlocal total
        value = await _child()
        total += value  # not `total += await ...`: that reads total before the await

    async with trio.open_nursery() as nursery:
        for _ in range(count):
            nursery.start_soon(one)
    return total


async def _bare_anyio(count: int) -> int:
    total = 0

    async def one() -> None:
        nonlocal total
        value = await _child()
        total += value  # not `total += await ...`: that reads total before the await

    async with anyio.create_task_group() as group:
        for _ in range(count):
            group.start_soon(one)
    return total


BARE = {"asyncio_impl": _bare_asyncio, "trio_impl": _bare_trio, "anyio_impl": _bare_anyio}


def run_all_vs_bare(count: int, repeat: int) -> str:
    rows = []
    for label, package, backend in TARGETS:
        run_all = importlib.import_module(f"{package}.fanout").run_all

        async def ours(run: Any = run_all) -> None:
            check(sum(await run([_child] * count)) == count)

        async def bare(spawn: Any = BARE[package]) -> None:
            check(await spawn(count) == count)

        mine, baseline = interleaved(
            {"run_all": (backend, ours), "bare": (backend, bare)}, count, repeat
        )
        rows.append(
            [label, f"{mine.micros_each:.2f}", f"{baseline.micros_each:.2f}",
             f"{mine.seconds / baseline.seconds:.2f}x"]
        )  # fmt: skip
    return table(
        f"fanout.run_all vs the bare task group it wraps ({count:,} no-op children, "
        f"median of {repeat})",
        rows,
        ["target", "run_all µs/child", "bare µs/child", "run_all / bare time"],
    )


def process_vs_aiometer(count: int, repeat: int, workers: int = 50) -> str:
    async def handler(item: int) -> int:
        await anyio.lowlevel.checkpoint()
        return item

    rows = []
    for backend in ("asyncio", "trio"):
        process = importlib.import_module("anyio_impl.workers").process

        async def ours(run: Any = process) -> None:
            check(await run(range(count), handler, workers=workers) == list(range(count)))

        async def with_aiometer() -> None:
            async with aiometer.amap(handler, range(count), max_at_once=workers) as results:
                check(sorted([r async for r in results]) == list(range(count)))

        cases: dict[str, tuple[str, Callable[[], Awaitable[None]]]] = {
            "process": (backend, ours),
            "aiometer.amap": (backend, with_aiometer),
        }
        mine, theirs = interleaved(cases, count, repeat)
        rows.append(
            [f"anyio_impl-{backend}", f"{mine.per_second:,.0f}", f"{theirs.per_second:,.0f}",
             f"{theirs.seconds / mine.seconds:.2f}x"]
        )  # fmt: skip
    return table(
        f"workers.process vs aiometer.amap ({count:,} items, {workers} at once, one checkpoint "
        f"each, median of {repeat})",
        rows,
        ["target", "process items/s", "aiometer items/s", "process speed-up"],
    )
