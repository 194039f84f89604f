"""The goals the benchmarks are held to: a table of data, and one function that judges any entry.

A goal names what it measures (``measure``), where (an exercise, a prefix of
its scenario names, a baseline variant, the targets it applies to) and the
threshold on one side of which every measured value must fall.  ``judge``
collects one value per target and scenario, and says "met" if every one is
on the right side, "missed" (with where) if any is not, and "not measured"
if there is no value at all: a goal is never met by default.

The code is judged by how it reads first.  A goal the plain code misses is
reported as missed, never chased with code that exists only to meet it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from .common import LIMITER_PEER, OURS, RAW, REFERENCE
from .stats import MB

AT_LEAST = "≥"
AT_MOST = "≤"


@dataclass(frozen=True)
class Goal:
    """One goal: ``measure`` of ``exercise``'s ``scenario`` against ``baseline``."""

    id: str
    text: str
    measure: str  # a key of MEASURES
    direction: str  # AT_LEAST or AT_MOST
    threshold: float
    exercise: str = ""
    scenario: str = ""  # a prefix of the scenario names it covers; "" for all
    baseline: str = RAW  # the variant compared with ours (speed and time)
    targets: tuple[str, ...] = ()  # target ids or packages it applies to; () for all


GOALS = (
    Goal("retry-tenacity", "retry ≥ 10× cheaper than tenacity on a first-time success",
         "speed", AT_LEAST, 10, exercise="retry", scenario="retry,", baseline="tenacity"),
    Goal("retry-stamina", "retry ≥ 10× cheaper than stamina on a first-time success",
         "speed", AT_LEAST, 10, exercise="retry", scenario="retry,", baseline="stamina"),
    Goal("workers-queue", "workers.process ≥ 0.8× the throughput of a hand-written queue loop",
         "speed", AT_LEAST, 0.8, exercise="workers", scenario="process"),
    Goal("workers-aiometer", "workers.process ≥ 1.5× the throughput of aiometer.amap",
         "speed", AT_LEAST, 1.5, exercise="workers", scenario="process",
         baseline="aiometer.amap"),
    Goal("fanout-task-group", "fanout.run_all ≤ 1.2× the time of the bare task group",
         "time", AT_MOST, 1.2, exercise="fanout", scenario="run_all"),
    Goal("pool-uncontended", "Pool acquire/release ≤ 1.5× a semaphore's time, uncontended",
         "time", AT_MOST, 1.5, exercise="pool", scenario="acquire/release, pool of 10, 1 task"),
    Goal("pool-contended", "Pool acquire/release ≤ 1.2× a semaphore's time, 100 tasks contending",
         "time", AT_MOST, 1.2, exercise="pool", scenario="acquire/release, pool of 10, 100 tasks"),
    Goal("fetch-httpx", "fetch_all ≤ 1.2× the time of bare httpx at the same limits",
         "time", AT_MOST, 1.2, exercise="fetch", scenario="fetch_all"),
    Goal("generators-raw", "generators ≤ 1.3× the time of the hand-written version",
         "time", AT_MOST, 1.3, exercise="generators"),
    # A hub, a task and a buffer per client, and the checks and the graceful
    # shutdown, against writing each line straight to each socket: half as much again.
    Goal("server-relay", "serve_chat fan-out to 100 clients ≤ 1.5× the time of a bare line relay",
         "time", AT_MOST, 1.5, exercise="server", scenario="fan-out"),
    Goal("limiter-aiolimiter", "RateLimiter.acquire that never waits ≤ 1× aiolimiter's time",
         "time", AT_MOST, 1.0, exercise="rate_limit", scenario="acquire",
         baseline="aiolimiter", targets=(REFERENCE.id,)),
    Goal("limiter-rate", "RateLimiter at 1,000/s, burst 10, delivers ≥ 99.9% of the rate",
         "delivered", AT_LEAST, 99.9, scenario="1,000/s, burst 10"),
    Goal("limiter-bound", "RateLimiter at 1,000/s, burst 10: no window w above burst + rate·w",
         "window excess", AT_MOST, 0, scenario="1,000/s, burst 10"),
    Goal("workers-memory",
         "workers.process peak memory over 10^6 lazy items ≤ 10 MB above its peak over 10^4",
         "memory growth", AT_MOST, 10, exercise="workers"),
)  # fmt: skip


class Cell(NamedTuple):
    """One measured value: on which target, in which scenario."""

    target: str
    scenario: str
    value: float


