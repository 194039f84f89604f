"""File I/O off the event loop: read many files at once, write each one atomically.

>>> import tempfile
>>> import trio
>>> from pathlib import Path
>>> async def main(folder):
...     await write_atomically(folder / "a.txt", b"spam")  # all of it, or nothing
...     [copy] = await convert_all([folder / "a.txt"], folder / "out", bytes.upper)
...     return await read_all([folder / "a.txt", copy], limit=2)
>>> with tempfile.TemporaryDirectory() as name:
...     (Path(name) / "out").mkdir()
...     trio.run(main, Path(name))
[b'spam', b'SPAM']

Linux has no asynchronous file API the event loop could use (a regular file
is always "ready"), so trio's file API runs every operation in a worker
thread: ``trio.Path`` wraps ``pathlib.Path``'s methods, and
``trio.open_file`` gives a file object whose methods are async.  The
``limit`` is a semaphore (``fanout.run_all``); trio's own thread limiter
allows 40 at once.

Difference: ``trio.to_thread.run_sync``, under all of these, does not
abandon its thread when cancelled: it waits for the operation to finish and
the cancellation takes effect at the next checkpoint.  So the cleanup sees
every operation done (the temporary file created, or renamed) and no thread
of ours outlives the call.  asyncio's ``to_thread`` returns at once and
needs a helper to wait; ``aiofiles``, the asyncio-only peer, abandons its
threads in the same way.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path

import trio

from sansio.files import Bytes, check_bytes, check_path, check_paths, targets_in, temp_path
from sansio.validate import check_callable, check_count

from .fanout import run_all

__all__ = ["convert_all", "read_all", "write_atomically"]

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
    reads = [trio.Path(source).read_bytes for source in sources]
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
    temp = trio.Path(temp_path(target))
    try:
        async with await trio.open_file(temp, "xb") as file:
            await file.write(data)
            await file.flush()
            await trio.to_thread.run_sync(os.fsync, file.fileno())
        await temp.replace(target)
    except BaseException:
        with trio.CancelScope(shield=True):
            await temp.unlink(missing_ok=True)  # gone if renamed
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
        data = await trio.Path(source).read_bytes()
        converted = await trio.to_thread.run_sync(convert, data)
        await write_atomically(target, check_bytes("convert's result", converted))
        return target

    jobs = [partial(convert_one, *pair) for pair in zip(sources, targets, strict=True)]
    return await run_all(jobs, limit=limit)
