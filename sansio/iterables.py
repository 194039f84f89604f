"""Reading an input that may be a plain or an async iterable (no framework code here)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Iterable
from typing import TypeVar

Item = TypeVar("Item")


def check_items(items: object, name: str = "items") -> None:
    """Raise ``TypeError`` naming ``name`` unless it is an iterable or async iterable."""
    if not isinstance(items, Iterable | AsyncIterable):
        raise TypeError(f"{name} must be an iterable or async iterable, not {type(items).__name__}")


def check_async_iterable(source: object, name: str) -> None:
    """Raise ``TypeError`` naming ``name`` unless it is an async iterable."""
    if not isinstance(source, AsyncIterable):
        raise TypeError(f"{name} must be an async iterable, not {type(source).__name__}")


@contextlib.asynccontextmanager
async def closing_iterator(
    source: AsyncIterable[Item],
) -> AsyncGenerator[AsyncIterator[Item], None]:
    """Iterate ``source``; on leaving, close it if it can be closed (an async generator).

    So its ``finally`` blocks run now, in this task, not later when the
    garbage collector finds it (PEP 533 is the proposal that never landed).
    """
    iterator = aiter(source)
    try:
        yield iterator
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()


async def iterate(items: Iterable[Item] | AsyncIterable[Item]) -> AsyncGenerator[Item, None]:
    """Yield the items one at a time, pulling each only when asked (lazily).

    A generator given as input (plain or async) is closed when this one is,
    so its ``finally`` blocks run even when the reader stops early.  A plain
    iterator runs in the event loop's thread: it must not block.
    """
    if isinstance(items, AsyncIterable):
        async with closing_iterator(items) as iterator:
            async for item in iterator:
                yield item
    else:
        plain = iter(items)
        try:
            for item in plain:
                yield item
        finally:
            close = getattr(plain, "close", None)
            if close is not None:
                close()
