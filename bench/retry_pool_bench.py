"""What the safety costs: retry around a call that succeeds at once, and Pool acquire/release.

``retry`` is compared with the bare call (``raw``), tenacity and stamina;
``Pool`` with the framework's own semaphore guarding the same number of
slots, the primitive a user would reach for first.
"""

from __future__ import annotations

from typing import Any

import stamina
from tenacity import AsyncRetrying, stop_after_attempt

from tools.registry import Target

from .common import OURS, RAW, Variants, Workload, check, scenario, summed_calls
from .dialects import DIALECTS


async def _succeed() -> int:
    return 1


@scenario(
    "retry", "retry, a call that succeeds at once", unit="call", size=25_000, quick_size=5_000
)
def retry(target: Target, size: int) -> Variants:
    module = target.module("retry")
    decorated = module.retrying()(_succeed)

    async def with_tenacity() -> int:
        async for attempt in AsyncRetrying(stop=stop_after_attempt(3)):
            with attempt:
                return await _succeed()
        raise AssertionError("unreachable: tenacity ran no attempt")

    async def with_stamina() -> int:
        async for attempt in stamina.retry_context(on=Exception, attempts=3):
            with attempt:
                return await _succeed()
        raise AssertionError("unreachable: stamina ran no attempt")

    return {
        OURS: summed_calls(size, lambda: module.retry(_succeed)),
        RAW: summed_calls(size, _succeed),
        "ours @retrying": summed_calls(size, decorated),
        "tenacity": summed_calls(size, with_tenacity),
        "stamina": summed_calls(size, with_stamina),
    }


POOL_SIZE = 10


def _pool_variants(target: Target, size: int, tasks: int) -> Variants:
    pool_class = target.module("pool").Pool
    per_task = size // tasks

    async def make() -> object:
        return object()

    dialect = DIALECTS[target.package]

    def pairs(open_guard: Any) -> Workload:
        async def run() -> None:
            done = held = most = 0
            async with open_guard() as acquire:

                async def user() -> None:
                    nonlocal done, held, most
                    for _ in range(per_task):
                        async with acquire():
                            held += 1
                            most = max(most, held)
                            # Hold the slot across a yield: with none, asyncio's
                            # tasks never overlap and there is no contention.
                            await dialect.checkpoint()
                            held -= 1
                            done += 1

                await dialect.spawn_join(user, [()] * tasks)
            check(done == per_task * tasks and most == min(tasks, POOL_SIZE))

        return run

    class _Pooled:
        async def __aenter__(self) -> Any:
            self.pool = pool_class(make, max_size=POOL_SIZE)
            await self.pool.__aenter__()
            return self.pool.acquire

        async def __aexit__(self, *exc: object) -> None:
            check(self.pool.size <= POOL_SIZE and self.pool.in_use == 0)
            await self.pool.__aexit__(*exc)

    class _Guarded:
        async def __aenter__(self) -> Any:
            semaphore = dialect.semaphore(POOL_SIZE)
            return lambda: semaphore

        async def __aexit__(self, *exc: object) -> None:
            return None

    return {OURS: pairs(_Pooled), RAW: pairs(_Guarded)}


@scenario(
    "pool",
    f"acquire/release, pool of {POOL_SIZE}, 1 task",
    unit="pair",
    size=25_000,
    quick_size=5_000,
)
def pool_uncontended(target: Target, size: int) -> Variants:
    return _pool_variants(target, size, 1)


@scenario(
    "pool",
    f"acquire/release, pool of {POOL_SIZE}, 100 tasks",
    unit="pair",
    size=25_000,
    quick_size=5_000,
    tiny_size=200,  # two pairs a task: enough for all ten slots to be held at once
)
def pool_contended(target: Target, size: int) -> Variants:
    return _pool_variants(target, size, 100)
