"""Timeouts, deadlines and shielded cleanup.

>>> import asyncio
>>> async def answers():
...     return "answer"
>>> async def hangs():
...     await asyncio.Event().wait()
>>> async def cleanup():
...     print("cleaned up")
>>> async def main():
...     print(await call_with_timeout(answers, 1.0))
...     print(await call_or_default(hangs, 0, "gave up"))
...     print(await run_with_cleanup(answers, cleanup, cleanup_timeout=1.0))
>>> asyncio.run(main())
answer
gave up
cleaned up
answer

``asyncio.timeout`` (3.11+) is a cancel scope in all but name: it cancels the
task at the deadline and turns that one cancellation into ``TimeoutError``
on the way out.  ``asyncio.shield`` is not a cancel scope at all: it protects
the inner task, but the awaiting task still gets ``CancelledError`` at once
and would return before the shielded work has finished.  Waiting for the
shielded work to end, as trio's ``CancelScope(shield=True)`` does for free,
takes a task of its own and the loop in ``_tasks.run_shielded``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sansio.validate import check_callable, check_number

from ._tasks import no_limit_as_none, run_shielded

__all__ = ["call_with_timeout", "call_or_default", "run_with_cleanup"]

T = TypeVar("T")
D = TypeVar("D")


async def call_with_timeout(fn: Callable[[], Awaitable[T]], seconds: float) -> T:
    """Return ``await fn()``, or cancel it and raise ``TimeoutError``.

    Args:
        fn: a zero-argument async callable.
        seconds: the time limit; ``math.inf`` means none.

    Raises:
        TimeoutError: ``fn`` was still running after ``seconds``; it has
            been cancelled and has finished.
        ValueError: ``seconds < 0`` or NaN.
        TypeError: ``fn`` is not callable, or ``seconds`` is not a number.

    Blocks until ``fn`` has returned or been cancelled and has finished.
    Cancelling the caller cancels ``fn``; that is not turned into a timeout.
    """
    check_callable("fn", fn)
    seconds = check_number("seconds", seconds, allow_inf=True)
    async with asyncio.timeout(no_limit_as_none(seconds)):
        return await fn()


async def call_or_default(fn: Callable[[], Awaitable[T]], seconds: float, default: D) -> T | D:
    """Like ``call_with_timeout``, but return ``default`` instead of raising.

    Returns:
        What ``fn`` returned, or ``default`` once ``seconds`` have passed (``fn``
        has then been cancelled and has finished).

    Raises:
        TimeoutError: only one that ``fn`` raised itself; this call's own
            deadline gives the default.
        ValueError: ``seconds < 0`` or NaN.
        TypeError: ``fn`` is not callable, or ``seconds`` is not a number.

    Blocks as ``call_with_timeout`` does.  Cancelling the caller cancels
    ``fn`` and propagates; it never gives the default.
    """
    check_callable("fn", fn)
    seconds = check_number("seconds", seconds, allow_inf=True)
    scope = asyncio.timeout(no_limit_as_none(seconds))
    try:
        async with scope:
            return await fn()
    except TimeoutError:
        if scope.expired():
            return default
        raise


async def run_with_cleanup(
    work: Callable[[], Awaitable[T]],
    cleanup: Callable[[], Awaitable[object]],
    *,
    cleanup_timeout: float,
) -> T:
    """Await ``work()``, then ``cleanup()`` shielded and bounded, whatever happened.

    Args:
        work: the async callable whose outcome this call has.
        cleanup: awaited after ``work`` returned, raised or was cancelled;
            shielded from outside cancellation, cut off (silently) after
            ``cleanup_timeout`` seconds.

    Returns:
        What ``work`` returned.

    Raises:
        BaseException: what ``work`` raised, unchanged, or the caller's
            cancellation.
        Exception: what ``cleanup`` raised, with the work's exception as its
            ``__context__``; but if the caller was cancelled, the
            cancellation stands, with the cleanup's exception chained to it.
        ValueError: ``cleanup_timeout < 0`` or NaN.
        TypeError: ``work`` or ``cleanup`` is not callable, or
            ``cleanup_timeout`` is not a number.

    Never returns before ``cleanup`` has finished or been cut off.  A
    cancellation that arrives during the cleanup is delivered after it.
    """
    check_callable("work", work)
    check_callable("cleanup", cleanup)
    cleanup_timeout = check_number("cleanup_timeout", cleanup_timeout, allow_inf=True)
    try:
        result = await work()
    except BaseException as exc:
        try:
            await run_shielded(cleanup, cleanup_timeout)
        except Exception as cleanup_exc:
            if isinstance(exc, asyncio.CancelledError):
                raise exc from cleanup_exc
            raise
        raise
    await run_shielded(cleanup, cleanup_timeout)
    return result
