"""What the safety costs: retry around a call that succeeds at once, and pool acquire/release."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import stamina
from tenacity import AsyncRetrying, stop_after_attempt

from .common import TARGETS, check, interleaved, table


async def _succeed() -> int:
    return 1


def retry_overhead(count: int, repeat: int) -> str:
    """``retry(fn)`` where ``fn`` succeeds the first time, against the bare call."""
    cases: dict[str, tuple[str, Callable[[], Awaitable[None]]]] = {}

    async def bare() -> None:
        for _ in range(count):
            await _succeed()

    cases["bare call-asyncio"] = ("asyncio", bare)
    for label, package, backend in TARGETS:
        module = importlib.import_module(f"{package}.retry")

        async def ours(run: Any = module.retry) -> None:
            total = 0
            for _ in range(count):
                total += await run(_succeed)
            check(total == count)

        decorated = module.retrying()(_succeed)

        async def ours_decorated(run: Any = decorated) -> None:
            total = 0
            for _ in range(count):
                total += await run()
            check(total == count)

        cases[label] = (backend, ours)
        cases[f"{label} @retrying"] = (backend, ours_decorated)

    async def with_tenacity() -> None:
        for _ in range(count):
            async for attempt in AsyncRetrying(stop=stop_after_attempt(3)):
                with attempt:
                    await _succeed()

    async def with_stamina() -> None:
        for _ in range(count):
            async for attempt in stamina.retry_context(on=Exception, attempts=3):
                with attempt:
                    await _succeed()

    cases["tenacity-asyncio"] = ("asyncio", with_tenacity)
    cases["stamina-asyncio"] = ("asyncio", with_stamina)
    results = interleaved(cases, count, repeat)
    bare_result = results[0]
    rows = [
        [
            r.name,
            f"{r.micros_each:.2f}",
            f"{(r.seconds - bare_result.seconds) / count * 1e6:.2f}",
            f"{r.seconds / bare_result.seconds:.1f}x",
        ]
        for r in results
    ]
    return table(
        f"retry around a call that succeeds at once ({count:,} calls, median of {repeat})",
        rows,
        ["target", "µs per call", "µs over a bare call", "time vs bare call"],
    )


def pool_pairs(count: int, repeat: int) -> str:
    """acquire/release pairs per second with 1 and with 100 contending tasks (pool of 10)."""
    rows = []
    for tasks in (1, 100):
        cases: dict[str, tuple[str, Callable[[], Awaitable[None]]]] = {}
        for label, package, backend in TARGETS:
            pool_class = importlib.import_module(f"{package}.pool").Pool

            async def main(cls: Any = pool_class, n: int = tasks) -> None:
                async def make() -> object:
                    return object()

                pairs = 0
                async with cls(make, max_size=10) as pool:

                    async def user() -> None:
                        nonlocal pairs
                        for _ in range(count // n):
                            async with pool.acquire():
                                pairs += 1

                    async with anyio.create_task_group() as group:
                        for _ in range(n):
                            group.start_soon(user)
                    check(pairs == count // n * n and pool.size <= 10 and pool.in_use == 0)

            cases[label] = (backend, main)
        for result in interleaved(cases, count, repeat):
            rows.append([result.name, str(tasks), f"{result.per_second:,.0f}"])
    return table(
        f"Pool acquire/release pairs ({count:,} pairs, pool of 10, median of {repeat})",
        rows,
        ["target", "tasks", "pairs/s"],
    )
