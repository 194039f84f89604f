"""RateLimiter.acquire when it never blocks, against aiolimiter (asyncio only)."""

from __future__ import annotations

import importlib
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from aiolimiter import AsyncLimiter

from .common import TARGETS, check, interleaved, table

# So high that no acquisition in the run ever waits.
NEVER_BLOCKS = 10**12


def acquisitions(count: int, repeat: int) -> str:
    cases: dict[str, tuple[str, Callable[[], Awaitable[None]]]] = {}
    for label, package, backend in TARGETS:
        limiter_class = importlib.import_module(f"{package}.rate_limit").RateLimiter

        async def ours(cls: Any = limiter_class) -> None:
            limiter = cls(NEVER_BLOCKS, burst=NEVER_BLOCKS)
            for _ in range(count):
                await limiter.acquire()

        cases[label] = (backend, ours)

    async def aiolimiter() -> None:
        limiter = AsyncLimiter(NEVER_BLOCKS, 1)
        for _ in range(count):
            await limiter.acquire()

    cases["aiolimiter-asyncio"] = ("asyncio", aiolimiter)
    results = interleaved(cases, count, repeat)
    baseline = next(r for r in results if r.name == "aiolimiter-asyncio")
    rows = [
        [
            r.name,
            f"{r.per_second:,.0f}",
            f"{r.micros_each:.2f}",
            f"{r.seconds / baseline.seconds:.2f}x",
        ]
        for r in results
    ]
    return table(
        f"RateLimiter.acquire() that never waits ({count:,} acquisitions, median of {repeat})",
        rows,
        ["target", "acquisitions/s", "µs each", "time vs aiolimiter"],
    )


def contended_cpu(count: int, tasks: int, repeat: int) -> str:
    """CPU time per acquisition while ``tasks`` tasks wait on a limiter.

    The waiting path: polling waiters, or waking every waiter on each
    release, show up as CPU time.  Both limiters get the same bucket: 100
    tokens refilled at 2,000 a second (aiolimiter: 100 per 0.05 s).
    """
    burst, per = 100, 0.05
    results = []
    for label, package, backend in [*TARGETS, ("aiolimiter-asyncio", "aiolimiter", "asyncio")]:
        samples = []
        for _ in range(repeat):

            async def main(pkg: str = package) -> None:
                if pkg == "aiolimiter":
                    limiter: Any = AsyncLimiter(burst, per)
                else:
                    cls = importlib.import_module(f"{pkg}.rate_limit").RateLimiter
                    limiter = cls(burst, per, burst=burst)

                acquired = 0

                async def user() -> None:
                    nonlocal acquired
                    for _ in range(count // tasks):
                        await limiter.acquire()
                        acquired += 1

                async with anyio.create_task_group() as group:
                    for _ in range(tasks):
                        group.start_soon(user)
                check(acquired == count // tasks * tasks)

            start = time.process_time()
            anyio.run(main, backend=backend)
            samples.append(time.process_time() - start)
        results.append((label, statistics.median(samples)))
    baseline = dict(results)["aiolimiter-asyncio"]
    rows = [[label, f"{cpu / count * 1e6:.1f}", f"{cpu / baseline:.2f}x"] for label, cpu in results]
    return table(
        f"Limiters under contention: {tasks} tasks, {count:,} acquisitions, burst {burst}, "
        f"{burst / per:,.0f}/s (CPU time, median of {repeat})",
        rows,
        ["target", "CPU µs per acquisition", "vs aiolimiter"],
    )
