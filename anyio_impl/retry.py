"""Retry with capped exponential backoff and full jitter.

>>> import anyio
>>> async def main():
...     calls = []
...     async def flaky():
...         calls.append(len(calls) + 1)
...         if len(calls) < 3:
...             raise ConnectionError(f"call {len(calls)} refused")
...         return f"answered on call {len(calls)}"
...     return await retry(flaky, attempts=5, base_delay=0.001, jitter=False)
>>> anyio.run(main)
'answered on call 3'

Before attempt n+1 the call sleeps d = min(max_delay, base_delay ·
multiplier^(n−1)), or with ``jitter`` a uniform draw from [0, d] ("full
jitter", as in stamina and the AWS architecture blog), using ``anyio.sleep``:
cancelling the caller during a backoff ends it at once.

What must never be retried, whatever ``retry_on`` says: cancellation
(``anyio.get_cancelled_exc_class()``: ``CancelledError`` or
``trio.Cancelled``, a ``BaseException`` either way, so only a ``retry_on`` of
``BaseException`` could catch it; tenacity issues 529 and 505), and
``KeyboardInterrupt``, ``SystemExit`` and ``GeneratorExit``.
Giving up re-raises the last exception object itself, with a note
(``add_note``) saying how many attempts were made, so tracebacks and
``except`` clauses see the real error.  ``fn`` runs in the caller's own
task, so a cancellation exception from it is the caller's cancellation as
far as anyone can tell: it propagates as is.

Difference: anyio's cancel scopes are level-triggered, as trio's are.  If
``fn`` turns the caller's cancellation into an error of its own, the next
``anyio.sleep`` raises the cancellation anyway, so nothing is retried.  A raw
``Task.cancel()`` on asyncio that ``fn`` swallowed leaves no trace that anyio
code can see, and the retries go on.  stamina's defaults and
reasoning (``docs/motivation.md``): bounded attempts and a deadline, jitter
on by default, and only the exceptions you name retried.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

import anyio

from sansio.retry import NEVER_RETRIED, RetryOptions, check_options
from sansio.validate import check_callable

__all__ = ["retry", "retrying"]

T = TypeVar("T")
P = ParamSpec("P")


async def retry(
    fn: Callable[[], Awaitable[T]],
    *,
    attempts: int = 3,
    base_delay: float = 0.1,
    max_delay: float = 10.0,
    multiplier: float = 2.0,
    jitter: bool = True,
    retry_on: type[BaseException] | tuple[type[BaseException], ...] = Exception,
    deadline: float | None = None,
    on_retry: Callable[[int, BaseException, float], object] | None = None,
    rng: random.Random | None = None,
) -> T:
    """Await ``fn()`` until it succeeds, at most ``attempts`` times, backing off between.

    Args:
        fn: the zero-argument async callable to try.
        attempts: the most attempts made (>= 1).
        base_delay, max_delay, multiplier: the backoff, d = min(max_delay,
            base_delay · multiplier^(n−1)) before attempt n+1.
        jitter: sleep a uniform draw from [0, d] instead of d.
        retry_on: the exception class(es) retried; others propagate at once.
        deadline: seconds from the first attempt; no attempt starts after it.
        on_retry: called as ``on_retry(attempt, exc, delay)`` before each sleep.
        rng: a ``random.Random`` for the jitter; default the ``random`` module.

    Returns:
        What ``fn`` returned.

    Raises:
        Exception: the last exception itself, with a note, once the attempts
            or the deadline run out; an exception not in ``retry_on`` at
            once, unchanged.
        TypeError: an option of the wrong kind, before the first attempt.
        ValueError: an option out of range, before the first attempt.

    Blocks during each attempt and each backoff sleep.  Cancellation during
    either propagates at once and is never retried.
    """
    check_callable("fn", fn)
    options = check_options(
        attempts, base_delay, max_delay, multiplier, jitter, retry_on, deadline, on_retry, rng
    )
    return await _retry(fn, options)


def retrying(
    **options: Any,
) -> Callable[[Callable[P, Awaitable[T]]], Callable[P, Awaitable[T]]]:
    """``retry`` as a decorator: ``@retrying(attempts=5, retry_on=OSError)``.

    Raises:
        TypeError: an option of the wrong kind, or an unknown one, when the
            decorator is made.
        ValueError: an option out of range, when the decorator is made.

    The options are checked once, here.  Each call of the decorated function
    is retried as ``retry`` would, and blocks and is cancelled as ``retry``
    is: cancellation is never retried.
    """
    checked = check_options(**options)

    def decorate(fn: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        @functools.wraps(fn)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            return await _retry(functools.partial(fn, *args, **kwargs), checked)

        return wrapper

    return decorate


async def _retry(fn: Callable[[], Awaitable[T]], options: RetryOptions) -> T:
    start = anyio.current_time()  # the deadline counts from before the first attempt
    attempt = 0
    while True:
        attempt += 1
        try:
            return await fn()
        except options.retry_on as exc:
            if isinstance(exc, (anyio.get_cancelled_exc_class(), *NEVER_RETRIED)):
                raise
            delay = options.delay(attempt)
            if give_up := options.give_up(attempt, anyio.current_time() - start, delay):
                exc.add_note(give_up)
                raise
            if options.on_retry is not None:
                options.on_retry(attempt, exc, delay)
            last = exc
        # Outside the except block: a cancellation here must not carry exc as its context.
        await anyio.sleep(delay)
        if late := options.past_deadline(attempt, anyio.current_time() - start):
            last.add_note(late)  # the clock woke us late: no attempt starts past the deadline
            raise last
