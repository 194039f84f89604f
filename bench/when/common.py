"""The model of a "when to use async" measurement, and timing one.

A measurement runs all its variants itself, since they are not all inside
an event loop (the synchronous baseline, threads, processes, interpreters
started afresh), and returns one ``Result`` per target and variant: seconds
per unit, the median of ``repeats`` runs.  ``median_in_loop`` times a
workload inside a target's loop (``bench.common.time_once``);
``median_seconds`` anything else.  Every workload checks its own answer
(``bench.common.check``), so a broken one cannot report a time.
"""

from __future__ import annotations

import importlib
import pkgutil
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.common import Workload, time_once
from tools.registry import BENCH_TARGETS, Target, default_style

PLAIN = "python"
"""The ``target`` of a result measured without any event loop: plain synchronous Python."""

TARGETS: tuple[Target, ...] = tuple(
    target for target in BENCH_TARGETS if target.style == default_style(target.package)
)
"""One target per package and loop (cancel styles do not change these times)."""


@dataclass(frozen=True)
class Row:
    key: str
    situation: str
    verdict: str
    """What the lesson's table says."""


ROWS = (
    Row("network", "Many network requests", "Yes"),
    Row("database", "Database queries", "Yes (with an async driver)"),
    Row("files", "File I/O", "Maybe (aiofiles)"),
    Row("cpu", "CPU-heavy work, and blocking calls", "No (use multiprocessing)"),
    Row("events", "Real-time events", "Yes"),
    Row("scripts", "Simple scripts", "Usually overkill"),
)
ROW_KEYS = tuple(row.key for row in ROWS)


@dataclass(frozen=True)
class Result:
    target: str
    """A target id, or ``PLAIN``."""
    variant: str
    """What ran: ``ours``, ``sync``, ``aiofiles``, ``inline``, ``thread``..."""
    seconds: float
    """Per unit, the median of the repeats."""
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Measurement:
    row: str
    name: str
    unit: str
    baseline: str
    """The variant the others are compared with (``sync``, ``inline``...)."""
    size: int
    quick_size: int
    tiny_size: int
    """The size the suite checks every workload at."""
    run: Callable[[int, int], list[Result]]
    """``run(size, repeats)``: every result of this measurement."""
    code: str
    """The module that measures it, for the table's links."""


MEASUREMENTS: list[Measurement] = []


def measurement(
    row: str,
    name: str,
    *,
    unit: str,
    baseline: str,
    size: int,
    quick_size: int,
    tiny_size: int,
) -> Callable[[Callable[[int, int], list[Result]]], Measurement]:
    """Register ``run(size, repeats) -> [Result]`` as the measurement ``name`` of ``row``."""
    if row not in ROW_KEYS:
        raise ValueError(f"row must be one of {ROW_KEYS}, got {row!r}")

    def register(run: Callable[[int, int], list[Result]]) -> Measurement:
        code = run.__module__.replace(".", "/") + ".py"
        made = Measurement(row, name, unit, baseline, size, quick_size, tiny_size, run, code)
        MEASUREMENTS.append(made)
        return made

    return register


def median_seconds(run: Callable[[], object], repeats: int, units: int) -> float:
    """Seconds per unit: the median of ``repeats`` timed calls of ``run()``, each of ``units``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) / units


def median_in_loop(target: Target, workload: Workload, repeats: int, units: int) -> float:
    """Seconds per unit: the median of ``repeats`` runs of ``workload``, each timed in its loop."""
    return statistics.median(time_once(target, workload) for _ in range(repeats)) / units


def load() -> list[Measurement]:
    """Import every measurement module of this package; their measurements in the table's order."""
    package = Path(__file__).parent
    for info in pkgutil.iter_modules([str(package)]):
        if info.name not in ("common", "__main__"):
            importlib.import_module(f"bench.when.{info.name}")
    return sorted(MEASUREMENTS, key=lambda m: ROW_KEYS.index(m.row))
