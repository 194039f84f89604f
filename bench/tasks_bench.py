"""The task-lifecycle exercises against the primitive each is built on.

fanout, errors, timeouts, background, racing and completion: each
scenario's ``raw`` variant is what a user would write by hand with the
framework's own task group, nursery, timeout or channel, in that dialect.
The difference is what the exercise's bookkeeping, checks and guarantees
cost per child, call or race.
"""

from __future__ import annotations

import asyncio
import functools
import math
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, cast

import aiometer
import anyio
import trio

from .common import OURS, RAW, Target, Workload, check, scenario, summed_calls


async def _one() -> int:
    return 1


def _sleep_forever(package: str) -> Callable[[], Awaitable[object]]:
    if package == "asyncio_impl":
        return lambda: asyncio.Event().wait()
    return trio.sleep_forever if package == "trio_impl" else anyio.sleep_forever


Child = Callable[[], Coroutine[Any, Any, None]]


async def _spawn_join(
    package: str, fn: Callable[..., Coroutine[Any, Any, None]], args: list[tuple[Any, ...]]
) -> None:
    """Start ``fn(*a)`` for each ``a`` in the package's own task group and wait for all.

    One coroutine function with arguments, as the exercises spawn: a closure
    per child would add objects for the garbage collector to the raw side only.
    """
    if package == "asyncio_impl":
        async with asyncio.TaskGroup() as group:
            for a in args:
                group.create_task(fn(*a))
    elif package == "trio_impl":
        async with trio.open_nursery() as nursery:
            for a in args:
                nursery.start_soon(fn, *a)
    else:
        async with anyio.create_task_group() as group:
            for a in args:
                group.start_soon(fn, *a)


async def _store(results: list[object], index: int, fn: Callable[[], Awaitable[object]]) -> None:
    results[index] = await fn()


@scenario("fanout", "run_all, no-op children", unit="child", size=10_000, quick_size=2_000)
def fanout(target: Target, size: int) -> dict[str, Workload]:
    run_all = target.module("fanout").run_all

    async def ours() -> None:
        check(await run_all([_one] * size) == [1] * size)

    async def raw() -> None:
        results: list[object] = [None] * size
        await _spawn_join(target.package, _store, [(results, i, _one) for i in range(size)])
        check(results == [1] * size)

    async def with_aiometer() -> None:
        check(sum(await aiometer.run_all([_one] * size)) == size)

    return {OURS: ours, RAW: raw, "aiometer.run_all": with_aiometer}


async def _fail_every_tenth(index: int) -> int:
    if index % 10 == 0:
        raise ValueError(index)
    return index


@scenario(
    "errors", "run_settled, one child in ten fails", unit="child", size=10_000, quick_size=2_000
)
def errors(target: Target, size: int) -> dict[str, Workload]:
    run_settled = target.module("errors").run_settled
    fns = [functools.partial(_fail_every_tenth, i) for i in range(size)]

    def check_settled(results: list[object]) -> None:
        check(len(results) == size)
        for index, result in enumerate(results):
            check(isinstance(result, ValueError) if index % 10 == 0 else result == index)

    async def ours() -> None:
        check_settled(await run_settled(fns))

    async def raw() -> None:
        results: list[object] = [None] * size
        await _spawn_join(target.package, _settle, [(results, i, fn) for i, fn in enumerate(fns)])
        check_settled(results)

    return {OURS: ours, RAW: raw}


async def _settle(results: list[object], index: int, fn: Callable[[], Awaitable[object]]) -> None:
    try:
        results[index] = await fn()
    except Exception as error:
        results[index] = error


@scenario(
    "timeouts",
    "call_with_timeout, a call that is on time",
    unit="call",
    size=10_000,
    quick_size=2_000,
)
def timeouts(target: Target, size: int) -> dict[str, Workload]:
    call_with_timeout = target.module("timeouts").call_with_timeout

    async def raw_once() -> int:
        if target.package == "asyncio_impl":
            async with asyncio.timeout(10.0):
                return await _one()
        if target.package == "trio_impl":
            with trio.fail_after(10.0):
                return await _one()
        with anyio.fail_after(10.0):
            return await _one()

    return {
        OURS: summed_calls(size, lambda: call_with_timeout(_one, 10.0)),
        RAW: summed_calls(size, raw_once),
    }


