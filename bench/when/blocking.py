"""CPU-heavy work and blocking calls: what they do to an event loop, and what offloading buys.

Two measurements, the lesson's "Problem with Blocking I/O" and its advice
for CPU-bound work ("No: use multiprocessing"):

- *a ticker's lateness during a blocking call*: on each target, a task that
  wants to wake every 10 ms records how late each wake-up is, while another
  task makes one blocking call (``time.sleep``, standing for blocking I/O)
  three ways: ``inline`` (called right in the coroutine: it holds the
  loop), ``thread`` (the target's ``offload.run_blocking``) and ``process``
  (the target's ``offload.run_in_process``).  The result is the latest
  wake-up's lateness; the note has the median wake-up's.  Inline, the
  wake-up due during the call comes when it returns: at least the call's
  length, less one tick, late (the ticker may have just gone to sleep when
  the call began).
- *a CPU-bound job: the GIL made visible*: four jobs of pure-Python
  arithmetic (``bench.when._cpu_job``), ``sync`` (plain Python, one after
  another), ``thread`` (plain Python's ``ThreadPoolExecutor``, and each
  target's ``run_blocking`` through ``fanout.run_all``) and ``process``
  (plain Python's ``ProcessPoolExecutor``, and each target's
  ``run_in_process`` through ``fanout.run_all``).  Seconds per job.  Threads take as long as
  one after another, since only the thread holding the GIL runs Python
  bytecode; processes use every core.

The ticker and the caller run in an anyio task group on every target: the
harness is the same everywhere, and what differs is the loop and the
target's ``offload``.  (Not in the target's ``run_all``: an inline call
under exercise code is what the suite's blockbuster fixture rightly fails;
this one is the benchmark's own, on purpose.)  Pools are started before anything is timed (a first
call, untimed), so the times are of the work, not of a pool's start-up;
``asyncio_impl.run_in_process`` has no pool (a process per call, so that
cancellation can kill it) and pays a process start in every call.
``tools.demo blocking`` prints both measurements as a table.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from functools import partial
from math import isqrt
from typing import Any, TypeVar

import anyio

from bench.common import Warmed, Workload, check
from testkit.offload_work import sleep_then_return
from tools.registry import Target

from ._cpu_job import count_primes
from .common import PLAIN, TARGETS, Result, measurement, median_in_loop, median_seconds

T = TypeVar("T")

Call = Callable[..., Awaitable[Any]]
"""``await call(fn, *args)``: one way of calling a plain function from a coroutine."""

VARIANTS = ("inline", "thread", "process")
TICK = 0.01
"""The ticker wants to wake up every 10 ms."""
SETTLE = 5 * TICK
"""How long the caller lets the ticker tick before and after the blocking call."""
JOBS = 4
"""CPU-bound jobs run at once: more than a small machine's cores (2 here), to keep them busy."""
WORKERS = os.cpu_count() or 1
"""``ProcessPoolExecutor``'s default, as trio-parallel's and anyio's default limiters."""


async def _inline(fn: Callable[..., T], *args: Any) -> T:
    """Call ``fn`` right here, in the event loop's thread: nothing else runs until it returns."""
    return fn(*args)


def calls(target: Target) -> dict[str, Call]:
    """How each variant calls a plain function on ``target``."""
    offload = target.module("offload")
    return {"inline": _inline, "thread": offload.run_blocking, "process": offload.run_in_process}


# A ticker's lateness during a blocking call.


async def _tick(lateness: list[float], done: anyio.Event) -> None:
    """Sleep ``TICK`` at a time until ``done``, recording how late each wake-up is."""
    while not done.is_set():
        due = time.perf_counter() + TICK
        await anyio.sleep(TICK)
        lateness.append(time.perf_counter() - due)


def ticker_lateness(target: Target, variant: str, seconds: float) -> list[float]:
    """Each wake-up's lateness while a blocking call of ``seconds`` runs ``variant``'s way."""
    call = calls(target)[variant]

    async def main() -> list[float]:
        # Start the worker thread or process before the ticker does: its
        # lateness is then the call's, not a pool's start-up.
        check(await call(sleep_then_return, 0) == "woke")
        lateness: list[float] = []
        done = anyio.Event()

        async def caller() -> None:
            await anyio.sleep(SETTLE)
            check(await call(sleep_then_return, seconds) == "woke")
            await anyio.sleep(SETTLE)  # the late wake-up is recorded, then a few on time
            done.set()

        async with anyio.create_task_group() as group:
            group.start_soon(_tick, lateness, done)
            group.start_soon(caller)
        return lateness

    return target.run(main)


