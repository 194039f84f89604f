"""Time and peak memory of fanout.run_all and workers.process from 10^3 to 10^6 items.

Each point runs in a fresh process, so its peak resident memory is its own.
``run_all`` holds a task per child by design, so its memory grows with N;
``process`` over a lazy input holds only its window of workers, so beyond
the result list the contract requires (8 bytes a slot) it must stay flat.
"""

from __future__ import annotations

import gc
import resource
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from tools.registry import Target

from .common import check

SCALING_WORKERS = 8
SCALED = {"fanout": "run_all", "workers": "process"}
"""The exercises scaled, and the call that is."""


async def _one() -> int:
    return 1


async def _none(item: int) -> None:
    return None


def workload(target: Target, exercise: str, size: int) -> Callable[[], Awaitable[int]]:
    """The scaled workload; returns how many bytes its result list takes."""
    if exercise == "fanout":
        run_all = target.module("fanout").run_all

        async def fan_out() -> int:
            results = await run_all([_one] * size)
            check(len(results) == size and sum(results) == size)
            return sys.getsizeof(results)

        return fan_out
    process = target.module("workers").process

    async def lazily() -> int:
        results = await process((i for i in range(size)), _none, workers=SCALING_WORKERS)
        check(len(results) == size and results.count(None) == size)  # no second list in the peak
        return sys.getsizeof(results)

    return lazily


def _status_kib(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> int:
    """Reset the peak-RSS mark where Linux allows it; return the baseline in KiB."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:  # not Linux: the peak so far is the baseline
        return _max_rss_kib()
    return _status_kib("VmRSS") or _max_rss_kib()


def _max_rss_kib() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # macOS reports bytes


def measure_point(target: Target, exercise: str, size: int) -> dict[str, Any]:
    """One run at one size: seconds, µs per item, and peak memory growth in bytes."""
    target.run(workload(target, exercise, 10))  # first-run costs (lazy imports, caches) are not N's
    main = workload(target, exercise, size)
    result_bytes = 0

    async def timed() -> float:
        nonlocal result_bytes
        start = time.perf_counter()
        result_bytes = await main()
        return time.perf_counter() - start

    gc.collect()
    baseline = _reset_peak()
    seconds = target.run(timed)
    peak = _status_kib("VmHWM") or _max_rss_kib()
    return {
        "exercise": exercise,
        "target": target.id,
        "size": size,
        "seconds": seconds,
        "peak_growth_bytes": max(0, peak - baseline) * 1024,
        "result_bytes": result_bytes,
    }
