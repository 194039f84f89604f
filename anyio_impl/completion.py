"""Results as they complete, in a block that owns the tasks.

Sample use::

    >>> from functools import partial
    >>> async def after(steps, value):
    ...     for _ in range(steps):
    ...         await anyio.sleep(0)
    ...     return value
    >>> async def main():
    ...     fns = [partial(after, 3, "slow"), partial(after, 1, "fast")]
    ...     async with completed(fns) as results:
    ...         return [pair async for pair in results]
    >>> anyio.run(main)
    [(1, 'fast'), (0, 'slow')]

``completed`` is an async context manager around a task group and a memory
object stream: each child sends ``(index, result)`` when done, and the last
one closes the send stream, so the receive stream ends exactly when the last
child has finished.  (Not a clone per child, closed as each ends: a failing
child would close its clone too, and if it was the last, the reader would
see the stream end before the failure reached it.)  Leaving the block cancels the group's
scope: what is still running is cancelled and waited for, on both backends.

anyio 4.16 ships the same thing as ``anyio.as_completed(*awaitables)``: a
task group and a memory object stream, cancelled on exit.  It takes
awaitables rather than callables, yields ``TaskHandle`` objects rather than
``(index, result)`` pairs, and refuses an empty input.  A bare async
generator cannot give this guarantee: its consumer may abandon it at any
``yield`` (PEP 789), hence the context manager.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterable
from typing import TypeVar

import anyio

from sansio.validate import check_callables

from ._tasks import call_child

__all__ = ["completed"]

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
    send, receive = anyio.create_memory_object_stream[tuple[int, T]](math.inf)

    running = len(fns)

    async def run_one(index: int, fn: Callable[[], Awaitable[T]]) -> None:
        nonlocal running
        send.send_nowait((index, await call_child(fn)))
        running -= 1
        if not running:  # the last result is in: the reader's loop ends after it
            send.close()

    # Only the last success closes the send side: a failure leaves it open, so
    # the reader is cancelled with the rest and never sees a false end.  Plain
    # ``with``s: trio's ``aclose()`` is a checkpoint, where a cancellation could
    # replace the error this block carries (trio#1559).
    with send, receive:
        async with anyio.create_task_group() as group:
            for index, fn in enumerate(fns):
                group.start_soon(run_one, index, fn)
            if not fns:
                send.close()
            yield receive
            group.cancel_scope.cancel()  # the block was left early: nobody will read the rest
