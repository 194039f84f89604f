"""Closing an ``asyncio.Queue``: ``Queue.shutdown()`` on 3.13+, a sentinel per consumer before.

trio's memory channels and anyio's memory object streams close natively: a
receiver's ``async for`` ends once the channel is closed and drained.  Here
``close`` is the sender's half and ``get`` and ``drain`` the receiver's.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from typing import Any, TypeVar

T = TypeVar("T")

CLOSED: Any = object()
"""What ``queue.get()`` returns once per consumer after ``close()``, before 3.13."""

if sys.version_info >= (3, 13):
    QueueShutDown = asyncio.QueueShutDown
else:

    class QueueShutDown(Exception):
        """Stands in for 3.13's ``asyncio.QueueShutDown``; ``get`` raises it."""


async def close(queue: asyncio.Queue[Any], consumers: int) -> None:
    """Tell ``consumers`` readers of ``queue`` that nothing more will come.

    They still get every item put before this, then stop.  Before 3.13 this
    waits for room in a bounded queue, once per consumer.
    """
    if sys.version_info >= (3, 13):
        queue.shutdown()  # get() drains what is left, then raises QueueShutDown
    else:
        for _ in range(consumers):
            await queue.put(CLOSED)


def close_nowait(queue: asyncio.Queue[Any]) -> None:
    """``close`` for one consumer, without waiting: the queue must have room (be unbounded)."""
    if sys.version_info >= (3, 13):
        queue.shutdown()
    else:
        queue.put_nowait(CLOSED)


async def get(queue: asyncio.Queue[T]) -> T:
    """The next item of ``queue``, waiting for one.

    Raises:
        QueueShutDown: ``queue`` was closed and every item before that taken.

    Cancellation takes nothing from the queue.
    """
    item = await queue.get()  # raises QueueShutDown on 3.13+
    if item is CLOSED:  # before 3.13
        raise QueueShutDown
    return item


def get_ready(queue: asyncio.Queue[T]) -> list[T]:
    """Every item ``queue`` holds now, taken without waiting; a close stays for ``get``."""
    ready: list[T] = []
    while not queue.empty():
        item = queue.get_nowait()
        if item is CLOSED:  # before 3.13: the last item; put it back for get()
            queue.put_nowait(item)
            break
        ready.append(item)
    return ready


def drain(queue: asyncio.Queue[T]) -> AsyncIterator[T]:
    """Iterate the items of ``queue`` until it is closed.

    An iterator object, not an async generator: a generator that a failing
    or cancelled consumer leaves suspended is closed later by the event loop,
    in a task of its own that outlives the consumer.
    """
    return _Drain(queue)


class _Drain(AsyncIterator[T]):
    def __init__(self, queue: asyncio.Queue[T]) -> None:
        self._queue = queue

    async def __anext__(self) -> T:
        try:
            return await get(self._queue)
        except QueueShutDown:
            raise StopAsyncIteration from None