def _ours_rows(summary: dict[str, Any], goal: Goal) -> Iterator[dict[str, Any]]:
    for row in summary["rows"]:
        if row["variant"] == OURS and row["exercise"] == goal.exercise:
            yield row


def _time_ratio(row: dict[str, Any], baseline: str) -> float | None:
    found = row.get("vs_raw") if baseline == RAW else row.get("vs_peers", {}).get(baseline)
    return float(found["median"]) if found else None


def _time(summary: dict[str, Any], goal: Goal) -> Iterator[Cell]:
    """Ours' time ÷ the baseline's (paired median): below 1, ours is faster."""
    for row in _ours_rows(summary, goal):
        value = _time_ratio(row, goal.baseline)
        if value is not None:
            yield Cell(row["target"], row["scenario"], value)


def _speed(summary: dict[str, Any], goal: Goal) -> Iterator[Cell]:
    """The baseline's time ÷ ours': a throughput ratio, or how many times cheaper ours is."""
    for row in _ours_rows(summary, goal):
        value = _time_ratio(row, goal.baseline)
        if value:
            yield Cell(row["target"], row["scenario"], 1 / value)


def _asked(run: dict[str, Any]) -> str:
    return f"{run['rate']:,.0f}/s, burst {run['burst']}"


def _delivered(summary: dict[str, Any], goal: Goal) -> Iterator[Cell]:
    """Per cent of the asked rate that the limiter delivered against the real clock."""
    for run in summary.get("accuracy") or []:
        if run["target"] != LIMITER_PEER:
            yield Cell(run["target"], _asked(run), run["delivered"] * 100)


def _window_excess(summary: dict[str, Any], goal: Goal) -> Iterator[Cell]:
    """The most acquisitions any window held beyond burst + rate·w (0 or less: within)."""
    for run in summary.get("accuracy") or []:
        if run["target"] != LIMITER_PEER and run["windows"]:
            excess = max(w["most"] - w["bound"] for w in run["windows"].values())
            yield Cell(run["target"], _asked(run), round(excess, 9))  # bounds are floats


def _memory_growth(summary: dict[str, Any], goal: Goal) -> Iterator[Cell]:
    """MB of peak memory growth at 10^6 items beyond that at 10^4."""
    peaks = {
        (point["target"], point["size"]): point["peak_growth_bytes"]
        for point in summary.get("scaling") or []
        if point["exercise"] == goal.exercise
    }
    for (target, size), peak in peaks.items():
        if size == 10**6 and (target, 10**4) in peaks:
            yield Cell(target, "", (peak - peaks[target, 10**4]) / MB)


class Measure(NamedTuple):
    cells: Callable[[dict[str, Any], Goal], Iterator[Cell]]
    format: str


MEASURES = {
    "speed": Measure(_speed, "{:.3g}×"),
    "time": Measure(_time, "{:.2f}×"),
    "delivered": Measure(_delivered, "{:.2f}%"),
    "window excess": Measure(_window_excess, "{:+.1f}"),
    "memory growth": Measure(_memory_growth, "{:.1f} MB"),
}


def _applies(goal: Goal, cell: Cell) -> bool:
    package = cell.target.split("-")[0]
    in_targets = not goal.targets or cell.target in goal.targets or package in goal.targets
    return in_targets and cell.scenario.startswith(goal.scenario)


def _met(goal: Goal, value: float) -> bool:
    return value >= goal.threshold if goal.direction == AT_LEAST else value <= goal.threshold


def judge(goal: Goal, summary: dict[str, Any]) -> dict[str, Any]:
    """The goal against what ``summary`` measured: met, missed, or not measured."""
    measure = MEASURES[goal.measure]
    cells = [cell for cell in measure.cells(summary, goal) if _applies(goal, cell)]
    missed = [cell for cell in cells if not _met(goal, cell.value)]
    values = [cell.value for cell in cells]
    status = "not measured" if not cells else "missed" if missed else "met"
    return {
        "id": goal.id,
        "goal": goal.text,
        "status": status,
        "met": status == "met",
        "measured": len(cells),
        "missed": [f"{_where(cell)}: {measure.format.format(cell.value)}" for cell in missed],
        "range": [min(values), max(values)] if values else None,
        "format": measure.format,
    }


def _where(cell: Cell) -> str:
    return f"{cell.target} ({cell.scenario})" if cell.scenario else cell.target


def judge_all(summary: dict[str, Any], goals: tuple[Goal, ...] = GOALS) -> list[dict[str, Any]]:
    """Every goal in the table, in its order."""
    return [judge(goal, summary) for goal in goals]