def lateness(target: Target, variant: str, seconds: float, repeats: int) -> tuple[float, float]:
    """The latest and the median wake-up's lateness, each the median of ``repeats`` runs."""
    runs = [ticker_lateness(target, variant, seconds) for _ in range(repeats)]
    worst = statistics.median(max(run) for run in runs)
    typical = statistics.median(statistics.median(run) for run in runs)
    return worst, typical


@measurement(
    "cpu",
    "a ticker's lateness during a blocking call",
    unit="wake-up (the latest)",
    baseline="thread",
    size=200,
    quick_size=200,
    tiny_size=50,
)
def ticker(size: int, repeats: int) -> list[Result]:
    """``size``: the blocking call's milliseconds."""
    results = []
    for target in TARGETS:
        for variant in VARIANTS:
            worst, typical = lateness(target, variant, size / 1000, repeats)
            note = f"the median wake-up {typical * 1000:.2f} ms late"
            results.append(Result(target.id, variant, worst, note))
    return results


# A CPU-bound job: the GIL made visible.


def primes_below(limit: int) -> int:
    """The same count by a sieve, a different algorithm: what every job must answer."""
    if limit < 2:
        return 0
    sieve = bytearray([1]) * limit
    sieve[0] = sieve[1] = 0
    for n in range(2, isqrt(limit - 1) + 1):
        if sieve[n]:
            sieve[n * n :: n] = bytes(len(range(n * n, limit, n)))
    return sum(sieve)


def cpu_sync(limit: int, repeats: int) -> float:
    """Seconds per job, ``JOBS`` jobs one after another."""
    answers = [primes_below(limit)] * JOBS

    def run() -> None:
        check([count_primes(limit) for _ in range(JOBS)] == answers)

    return median_seconds(run, repeats, JOBS)


def cpu_threads(limit: int, repeats: int) -> float:
    """Seconds per job, ``JOBS`` jobs at once in as many threads."""
    answers = [primes_below(limit)] * JOBS

    def run() -> None:
        with ThreadPoolExecutor(JOBS) as pool:
            check(list(pool.map(count_primes, [limit] * JOBS)) == answers)

    return median_seconds(run, repeats, JOBS)


def cpu_processes(limit: int, repeats: int) -> float:
    """Seconds per job, ``JOBS`` jobs at once in a pool of ``WORKERS`` processes."""
    answers = [primes_below(limit)] * JOBS
    # spawn, as asyncio_impl and trio-parallel: fork in a process with
    # threads can deadlock (and Python 3.12+ warns).
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(WORKERS, mp_context=spawn) as pool:

        def run() -> None:
            check(list(pool.map(count_primes, [limit] * JOBS)) == answers)

        run()  # untimed: every worker has started and imported the job's module
        return median_seconds(run, repeats, JOBS)


def cpu_offloaded(target: Target, variant: str, limit: int, repeats: int) -> float:
    """Seconds per job, ``JOBS`` jobs through ``fanout.run_all`` and ``variant``'s offload."""
    run_all: Callable[..., Awaitable[list[int]]] = target.module("fanout").run_all
    call = calls(target)[variant]

    def batch(limit: int, jobs: int) -> Workload:
        answers = [primes_below(limit)] * jobs

        async def run() -> None:
            check(await run_all([partial(call, count_primes, limit)] * jobs) == answers)

        return run

    # Untimed, a small job per core at once: trio-parallel's and anyio's
    # limiters allow a worker process per core, and each one starts now.
    warmed = Warmed(batch(limit, JOBS), warm_up=batch(10, WORKERS))
    return median_in_loop(target, warmed, repeats, JOBS)


@measurement(
    "cpu",
    "a CPU-bound job: the GIL made visible",
    unit="job",
    baseline="sync",
    size=150_000,
    quick_size=60_000,
    tiny_size=2_000,
)
def cpu_bound(size: int, repeats: int) -> list[Result]:
    """``size``: each job counts the primes below it (about 150 ms at 150 000 here)."""
    results = [
        Result(PLAIN, "sync", cpu_sync(size, repeats), f"{JOBS} jobs one after another"),
        Result(PLAIN, "thread", cpu_threads(size, repeats), f"ThreadPoolExecutor({JOBS})"),
        Result(PLAIN, "process", cpu_processes(size, repeats), f"ProcessPoolExecutor({WORKERS})"),
    ]
    for target in TARGETS:
        for variant in ("thread", "process"):
            results.append(
                Result(target.id, variant, cpu_offloaded(target, variant, size, repeats))
            )
    return results
