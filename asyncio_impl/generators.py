"""Async iterators and generators, done safely.

``ticker`` and ``paginate`` are plain async generators: they start no
tasks and open no timeout around a ``yield``, so a consumer that stops
early (``aclose``, ``contextlib.aclosing``) leaves nothing behind.

``batched`` and ``merged`` must keep working while their consumer is
suspended: a reader per source, a timer per batch.  A ``yield`` inside a
``TaskGroup`` or an ``asyncio.timeout`` would hand control to a consumer
the scope knows nothing about (PEP 789), so they are context managers
instead: a ``TaskGroup``, bounded ``Queue`` objects and an
``asynccontextmanager``.  A queue cannot be closed before 3.13, so an end
marker follows the last item.

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

from ._iterables import check_async_iterable, closing_iterator
from ._schedule import next_tick
from ._tasks import Spawner
from ._validate import check_callable, check_count, check_number

__all__ = ["ticker", "paginate", "batched", "merged"]

T = TypeVar("T")
C = TypeVar("C")

_END: Any = object()  # follows a reader's last item: Queue has no close() before 3.13


async def ticker(interval: float, *, count: int | None = None) -> AsyncGenerator[float, None]:
    """Yield the scheduled tick times start + k·interval, sleeping until each.

    Args:
        interval: seconds between ticks (finite, > 0).
        count: how many to yield; ``None`` for no end.

    Yields:
        Each tick's scheduled time on the loop's clock; a tick already past
        when the consumer asks again is skipped (no drift, no catching up).

    Raises:
        ValueError: ``interval <= 0`` or ``count < 0``, on the first iteration.

    Cancellation: a plain ``asyncio.sleep`` inside; nothing outlives it.
    """
    interval = check_number("interval", interval, exclusive=True)
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
    source; never empty.

    Raises:
        The source's error, out of the ``async with`` (the pending partial
        batch is dropped).  ValueError: ``size < 1`` or ``max_wait <= 0``, at
        call time.  TypeError: ``source`` is not an async iterable.

    Leaving the block early cancels the reader and closes ``source`` if it
    is an async generator.
    """
    check_async_iterable(source, "source")
    size = check_count("size", size, minimum=1)
    max_wait = check_number("max_wait", max_wait, exclusive=True, allow_inf=True)
    return _batched(source, size, max_wait)


@contextlib.asynccontextmanager
async def _batched(
    source: AsyncIterable[T], size: int, max_wait: float
) -> AsyncGenerator[AsyncIterator[list[T]], None]:
    items: asyncio.Queue[Any] = asyncio.Queue(1)  # items, then _END
    batches: asyncio.Queue[Any] = asyncio.Queue(1)  # lists, then _END
    async with asyncio.TaskGroup() as group:
        children = Spawner(group)  # stops at the first failure, as a nursery does
        tasks = [
            await children.spawn(_read_into, source, items),
            await children.spawn(_batch, items, batches, size, max_wait),
        ]
        yield _Drain(batches, readers=1)
        for task in tasks:  # the block was left early: stop reading
            task.cancel()


async def _batch(
    items: asyncio.Queue[Any], batches: asyncio.Queue[Any], size: int, max_wait: float
) -> None:
    loop = asyncio.get_running_loop()
    batch: list[Any] = []
    deadline: float | None = None
    while True:
        # The timeout waits on the queue, never on the source itself.
        try:
            async with asyncio.timeout_at(deadline):
                item = await items.get()
        except TimeoutError:
            pass  # the batch is due
        else:
            if item is _END:
                break
            batch.append(item)
            if len(batch) == 1 and not math.isinf(max_wait):
                deadline = loop.time() + max_wait
            if len(batch) < size:
                continue
        await batches.put(batch)  # full, or max_wait after its first item
        batch, deadline = [], None
    if batch:
        await batches.put(batch)
    await batches.put(_END)


def merged(*sources: AsyncIterable[T]) -> contextlib.AbstractAsyncContextManager[AsyncIterator[T]]:
    """Iterate the items of every source as they arrive.

    Usage: ``async with merged(a, b) as items: async for item in items: ...``

    Each source's own order is kept; the iterator ends when every source is
    exhausted.

    Raises:
        ExceptionGroup: a source failed (the other readers were cancelled),
            or the block raised; out of the ``async with``.  TypeError: a
            source is not an async iterable, at call time.

    Leaving the block early cancels the readers and closes every source that
    is an async generator.
    """
    for index, source in enumerate(sources):
        check_async_iterable(source, f"sources[{index}]")
    return _merged(sources)


@contextlib.asynccontextmanager
async def _merged(sources: tuple[AsyncIterable[T], ...]) -> AsyncGenerator[AsyncIterator[T], None]:
    arrived: asyncio.Queue[T] = asyncio.Queue(1)
    async with asyncio.TaskGroup() as group:
        children = Spawner(group)  # stops at the first failure, as a nursery does
        readers = [await children.spawn(_read_into, source, arrived) for source in sources]
        yield _Drain(arrived, readers=len(readers))
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
