"""The options of ``retry``, checked, and the backoff arithmetic (no I/O here)."""

from __future__ import annotations

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
    attempts: object = 3,
    base_delay: object = 0.1,
    max_delay: object = 10.0,
    multiplier: object = 2.0,
    jitter: object = True,
    retry_on: object = Exception,
    deadline: object = None,
    on_retry: object = None,
    rng: object = None,
) -> RetryOptions:
    """Check every option of ``retry`` (rule 3) and return them as ``RetryOptions``.

    Typed ``object``: callers may pass anything at run time.  ``retry`` calls
    this on every call, ``retrying`` once, when the decorator is made.

    Raises:
        TypeError: an option of the wrong kind (``attempts=3.0``,
            ``jitter=1``, ``retry_on="OSError"``, ...).
        ValueError: an option out of range (``attempts < 1``, a negative
            delay, ``multiplier < 1``, ``deadline <= 0``, NaN).
    """
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
        on_retry=cast(Callable[[int, BaseException, float], object] | None, on_retry),
        rng=random if rng is None else rng,
    )


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
