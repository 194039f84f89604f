"""A queue-based worker pool: one lazy producer, ``workers`` consumers, results in order.

Sample use::

    >>> async def double(n):
    ...     await asyncio.sleep(0)
    ...     return 2 * n
    >>> async def main():
    ...     return await process(range(5), double, workers=2)
    >>> asyncio.run(main())
    [0, 2, 4, 6, 8]

The queue is an ``asyncio.Queue(queue_size)``.  A queue cannot be closed
before Python 3.13, so the producer tells the workers it is done with one
sentinel per worker; on 3.13+ it calls ``Queue.shutdown()``, after which
``get()`` drains what is left and then raises ``QueueShutDown``
(``_queues.close`` and ``drain`` pick by version).  There is no ``join()``:
the lesson's ``queue.join()`` hangs forever when a worker dies before
``task_done()``; here a handler failure fails the ``TaskGroup``, which
cancels the producer and every worker, so nothing waits for a
``task_done()`` that never comes.

The producer starts a worker with each of the first ``workers`` items, so a
generous ``workers`` costs nothing for a short input.

Backpressure: an item is taken from ``items`` only when the producer is
about to put it, so at most ``workers`` (being handled) + ``queue_size`` (in
the queue) + 1 (held by the producer while it waits for room) items are out
of the iterator at once, however long the input.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from typing import Any, TypeVar

from sansio.iterables import check_items, iterate
from sansio.validate import check_callable, check_count

from ._queues import close, drain
from ._tasks import call_child, spawn

__all__ = ["process"]

Item = TypeVar("Item")
R = TypeVar("R")


async def process(
    items: Iterable[Item] | AsyncIterable[Item],
    handler: Callable[[Item], Awaitable[R]],
    *,
    workers: int,
    queue_size: int | None = None,
) -> list[R]:
    """Feed ``items`` through a bounded queue to ``workers`` tasks running ``handler``.

    Args:
        items: an iterable or async iterable, read lazily by one producer.
        handler: awaited once per item by a worker.
        workers: how many items are handled at once.
        queue_size: the queue's bound; default ``workers``.

    Returns:
        ``handler``'s results in input order; ``[]`` for no input.

    Raises:
        ExceptionGroup: a handler (or the input) failed; the producer and
            every worker were cancelled and have finished, and an async
            generator input was closed.
        ValueError: ``workers < 1`` or ``queue_size < 1``.
        TypeError: ``items`` is not iterable or ``handler`` not callable.

    Blocks until every item is handled.  Cancelling the caller cancels the
    producer and every worker.
    """
    check_items(items)
    check_callable("handler", handler)
    workers = check_count("workers", workers, minimum=1)
    queue_size = workers if queue_size is None else check_count("queue_size", queue_size, minimum=1)
    # One slot per item taken, filled in by whichever worker handles it.
    results: list[Any] = []
    queue: asyncio.Queue[tuple[int, Item]] = asyncio.Queue(queue_size)

    async def produce() -> None:
        # aclosing: when the producer is cancelled, the input is closed now,
        # not later by the garbage collector in some other task.
        async with contextlib.aclosing(iterate(items)) as stream:
            async for item in stream:
                if len(results) < workers:  # never more workers than items taken
                    await spawn(group, work)
                results.append(None)
                await queue.put((len(results) - 1, item))
        await close(queue, min(workers, len(results)))

    async def work() -> None:
        async for index, item in drain(queue):
            results[index] = await call_child(handler, item)

    async with asyncio.TaskGroup() as group:
        await spawn(group, call_child, produce)  # the input is user code too
    return results
