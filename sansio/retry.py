"""The options of ``retry``, checked once, and the backoff arithmetic (no I/O here)."""

from __future__ import annotations

import functools
import inspect
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from .validate import check_callable, check_count, check_number

# Never retried whatever retry_on says, besides the backend's cancellation.
NEVER_RETRIED: tuple[type[BaseException], ...] = (KeyboardInterrupt, SystemExit, GeneratorExit)


@dataclass(frozen=True)
class RetryOptions:
    attempts: int
    base_delay: float
    max_delay: float
    multiplier: float
    jitter: bool
    retry_on: tuple[type[BaseException], ...]
    deadline: float | None
    on_retry: Callable[[int, BaseException, float], object] | None
    rng: Any

    def delay(self, attempt: int) -> float:
        """The sleep after failed attempt number ``attempt`` (1-based)."""
        try:
            grown = self.base_delay * self.multiplier ** (attempt - 1)
        except OverflowError:  # 2.0 ** 1024 and beyond: far past any max_delay
            grown = math.inf if self.base_delay else 0.0
        capped = min(self.max_delay, grown)
        return self.rng.uniform(0, capped) if self.jitter else capped

    def past_deadline(self, attempt: int, elapsed: float) -> str | None:
        """The note to add if no attempt may start now (a late wake-up), else ``None``."""
        if self.deadline is not None and elapsed > self.deadline:
            return (
                f"retry: gave up after {attempt} attempt{'s' if attempt > 1 else ''}: "
                f"woke past the {self.deadline:g} s deadline"
            )
        return None

    def give_up(self, attempt: int, elapsed: float, delay: float) -> str | None:
        """The note to add if this failure is the last, else ``None``."""
        made = f"{attempt} attempt{'s' if attempt > 1 else ''}"
        if attempt >= self.attempts:
            return f"retry: gave up after {made}"
        if self.deadline is not None and elapsed + delay > self.deadline:
            return (
                f"retry: gave up after {made}: the next would start past "
                f"the {self.deadline:g} s deadline"
            )
        return None


def check_options(
    fn: object,
    attempts: object = 3,
    base_delay: object = 0.1,
    max_delay: object = 10.0,
    multiplier: object = 2.0,
    jitter: object = True,
    retry_on: object = Exception,
    deadline: object = None,
    on_retry: Any = None,
    rng: object = None,
) -> RetryOptions:
    """Validate every option (rule 3) before the first attempt.

    Typed ``object``: callers may pass anything at run time.  retry wraps
    calls that usually succeed at once, so this is paid on every call, and
    options seen before are not checked again.  The last ones are known by
    identity: most callers pass the very same objects each time (defaults,
    literals, constants), and nine ``is`` tests cost less than hashing nine
    values (and, unlike ``==``, never take 1 for True).  Older ones are
    found in a cache keyed by value and type.  A function, not a method of
    RetryOptions: looking a method up on the class would cost every call too.
    """
    global _last
    if not callable(fn):  # tested here first: calling check_callable costs more
        check_callable("fn", fn)
    seen, options = _last
    (  # unpacked: cheaper than indexing nine times
        last_attempts,
        last_base_delay,
        last_max_delay,
        last_multiplier,
        last_jitter,
        last_retry_on,
        last_deadline,
        last_on_retry,
        last_rng,
    ) = seen
    if (
        attempts is last_attempts
        and base_delay is last_base_delay
        and max_delay is last_max_delay
        and multiplier is last_multiplier
        and jitter is last_jitter
        and retry_on is last_retry_on
        and deadline is last_deadline
        and on_retry is last_on_retry
        and rng is last_rng
    ):
        return options
    given = (
        attempts,
        base_delay,
        max_delay,
        multiplier,
        jitter,
        retry_on,
        deadline,
        on_retry,
        rng,
    )
    try:
        found: RetryOptions | None = _checked(*given)
    except TypeError:
        # An unhashable option, which the cache cannot hold, or a bad one:
        # checked again below, outside this handler, so its error comes alone.
        found = None
    options = _check(*given) if found is None else found
    _last = (given, options)
    return options


def _exception_classes(retry_on: object) -> tuple[type[BaseException], ...]:
    candidates: tuple[object, ...] = (
        cast(tuple[object, ...], retry_on) if isinstance(retry_on, tuple) else (retry_on,)
    )
    classes: list[type[BaseException]] = []
    for candidate in candidates:
        if not (inspect.isclass(candidate) and issubclass(candidate, BaseException)):
            raise TypeError(
                f"retry_on must be an exception class or a tuple of them, not {candidate!r}"
            )
        classes.append(candidate)
    return tuple(classes)


def _check(
    attempts: object,
    base_delay: object,
    max_delay: object,
    multiplier: object,
    jitter: object,
    retry_on: object,
    deadline: object,
    on_retry: Any,
    rng: object,
) -> RetryOptions:
    if not isinstance(jitter, bool):
        raise TypeError(f"jitter must be a bool, not {type(jitter).__name__}")
    if on_retry is not None:
        check_callable("on_retry", on_retry)
    if rng is not None and not isinstance(rng, random.Random):
        raise TypeError(f"rng must be a random.Random, not {type(rng).__name__}")
    return RetryOptions(
        attempts=check_count("attempts", attempts, minimum=1),
        base_delay=check_number("base_delay", base_delay, allow_inf=True),
        max_delay=check_number("max_delay", max_delay, allow_inf=True),
        multiplier=check_number("multiplier", multiplier, minimum=1),
        jitter=jitter,
        retry_on=_exception_classes(retry_on),
        deadline=None
        if deadline is None
        else check_number("deadline", deadline, exclusive=True, allow_inf=True),
        on_retry=on_retry,
        rng=random if rng is None else rng,
    )


# Only successful checks are cached (an error is raised, not stored).  typed:
# an equal option of another type must be checked anew, or jitter=1 and
# attempts=3.0 would pass once jitter=True and attempts=3 had been seen.
_checked = functools.lru_cache(maxsize=256, typed=True)(_check)

# The options checked last, with the very objects given for them (the defaults
# until the first check).  One tuple, replaced whole, so threads need no lock.
_DEFAULTS = (3, 0.1, 10.0, 2.0, True, Exception, None, None, None)
_last: tuple[tuple[object, ...], RetryOptions] = (_DEFAULTS, _check(*_DEFAULTS))
