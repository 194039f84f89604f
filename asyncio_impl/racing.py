"""Racing: the first success wins, with everything started at once or staggered.

``first_completed`` is the lesson's ``asyncio.wait(return_when=FIRST_COMPLETED)``
in a loop: a failure is not a result, so it waits again until a success or
until all have failed.  asyncio.wait cancels nothing, so the losers are
cancelled and awaited by hand in ``finally``.

``staggered_race`` is happy eyeballs (RFC 8305), CPython's
``asyncio.staggered.staggered_race`` done again.  Two of the bugs that file
fixed are avoided by construction here: two attempts that succeed in the
same instant give one winner (the lower index; every later success is
dropped), and when the delay expires in the same instant that an attempt
succeeds, a ``sleep(0)`` lets that success be seen before a new attempt
starts.  Compare trio's version: a nursery, an ``Event`` per attempt and
``move_on_after`` replace the bookkeeping below.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from sansio.validate import check_callables, check_number

from ._tasks import call_child, cancel_and_wait

__all__ = ["first_completed", "staggered_race"]

T = TypeVar("T")


async def first_completed(fns: Iterable[Callable[[], Awaitable[T]]]) -> T:
    """Start every callable at once; return the first success.

    Args:
        fns: zero-argument async callables.

    Returns:
        The result of the first to succeed.  In a tie, the lowest index wins.

    Raises:
        ExceptionGroup: every attempt failed; it holds every failure, in
            input order.  BaseExceptionGroup: an attempt raised a
            non-``Exception``; the rest were cancelled.
        ValueError: ``fns`` is empty.  TypeError: a non-callable in it.

    Returns only after every loser has been cancelled and has finished.
    Cancelling the caller cancels every attempt and waits for them.
    """
    fns = check_callables("fns", fns)
    if not fns:
        raise ValueError("fns must not be empty")
    tasks = [asyncio.create_task(call_child(fn)) for fn in fns]
    try:
        pending = set(tasks)
        while pending and not _fatal(tasks):
            _, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            if (winner := _winner(tasks)) is not None:
                return winner[0]
        raise ExceptionGroup("every attempt failed", _failures(tasks))
    finally:
        await _end_race(tasks)


async def staggered_race(fns: Iterable[Callable[[], Awaitable[T]]], *, delay: float) -> T:
    """Start attempts one by one, each after the previous failed or ``delay`` passed.

    Args:
        fns: zero-argument async callables, tried in order.
        delay: seconds to give an attempt before the next one starts too;
            ``0`` starts all at once, ``math.inf`` only after failures.

    Returns:
        The result of the first attempt to succeed (in a tie, the lowest
        index); every other attempt is cancelled and has finished.

    Raises:
        ExceptionGroup: every attempt failed; it holds every failure, in
            input order.  BaseExceptionGroup: an attempt raised a
            non-``Exception``; the rest were cancelled.
        ValueError: ``fns`` is empty, ``delay < 0`` or NaN.

    Cancelling the caller cancels every attempt and waits for them.
    """
    fns = check_callables("fns", fns)
    delay = check_number("delay", delay, allow_inf=True)
    if not fns:
        raise ValueError("fns must not be empty")
    loop = asyncio.get_running_loop()
    tasks: list[asyncio.Task[T]] = []
    start_next = True
    next_start = loop.time()
    try:
        while not _fatal(tasks):
            if start_next:
                tasks.append(asyncio.create_task(call_child(fns[len(tasks)])))
                next_start = loop.time() + delay
            running = [task for task in tasks if not task.done()]
            if not running and len(tasks) == len(fns):
                break  # every attempt has failed
            # Wait until an attempt ends, or until the latest has had its delay.
            timed_out = False
            if running:
                last = len(tasks) == len(fns) or math.isinf(delay)
                timeout = None if last else max(0.0, next_start - loop.time())
                done, _ = await asyncio.wait(
                    running, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
                )
                if not done:
                    timed_out = True
                    # An attempt may succeed in this same instant: let it
                    # report before another one starts.
                    await asyncio.sleep(0)
            if (winner := _winner(tasks)) is not None:
                return winner[0]
            latest_failed = tasks[-1].done()
            start_next = len(tasks) < len(fns) and (timed_out or latest_failed)
        raise ExceptionGroup("every attempt failed", _failures(tasks))
    finally:
        await _end_race(tasks)


def _winner(tasks: list[asyncio.Task[T]]) -> tuple[T] | None:
    """``(result,)`` of the lowest-index attempt that succeeded, if any."""
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is None:
            return (task.result(),)
    return None


def _failures(tasks: list[asyncio.Task[T]]) -> list[Exception]:
    return [
        error
        for task in tasks
        if task.done() and not task.cancelled() and isinstance(error := task.exception(), Exception)
    ]


def _fatal(tasks: list[asyncio.Task[T]]) -> list[BaseException]:
    """Failures that are not ``Exception``: they end the race (rule 4)."""
    return [
        error
        for task in tasks
        if task.done()
        and not task.cancelled()
        and (error := task.exception()) is not None
        and not isinstance(error, Exception)
    ]


async def _end_race(tasks: list[asyncio.Task[T]]) -> None:
    """Cancel and await every attempt; then let a fatal failure win over any outcome.

    Reading every task's exception also keeps asyncio from logging "Task
    exception was never retrieved" for the losers.
    """
    if await cancel_and_wait(tasks):
        raise asyncio.CancelledError
    if fatal := _fatal(tasks):
        raise BaseExceptionGroup("an attempt failed", fatal)
    _failures(tasks)
