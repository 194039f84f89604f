"""A token-bucket rate limiter: ``rate`` acquisitions per ``period``, bursts up to ``burst``.

>>> import asyncio
>>> async def main():
...     limiter = RateLimiter(1000, burst=3)  # 1000 a second, 3 at once
...     for request in range(5):  # 3 at once, then one a millisecond
...         async with limiter:
...             print("request", request)
>>> asyncio.run(main())
request 0
request 1
request 2
request 3
request 4

The lesson's "Semaphore - Rate Limiting" is a concurrency limit, not a rate
limit: it bounds how many run at once, not how many start per second.  For
that, see ``fanout.run_all(limit=...)``.

The bucket holds at most ``burst`` tokens, starts full and refills
continuously at ``rate / period`` tokens per second of the loop's clock, so over
any window of ``w`` seconds at most ``burst + rate * w / period``
acquisitions complete.  Waiters form a FIFO line.  Only the head of the line
sleeps, once, until its token is due; the others wait on
an ``Event`` until they become the head.  Nobody polls, and a release wakes
one waiter, not all of them (aiolimiter issue 73).  A waiter cancelled
anywhere in the line takes no token and hands the head on at once, so it
delays nobody.  (Go's ``x/time/rate`` reserves a future token per waiter and
gives it back on cancel; with one sleeper at a time there is nothing to give
back.)  Like ``asyncio.Semaphore``, ``acquire`` does not yield when a token
is free.

Compared with the libraries people use instead: aiolimiter is a leaky
bucket for asyncio only; aiometer's ``max_per_second`` spaces starts evenly
with no burst.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from types import TracebackType

from sansio.validate import check_count, check_number

__all__ = ["RateLimiter"]

# Float slack when a token is "exactly" due: refill arithmetic may land a
# hair under 1.0 at the very deadline it computed.
_EPSILON = 1e-9


class RateLimiter:
    """Allow ``rate`` acquisitions per ``period`` seconds, in bursts of up to ``burst``.

    Args:
        rate: acquisitions per ``period``; finite and > 0.
        period: seconds; finite and > 0.
        burst: bucket size (an int >= 1); default ``max(1, int(rate))``.

    Raises:
        ValueError: a bad ``rate``, ``period`` or ``burst``.
        TypeError: the wrong kind of argument.

    ``acquire()`` (or ``async with limiter:``) blocks until a token is due;
    a waiter cancelled while waiting takes no token and delays nobody.

    Can be built outside a running event loop; the clock is first read on use.
    """

    def __init__(self, rate: float, period: float = 1.0, *, burst: int | None = None) -> None:
        rate = check_number("rate", rate, exclusive=True)
        period = check_number("period", period, exclusive=True)
        burst = max(1, int(rate)) if burst is None else check_count("burst", burst, minimum=1)
        self._seconds_per_token = period / rate
        if not (math.isfinite(self._seconds_per_token) and self._seconds_per_token > 0):
            raise ValueError(f"rate per period is out of range: {period!r} / {rate!r} seconds")
        self._burst = burst
        try:
            self._tokens = float(burst)
        except OverflowError:
            raise ValueError(f"burst is out of range: {burst!r}") from None
        self._updated: float | None = None
        self._run: asyncio.AbstractEventLoop | None = (
            None  # the event loop run it was first used in
        )
        self._line: deque[asyncio.Event] = deque()

    async def acquire(self) -> None:
        """Wait for a token and take it.

        Blocks until this caller is first in line and a token is due.  Like
        ``asyncio.Semaphore.acquire``, it does not yield when a token is free
        and nobody waits: it returns without an ``await`` that suspends.

        Cancellation: a waiter cancelled at any point takes no token and
        leaves the line; the next waiter moves up at once.

        Raises:
            RuntimeError: the limiter was first used in another event loop run.
        """
        if not self._line and self._take():
            return
        turn = asyncio.Event()
        self._line.append(turn)
        try:
            if self._line[0] is not turn:
                await turn.wait()  # set when we become the head of the line
            # One sleep until the token is due; another only if the loop woke us
            # early (it runs timers up to its clock's resolution ahead) or float
            # rounding left the token a hair short: not polling.
            while not self._take():  # noqa: ASYNC110
                await asyncio.sleep(self._due() - asyncio.get_running_loop().time())
        finally:
            head = self._line[0] is turn
            self._line.remove(turn)
            if head and self._line:
                self._line[0].set()

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def _take(self) -> bool:
        """Refill by the time elapsed, then take a token if there is one."""
        self._check_run()
        now = asyncio.get_running_loop().time()
        if self._updated is not None:
            elapsed = now - self._updated
            self._tokens = min(self._burst, self._tokens + elapsed / self._seconds_per_token)
        self._updated = now
        if self._tokens >= 1 - _EPSILON:
            self._tokens -= 1  # a rounding shortfall is carried as debt, not forgiven
            return True
        return False

    def _check_run(self) -> None:
        # asyncio's own primitives bind to the first loop that uses them, too.
        run = asyncio.get_running_loop()
        if self._run is None:
            self._run = run
        elif self._run != run:
            raise RuntimeError(
                "this RateLimiter was first used in another event loop; make one per run"
            )

    def _due(self) -> float:
        """When the next whole token will be in the bucket: always later than now."""
        assert self._updated is not None
        due = self._updated + (1 - self._tokens) * self._seconds_per_token
        return max(due, math.nextafter(self._updated, math.inf))
