"""File I/O: each target's ``files.read_all`` against plain synchronous reads of the same files.

Two workloads: many small files (2,000 of 4 KiB: seconds per file) and a
few large ones (4 of 32 MiB: seconds per MiB), each on this machine's disk
(a directory under ``build/``) and on tmpfs (``/dev/shm``, memory only; if
there is none, the result says so).  The variants:

- ``sync`` (plain Python): ``Path.read_bytes()`` in a loop, what a simple
  script does;
- ``threads`` (plain Python): the same reads, 10 at once, in a
  ``ThreadPoolExecutor`` (its threads started before the timing, as the
  event loops' are): the synchronous way to overlap them;
- ``ours`` (each target): ``files.read_all(paths, limit=10)``, the exercise:
  each read in a worker thread, 10 at once;
- ``aiofiles`` (the asyncio package's targets): ``aiofiles.open`` and
  ``read``, 10 at once through an ``asyncio.Semaphore``: the library the
  lesson names.

Files are read warm: one untimed read first puts them in the page cache, as
for files read again and again, and every timed run finds them there.  Cold
reads, from the device, are not measured: that needs the page cache dropped
(root, and the whole machine slowed) before every run.  On asyncio both
``ours`` and ``aiofiles`` go through the loop's default executor, which on
this machine has ``min(32, cores + 4)`` threads: fewer than 10 on a small
machine.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiofiles  # type: ignore[import-untyped]

from bench.common import Warmed, check
from tools.registry import ROOT

from .common import (
    PLAIN,
    TARGETS,
    Measurement,
    Result,
    measurement,
    median_in_loop,
    median_seconds,
)

LIMIT = 10
SMALL = 4 << 10  # bytes per small file
LARGE_FILES = 4
TMPFS = Path("/dev/shm")


@dataclass(frozen=True)
class Place:
    name: str
    parent: Path
    made_here: bool = False
    """Whether the measurement may create ``parent`` (a build directory), or must find it."""

    def missing(self) -> str:
        """Why files cannot be put here, or ``""``."""
        if self.made_here or self.parent.is_dir():
            return ""
        return f"no {self.name} here: {self.parent} does not exist"

    @contextmanager
    def files(self, count: int, size: int) -> Iterator[list[Path]]:
        """``count`` files of ``size`` random bytes, here, removed afterwards."""
        self.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="when-files-", dir=self.parent) as folder:
            paths = [Path(folder) / f"{index:05}.bin" for index in range(count)]
            for path in paths:
                path.write_bytes(os.urandom(size))
            yield paths


PLACES = (Place("disk", ROOT / "build", made_here=True), Place("tmpfs", TMPFS))


def _file_system(folder: Path) -> str:
    """The file system type of the mount holding ``folder`` (``ext4``, ``tmpfs``), if known."""
    try:
        mounts = [line.split() for line in Path("/proc/mounts").read_text().splitlines()]
    except OSError:
        return "unknown"
    inside = folder.resolve().as_posix() + "/"
    best, kind = "", "unknown"
    for fields in mounts:
        point = fields[1].rstrip("/") + "/"
        if inside.startswith(point) and len(point) > len(best):
            best, kind = point, fields[2]
    return kind


def _sync(paths: list[Path], expected: int) -> Callable[[], None]:
    def run() -> None:
        check(sum(len(path.read_bytes()) for path in paths) == expected)

    return run


def _threads(pool: ThreadPoolExecutor, paths: list[Path], expected: int) -> Callable[[], None]:
    def run() -> None:
        check(sum(map(len, pool.map(Path.read_bytes, paths))) == expected)

    return run


def _ours(read_all: Callable[..., Any], paths: list[Path], expected: int) -> Warmed:
    async def run() -> None:
        check(sum(map(len, await read_all(paths, limit=LIMIT))) == expected)

    async def warm_up() -> None:  # the loop's worker threads, started untimed
        await read_all(paths[:LIMIT], limit=LIMIT)

    return Warmed(run, warm_up)


async def _aiofiles_read_all(paths: list[Path]) -> list[bytes]:
    slots = asyncio.Semaphore(LIMIT)
    results: list[bytes] = [b""] * len(paths)

    async def read(index: int, path: Path) -> None:
        async with slots, aiofiles.open(path, "rb") as file:
            results[index] = await file.read()

    async with asyncio.TaskGroup() as group:
        for index, path in enumerate(paths):
            group.create_task(read(index, path))
    return results


def _aiofiles(paths: list[Path], expected: int) -> Warmed:
    async def run() -> None:
        check(sum(map(len, await _aiofiles_read_all(paths))) == expected)

    async def warm_up() -> None:
        await _aiofiles_read_all(paths[:LIMIT])

    return Warmed(run, warm_up)


def _measure(place: Place, count: int, size: int, repeats: int, units: int) -> list[Result]:
    """Every variant reading ``count`` files of ``size`` bytes at ``place``; seconds per unit."""
    if place.missing():
        return [Result(PLAIN, "sync", float("nan"), note=place.missing())]
    with place.files(count, size) as paths:
        expected = count * size
        _sync(paths, expected)()  # into the page cache: every timed run reads warm
        where = f"{paths[0].parent} ({_file_system(paths[0].parent)}), read warm"
        results = [
            Result(PLAIN, "sync", median_seconds(_sync(paths, expected), repeats, units), where)
        ]
        with ThreadPoolExecutor(LIMIT) as pool:  # its threads started untimed, as the loops' are
            list(pool.map(Path.read_bytes, paths[:LIMIT]))
            threads = median_seconds(_threads(pool, paths, expected), repeats, units)
        results.append(Result(PLAIN, "threads", threads))
        for target in TARGETS:
            read_all = target.module("files").read_all
            ours = median_in_loop(target, _ours(read_all, paths, expected), repeats, units)
            results.append(Result(target.id, "ours", ours))
        for target in TARGETS:
            if target.package == "asyncio_impl":
                peer = median_in_loop(target, _aiofiles(paths, expected), repeats, units)
                results.append(Result(target.id, "aiofiles", peer))
    return results


def _register(place: Place) -> list[Measurement]:
    @measurement(
        "files",
        f"many small files, {SMALL >> 10} KiB each, on {place.name}",
        unit="file",
        baseline="sync",
        size=2_000,
        quick_size=200,
        tiny_size=5,
    )
    def small_files(size: int, repeats: int) -> list[Result]:
        return _measure(place, size, SMALL, repeats, size)

    @measurement(
        "files",
        f"{LARGE_FILES} large files, 32 MiB each at full size, on {place.name}",
        unit="MiB",
        baseline="sync",
        size=128,
        quick_size=4,
        tiny_size=1,
    )
    def large_files(size: int, repeats: int) -> list[Result]:
        return _measure(place, LARGE_FILES, (size << 20) // LARGE_FILES, repeats, size)

    return [small_files, large_files]


FILES = [made for place in PLACES for made in _register(place)]
"""Every measurement of this module: small and large files, on disk and on tmpfs."""
