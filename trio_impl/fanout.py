"""Concurrent execution: run many async callables, collect results in order.

Sample use::

    >>> from functools import partial
    >>> async def double(n):
    ...     await trio.sleep(0)
    ...     return 2 * n
    >>> async def main():
    ...     return await run_all([partial(double, n) for n in range(5)], limit=2)
    >>> trio.run(main)
    [0, 2, 4, 6, 8]

``run_all`` opens a nursery, which gives the structured guarantees natively:
the first failure cancels the siblings, the nursery waits for all of them,
and every failure comes out in one ``ExceptionGroup`` (trio's
``strict_exception_groups``, the default since 0.25).

trio schedules newly spawned tasks in no fixed order, on purpose, so the
children themselves cannot be trusted to queue on a limiter in input order:
the parent takes the slot before it spawns.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

import trio

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
    slots = trio.Semaphore(limit) if limit is not None else None

    async def run_one(index: int, fn: Callable[[], Awaitable[T]]) -> None:
        results[index] = await call_child(fn)
        # Only a success frees its slot: after a failure no new child may
        # start before the cancellation reaches the parent.
        if slots is not None:
            slots.release()

    async with trio.open_nursery() as nursery:
        for index, fn in enumerate(fns):
            if slots is not None:
                await slots.acquire()
                # A sibling may have failed as this slot freed: start nothing then.
                await trio.lowlevel.checkpoint_if_cancelled()
            nursery.start_soon(run_one, index, fn)
    return [results[index] for index in range(len(fns))]
