"""RateLimiter.acquire when it never blocks, against aiolimiter (asyncio only)."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from typing import Any

from aiolimiter import AsyncLimiter

from .common import TARGETS, interleaved, table

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
