"""Small runs of the exercises, on virtual time, to draw as task timelines.

Each scenario is an async function that takes the target's exercise module
(``target.module("workers")``) and drives it the way a user would.  The
callables it hands the exercise sleep with ``anyio.sleep``, which runs on
either backend, and every duration is a sum of binary fractions (0.25,
0.5...), so that times add up exactly and no two things the scenario means
to happen one after the other fall due in the same instant: the trace is
then the same on every run, even under trio's deliberately random order of
the tasks that are runnable at once.  Where several tasks must queue in a
known order, they arrive a little apart.

Nothing here reads the wall clock: on virtual time a scenario of seconds
takes milliseconds.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from functools import partial
from types import ModuleType
from typing import Any

import anyio

Run = Callable[[ModuleType], Coroutine[Any, Any, object]]


@dataclass(frozen=True)
class Scenario:
    name: str
    exercise: str  # the module it drives
    run: Run
    about: str


SCENARIOS: dict[str, Scenario] = {}


def scenario(exercise: str, about: str) -> Callable[[Run], Scenario]:
    def register(run: Run) -> Scenario:
        made = Scenario(run.__name__, exercise, run, about)
        SCENARIOS[made.name] = made
        return made

    return register


def _fanout(module: ModuleType) -> ModuleType:
    """The same target's ``fanout``, for a scenario that needs several tasks of its own."""
    return importlib.import_module(f"{module.__package__}.fanout")


class Boom(Exception):
    """The failure a scenario plants."""


@scenario("workers", "workers.process: 6 items, 2 workers, a handler that takes 1 s")
async def workers(module: ModuleType) -> object:
    async def handle(item: int) -> int:
        await anyio.sleep(1)
        return item

    return await module.process(range(6), handle, workers=2)


FAILING_CHILD = 2  # counted from 1, as the rows are
FAILURE_TIME = 1.0


@scenario("fanout", "fanout.run_all of 4 children; child 2 fails at 1 s, the others are cancelled")
async def fanout(module: ModuleType) -> object:
    async def child(number: int) -> int:
        if number == FAILING_CHILD:
            await anyio.sleep(FAILURE_TIME)
            raise Boom(f"child {number}")
        await anyio.sleep(FAILURE_TIME + number)
        return number

    return await module.run_all([partial(child, number) for number in range(1, 5)])


@scenario(
    "racing", "racing.staggered_race, delay 1 s: hangs, then refused at 1.5 s, then wins at 2 s"
)
async def racing(module: ModuleType) -> object:
    async def hangs() -> str:
        await anyio.sleep(10)
        return "too late"

    async def refused() -> str:
        await anyio.sleep(0.5)
        raise ConnectionRefusedError("port 443")

    async def answers() -> str:
        await anyio.sleep(0.5)
        return "connected"

    return await module.staggered_race([hangs, refused, answers], delay=1)


@scenario(
    "rate_limit", "rate_limit.RateLimiter(2, burst=1): 5 tasks acquire, arriving 0.125 s apart"
)
async def rate_limit(module: ModuleType) -> object:
    limiter = module.RateLimiter(2, burst=1)

    async def acquire(number: int) -> None:
        await anyio.sleep(0.125 * number)  # arrive in this order: the line is FIFO
        async with limiter:
            pass

    return await _fanout(module).run_all([partial(acquire, number) for number in range(5)])


@scenario("pool", "pool.Pool(max_size=2): 4 users 0.125 s apart hold a connection for 1 s")
async def pool(module: ModuleType) -> object:
    async def connect() -> str:
        await anyio.sleep(0.25)
        return "connection"

    async def disconnect(connection: str) -> None:
        await anyio.sleep(0.125)

    async with module.Pool(connect, max_size=2, close=disconnect) as connections:

        async def use(number: int) -> None:
            await anyio.sleep(0.125 * number)  # arrive in this order: waiters are served FIFO
            async with connections.acquire():
                await anyio.sleep(1)

        return await _fanout(module).run_all([partial(use, number) for number in range(4)])


@scenario("generators", "generators.batched(size=3, max_wait=0.75 s) over a source that slows down")
async def batched(module: ModuleType) -> object:
    async def source() -> AsyncIterator[int]:
        for item, delay in enumerate([0.25, 0.25, 0.25, 0.5, 0.5, 0.5, 0.5]):
            await anyio.sleep(delay)
            yield item

    batches: list[list[int]] = []
    async with module.batched(source(), size=3, max_wait=0.75) as stream:
        async for batch in stream:
            batches.append(batch)
            await anyio.sleep(0.25)  # handling a batch
    return batches
