"""Argument checks that every exercise in every package uses (contract rule 3).

Out-of-range numbers and NaN raise ``ValueError``; the wrong kind of argument
raises ``TypeError``; every message names the parameter.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import TypeVar, cast

F = TypeVar("F", bound=Callable[..., object])


def check_number(
    name: str,
    value: object,
    *,
    minimum: float = 0.0,
    exclusive: bool = False,
    allow_inf: bool = False,
) -> float:
    """Return ``value`` as a float after checking its kind and range.

    ``allow_inf`` is for durations where infinity means "no limit".
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number, not {type(value).__name__}")
    try:
        value = float(value)
    except OverflowError:
        raise ValueError(f"{name} is out of range: too large for a float") from None
    if math.isnan(value):
        raise ValueError(f"{name} must not be NaN")
    if math.isinf(value) and not (allow_inf and value > 0):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if value < minimum or (exclusive and value == minimum):
        relation = ">" if exclusive else ">="
        raise ValueError(f"{name} must be {relation} {minimum:g}, got {value!r}")
    return value


def check_count(name: str, value: object, *, minimum: int) -> int:
    """Return ``value`` after checking it is an int of at least ``minimum``."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{name} must be a finite int, got {value!r}")
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return value


def check_callables(name: str, fns: Iterable[F]) -> list[F]:
    """Materialise ``fns`` and check that every element is callable."""
    candidate = cast(object, fns)  # callers may pass anything at run time
    if isinstance(candidate, str | bytes) or not isinstance(candidate, Iterable):
        raise TypeError(f"{name} must be an iterable of callables, not {type(fns).__name__}")
    checked = list(fns)
    for index, fn in enumerate(checked):
        if not callable(fn):
            raise TypeError(f"{name}[{index}] must be callable, not {type(fn).__name__}")
    return checked


def check_callable(name: str, fn: object) -> None:
    """Raise ``TypeError`` naming ``name`` unless ``fn`` is callable."""
    if not callable(fn):
        raise TypeError(f"{name} must be callable, not {type(fn).__name__}")
