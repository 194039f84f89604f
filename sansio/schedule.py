"""Drift-free schedules: which tick comes next (pure arithmetic, no I/O)."""

from __future__ import annotations

import math

_SLACK = 1e-9  # in intervals: how far past a tick still counts as on it


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
