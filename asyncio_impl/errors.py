"""Settle everything: run all, collect each result or the exception it raised.

Sample use::

    >>> from functools import partial
    >>> async def check(n):
    ...     await asyncio.sleep(0)
    ...     if n < 0:
    ...         raise ValueError(f"negative: {n}")
    ...     return n
    >>> async def main():
    ...     return await run_settled([partial(check, 1), partial(check, -2)])
    >>> asyncio.run(main())
    [1, ValueError('negative: -2')]

This is ``gather(..., return_exceptions=True)`` with two differences that
matter: only ``Exception`` instances are captured (gather's
``return_exceptions`` also turns a child's ``CancelledError`` into a result
value), and a non-``Exception`` failure (``KeyboardInterrupt``, the caller's
cancellation) cancels the siblings and propagates, from a ``TaskGroup``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from sansio.validate import check_callables

from ._tasks import call_child, spawn

__all__ = ["run_settled"]

T = TypeVar("T")


async def run_settled(fns: Iterable[Callable[[], Awaitable[T]]]) -> list[T | Exception]:
    """Run every callable to completion; return each result or its exception.

    Args:
        fns: zero-argument async callables, run concurrently.

    Returns:
        In input order, each callable's result or the ``Exception`` instance
        it raised.

    Raises:
        BaseExceptionGroup: a child raised something that is not an
            ``Exception``; the siblings were cancelled and waited for.
        TypeError: a non-callable in ``fns``.

    Blocks until every child has finished.  Cancelling the caller cancels
    every child and waits for them; the cancellation is not captured.
    """
    fns = check_callables("fns", fns)
    outcomes: dict[int, T | Exception] = {}

    async def settle(index: int, fn: Callable[[], Awaitable[T]]) -> None:
        try:
            outcomes[index] = await call_child(fn)
        except Exception as exc:
            outcomes[index] = exc

    async with asyncio.TaskGroup() as group:
        for index, fn in enumerate(fns):
            await spawn(group, settle, index, fn)
    return [outcomes[index] for index in range(len(fns))]
