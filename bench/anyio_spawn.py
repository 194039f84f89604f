"""What spawning a task into an anyio task group costs, with the anyio that is installed.

anyio 4.14 added ``TaskHandle``: ``TaskGroup.start_soon`` now returns one,
and on both backends every spawn builds it, which creates a cancel scope and
an event (each found through ``get_async_backend()``) and runs the child
inside a wrapper coroutine that enters that scope.  That is paid by every
task, whether or not anyone looks at the handle.  This module measures it:
N no-op children spawned into an anyio task group and joined, on the asyncio
and the trio backend, next to the same children spawned into the raw
primitive anyio wraps there (``asyncio.TaskGroup``; a trio nursery).

Each workload times itself inside the event loop, from just before the group
is opened to just after it has joined, with ``time.perf_counter``: loop
start-up and teardown are left out.  The four workloads run once each to
warm up, then ``repeat`` times round-robin (anyio and raw alternate which
goes first), each after a ``gc.collect()`` so that one run's garbage is not
collected on the next one's clock.  The garbage collections a run triggers
itself stay in: they are part of what spawning costs.  Each workload checks
that every child ran, and raises instead of reporting a time if not.

The raw baseline absorbs the machine's speed and noise: the paired ratio
anyio/raw (per repetition, two runs next to each other) is the number that
compares across anyio versions, runs and machines.  Run the module once per
anyio version, appending to one file, then compare::

    python -m bench.anyio_spawn --count 100000 --repeat 5 --json build/bench/anyio_spawn.json
    python -m bench.anyio_spawn --compare build/bench/anyio_spawn.json

Only the standard library, anyio and trio are imported, so that this runs in
a bare venv with any anyio version pinned.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import re
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from importlib.metadata import distribution, version
from pathlib import Path

import anyio
import trio

Record = dict[str, object]

BACKENDS = ("asyncio", "trio")
RAW = {"asyncio": "asyncio.TaskGroup", "trio": "trio nursery"}


class _Counter:
    """The children's shared tally: a workload that lost a child must not report a time."""

    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done = 0

    async def tick(self) -> None:
        self.done += 1

    def check(self, count: int) -> None:
        if self.done != count:
            raise AssertionError(f"{self.done} of {count} children ran: the workload is broken")


async def _anyio_spawn(count: int) -> float:
    counter = _Counter()
    start = time.perf_counter()
    async with anyio.create_task_group() as group:
        for _ in range(count):
            group.start_soon(counter.tick)
    elapsed = time.perf_counter() - start
    counter.check(count)
    return elapsed


async def _asyncio_spawn(count: int) -> float:
    counter = _Counter()
    start = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        for _ in range(count):
            group.create_task(counter.tick())
    elapsed = time.perf_counter() - start
    counter.check(count)
    return elapsed


async def _trio_spawn(count: int) -> float:
    counter = _Counter()
    start = time.perf_counter()
    async with trio.open_nursery() as nursery:
        for _ in range(count):
            nursery.start_soon(counter.tick)
    elapsed = time.perf_counter() - start
    counter.check(count)
    return elapsed


def _run_anyio(backend: str) -> Callable[[int], float]:
    def run(count: int) -> float:
        return anyio.run(_anyio_spawn, count, backend=backend)

    return run


def _run_asyncio(count: int) -> float:
    return asyncio.run(_asyncio_spawn(count))


def _run_trio(count: int) -> float:
    return trio.run(_trio_spawn, count)


# (backend, "anyio" | "raw") -> a function that runs the workload in a fresh
# event loop and returns the seconds it measured inside it.
WORKLOADS: dict[tuple[str, str], Callable[[int], float]] = {
    ("asyncio", "anyio"): _run_anyio("asyncio"),
    ("asyncio", "raw"): _run_asyncio,
    ("trio", "anyio"): _run_anyio("trio"),
    ("trio", "raw"): _run_trio,
}


def _timed(workload: Callable[[int], float], count: int) -> float:
    """µs per task for one run of ``workload``, starting from a collected heap."""
    gc.collect()
    return workload(count) / count * 1e6


def installed_anyio_version() -> str:
    """The anyio version that is imported, refusing to guess if the metadata is for another copy."""
    dist = distribution("anyio")
    expected = Path(str(dist.locate_file("anyio/__init__.py"))).resolve()
    imported = Path(anyio.__file__ or "").resolve()
    if imported != expected:
        raise RuntimeError(
            f"anyio is imported from {imported}, but the installed anyio {dist.version} "
            f"is at {expected}: the version in the record would be wrong"
        )
    return dist.version


def measure(count: int, repeat: int) -> list[Record]:
    """One record per backend: anyio's task group against the raw one, ``repeat`` paired runs."""
    if count < 1 or repeat < 1:
        raise ValueError("count and repeat must be at least 1")
    anyio_version = installed_anyio_version()
    for workload in WORKLOADS.values():
        _timed(workload, count)  # warm-up: imports, first-loop and first-spawn costs
    samples: dict[tuple[str, str], list[float]] = {key: [] for key in WORKLOADS}
    for repetition in range(repeat):
        for backend in BACKENDS:
            order = ("anyio", "raw") if repetition % 2 == 0 else ("raw", "anyio")
            for kind in order:
                key = (backend, kind)
                samples[key].append(_timed(WORKLOADS[key], count))
    records: list[Record] = []
    for backend in BACKENDS:
        ours, raw = samples[backend, "anyio"], samples[backend, "raw"]
        ratios = [a / r for a, r in zip(ours, raw, strict=True)]
        records.append(
            {
                "anyio_version": anyio_version,
                "trio_version": version("trio"),
                "python_version": platform.python_version(),
                "python_implementation": platform.python_implementation(),
                "platform": f"{platform.system()} {platform.machine()}",
                "cpu_count": os.cpu_count(),
                "backend": backend,
                "raw": RAW[backend],
                "count": count,
                "repeat": repeat,
                "anyio_us_per_task": ours,
                "raw_us_per_task": raw,
                "anyio_us_per_task_median": statistics.median(ours),
                "raw_us_per_task_median": statistics.median(raw),
                "ratios": ratios,
                "ratio_median": statistics.median(ratios),
                "ratio_min": min(ratios),
                "ratio_max": max(ratios),
            }
        )
    return records