@scenario(
    "background",
    "run_after_ready, start a service and call it",
    unit="start",
    size=2_500,
    quick_size=500,
)
def background(target: Target, size: int) -> dict[str, Workload]:
    run_after_ready = target.module("background").run_after_ready
    forever = _sleep_forever(target.package)

    async def service(ready: Callable[[int], None]) -> None:
        ready(1)
        await forever()

    async def client(value: int) -> int:
        return value

    async def raw_once() -> int:
        if target.package == "asyncio_impl":
            started = asyncio.Event()
            async with asyncio.TaskGroup() as group:
                served = group.create_task(service(lambda _: started.set()))
                await started.wait()
                result = await client(1)
                served.cancel()
            return result

        async def native(*, task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED) -> None:
            await service(task_status.started)

        if target.package == "trio_impl":
            async with trio.open_nursery() as nursery:
                result = await client(await nursery.start(native))
                nursery.cancel_scope.cancel()
            return result
        async with anyio.create_task_group() as task_group:
            result = await client(await task_group.start(native))
            task_group.cancel_scope.cancel()
        return result

    return {
        OURS: summed_calls(size, lambda: run_after_ready(service, client)),
        RAW: summed_calls(size, raw_once),
    }


RACERS = 10


@scenario(
    "racing",
    f"first_completed, {RACERS} racers, one finishes",
    unit="race",
    size=1_000,
    quick_size=200,
)
def racing(target: Target, size: int) -> dict[str, Workload]:
    first_completed = target.module("racing").first_completed
    forever = _sleep_forever(target.package)
    racers: list[Callable[[], Awaitable[object]]] = [_one, *[forever] * (RACERS - 1)]

    async def raw_once() -> int:
        if target.package == "asyncio_impl":
            tasks = [asyncio.ensure_future(racer()) for racer in racers]
            done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
            await asyncio.wait(pending)  # the losers must be gone before we return
            return cast(int, next(iter(done)).result())  # the one racer that returns: _one
        winner: list[Any] = []

        def racer_of(
            fn: Callable[[], Awaitable[object]], scope: anyio.CancelScope | trio.CancelScope
        ) -> Child:
            async def run() -> None:
                winner.append(await fn())
                scope.cancel()

            return run

        if target.package == "trio_impl":
            async with trio.open_nursery() as nursery:
                for racer in racers:
                    nursery.start_soon(racer_of(racer, nursery.cancel_scope))
        else:
            async with anyio.create_task_group() as group:
                for racer in racers:
                    group.start_soon(racer_of(racer, group.cancel_scope))
        return cast(int, winner[0])

    return {
        OURS: summed_calls(size, lambda: first_completed(racers)),
        RAW: summed_calls(size, raw_once),
    }


@scenario(
    "completion",
    "completed, iterate no-op children as they finish",
    unit="child",
    size=10_000,
    quick_size=2_000,
)
def completion(target: Target, size: int) -> dict[str, Workload]:
    completed = target.module("completion").completed
    expected = size * (size - 1) // 2

    async def ours() -> None:
        total = 0
        async with completed([_one] * size) as results:
            async for index, value in results:
                total += index * value
        check(total == expected)

    async def raw() -> None:
        total = 0
        if target.package == "asyncio_impl":
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(_indexed(i)) for i in range(size)]
                for next_done in asyncio.as_completed(tasks):
                    index, value = await next_done
                    total += index * value
        else:
            send, receive = _channel(target.package, size)

            async def collect() -> None:
                nonlocal total
                async with receive:
                    async for index, value in receive:
                        total += index * value

            async def produce() -> None:
                async with send:
                    await _spawn_join(
                        target.package, _send_indexed, [(send, i) for i in range(size)]
                    )

            await _spawn_join(target.package, _call, [(produce,), (collect,)])
        check(total == expected)

    return {OURS: ours, RAW: raw}


async def _indexed(index: int) -> tuple[int, int]:
    return index, await _one()


async def _send_indexed(send: Any, index: int) -> None:
    await send.send(await _indexed(index))


async def _call(fn: Callable[[], Awaitable[None]]) -> None:
    await fn()


def _channel(package: str, size: int) -> tuple[Any, Any]:
    """A (send, receive) pair: a trio memory channel, or an anyio memory object stream."""
    if package == "trio_impl":
        return trio.open_memory_channel[tuple[int, int]](math.inf)
    return anyio.create_memory_object_stream[tuple[int, int]](size)
