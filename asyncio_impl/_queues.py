"""Closing an ``asyncio.Queue``: ``Queue.shutdown()`` on 3.13+, a sentinel per consumer before."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncGenerator
from typing import Any, TypeVar

T = TypeVar("T")

_CLOSED: Any = object()


async def close(queue: asyncio.Queue[Any], consumers: int) -> None:
    """Tell ``consumers`` readers of ``queue`` that nothing more will come.

    They still get every item put before this, then stop.
    """
    if sys.version_info >= (3, 13):
        queue.shutdown()  # get() drains what is left, then raises QueueShutDown
    else:
        for _ in range(consumers):
            await queue.put(_CLOSED)


async def drain(queue: asyncio.Queue[T]) -> AsyncGenerator[T, None]:
    """Yield the items of ``queue`` until it is closed.

    A plain async generator: it starts no task and holds no scope, so a
    consumer that stops early leaves nothing behind.
    """
    while True:
        if sys.version_info >= (3, 13):
            try:
                item = await queue.get()
            except asyncio.QueueShutDown:
                return
        else:
            item = await queue.get()
            if item is _CLOSED:
                return
        yield item
