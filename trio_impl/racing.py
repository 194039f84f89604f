"""Racing: the first success wins, with everything started at once or staggered.

>>> import trio
>>> async def refused():
...     raise ConnectionRefusedError("port 443")
>>> async def answers():
...     return "connected"
>>> async def hangs():
...     await trio.sleep_forever()
>>> async def main():
...     first = await first_completed([refused, answers, hangs])
...     staggered = await staggered_race([refused, answers, hangs], delay=0.25)
...     return first, staggered
>>> trio.run(main)
('connected', 'connected')

``first_completed``: a nursery in which each attempt catches its own
``Exception`` (a failure is not a result and must not cancel the others);
the first success records itself and cancels the race's scope around the
nursery, which cancels every loser and waits for it.

``staggered_race`` is happy eyeballs (RFC 8305) in the shape of trio's
``open_tcp_stream``: the parent starts an attempt, then waits on that
attempt's "failed" ``Event`` under ``move_on_after(delay)``, then starts the
next.  Two bugs that CPython's ``asyncio/staggered.py`` had to fix are avoided
by construction: two attempts that succeed in the same instant give one
winner (the first to record itself; the other result is dropped), and when
the delay expires in the instant an attempt succeeds, a checkpoint lets the
success cancel the parent before it starts another attempt.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Generic, TypeVar

import trio

from sansio.validate import check_callables, check_number

from ._tasks import call_child

__all__ = ["first_completed", "staggered_race"]

T = TypeVar("T")


async def first_completed(fns: Iterable[Callable[[], Awaitable[T]]]) -> T:
    """Start every callable at once; return the first success.

    Args:
        fns: zero-argument async callables.

    Returns:
        The result of the first to succeed.  In a tie, whichever the
        scheduler ran first.

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
    with race.scope:
        async with trio.open_nursery() as nursery:
            for index, fn in enumerate(fns):
                nursery.start_soon(race.attempt, index, fn, None)
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
    with race.scope:
        async with trio.open_nursery() as nursery:
            for index, fn in enumerate(fns):
                failed = trio.Event()
                nursery.start_soon(race.attempt, index, fn, failed)
                # Until it fails or delay passes; a winner cancels us through race.scope.
                with trio.move_on_after(delay):
                    await failed.wait()
                # An attempt may have succeeded in this same instant: let it
                # cancel us before another attempt starts.
                await trio.lowlevel.checkpoint()
    return race.outcome()


class _Race(Generic[T]):
    """The shared record of one race: the winner, or every failure."""

    def __init__(self, size: int) -> None:
        self.winner: list[T] = []
        self.failures: list[Exception | None] = [None] * size
        self.scope = trio.CancelScope()  # the winner cancels it: the losers and the parent

    async def attempt(
        self, index: int, fn: Callable[[], Awaitable[T]], failed: trio.Event | None
    ) -> None:
        try:
            result = await call_child(fn)
        except Exception as exc:
            self.failures[index] = exc
            if failed is not None:
                failed.set()
            return
        if not self.winner:  # one winner, even if two succeed in the same instant
            self.winner.append(result)
            self.scope.cancel()

    def outcome(self) -> T:
        if self.winner:
            return self.winner[0]
        raise ExceptionGroup(
            "every attempt failed", [error for error in self.failures if error is not None]
        )
