"""The task-lifecycle exercises against the primitive each is built on.

fanout, background, racing, completion, errors and timeouts: each
scenario's ``raw`` variant is what a user would write by hand with the
framework's own task group, nursery, timeout or channel, in that dialect
(``bench.dialects``).  The difference is what the exercise's bookkeeping,
checks and guarantees cost per child, call or race.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

import aiometer

from tools.registry import Target

from .common import OURS, RAW, Variants, check, scenario, summed_calls
from .dialects import DIALECTS


async def _one() -> int:
    return 1


async def _store(results: list[object], index: int, fn: Callable[[], Awaitable[object]]) -> None:
    results[index] = await fn()


@scenario("fanout", "run_all, no-op children", unit="child", size=10_000, quick_size=2_000)
def fanout(target: Target, size: int) -> Variants:
    run_all = target.module("fanout").run_all
    dialect = DIALECTS[target.package]

    async def ours() -> None:
        check(await run_all([_one] * size) == [1] * size)

    async def raw() -> None:
        results: list[object] = [None] * size
        await dialect.spawn_join(_store, [(results, i, _one) for i in range(size)])
        check(results == [1] * size)

    async def with_aiometer() -> None:
        check(sum(await aiometer.run_all([_one] * size)) == size)

    return {OURS: ours, RAW: raw, "aiometer.run_all": with_aiometer}


@scenario(
    "background",
    "run_after_ready, start a service and call it",
    unit="start",
    size=2_500,
    quick_size=500,
)
def background(target: Target, size: int) -> Variants:
    run_after_ready = target.module("background").run_after_ready
    dialect = DIALECTS[target.package]

    async def service(ready: Callable[[int], None]) -> None:
        ready(1)
        await dialect.sleep_forever()

    async def client(value: int) -> int:
        return value

    return {
        OURS: summed_calls(size, lambda: run_after_ready(service, client)),
        RAW: summed_calls(size, lambda: dialect.start_then_call(service, client)),
    }


RACERS = 10


@scenario(
    "racing",
    f"first_completed, {RACERS} racers, one finishes",
    unit="race",
    size=1_000,
    quick_size=200,
)
def racing(target: Target, size: int) -> Variants:
    first_completed = target.module("racing").first_completed
    dialect = DIALECTS[target.package]
    racers: list[Callable[[], Awaitable[int]]] = [_one]

    async def never() -> int:
        await dialect.sleep_forever()
        raise AssertionError("unreachable: a loser was not cancelled")

    racers += [never] * (RACERS - 1)
    return {
        OURS: summed_calls(size, lambda: first_completed(racers)),
        RAW: summed_calls(size, lambda: dialect.first_of(racers)),
    }


@scenario(
    "completion",
    "completed, iterate no-op children as they finish",
    unit="child",
    size=10_000,
    quick_size=2_000,
)
def completion(target: Target, size: int) -> Variants:
    completed = target.module("completion").completed
    dialect = DIALECTS[target.package]
    expected = size * (size - 1) // 2

    async def ours() -> None:
        total = 0
        async with completed([_one] * size) as results:
            async for index, value in results:
                total += index * value
        check(total == expected)

    async def raw() -> None:
        pairs = await dialect.completed([_one] * size)
        check(sum(index * value for index, value in pairs) == expected)

    return {OURS: ours, RAW: raw}


async def _fail_every_tenth(index: int) -> int:
    if index % 10 == 0:
        raise ValueError(index)
    return index


async def _settle(results: list[object], index: int, fn: Callable[[], Awaitable[object]]) -> None:
    try:
        results[index] = await fn()
    except Exception as error:
        results[index] = error


@scenario(
    "errors", "run_settled, one child in ten fails", unit="child", size=10_000, quick_size=2_000
)
def errors(target: Target, size: int) -> Variants:
    run_settled = target.module("errors").run_settled
    dialect = DIALECTS[target.package]
    fns = [functools.partial(_fail_every_tenth, i) for i in range(size)]

    def check_settled(results: list[object]) -> None:
        check(len(results) == size)
        for index, result in enumerate(results):
            check(isinstance(result, ValueError) if index % 10 == 0 else result == index)

    async def ours() -> None:
        check_settled(await run_settled(fns))

    async def raw() -> None:
        results: list[object] = [None] * size
        await dialect.spawn_join(_settle, [(results, i, fn) for i, fn in enumerate(fns)])
        check_settled(results)

    return {OURS: ours, RAW: raw}


@scenario(
    "timeouts",
    "call_with_timeout, a call that is on time",
    unit="call",
    size=10_000,
    quick_size=2_000,
)
def timeouts(target: Target, size: int) -> Variants:
    call_with_timeout = target.module("timeouts").call_with_timeout
    dialect = DIALECTS[target.package]
    return {
        OURS: summed_calls(size, lambda: call_with_timeout(_one, 10.0)),
        RAW: summed_calls(size, lambda: dialect.call_with_deadline(_one, 10.0)),
    }
