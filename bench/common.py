"""What every benchmark shares: the targets, the scenario model, and timing one run.

A *scenario* is one workload measured in several *variants* on each
*target*: ``ours`` (the exercise), ``raw`` (the primitive it is built on,
written by hand in the same dialect) and any peer library a user would pick
instead (aiometer, aiolimiter, tenacity, stamina, aiohttp).  Every variant's
workload checks its own result (``check``), so a broken benchmark cannot
report a fast wrong answer.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, TypeVar

import anyio

T = TypeVar("T")

OURS = "ours"
RAW = "raw"

Workload = Callable[[], Awaitable[None]]


def _eager_loop() -> asyncio.AbstractEventLoop:
    loop = asyncio.new_event_loop()
    loop.set_task_factory(asyncio.eager_task_factory)  # type: ignore[attr-defined,unused-ignore]
    return loop


def _uvloop() -> asyncio.AbstractEventLoop:
    import uvloop

    return uvloop.new_event_loop()


@dataclass(frozen=True)
class Target:
    """One implementation on one event loop."""

    label: str
    package: str
    backend: str  # the anyio backend name: "asyncio" or "trio"
    loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = field(default=None, repr=False)

    def module(self, exercise: str) -> ModuleType:
        return importlib.import_module(f"{self.package}.{exercise}")

    def run(self, main: Callable[[], Awaitable[T]]) -> T:
        options: dict[str, Any] = {}
        if self.loop_factory is not None:
            options["loop_factory"] = self.loop_factory
        return anyio.run(main, backend=self.backend, backend_options=options)


def _has_uvloop() -> bool:
    try:
        importlib.import_module("uvloop")
    except ImportError:  # not built for this platform (Windows): measure without it
        return False
    return True


def available_targets() -> list[Target]:
    """Every implementation on every loop this interpreter can run."""
    targets = [Target("asyncio_impl-asyncio", "asyncio_impl", "asyncio")]
    if _has_uvloop():
        targets.append(Target("asyncio_impl-uvloop", "asyncio_impl", "asyncio", _uvloop))
    if sys.version_info >= (3, 12):
        targets.append(Target("asyncio_impl-eager", "asyncio_impl", "asyncio", _eager_loop))
    targets.append(Target("trio_impl-trio", "trio_impl", "trio"))
    targets.append(Target("anyio_impl-asyncio", "anyio_impl", "asyncio"))
    if _has_uvloop():
        targets.append(Target("anyio_impl-uvloop", "anyio_impl", "asyncio", _uvloop))
    targets.append(Target("anyio_impl-trio", "anyio_impl", "trio"))
    return targets


TARGETS = available_targets()
REFERENCE = TARGETS[0]  # the ratios "against asyncio_impl" use plain asyncio_impl on asyncio


@dataclass(frozen=True)
class Scenario:
    """A workload of ``size`` units, in every variant that exists for a target.

    ``variants(target, size)`` returns ``{variant: workload}``; ``ours``
    first, then ``raw`` where a raw primitive exists, then peers.  An empty
    dict means the scenario does not apply to that target.  ``clock`` is
    "wall", or "cpu" where wall time is fixed by design (a rate limit).
    """

    exercise: str
    name: str
    unit: str
    size: int
    quick_size: int
    variants: Callable[[Target, int], dict[str, Workload]]
    clock: str = "wall"
    tiny_size: int = 20  # the suite checks every workload's answer at this size

    @property
    def key(self) -> str:
        return f"{self.exercise}: {self.name}"


SCENARIOS: list[Scenario] = []
# The contract's order: the driver runs, and the reports list, exercises in it.
EXERCISES = [
    "fanout", "errors", "timeouts", "background", "racing", "completion", "workers",
    "rate_limit", "retry", "pool", "generators", "offload", "fetch",
]  # fmt: skip
# Which module registers each exercise's scenarios; a worker imports only the one it runs.
MODULES = {
    "fanout": "tasks_bench", "errors": "tasks_bench", "timeouts": "tasks_bench",
    "background": "tasks_bench", "racing": "tasks_bench", "completion": "tasks_bench",
    "workers": "workers_bench", "rate_limit": "rate_limit_bench", "retry": "retry_pool_bench",
    "pool": "retry_pool_bench", "generators": "generators_bench", "offload": "generators_bench",
    "fetch": "fetch_bench",
}  # fmt: skip


def load(exercises: list[str] = EXERCISES) -> list[Scenario]:
    """Import the modules that register these exercises; return their scenarios in order."""
    for exercise in exercises:
        importlib.import_module(f"bench.{MODULES[exercise]}")
    return [s for exercise in exercises for s in SCENARIOS if s.exercise == exercise]


def scenario(
    exercise: str,
    name: str,
    *,
    unit: str,
    size: int,
    quick_size: int,
    clock: str = "wall",
    tiny_size: int = 20,
) -> Callable[[Callable[[Target, int], dict[str, Workload]]], Scenario]:
    """Register a scenario; its variants are built per target and size."""

    def register(variants: Callable[[Target, int], dict[str, Workload]]) -> Scenario:
        made = Scenario(exercise, name, unit, size, quick_size, variants, clock, tiny_size)
        SCENARIOS.append(made)
        return made

    return register


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


def checkpoint_for(package: str) -> Callable[[], Awaitable[None]]:
    """One yield to the scheduler, in the package's own dialect."""
    if package == "asyncio_impl":
        return lambda: asyncio.sleep(0)
    if package == "trio_impl":
        import trio

        return trio.lowlevel.checkpoint
    return anyio.lowlevel.checkpoint
