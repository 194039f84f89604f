"""What every benchmark shares: the scenario model, and timing one run.

A *scenario* is one workload measured in several *variants* on each
*target* (``tools.registry.BENCH_TARGETS``): ``ours`` (the exercise),
``raw`` (the primitive it is built on, written by hand in the same dialect:
``bench.dialects``) and any peer library a user would pick instead
(aiometer, aiolimiter, aiostream, tenacity, stamina, aiohttp).  A peer that
cannot run on a target is ``Absent`` there, with the reason, never replaced
by something else.  Every variant's workload checks its own result
(``check``), so a broken benchmark cannot report a fast wrong answer.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from tools.registry import BENCH_TARGETS, EXERCISES, Target

OURS = "ours"
RAW = "raw"

TARGETS = BENCH_TARGETS
REFERENCE = Target("asyncio_impl", "asyncio", "native")
"""The ratios "across frameworks" are against plain asyncio_impl on asyncio."""
LIMITER_PEER = "aiolimiter-asyncio"
"""The rate limiter accuracy records' name for aiolimiter, on plain asyncio."""

Workload = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Absent:
    """A variant that cannot run on a target, and why."""

    reason: str


Variants = dict[str, Workload | Absent]


@dataclass(frozen=True)
class Scenario:
    """A workload of ``size`` units, in every variant that exists for a target.

    ``variants(target, size)`` returns ``{variant: workload or Absent}``;
    ``ours`` first, then ``raw``, then peers.  ``clock`` is "wall", or "cpu"
    where wall time is fixed by design (a rate limit).
    """

    exercise: str
    name: str
    unit: str
    size: int
    quick_size: int
    variants: Callable[[Target, int], Variants]
    clock: str = "wall"
    tiny_size: int = 20  # the suite checks every workload's answer at this size

    @property
    def key(self) -> str:
        return f"{self.exercise}: {self.name}"


SCENARIOS: list[Scenario] = []
# Which module registers each exercise's scenarios; a worker imports only the one it runs.
MODULES = {
    "fanout": "tasks_bench", "background": "tasks_bench", "racing": "tasks_bench",
    "completion": "tasks_bench", "errors": "tasks_bench", "timeouts": "tasks_bench",
    "generators": "generators_bench", "rate_limit": "rate_limit_bench",
    "workers": "workers_bench", "retry": "retry_pool_bench", "pool": "retry_pool_bench",
    "fetch": "fetch_bench", "offload": "generators_bench", "server": "server_bench",
    "files": "files_bench",
}  # fmt: skip


def load(exercises: Sequence[str] = EXERCISES) -> list[Scenario]:
    """Import the modules that register these exercises; their scenarios in CONTRACT.md's order."""
    for exercise in exercises:
        importlib.import_module(f"bench.{MODULES[exercise]}")
    chosen = [exercise for exercise in EXERCISES if exercise in exercises]
    return [s for exercise in chosen for s in SCENARIOS if s.exercise == exercise]


def scenario(
    exercise: str,
    name: str,
    *,
    unit: str,
    size: int,
    quick_size: int,
    clock: str = "wall",
    tiny_size: int = 20,
) -> Callable[[Callable[[Target, int], Variants]], Scenario]:
    """Register a scenario; its variants are built per target and size."""

    def register(variants: Callable[[Target, int], Variants]) -> Scenario:
        made = Scenario(exercise, name, unit, size, quick_size, variants, clock, tiny_size)
        SCENARIOS.append(made)
        return made

    return register


def asyncio_only(target: Target, workload: Workload, reason: str) -> Workload | Absent:
    """A peer library that needs an asyncio event loop: absent, with ``reason``, on trio."""
    return workload if target.backend == "asyncio" else Absent(reason)


def split(variants: Variants) -> tuple[dict[str, Workload], dict[str, str]]:
    """The variants that run, and the reason for each one that cannot."""
    runs = {name: v for name, v in variants.items() if not isinstance(v, Absent)}
    absent = {name: v.reason for name, v in variants.items() if isinstance(v, Absent)}
    return runs, absent


class Warmed:
    """A workload with an untimed warm-up in the same event loop.

    For what keeps state per event loop, such as anyio's process workers:
    without it, every timed run would include starting a worker.
    """

    def __init__(self, run: Workload, warm_up: Workload) -> None:
        self.run = run
        self.warm_up = warm_up

    def __call__(self) -> Awaitable[None]:
        return self.run()


def time_once(target: Target, workload: Workload, clock: str = "wall") -> float:
    """Seconds one workload takes, timed inside the event loop (not its start-up)."""
    timer = time.process_time if clock == "cpu" else time.perf_counter

    async def timed() -> float:
        if isinstance(workload, Warmed):
            await workload.warm_up()
        start = timer()
        await workload()
        return timer() - start

    return target.run(timed)


def check(ok: bool) -> None:
    """A benchmark whose workload gave a wrong answer must not report a time."""
    if not ok:
        raise AssertionError("the benchmark's workload produced a wrong result")


def summed_calls(size: int, call: Callable[[], Awaitable[int]]) -> Workload:
    """Await ``call()`` ``size`` times, one after another; each must return 1."""

    async def run() -> None:
        total = 0
        for _ in range(size):
            value = await call()
            total += value  # not `total += await ...`: that reads total before the await
        check(total == size)

    return run
