"""A queue-based worker pool: one lazy producer, ``workers`` consumers, results in order.

Sample use::

    >>> async def double(n):
    ...     await trio.sleep(0)
    ...     return 2 * n
    >>> async def main():
    ...     return await process(range(5), double, workers=2)
    >>> trio.run(main)
    [0, 2, 4, 6, 8]

The queue is a memory channel of ``queue_size``.  The producer owns the
send side and closes it when the input is exhausted (``with send``); the
workers share the receive side and stop when the channel is closed and
drained.  No sentinels and no ``join()``: closing is the signal, and a
handler failure cancels the nursery, so nothing can wait forever on a
``task_done()`` that never comes.  (The classic hang in this pattern is a
send clone that is never closed; here there is exactly one, closed by
``with`` whatever happens.)  No worker closes the receive side either: a
failing worker that did would break the producer's pending ``send()``, and a
``BrokenResourceError`` would join the handler's error.

The producer starts a worker with each of the first ``workers`` items, so a
generous ``workers`` costs nothing for a short input.

Backpressure: an item is taken from ``items`` only when the producer is
about to send it, so at most ``workers`` (being handled) + ``queue_size`` (in
the channel) + 1 (held by the producer while it waits for room) items are
out of the iterator at once, however long the input.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from typing import Any, TypeVar

import trio

from sansio.iterables import check_items, iterate
from sansio.validate import check_callable, check_count

from ._tasks import call_child

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
    """Feed ``items`` through a bounded channel to ``workers`` tasks running ``handler``.

    Args:
        items: an iterable or async iterable, read lazily by one producer.
        handler: awaited once per item by a worker.
        workers: how many items are handled at once.
        queue_size: the channel's buffer; default ``workers``.

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
    send, receive = trio.open_memory_channel[tuple[int, Item]](queue_size)

    async def produce() -> None:
        # A plain ``with``: trio's ``aclose()`` is a checkpoint, where a
        # cancellation could replace the error this block carries (trio#1559).
        with send:
            # aclosing: when the producer is cancelled, the input is closed
            # now, not later by the garbage collector in some other task.
            async with contextlib.aclosing(iterate(items)) as stream:
                async for item in stream:
                    if len(results) < workers:  # never more workers than items taken
                        nursery.start_soon(work)
                    results.append(None)
                    await send.send((len(results) - 1, item))

    async def work() -> None:
        async for index, item in receive:
            results[index] = await call_child(handler, item)

    with receive:  # shared by the workers: it closes once they have all finished
        async with trio.open_nursery() as nursery:
            nursery.start_soon(call_child, produce)  # the input is user code too
    return results
