"""Concurrent execution: run many async callables, collect results in order.

Sample use::

    >>> from functools import partial
    >>> async def double(n):
    ...     await asyncio.sleep(0)
    ...     return 2 * n
    >>> async def main():
    ...     return await run_all([partial(double, n) for n in range(5)], limit=2)
    >>> asyncio.run(main())
    [0, 2, 4, 6, 8]

``run_all`` uses ``asyncio.TaskGroup`` (3.11+), which gives the structured
guarantees natively: the first failure cancels the siblings, the group waits
for all of them, and every failure comes out in one ``ExceptionGroup``.  But
the loop that spawns the children must stop at a failure by itself: the
group hears of it from a callback one loop step late, and under the eager
task factory (3.12+) a child can fail inside ``create_task``
(``_tasks.spawn``).

``run_all_gather`` keeps the same contract on ``asyncio.gather``, which gives
none of that: on the first failure gather returns at once and leaves the
siblings running (orphans), it reports only the first error and silently
marks the others retrieved.  The extra lines in it are the price.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from sansio.validate import check_callables, check_count

from ._tasks import call_child, cancel_and_wait, spawn

__all__ = ["run_all", "run_all_gather"]

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
    slots = asyncio.Semaphore(limit) if limit is not None else None

    async def run_one(index: int, fn: Callable[[], Awaitable[T]]) -> None:
        results[index] = await call_child(fn)
        # Only a success frees its slot: after a failure no new child may
        # start before the cancellation reaches the parent.
        if slots is not None:
            slots.release()

    async with asyncio.TaskGroup() as group:
        for index, fn in enumerate(fns):
            if slots is not None:
                await slots.acquire()
                # A sibling may have failed as this slot freed: start nothing
                # then.  A turn of the loop, since the group learns of the
                # failure from a callback that may not have run yet.
                await asyncio.sleep(0)
            await spawn(group, run_one, index, fn)
    return [results[index] for index in range(len(fns))]


async def run_all_gather(
    fns: Iterable[Callable[[], Awaitable[T]]],
    *,
    limit: int | None = None,
) -> list[T]:
    """``run_all`` built on ``asyncio.gather``: same contract, by hand.

    Args, Returns, Raises and cancellation: as ``run_all``.  Every child is
    a task from the start (gather needs them all up front), so with a
    ``limit`` the waiting ones queue on a FIFO semaphore in input order.
    """
    fns = check_callables("fns", fns)
    if limit is not None:
        check_count("limit", limit, minimum=1)
    slots = asyncio.Semaphore(limit) if limit is not None else None

    failed = False

    async def run_one(fn: Callable[[], Awaitable[T]]) -> T:
        nonlocal failed
        if slots is not None:
            await slots.acquire()
            if failed:  # a sibling failed as this slot freed: gather won't stop us
                raise asyncio.CancelledError
        try:
            result = await call_child(fn)
        except BaseException:
            failed = True
            raise
        if slots is not None:
            slots.release()  # as in run_all: a failure keeps its slot
        return result

    tasks = [asyncio.create_task(run_one(fn)) for fn in fns]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        # gather returned early and left the siblings running: cancel them
        # and wait for every one, as TaskGroup would.
        caller_cancelled = await cancel_and_wait(tasks)
        failures = [
            error
            for task in tasks
            if not task.cancelled() and (error := task.exception()) is not None
        ]
        if failures:
            # gather reports the first failure only; rule 4 wants all of them.
            # Like TaskGroup, failures win over a cancellation that came meanwhile.
            raise BaseExceptionGroup("unhandled errors in run_all_gather", failures) from None
        if caller_cancelled:
            raise asyncio.CancelledError from None
        raise  # the caller's cancellation, which gather passed to every child