def load_records(path: Path) -> list[Record]:
    """The records in ``path``, or none if it does not exist yet."""
    if not path.exists():
        return []
    data: object = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise ValueError(f"{path} is not a JSON list of records")
    return [dict(item) for item in data]


def append_records(path: Path, records: Sequence[Record]) -> None:
    """Add ``records`` to the JSON list in ``path``, creating it (and its folder) if missing."""
    merged = [*load_records(path), *records]
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(merged, indent=2) + "\n", encoding="utf-8")
    partial.replace(path)  # a run killed half-way leaves the earlier records intact


def _version_key(text: str) -> tuple[tuple[int, ...], int, str]:
    """Orders ``4.9.0`` before ``4.16.0``, and ``4.16.0rc1`` before ``4.16.0``."""
    match = re.match(r"(\d+(?:\.\d+)*)(.*)", text)
    if match is None:
        return ((), 0, text)
    numbers = tuple(int(part) for part in match[1].split("."))
    while numbers and numbers[-1] == 0:
        numbers = numbers[:-1]
    suffix = match[2]
    return (numbers, 0 if suffix and not suffix.startswith(".post") else 1, suffix)


def _field(record: Mapping[str, object], name: str) -> object:
    if name not in record:
        raise ValueError(f"record without {name!r}: {dict(record)}")
    return record[name]


def _text(record: Mapping[str, object], name: str) -> str:
    value = _field(record, name)
    if not isinstance(value, str):
        raise ValueError(f"{name!r} is not a string in {dict(record)}")
    return value


def _numbers(record: Mapping[str, object], name: str) -> list[float]:
    value = _field(record, name)
    if not isinstance(value, list) or not value:
        raise ValueError(f"{name!r} is not a list of numbers in {dict(record)}")
    numbers: list[float] = []
    for item in value:
        if not isinstance(item, int | float) or isinstance(item, bool):
            raise ValueError(f"{name!r} is not a list of numbers in {dict(record)}")
        numbers.append(float(item))
    return numbers


def _number(value: float) -> str:
    return f"{value:.2f}"


def compare_table(records: Sequence[Mapping[str, object]]) -> str:
    """A markdown table with one row per (anyio version, backend).

    Records for the same anyio version and backend (runs repeated, appended
    to one file) are pooled: medians over all their repetitions.  The last
    two columns are relative to the oldest anyio version recorded for that
    backend: its µs/task, and its anyio/raw ratio, which is steadier across
    runs since the raw baseline absorbs the machine's speed.
    """
    groups: dict[tuple[str, str], list[Mapping[str, object]]] = {}
    for record in records:
        key = (_text(record, "backend"), _text(record, "anyio_version"))
        groups.setdefault(key, []).append(record)
    order = sorted(groups, key=lambda key: (key[0], _version_key(key[1])))
    header = [
        "anyio",
        "backend",
        "python",
        "trio",
        "tasks",
        "runs",
        "anyio µs/task",
        "raw µs/task",
        "anyio/raw median [min–max]",
        "µs/task vs oldest anyio",
        "anyio/raw vs oldest anyio",
    ]
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] * 4 + ["---:"] * (len(header) - 4)) + "|",
    ]
    oldest: dict[str, tuple[float, float]] = {}
    for backend, anyio_version in order:
        group = groups[backend, anyio_version]
        ours = [x for record in group for x in _numbers(record, "anyio_us_per_task")]
        raw = [x for record in group for x in _numbers(record, "raw_us_per_task")]
        ratios = [x for record in group for x in _numbers(record, "ratios")]
        median_ours, median_ratio = statistics.median(ours), statistics.median(ratios)
        first_ours, first_ratio = oldest.setdefault(backend, (median_ours, median_ratio))

        def joined(name: str, group: list[Mapping[str, object]] = group) -> str:
            return ", ".join(sorted({str(_field(record, name)) for record in group}))

        row = [
            anyio_version,
            backend,
            joined("python_version"),
            joined("trio_version"),
            joined("count"),
            str(len(ratios)),
            _number(median_ours),
            _number(statistics.median(raw)),
            f"{median_ratio:.2f} [{min(ratios):.2f}–{max(ratios):.2f}]",
            f"{median_ours / first_ours:.2f}×",
            f"{median_ratio / first_ratio:.2f}×",
        ]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.anyio_spawn",
        description=(__doc__ or "").split("\n\n", 1)[0],
    )
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument(
        "--json", type=Path, metavar="PATH", help="measure, and append the records to PATH"
    )
    mode.add_argument(
        "--compare", type=Path, metavar="PATH", help="print PATH's records as a markdown table"
    )
    parser.add_argument("--count", type=int, default=100_000, help="children per run")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per workload")
    options = parser.parse_args(argv)
    if options.compare is not None:
        records = load_records(options.compare)
        if not records:
            parser.error(f"no records in {options.compare}")
        print(compare_table(records))
        return 0
    if options.count < 1 or options.repeat < 1:
        parser.error("--count and --repeat must be at least 1")
    records = measure(options.count, options.repeat)
    append_records(options.json, records)
    print(compare_table(records))
    print(f"\nappended {len(records)} records to {options.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
