"""Results as they complete, in a block that owns the tasks.

Sample use::

    >>> from functools import partial
    >>> async def after(steps, value):
    ...     for _ in range(steps):
    ...         await asyncio.sleep(0)
    ...     return value
    >>> async def main():
    ...     fns = [partial(after, 3, "slow"), partial(after, 1, "fast")]
    ...     async with completed(fns) as results:
    ...         return [pair async for pair in results]
    >>> asyncio.run(main())
    [(1, 'fast'), (0, 'slow')]

``asyncio.as_completed`` (the lesson's version) hands out results in
completion order, but it owns nothing: break out of the loop and the
remaining tasks keep running, unobserved (CPython issue 99933);
``as_completed_leaky`` keeps that version for the tests to show.  Fixing it
takes a scope that outlives the loop: ``completed`` is an async context
manager around a ``TaskGroup`` and a ``Queue``; leaving the block cancels
what is still running and waits for it.

The pattern is trio's (a nursery and a memory channel) and anyio 4.16's own
``anyio.as_completed`` (a task group and a memory object stream, yielding
``TaskHandle`` objects rather than ``(index, result)`` pairs, and refusing
an empty input).  A bare async generator cannot give this guarantee: its
consumer may abandon it at any ``yield`` (PEP 789), hence the context manager.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterable
from typing import TypeVar

from sansio.validate import check_callables

from ._tasks import call_child, spawn

__all__ = ["completed", "as_completed_leaky"]

T = TypeVar("T")


def completed(
    fns: Iterable[Callable[[], Awaitable[T]]],
) -> contextlib.AbstractAsyncContextManager[AsyncIterator[tuple[int, T]]]:
    """Start every callable; iterate ``(index, result)`` pairs as they finish.

    Usage::

        async with completed(fns) as results:
            async for index, result in results:
                ...

    Every callable starts on entering the block.  The iterator ends when all
    have finished.

    Raises:
        ExceptionGroup: a callable failed (the rest were cancelled), or the
            block raised; it comes out of the ``async with``.
        TypeError: a non-callable in ``fns``.

    Leaving the block early cancels the unfinished callables and waits for
    them.  Cancelling the caller does the same.
    """
    return _completed(check_callables("fns", fns))  # bad input fails here, at call time


@contextlib.asynccontextmanager
async def _completed(
    fns: list[Callable[[], Awaitable[T]]],
) -> AsyncGenerator[AsyncIterator[tuple[int, T]], None]:
    # Unbounded: a finished child never waits for the reader; at most len(fns) items.
    finished: asyncio.Queue[tuple[int, T]] = asyncio.Queue()

    async def run_one(index: int, fn: Callable[[], Awaitable[T]]) -> None:
        finished.put_nowait((index, await call_child(fn)))

    results = _Results(finished, len(fns))
    async with asyncio.TaskGroup() as group:
        tasks = [await spawn(group, run_one, index, fn) for index, fn in enumerate(fns)]
        try:
            yield results
        finally:
            results.close()
        for task in tasks:  # the block was left early: nobody will read the rest
            task.cancel()


class _Results(AsyncIterator[tuple[int, T]]):
    """Reads the queue until every task has reported.

    A class, not an async generator: a generator abandoned by a ``break``
    stays suspended until the garbage collector closes it.
    """

    def __init__(self, finished: asyncio.Queue[tuple[int, T]], count: int) -> None:
        self._finished = finished
        self._left = count

    def close(self) -> None:
        self._left = 0

    async def __anext__(self) -> tuple[int, T]:
        if not self._left:
            raise StopAsyncIteration
        pair = await self._finished.get()
        self._left -= 1
        return pair


async def as_completed_leaky(
    fns: Iterable[Callable[[], Awaitable[T]]],
) -> AsyncGenerator[tuple[int, T], None]:
    """The lesson's ``asyncio.as_completed`` loop, as an async generator.

    Kept to show what goes wrong: leaving the loop early (``break``, an
    exception, a cancelled consumer) leaves the remaining tasks running, and
    a failure leaves the siblings running too.  Use ``completed`` instead.
    """
    fns = check_callables("fns", fns)

    async def indexed(index: int, fn: Callable[[], Awaitable[T]]) -> tuple[int, T]:
        return index, await fn()

    for next_done in asyncio.as_completed([indexed(i, fn) for i, fn in enumerate(fns)]):
        yield await next_done
