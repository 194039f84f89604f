"""What tracing costs: ``size`` no-op tasks through ``fanout.run_all``, traced and not.

The issue's bar is "tracing a 10,000-task run costs less than 2x the
untraced run".  A benchmark, not a test: ``python -m tools.trace --bench``
prints the ratio per target; the suite runs it at a tiny size only to see
that it works.  Every run is timed inside a fresh event loop of the target
on the real clock (``bench.common.time_once``'s way), traced and untraced
runs alternate, and each figure is the median of ``repeats``.

Two figures for a traced run: the run itself, recording (what the tracer
adds to the program under trace: the ratio), and reading the trace
afterwards (naming the tasks and making an ``Event`` of each of the
~50,000 records), which ``trace()`` does before it returns.

Why not a ``bench/*_bench.py`` scenario: that harness keys a scenario by its
exercise and compares our exercise with hand-written and peer versions of
it; this compares one exercise with itself under a tracer.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from bench.common import check
from tools.registry import Target

from . import run

SIZE = 10_000
REPEATS = 5


@dataclass(frozen=True)
class Overhead:
    target: str
    untraced: float  # seconds, medians
    traced: float
    reading: float

    @property
    def ratio(self) -> float:
        return self.traced / self.untraced

    @property
    def ratio_with_reading(self) -> float:
        return (self.traced + self.reading) / self.untraced


def measure(target: Target, *, size: int = SIZE, repeats: int = REPEATS) -> Overhead:
    """Median seconds of ``run_all`` over ``size`` no-op children: untraced, traced, reading."""
    run_all = target.module("fanout").run_all

    async def noop() -> int:
        return 1

    async def untraced() -> None:
        check(sum(await run_all([noop] * size)) == size)

    async def time_untraced() -> float:
        start = time.perf_counter()
        await untraced()
        return time.perf_counter() - start

    async def time_traced() -> tuple[float, float]:
        start = time.perf_counter()
        recorder = await run(untraced, "bench")
        recorded = time.perf_counter()
        events = recorder.events()
        read = time.perf_counter()
        check(sum(event.kind == "exited" for event in events) == size + 1)  # children and root
        return recorded - start, read - recorded

    plain: list[float] = []
    traced: list[tuple[float, float]] = []
    for _ in range(repeats):  # alternating, so that a slow spell of the machine hits both
        plain.append(target.run(time_untraced))
        traced.append(target.run(time_traced))
    return Overhead(
        target.id,
        statistics.median(plain),
        statistics.median(seconds for seconds, _ in traced),
        statistics.median(seconds for _, seconds in traced),
    )
