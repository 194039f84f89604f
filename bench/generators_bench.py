"""The generator and offload exercises against hand-written pipelines and the framework's own calls.

generators: ``batched`` runs a background reader and a channel so that a
slow source cannot stall the consumer (and vice versa); its ``raw`` variant
is the plain async-generator pipeline a user would write first, with none
of that, which is what those guarantees cost.  ``merged`` is concurrent by
contract, so its ``raw`` variant is a concurrent merge written by hand (a
task per source feeding one channel or queue), and its peer is aiostream's
``stream.merge``, which starts asyncio tasks and so runs on asyncio only.
``ticker`` is not measured: it sleeps by design.

offload: ``run_blocking`` against the framework's own ``to_thread``;
``run_in_process`` against a warm process pool (asyncio's
``ProcessPoolExecutor``, trio-parallel, anyio's ``to_process``); one untimed
call first warms every side's pool.  On asyncio the exercise starts a
process per call so that cancellation can kill it, which is what that
guarantee costs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiostream import stream

from tools.registry import Target

from ._offloaded import square
from .common import OURS, RAW, Variants, Warmed, Workload, asyncio_only, check, scenario
from .dialects import DIALECTS

BATCH = 100


async def _numbers(
    count: int, pause: Callable[[], Awaitable[None]] | None = None
) -> AsyncIterator[int]:
    """0..count-1; ``pause`` is awaited before each item, as a source doing I/O would."""
    for item in range(count):
        if pause is not None:
            await pause()
        yield item


async def _plain_batches(source: AsyncIterator[int], size: int) -> AsyncIterator[list[int]]:
    batch: list[int] = []
    async for item in source:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _batched_variants(
    target: Target, size: int, pause: Callable[[], Awaitable[None]] | None
) -> Variants:
    batch_of = target.module("generators").batched
    expected = size * (size - 1) // 2

    async def ours() -> None:
        total = 0
        async with batch_of(_numbers(size, pause), size=BATCH, max_wait=1.0) as batches:
            async for batch in batches:
                total += sum(batch)
        check(total == expected)

    async def raw() -> None:
        total = 0
        async for batch in _plain_batches(_numbers(size, pause), BATCH):
            total += sum(batch)
        check(total == expected)

    return {OURS: ours, RAW: raw}


@scenario("generators", f"batched, batches of {BATCH}", unit="item", size=25_000, quick_size=5_000)
def batched(target: Target, size: int) -> Variants:
    return _batched_variants(target, size, None)


@scenario(
    "generators",
    f"batched, batches of {BATCH}, source checkpoints per item",
    unit="item",
    size=10_000,
    quick_size=2_000,
)
def batched_io(target: Target, size: int) -> Variants:
    return _batched_variants(target, size, DIALECTS[target.package].checkpoint)


@scenario("generators", "merged, two sources", unit="item", size=25_000, quick_size=5_000)
def merged(target: Target, size: int) -> Variants:
    merge = target.module("generators").merged
    dialect = DIALECTS[target.package]
    half = size // 2
    expected = 2 * (half * (half - 1) // 2)

    async def ours() -> None:
        total = 0
        async with merge(_numbers(half), _numbers(half)) as items:
            async for item in items:
                total += item
        check(total == expected)

    async def raw() -> None:
        check(sum(await dialect.merged([_numbers(half), _numbers(half)])) == expected)

    async def with_aiostream() -> None:
        total = 0
        async with stream.merge(_numbers(half), _numbers(half)).stream() as items:
            async for item in items:
                total += item
        check(total == expected)

    return {
        OURS: ours,
        RAW: raw,
        "aiostream.merge": asyncio_only(
            target, with_aiostream, "aiostream starts asyncio tasks: it runs on asyncio only"
        ),
    }


@scenario("generators", f"paginate, pages of {BATCH}", unit="item", size=25_000, quick_size=5_000)
def paginate(target: Target, size: int) -> Variants:
    pages_of = target.module("generators").paginate
    expected = size * (size - 1) // 2

    async def fetch_page(cursor: int | None) -> tuple[list[int], int | None]:
        start = cursor or 0
        end = min(start + BATCH, size)
        return list(range(start, end)), (end if end < size else None)

    async def plain() -> AsyncIterator[int]:
        cursor: int | None = None
        while True:
            items, cursor = await fetch_page(cursor)
            for item in items:
                yield item
            if cursor is None:
                return

    async def summing(items: AsyncIterator[int]) -> None:
        total = 0
        async for item in items:
            total += item
        check(total == expected)

    return {OURS: lambda: summing(pages_of(fetch_page)), RAW: lambda: summing(plain())}


@scenario(
    "offload",
    "run_blocking, a trivial function in a thread",
    unit="call",
    size=1_000,
    quick_size=200,
)
def run_blocking(target: Target, size: int) -> Variants:
    ours_call = target.module("offload").run_blocking
    raw_call = DIALECTS[target.package].to_thread
    return {OURS: _offloaded(size, ours_call), RAW: _offloaded(size, raw_call)}


@scenario(
    "offload", "run_in_process, a trivial function", unit="call", size=10, quick_size=3, tiny_size=2
)
def run_in_process(target: Target, size: int) -> Variants:
    ours_call = target.module("offload").run_in_process
    raw_call = DIALECTS[target.package].to_process
    return {OURS: _offloaded(size, ours_call), RAW: _offloaded(size, raw_call)}


def _offloaded(size: int, call: Callable[..., Awaitable[Any]]) -> Workload:
    async def run() -> None:
        total = 0
        for value in range(size):
            result = await call(square, value)
            total += result
        check(total == sum(v * v for v in range(size)))

    async def warm_up() -> None:
        check(await call(square, 3) == 9)

    # A warm pool on every side: anyio keeps its workers per event loop, and
    # each timed run is a new loop.
    return Warmed(run, warm_up)
