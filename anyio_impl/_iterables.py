"""Reading an input that may be a plain or an async iterable."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable, Iterable
from typing import TypeVar

Item = TypeVar("Item")


def check_items(items: object) -> None:
    """Raise ``TypeError`` naming ``items`` unless it is an iterable or async iterable."""
    if not isinstance(items, Iterable | AsyncIterable):
        raise TypeError(f"items must be an iterable or async iterable, not {type(items).__name__}")


async def iterate(items: Iterable[Item] | AsyncIterable[Item]) -> AsyncGenerator[Item, None]:
    """Yield the items one at a time, pulling each only when asked (lazily).

    A generator given as input (plain or async) is closed when this one is,
    so its ``finally`` blocks run even when the reader stops early.  A plain
    iterator runs in the event loop's thread: it must not block.
    """
    if isinstance(items, AsyncIterable):
        iterator = aiter(items)
        try:
            async for item in iterator:
                yield item
        finally:
            aclose = getattr(iterator, "aclose", None)
            if aclose is not None:
                await aclose()
    else:
        plain = iter(items)
        try:
            for item in plain:
                yield item
        finally:
            close = getattr(plain, "close", None)
            if close is not None:
                close()
