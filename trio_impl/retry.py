"""Retry with capped exponential backoff and full jitter.

Before attempt n+1 the call sleeps d = min(max_delay, base_delay ·
multiplier^(n−1)), or with ``jitter`` a uniform draw from [0, d] ("full
jitter", as in stamina and the AWS architecture blog), using trio's own
``sleep``: cancelling the caller during a backoff ends it at once.

What must never be retried, whatever ``retry_on`` says: cancellation
(``trio.Cancelled``; tenacity issues 529 and 505 are this bug), and
``KeyboardInterrupt``, ``SystemExit`` and ``GeneratorExit``.  Giving up
re-raises the last exception object itself, with a note (``add_note``)
saying how many attempts were made, so tracebacks and ``except`` clauses see
the real error.  ``fn`` runs in the caller's own task, so a cancellation
exception from it is the caller's cancellation as far as anyone can tell:
it propagates as is.  If ``fn`` turns the caller's cancellation into an error
of its own, trio's level-triggered cancellation cancels the next sleep, so
nothing is retried.  stamina's defaults and reasoning (``docs/motivation.md``):
bounded attempts and a deadline, jitter on by default, and only the
exceptions you name retried.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

import trio

from sansio.retry import NEVER_RETRIED, RetryOptions, check_options

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
        The last exception itself, with a note, once attempts or the deadline
        run out; an exception not in ``retry_on`` at once, unchanged.
        ValueError / TypeError: bad options, before the first attempt.

    Cancellation during an attempt or a backoff sleep propagates at once and
    is never retried.
    """
    options = check_options(
        fn, attempts, base_delay, max_delay, multiplier, jitter, retry_on, deadline, on_retry, rng
    )
    return await _retry(fn, options)


def retrying(
    **options: Any,
) -> Callable[[Callable[P, Awaitable[T]]], Callable[P, Awaitable[T]]]:
    """``retry`` as a decorator: ``@retrying(attempts=5, retry_on=OSError)``.

    The options are checked once, when the decorator is made.  Each call of the
    decorated function is retried as ``retry`` would; cancellation is never
    retried.
    """
    checked = check_options(lambda: None, **options)

    def decorate(fn: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        @functools.wraps(fn)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            return await _retry(functools.partial(fn, *args, **kwargs), checked)

        return wrapper

    return decorate


async def _retry(fn: Callable[[], Awaitable[T]], options: RetryOptions) -> T:
    # The clock matters only for a deadline, which counts from here, before the
    # first attempt: without one it is not read at all, a read being a large
    # share of what retry costs when the first attempt succeeds.
    start = trio.current_time() if options.deadline is not None else 0.0
    attempt = 0
    while True:  # give_up() ends it; a range() would cost more when the first attempt succeeds
        attempt += 1
        try:
            return await fn()
        except options.retry_on as exc:
            if isinstance(exc, (trio.Cancelled, *NEVER_RETRIED)):
                raise
            delay = options.delay(attempt)
            if give_up := options.give_up(attempt, trio.current_time() - start, delay):
                exc.add_note(give_up)
                raise
            if options.on_retry is not None:
                options.on_retry(attempt, exc, delay)
            last = exc
        await trio.sleep(delay)
        if late := options.past_deadline(attempt, trio.current_time() - start):
            last.add_note(late)  # the clock woke us late: no attempt starts past the deadline
            raise last
