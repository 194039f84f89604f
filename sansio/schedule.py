"""Drift-free schedules: which tick comes next (pure arithmetic, no I/O)."""

from __future__ import annotations

import math

from .validate import check_number

_SLACK = 1e-9  # in intervals: how far past a tick still counts as on it

MIN_INTERVAL = 1e-9
"""The shortest interval a schedule takes: a nanosecond, finer than any event
loop's clock.  Below it, ``(now - start) / interval`` can overflow a float."""


def check_interval(interval: object) -> float:
    """``interval`` as a float, if it is a number of at least ``MIN_INTERVAL`` seconds.

    Raises:
        ValueError: ``interval`` is below ``MIN_INTERVAL``, NaN or infinite.
        TypeError: ``interval`` is not a number.
    """
    return check_number("interval", interval, minimum=MIN_INTERVAL)


def next_tick(start: float, interval: float, last: int, now: float) -> int:
    """The first tick after ``last`` that is not strictly in the past.

    Tick k falls at ``start + k * interval``.  One that passed while the
    caller was busy is skipped, never made up.  A tick reached exactly, give
    or take float rounding (0.3 + 0.9 is 1.2000000000000002), has not passed.
    """
    tick = max(last + 1, math.ceil((now - start) / interval - _SLACK))
    if tick - 1 > last and start + (tick - 1) * interval >= now - _SLACK * interval:
        tick -= 1
    return tick
