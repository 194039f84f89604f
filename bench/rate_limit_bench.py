"""RateLimiter: the acquire that never waits, the waiting path under contention, and accuracy.

The ``raw`` variant is a minimal token bucket written by hand.  It follows
each framework's convention: on trio and anyio every ``acquire`` is a
checkpoint, on asyncio it does not yield when it need not.  The gap between
``raw`` on asyncio and on trio is therefore the convention, not the
bookkeeping.  aiolimiter only runs on asyncio.
"""

from __future__ import annotations

import time
from typing import Any

import anyio
from aiolimiter import AsyncLimiter

from tools.registry import Target

from .common import (
    LIMITER_PEER,
    OURS,
    RAW,
    REFERENCE,
    Variants,
    Workload,
    asyncio_only,
    check,
    scenario,
)
from .dialects import DIALECTS, Dialect

ASYNCIO_ONLY = "aiolimiter runs on asyncio only"

# So high that no acquisition in the run ever waits.
NEVER_BLOCKS = 10**12


class _MinimalBucket:
    """A token bucket that never has to wait in these runs: refill, take, checkpoint."""

    def __init__(self, rate: float, burst: int, dialect: Dialect) -> None:
        self._rate = rate
        self._burst = burst
        self._tokens = float(burst)
        self._updated = time.monotonic()
        self._checkpoint = dialect.checkpoint if dialect.acquire_checkpoints else None

    async def acquire(self) -> None:
        now = time.monotonic()
        self._tokens = min(self._burst, self._tokens + (now - self._updated) * self._rate)
        self._updated = now
        if self._tokens < 1:
            raise RuntimeError("the minimal bucket is only for runs that never wait")
        self._tokens -= 1
        if self._checkpoint is not None:
            await self._checkpoint()


@scenario("rate_limit", "acquire that never waits", unit="acquire", size=25_000, quick_size=5_000)
def never_waits(target: Target, size: int) -> Variants:
    limiter_class = target.module("rate_limit").RateLimiter

    def acquiring(make: Any) -> Workload:
        async def run() -> None:
            limiter = make()
            for _ in range(size):
                await limiter.acquire()
            check(size > 0)

        return run

    dialect = DIALECTS[target.package]
    return {
        OURS: acquiring(lambda: limiter_class(NEVER_BLOCKS, burst=NEVER_BLOCKS)),
        RAW: acquiring(lambda: _MinimalBucket(NEVER_BLOCKS, NEVER_BLOCKS, dialect)),
        "aiolimiter": asyncio_only(
            target, acquiring(lambda: AsyncLimiter(NEVER_BLOCKS, 1)), ASYNCIO_ONLY
        ),
    }


CONTENDING_TASKS = 100
BURST, PER = 100, 0.05  # 2,000 a second in bursts of 100; aiolimiter: 100 per 0.05 s


@scenario(
    "rate_limit",
    f"{CONTENDING_TASKS} tasks contend, {BURST / PER:,.0f}/s (CPU time)",
    unit="acquire",
    size=2_000,
    quick_size=400,
    clock="cpu",
    tiny_size=2 * CONTENDING_TASKS,
)
def contended(target: Target, size: int) -> Variants:
    """CPU time per acquisition while tasks wait: polling or waking every waiter shows here."""
    limiter_class = target.module("rate_limit").RateLimiter
    per_task = size // CONTENDING_TASKS
    dialect = DIALECTS[target.package]

    def contending(make: Any) -> Workload:
        async def run() -> None:
            limiter = make()
            acquired = 0

            async def user() -> None:
                nonlocal acquired
                for _ in range(per_task):
                    await limiter.acquire()
                    acquired += 1

            await dialect.spawn_join(user, [()] * CONTENDING_TASKS)
            check(acquired == per_task * CONTENDING_TASKS)

        return run

    return {
        OURS: contending(lambda: limiter_class(BURST, PER, burst=BURST)),
        "aiolimiter": asyncio_only(
            target, contending(lambda: AsyncLimiter(BURST, PER)), ASYNCIO_ONLY
        ),
    }


def accuracy(target: Target | None, rate: float, seconds: float, burst: int = 1) -> dict[str, Any]:
    """Acquire as fast as allowed for ``seconds`` of real time; measure rate and windows.

    ``target=None`` measures aiolimiter on asyncio instead.  Returns the
    delivered rate as a fraction of ``rate`` (tokens beyond the initial
    burst, over the run) and, for each window length ``w``, the most
    acquisitions in any window against the bound ``burst + rate * w``.
    """
    stamps: list[float] = []

    async def main() -> None:
        limiter: Any
        if target is None:
            limiter = AsyncLimiter(burst, burst / rate)
        else:
            limiter = target.module("rate_limit").RateLimiter(rate, burst=burst)
        start = anyio.current_time()
        while anyio.current_time() - start < seconds:
            await limiter.acquire()
            stamps.append(anyio.current_time() - start)

    (target or REFERENCE).run(main)
    inside = [t for t in stamps if t <= seconds]
    windows = {}
    for window in (0.001, 0.01, 0.1, 1.0):
        most, first = 0, 0
        for last, stamp in enumerate(inside):
            while stamp - inside[first] > window:
                first += 1
            most = max(most, last - first + 1)
        windows[str(window)] = {"most": most, "bound": burst + rate * window}
    return {
        "target": target.id if target else LIMITER_PEER,
        "rate": rate,
        "burst": burst,
        "seconds": seconds,
        "acquired": len(inside),
        "delivered": (len(inside) - burst) / seconds / rate,
        "windows": windows,
        "within_bound": all(w["most"] <= w["bound"] + 1e-9 for w in windows.values()),
    }
