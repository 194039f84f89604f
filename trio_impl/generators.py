"""Async iterators and generators, done safely.

``ticker`` and ``paginate`` are plain async generators: they start no
tasks and open no cancel scope around a ``yield``, so a consumer that stops
early (``aclose``, ``contextlib.aclosing``) leaves nothing behind.

``batched`` and ``merged`` must keep working while their consumer is
suspended: a reader per source, a timer per batch.  A ``yield`` inside a
nursery or a cancel scope would hand control to a consumer the scope knows
nothing about (PEP 789), so they are context managers instead.  ``batched``
uses ``trio.as_safe_channel`` (trio 0.30+), which runs the generator in a
task of its own and makes its ``yield`` a channel send; like trio's other
helpers it unwraps a single exception from its exception group.  ``merged``
is a nursery and a memory channel, as ``completion.completed`` is.

The lesson's mistake for ``batched`` is a timeout around the source's
``__anext__``: cancelling a generator mid-step kills it, so the rest of the
input is silently lost.  ``_naive_batched`` keeps that version for the
tests; here a reader task pulls the source and the timeout waits on a
channel, which loses nothing when it expires.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Awaitable, Callable
from functools import partial
from typing import Any, TypeVar, cast

import trio

from ._iterables import check_async_iterable, closing_iterator
from ._schedule import next_tick
from ._validate import check_callable, check_count, check_number

__all__ = ["ticker", "paginate", "batched", "merged"]

T = TypeVar("T")
C = TypeVar("C")

_END: Any = object()  # follows the source's last item: a clean end, not a failure


async def ticker(interval: float, *, count: int | None = None) -> AsyncGenerator[float, None]:
    """Yield the scheduled tick times start + k·interval, sleeping until each.

    Args:
        interval: seconds between ticks (finite, > 0).
        count: how many to yield; ``None`` for no end.

    Yields:
        Each tick's scheduled time on trio's clock; a tick already past when
        the consumer asks again is skipped (no drift, no catching up).

    Raises:
        ValueError: ``interval <= 0`` or ``count < 0``, on the first iteration.

    Cancellation: a plain ``sleep_until`` inside; nothing outlives it.
    """
    interval = check_number("interval", interval, exclusive=True)
    if count is not None:
        count = check_count("count", count, minimum=0)
    start = trio.current_time()
    tick = emitted = 0
    while count is None or emitted < count:
        tick = next_tick(start, interval, tick, trio.current_time())
        await trio.sleep_until(start + tick * interval)
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


@trio.as_safe_channel
async def _batched(
    source: AsyncIterable[T], size: int, max_wait: float
) -> AsyncGenerator[list[T], None]:
    send, receive = trio.open_memory_channel[Any](0)
    async with receive, trio.open_nursery() as nursery:
        nursery.start_soon(partial(_read_into, source, send, end_marker=True))
        batch: list[T] = []
        deadline = math.inf
        while True:
            # The timeout waits on the channel, never on the source itself.
            with trio.move_on_at(deadline):
                try:
                    item = await receive.receive()
                except trio.EndOfChannel:
                    return  # the reader failed: its error is on its way; drop the batch
                if item is _END:
                    break
                batch.append(item)
                if len(batch) == 1:
                    deadline = trio.current_time() + max_wait
                if len(batch) < size:
                    continue
            yield batch  # full, or max_wait after its first item
            batch, deadline = [], math.inf
        if batch:
            yield batch


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
    send, receive = trio.open_memory_channel[T](0)
    # The receive side outlives the nursery, so no reader sends into a closed channel.
    async with receive, trio.open_nursery() as nursery:
        async with send:
            for source in sources:
                nursery.start_soon(_read_into, source, send.clone())
        yield receive
        nursery.cancel_scope.cancel()  # the block was left early: stop the readers


async def _read_into(
    source: AsyncIterable[T], send: trio.MemorySendChannel[Any], *, end_marker: bool = False
) -> None:
    """Pull ``source`` into ``send``, then close both, whatever happens.

    ``end_marker``: send ``_END`` after the last item, so that the reader of
    ``send`` can tell the source's clean end from a failure or cancellation
    (both also close ``send``).
    """
    async with send, closing_iterator(source) as items:
        async for item in items:
            await send.send(item)
        if end_marker:
            await send.send(_END)


async def _naive_batched(  # pyright: ignore[reportUnusedFunction]  (the tests use it)
    source: AsyncIterable[T], *, size: int, max_wait: float
) -> AsyncGenerator[list[T], None]:
    """The lesson's version, kept to show what goes wrong: do not use.

    ``move_on_after`` around ``__anext__`` cancels the source in the middle
    of its step; the cancelled generator is finished, and every item it had
    not produced yet is lost without an error.
    """
    iterator = aiter(source)
    batch: list[T] = []
    while True:
        with trio.move_on_after(max_wait if batch else math.inf):
            try:
                item = await anext(iterator)  # the mistake: a timeout around the source
            except StopAsyncIteration:
                break
            batch.append(item)
            if len(batch) < size:
                continue
        yield batch  # full, or max_wait after its first item
        batch = []
    if batch:
        yield batch
