"""Racing: the first success wins, with everything started at once or staggered.

>>> import asyncio
>>> async def refused():
...     raise ConnectionRefusedError("port 443")
>>> async def answers():
...     return "connected"
>>> async def hangs():
...     await asyncio.Event().wait()
>>> async def main():
...     first = await first_completed([refused, answers, hangs])
...     staggered = await staggered_race([refused, answers, hangs], delay=0.25)
...     return first, staggered
>>> asyncio.run(main())
('connected', 'connected')

``first_completed``: a ``TaskGroup`` in which each attempt catches its own
``Exception`` (a failure is not a result and must not cancel the others);
the first success records itself and cancels every other attempt, and the
group waits for them.

``staggered_race`` is happy eyeballs (RFC 8305) in the shape of trio's
``open_tcp_stream``: the parent starts an attempt, then waits until that
attempt has ended or ``delay`` has passed, then starts the next.  Two bugs
that CPython's ``asyncio/staggered.py`` had to fix are avoided by
construction: two attempts that succeed in the same instant give one winner
(the first to record itself; the other result is dropped), and when the
delay expires in the instant an attempt succeeds, a ``sleep(0)`` lets the
success be seen before another attempt starts.

Difference: asyncio has no cancel scope for the winner to cancel.  The
winner cancels every other attempt's task by hand, skipping its own (as
CPython's ``staggered_race`` does), and the staggering parent, which the
winner cannot stop, looks for a winner after each wait.  Under the eager
task factory (3.12+) ``create_task`` runs an attempt up to its first
``await``, so an attempt may win or fail right there; the spawning loops
allow for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Generic, TypeVar

from sansio.validate import check_callables, check_number

from ._tasks import call_child, no_limit_as_none, spawn

__all__ = ["first_completed", "staggered_race"]

T = TypeVar("T")


async def first_completed(fns: Iterable[Callable[[], Awaitable[T]]]) -> T:
    """Start every callable at once; return the first success.

    Args:
        fns: zero-argument async callables.

    Returns:
        The result of the first to succeed.  In a tie, whichever the event
        loop ran first.

    Raises:
        ExceptionGroup: every attempt failed; it holds every failure, in
            input order.
        BaseExceptionGroup: an attempt raised a non-``Exception``; the rest
            were cancelled.
        ValueError: ``fns`` is empty.
        TypeError: a non-callable in ``fns``.

    Returns only after every loser has been cancelled and has finished.
    Cancelling the caller cancels every attempt and waits for them.
    """
    fns = check_callables("fns", fns)
    if not fns:
        raise ValueError("fns must not be empty")
    race = _Race[T](len(fns))
    async with asyncio.TaskGroup() as group:
        for index, fn in enumerate(fns):
            race.tasks.append(await spawn(group, race.attempt, index, fn))
    return race.outcome()


async def staggered_race(fns: Iterable[Callable[[], Awaitable[T]]], *, delay: float) -> T:
    """Start attempts one by one, each after the previous failed or ``delay`` passed.

    Args:
        fns: zero-argument async callables, tried in order.
        delay: seconds to give an attempt before the next one starts too;
            ``0`` starts all at once, ``math.inf`` only after failures.

    Returns:
        The result of the first attempt to succeed; every other attempt is
        cancelled and has finished.

    Raises:
        ExceptionGroup: every attempt failed; it holds every failure, in
            input order.
        BaseExceptionGroup: an attempt raised a non-``Exception``; the rest
            were cancelled.
        ValueError: ``fns`` is empty, ``delay < 0`` or NaN.
        TypeError: a non-callable in ``fns``, or a ``delay`` that is not a
            number.

    Cancelling the caller cancels every attempt and waits for them.
    """
    fns = check_callables("fns", fns)
    delay = check_number("delay", delay, allow_inf=True)
    if not fns:
        raise ValueError("fns must not be empty")
    race = _Race[T](len(fns))
    async with asyncio.TaskGroup() as group:
        for index, fn in enumerate(fns):
            attempt = await spawn(group, race.attempt, index, fn)
            race.tasks.append(attempt)
            # Until it ends (failed, won, or cancelled by the winner) or delay passes.
            await asyncio.wait([attempt], timeout=no_limit_as_none(delay))
            # An attempt may have succeeded in this same instant: let it
            # record itself before another attempt starts.
            await asyncio.sleep(0)
            if race.winner:  # no cancel scope: the winner cannot stop this loop for us
                break
    return race.outcome()


class _Race(Generic[T]):
    """The shared record of one race: the winner, or every failure."""

    def __init__(self, size: int) -> None:
        self.winner: list[T] = []
        self.failures: list[Exception | None] = [None] * size
        self.tasks: list[asyncio.Task[None]] = []  # the winner cancels the others by hand

    async def attempt(self, index: int, fn: Callable[[], Awaitable[T]]) -> None:
        if self.winner:  # created after an attempt won inside create_task (eager tasks)
            return
        try:
            result = await call_child(fn)
        except Exception as exc:
            self.failures[index] = exc
            return
        if not self.winner:  # one winner, even if two succeed in the same instant
            self.winner.append(result)
            for other, task in enumerate(self.tasks):
                if other != index:  # not its own task, which would end as cancelled (bpo-30048)
                    task.cancel()

    def outcome(self) -> T:
        if self.winner:
            return self.winner[0]
        raise ExceptionGroup(
            "every attempt failed", [error for error in self.failures if error is not None]
        )
