"""File I/O off the event loop: read many files at once, write each one atomically.

>>> import asyncio
>>> import tempfile
>>> from pathlib import Path
>>> async def main(folder):
...     await write_atomically(folder / "a.txt", b"spam")  # all of it, or nothing
...     [copy] = await convert_all([folder / "a.txt"], folder / "out", bytes.upper)
...     return await read_all([folder / "a.txt", copy], limit=2)
>>> with tempfile.TemporaryDirectory() as name:
...     (Path(name) / "out").mkdir()
...     asyncio.run(main(Path(name)))
[b'spam', b'SPAM']

Linux has no asynchronous file API the event loop could use (a regular file
is always "ready"), so every file operation runs in a worker thread of the
loop's default executor, as ``asyncio.to_thread`` runs it; those threads
also cap the reads at once (``min(32, cores + 4)``).  asyncio has no file
objects of its own: the write is one plain function in one thread (create,
write, flush, ``fsync``), then a rename (``os.replace``) over the target.

Difference: cancelled, ``asyncio.to_thread`` returns at once and its
thread runs on.  A cleanup after it could remove the temporary file before
that thread has created it (which leaves it behind), and a write could land
after the caller gave up.  So every call here goes through ``_in_thread``,
which waits for the thread, as trio's ``to_thread.run_sync`` and anyio's do
by default: a cancellation takes effect between two file operations.  (A
task per call, ``_tasks.run_shielded``, would do too, at a third more time
per small file.)  The peer library, ``aiofiles`` (asyncio only), wraps each
file method in ``run_in_executor`` and abandons its thread on cancellation
as ``to_thread`` does.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from sansio.files import Bytes, check_bytes, check_path, check_paths, targets_in, temp_path
from sansio.validate import check_callable, check_count

from ._tasks import wait_out
from .fanout import run_all

__all__ = ["convert_all", "read_all", "write_atomically"]

T = TypeVar("T")

StrPath = str | os.PathLike[str]


async def read_all(paths: Iterable[StrPath], *, limit: int = 10) -> list[bytes]:
    """Read every file, at most ``limit`` at once, each in a worker thread.

    Returns:
        Each file's bytes, in the order of ``paths``; ``[]`` for no input.

    Raises:
        ExceptionGroup: every read that failed (``FileNotFoundError``...),
            after the first failure cancelled the other reads.
        ValueError: ``limit < 1``.
        TypeError: ``paths`` holds something other than a str or
            ``os.PathLike``, or ``limit`` is not an int.

    Blocks until every file is read.  Cancellation waits for the reads
    already running in threads to finish (a thread cannot be stopped),
    starts no more and propagates.
    """
    sources = check_paths("paths", paths)
    check_count("limit", limit, minimum=1)
    reads = [partial(_in_thread, source.read_bytes) for source in sources]
    return await run_all(reads, limit=limit)


async def write_atomically(path: StrPath, data: Bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file beside it, renamed over it.

    Raises:
        OSError: the write or the rename failed (a missing directory, a
            full disk...), itself; ``path`` is then untouched.
        TypeError: ``path`` is not a str or ``os.PathLike``, or ``data`` is
            not bytes.

    Blocks until the data is on disk (``fsync``) and renamed.  Cancellation
    waits for the file operation running in its thread, removes the
    temporary file and propagates.  Whatever happens, ``path`` holds its old
    content or all of ``data``, and no temporary file is left.
    """
    target = check_path("path", path)
    check_bytes("data", data)
    temp = temp_path(target)
    try:
        await _in_thread(_write_synced, temp, data)
        await _in_thread(os.replace, temp, target)
    except BaseException:
        await _in_thread(temp.unlink, missing_ok=True)  # gone if renamed
        raise


async def convert_all(
    paths: Iterable[StrPath],
    out_dir: StrPath,
    convert: Callable[[bytes], Bytes],
    *,
    limit: int = 10,
) -> list[Path]:
    """Read each file, ``convert`` its bytes in a worker thread, write the result atomically.

    Each result goes to ``out_dir / name`` (the input's file name), written
    as ``write_atomically`` does; at most ``limit`` files are in flight.

    Returns:
        The written paths, in the order of ``paths``; ``[]`` for no input.

    Raises:
        ExceptionGroup: every file that failed (a read, ``convert``, a
            result that is not bytes, a write), after the first failure
            cancelled the others.
        ValueError: ``limit < 1``, or two inputs with the same file name.
        TypeError: a path that is not a str or ``os.PathLike``, a
            non-callable ``convert``, or ``limit`` not an int.

    Blocks until every file is written.  Cancellation waits for the file
    operations and ``convert`` calls running in threads, starts no more,
    removes the temporary files and propagates.  After a failure or a
    cancellation every target in ``out_dir`` is complete.
    """
    sources = check_paths("paths", paths)
    targets = targets_in(check_path("out_dir", out_dir), sources, name="paths")
    check_callable("convert", convert)
    check_count("limit", limit, minimum=1)

    async def convert_one(source: Path, target: Path) -> Path:
        data = await _in_thread(source.read_bytes)
        converted = await _in_thread(convert, data)
        await write_atomically(target, check_bytes("convert's result", converted))
        return target

    jobs = [partial(convert_one, *pair) for pair in zip(sources, targets, strict=True)]
    return await run_all(jobs, limit=limit)


async def _in_thread(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``asyncio.to_thread(fn, *args, **kwargs)``; cancelled, it waits for the thread first."""
    call = partial(contextvars.copy_context().run, fn, *args, **kwargs)  # as to_thread does
    future = asyncio.get_running_loop().run_in_executor(None, call)
    # Not `await future`: cancelled, it would return at once and leave the thread running.
    if await wait_out([future]):
        raise asyncio.CancelledError
    return future.result()


def _write_synced(path: Path, data: Bytes) -> None:
    """In a worker thread: create ``path`` (never an existing file), write ``data``, sync it."""
    with open(path, "xb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
