"""Concurrent execution: run many async callables, collect results in order.

Sample use::

    >>> from functools import partial
    >>> async def double(n):
    ...     await anyio.sleep(0)
    ...     return 2 * n
    >>> async def main():
    ...     return await run_all([partial(double, n) for n in range(5)], limit=2)
    >>> anyio.run(main)
    [0, 2, 4, 6, 8]

``run_all`` opens a task group, which gives the structured guarantees on
both backends: the first failure cancels the siblings, the group waits for
all of them, and every failure comes out in one ``ExceptionGroup``.

anyio 4.16 also ships ``anyio.gather(*coros)`` and ``anyio.amap(func, args)``.
They are a task group underneath (``create_task`` and a ``TaskHandle`` per
child), so they give the same guarantees: a failure comes out as an
``ExceptionGroup`` and cancels the rest.  They take coroutine objects
instead of callables and have no concurrency limit, so ``run_all`` spells the
task group out, with the limit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

import anyio
import anyio.lowlevel

from sansio.validate import check_callables, check_count

from ._tasks import call_child

__all__ = ["run_all"]

T = TypeVar("T")


async def run_all(
    fns: Iterable[Callable[[], Awaitable[T]]],
    *,
    limit: int | None = None,
) -> list[T]:
    """Run every callable concurrently and return their results in input order.

    Args:
        fns: zero-argument async callables.
        limit: at most this many run at once; they start in input order as
            slots free.  ``None``: no limit.

    Returns:
        The results, in the order of ``fns``; ``[]`` for no input.

    Raises:
        ExceptionGroup: every child failure, after the first one cancelled
            the siblings and all of them finished.
        ValueError: ``limit < 1``.
        TypeError: a non-callable in ``fns``.

    Blocks until every child has finished.  Cancelling the caller cancels
    every child and waits for them before the cancellation propagates.
    """
    fns = check_callables("fns", fns)
    if limit is not None:
        check_count("limit", limit, minimum=1)
    results: dict[int, T] = {}
    # The parent takes a slot before it spawns, so children start in input
    # order and no more than ``limit`` tasks ever exist.
    slots = anyio.Semaphore(limit) if limit is not None else None

    async def run_one(index: int, fn: Callable[[], Awaitable[T]]) -> None:
        results[index] = await call_child(fn)
        # Only a success frees its slot: after a failure no new child may
        # start before the cancellation reaches the parent.
        if slots is not None:
            slots.release()

    async with anyio.create_task_group() as group:
        for index, fn in enumerate(fns):
            if slots is not None:
                await slots.acquire()
                # A sibling may have failed as this slot freed: start nothing
                # then.  A full checkpoint, since on asyncio the task group
                # learns of the failure from a callback that may not have run yet.
                await anyio.lowlevel.checkpoint()
            group.start_soon(run_one, index, fn)
    return [results[index] for index in range(len(fns))]
