"""Async iterators and generators, done safely.

Sample use::

    >>> async def fetch_page(cursor):
    ...     await asyncio.sleep(0)
    ...     page = cursor or 0
    ...     return [10 * page, 10 * page + 1], (page + 1 if page < 2 else None)
    >>> async def main():
    ...     async with batched(paginate(fetch_page), size=4, max_wait=1) as batches:
    ...         return [batch async for batch in batches]
    >>> asyncio.run(main())
    [[0, 1, 10, 11], [20, 21]]

``ticker`` and ``paginate`` are plain async generators: they start no
tasks and open no timeout around a ``yield``, so a consumer that stops
early (``aclose``, ``contextlib.aclosing``) leaves nothing behind.

``batched`` and ``merged`` must keep reading while their consumer is
suspended: a reader task per source.  A ``yield`` inside a ``TaskGroup``
or an ``asyncio.timeout`` would hand control to a consumer the scope knows
nothing about (PEP 789), so they are context managers instead: a
``TaskGroup``, bounded ``Queue`` objects and an ``asynccontextmanager``.
A queue cannot be closed before 3.13: ``batched``'s one reader closes its
queue with ``_queues.close``, and ``merged``'s readers, which share one,
each put an end marker after their last item.

A task switch costs tens of times what a plain async generator spends on
an item.  So ``batched``'s reader builds the batches itself and hands over
whole ones, and the ``max_wait`` timer is the consumer's own, in
``__anext__``: one switch per batch, not per item (see ``_Batches``).
``merged`` hands over every item as it arrives: one switch per item.

The lesson's mistake for ``batched`` is a timeout around the source's
``__anext__``: cancelling a generator mid-step kills it, so the rest of the
input is silently lost.  ``_naive_batched`` keeps that version for the
tests; here a reader task pulls the source and the timeout waits on a
queue, which loses nothing when it expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar, cast

from sansio.iterables import check_async_iterable, closing_iterator
from sansio.schedule import check_interval, next_tick
from sansio.validate import check_callable, check_count, check_number

from ._queues import QueueShutDown, close, get
from ._tasks import call_child, no_limit_as_none, spawn

__all__ = ["ticker", "paginate", "batched", "merged"]

T = TypeVar("T")
C = TypeVar("C")

_END: Any = object()  # follows each merged reader's last item: they share one queue


async def ticker(interval: float, *, count: int | None = None) -> AsyncGenerator[float, None]:
    """Yield the scheduled tick times start + k·interval, sleeping until each.

    Args:
        interval: seconds between ticks (finite, at least 1e-9).
        count: how many to yield; ``None`` for no end.

    Yields:
        Each tick's scheduled time on the loop's clock; a tick already past
        when the consumer asks again is skipped (no drift, no catching up).

    Raises:
        ValueError: ``interval`` below 1e-9 s or ``count < 0``, on the first
            iteration.

    Cancellation: a plain ``asyncio.sleep`` inside; nothing outlives it.
    """
    interval = check_interval(interval)
    if count is not None:
        count = check_count("count", count, minimum=0)
    loop = asyncio.get_running_loop()
    start = loop.time()
    tick = emitted = 0
    while count is None or emitted < count:
        tick = next_tick(start, interval, tick, loop.time())
        await asyncio.sleep(start + tick * interval - loop.time())
        yield start + tick * interval
        emitted += 1


async def paginate(
    fetch_page: Callable[[C | None], Awaitable[tuple[list[T], C | None]]],
) -> AsyncGenerator[T, None]:
    """Yield every item of every page, fetching a page only when it is needed.

    Args:
        fetch_page: ``await fetch_page(cursor)`` returns ``(items,
            next_cursor)``; the first call gets ``None``, and a
            ``next_cursor`` of ``None`` ends the iteration.

    Raises:
        TypeError: ``fetch_page`` is not callable or returns something other
            than a pair; on the first iteration.

    Closing the generator early (``aclose``) fetches nothing more;
    cancelling the consumer cancels the fetch under way, and nothing runs in
    the background.
    """
    check_callable("fetch_page", fetch_page)
    cursor: C | None = None
    while True:
        page = cast(object, await fetch_page(cursor))  # checked: callers pass anything
        if not (isinstance(page, tuple) and len(cast(tuple[object, ...], page)) == 2):
            raise TypeError(f"fetch_page must return (items, next_cursor), not {page!r}")
        items, cursor = cast(tuple[list[T], C | None], page)
        for item in items:
            yield item
        if cursor is None:
            return


def batched(
    source: AsyncIterable[T], *, size: int, max_wait: float
) -> contextlib.AbstractAsyncContextManager[AsyncIterator[list[T]]]:
    """Group the items of ``source`` into lists of at most ``size``.

    Usage: ``async with batched(source, size=100, max_wait=0.5) as batches:
    async for batch in batches: ...``

    A batch is emitted when it reaches ``size``, or ``max_wait`` seconds
    after its first item arrived, whichever is first, and at the end of the
    source; never empty.  ``source`` is read ahead of the consumer by at
    most one batch: a full batch waits until the consumer takes it.  A
    batch that falls due while the consumer is busy elsewhere is handed
    over as soon as it asks, with whatever arrived meanwhile.

    Raises:
        ExceptionGroup: ``source`` failed (the pending partial batch is
            dropped), or the block raised; out of the ``async with``.
        ValueError: ``size < 1`` or ``max_wait <= 0``, at call time.
        TypeError: ``source`` is not an async iterable, at call time.

    Leaving the block early cancels the reader and closes ``source`` if it
    is an async generator.  Cancelling the caller does the same.
    """
    check_async_iterable(source, "source")
    size = check_count("size", size, minimum=1)
    max_wait = check_number("max_wait", max_wait, exclusive=True, allow_inf=True)
    return _batched(source, size, max_wait)


@contextlib.asynccontextmanager
async def _batched(
    source: AsyncIterable[T], size: int, max_wait: float
) -> AsyncGenerator[AsyncIterator[list[T]], None]:
    full: asyncio.Queue[list[T]] = asyncio.Queue(1)
    batches = _Batches(full, size, max_wait)
    async with asyncio.TaskGroup() as group:
        # call_child: a source raising CancelledError by itself is a failure.
        reader = await spawn(group, call_child, batches.fill, source)
        yield batches
        reader.cancel()  # the block was left early: stop reading


class _Batches(AsyncIterator[list[T]]):
    """What ``batched`` yields: its reader task fills the batches, ``__anext__`` times them.

    The reader builds each batch itself and hands over only full ones, so
    the task switch is paid per batch, not per item, and it holds at most
    one batch the consumer has not taken.  The ``max_wait`` timer is the
    consumer's, around its wait in ``_receive``: when it expires, the
    partial batch is taken as it stands, and the reader, perhaps in the
    middle of the source's step, is left alone.  The reader starts that
    timer when a batch's first item arrives, without waking the consumer.
    """

    def __init__(self, full: asyncio.Queue[list[T]], size: int, max_wait: float) -> None:
        self._size = size
        self._max_wait = max_wait
        self._pending: list[T] = []  # the batch being filled
        self._due = math.inf  # when it is due: its first item's arrival + max_wait
        self._timer: asyncio.Timeout | None = None  # the consumer's, while it waits
        self._full = full  # full batches, one at a time (see fill)
        self._ended = False  # the source ended cleanly: no full batch will come

    async def fill(self, source: AsyncIterable[T]) -> None:
        """The reader task: pull ``source`` into batches; hand over each full one."""
        loop = asyncio.get_running_loop()
        async with closing_iterator(source) as items:
            async for item in items:
                pending = self._pending
                pending.append(item)
                if len(pending) == self._size:
                    await self._full.put(self._take())
                    # A Queue has no zero size: wait until the consumer has the
                    # batch, so that no more than one is read ahead.
                    await self._full.join()
                elif len(pending) == 1:
                    self._set_due(loop.time() + self._max_wait)
        self._ended = True
        await close(self._full, 1)  # wakes the consumer; a failure cancels it instead

    async def __anext__(self) -> list[T]:
        while not self._ended:
            try:
                batch = await self._receive()
            except QueueShutDown:
                break
            if batch is not None:
                return batch
            if self._pending:  # the timer expired; a cancelled get takes nothing
                return self._take()
        if self._pending:  # the source has ended: the rest
            return self._take()
        raise StopAsyncIteration

    async def _receive(self) -> list[T] | None:
        """The next full batch; ``None`` if the partial batch falls due first."""
        # A turn of the loop first: a reader that can finish its batch without
        # waiting does so.  (One is enough: asyncio runs the tasks it wakes in
        # order, unlike trio.)  A get() that need not wait then takes it even
        # if the timer is past due: a timeout fires only at a suspension.
        await asyncio.sleep(0)
        try:
            async with asyncio.timeout_at(no_limit_as_none(self._due)) as self._timer:
                batch = await get(self._full)
        except TimeoutError:
            return None
        finally:
            self._timer = None
        self._full.task_done()  # lets the reader go on
        return batch

    def _take(self) -> list[T]:
        batch, self._pending = self._pending, []
        self._set_due(math.inf)
        return batch

    def _set_due(self, due: float) -> None:
        self._due = due
        # The consumer is waiting: move its timer, unless it has just fired
        # (then it cannot move, and the consumer takes the batch as it stands).
        if self._timer is not None and not self._timer.expired():
            self._timer.reschedule(no_limit_as_none(due))


def merged(*sources: AsyncIterable[T]) -> contextlib.AbstractAsyncContextManager[AsyncIterator[T]]:
    """Iterate the items of every source as they arrive.

    Usage: ``async with merged(a, b) as items: async for item in items: ...``

    Each source's own order is kept; the iterator ends when every source is
    exhausted.

    Raises:
        ExceptionGroup: a source failed (the other readers were cancelled),
            or the block raised; out of the ``async with``.
        TypeError: a source is not an async iterable, at call time.

    Leaving the block early cancels the readers and closes every source that
    is an async generator.  Cancelling the caller does the same.
    """
    for index, source in enumerate(sources):
        check_async_iterable(source, f"sources[{index}]")
    return _merged(sources)


@contextlib.asynccontextmanager
async def _merged(sources: tuple[AsyncIterable[T], ...]) -> AsyncGenerator[AsyncIterator[T], None]:
    queue: asyncio.Queue[T] = asyncio.Queue(1)
    async with asyncio.TaskGroup() as group:
        readers = [await spawn(group, call_child, _read_into, source, queue) for source in sources]
        yield _Drain(queue, readers=len(readers))
        for reader in readers:  # the block was left early: stop the readers
            reader.cancel()


async def _read_into(source: AsyncIterable[T], queue: asyncio.Queue[Any]) -> None:
    """Pull ``source`` into ``queue``, then an end marker; close the source when done."""
    async with closing_iterator(source) as items:
        async for item in items:
            await queue.put(item)
    await queue.put(_END)


class _Drain(AsyncIterator[T]):
    """Reads a queue until every reader has put its end marker."""

    def __init__(self, queue: asyncio.Queue[T], *, readers: int) -> None:
        self._queue = queue
        self._open = readers

    async def __anext__(self) -> T:
        while self._open:
            item = await self._queue.get()
            if item is not _END:
                return item
            self._open -= 1
        raise StopAsyncIteration


async def _naive_batched(  # pyright: ignore[reportUnusedFunction]  (the tests use it)
    source: AsyncIterable[T], *, size: int, max_wait: float
) -> AsyncGenerator[list[T], None]:
    """The lesson's version, kept to show what goes wrong: do not use.

    ``asyncio.timeout`` around ``__anext__`` cancels the source in the middle
    of its step; the cancelled generator is finished, and every item it had
    not produced yet is lost without an error.
    """
    iterator = aiter(source)
    batch: list[T] = []
    while True:
        try:
            async with asyncio.timeout(max_wait if batch else None):
                item = await anext(iterator)  # the mistake: a timeout around the source
        except TimeoutError:
            pass  # the batch is due
        except StopAsyncIteration:
            break
        else:
            batch.append(item)
            if len(batch) < size:
                continue
        yield batch  # full, or max_wait after its first item
        batch = []
    if batch:
        yield batch
