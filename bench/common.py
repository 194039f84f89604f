"""Timing helpers shared by the benchmarks: interleaved runs, medians, a plain table."""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import anyio

# (label, package, backend): every implementation on every backend it supports.
TARGETS = [
    ("asyncio_impl-asyncio", "asyncio_impl", "asyncio"),
    ("trio_impl-trio", "trio_impl", "trio"),
    ("anyio_impl-asyncio", "anyio_impl", "asyncio"),
    ("anyio_impl-trio", "anyio_impl", "trio"),
]


@dataclass
class Result:
    name: str
    seconds: float
    count: int

    @property
    def per_second(self) -> float:
        return self.count / self.seconds

    @property
    def micros_each(self) -> float:
        return self.seconds / self.count * 1e6


def timed_run(backend: str, main: Callable[[], Awaitable[object]]) -> float:
    """Seconds one ``anyio.run`` of ``main`` takes on ``backend`` (wall clock, on purpose)."""
    start = time.perf_counter()
    anyio.run(main, backend=backend)
    return time.perf_counter() - start


def interleaved(
    cases: Mapping[str, tuple[str, Callable[[], Awaitable[object]]]], count: int, repeat: int
) -> list[Result]:
    """Run every case once to warm up, then ``repeat`` times, round-robin; keep the medians.

    Interleaving spreads the machine's noise over every case instead of
    letting it land on one.
    """
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for backend, main in cases.values():
        timed_run(backend, main)  # warm-up: imports, first-loop costs
    for _ in range(repeat):
        for name, (backend, main) in cases.items():
            samples[name].append(timed_run(backend, main))
    return [Result(name, statistics.median(samples[name]), count) for name in cases]


def table(title: str, rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = [title, "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(lines)


def check(ok: bool) -> None:
    """A benchmark whose workload gave a wrong answer must not report a time."""
    if not ok:
        raise AssertionError("the benchmark's workload produced a wrong result")
