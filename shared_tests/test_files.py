"""files: read_all, write_atomically, convert_all (CONTRACT.md, section files).

Real files and worker threads, so these tests run on the real clock (marked
``real_time``).  No assertion depends on the machine's speed.  Where a test
needs a read to block, the file is a named pipe (``os.mkfifo``): a reader's
``open`` waits until a writer comes, and a non-blocking open of the write
end fails with ``ENXIO`` while no reader is there, which tells the test
thread exactly which reads are in flight.  Where cancellation may land at
any moment, the test checks what must hold whatever the moment.
"""

from __future__ import annotations

import errno
import math
import os
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio
import anyio.to_thread
import pytest

from sansio.files import is_temp

from .helpers import Boom, CancelOutcome, Impl, leaves

pytestmark = pytest.mark.real_time

T = TypeVar("T")

GENEROUS = 20.0  # seconds: only a deadlock would reach it
GRACE = 0.3  # seconds a correct call is given to show it waits for a thread
MOMENTS = [0, 1e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2]  # real seconds before a cancellation


def make_files(folder: Path, count: int, size: int = 100) -> list[Path]:
    """``count`` files of different content, ``size`` bytes and more each."""
    folder.mkdir(exist_ok=True)
    paths = []
    for index in range(count):
        path = folder / f"file-{index}.bin"
        path.write_bytes(content(index, size))
        paths.append(path)
    return paths


def content(index: int, size: int = 100) -> bytes:
    line = f"file {index}\n".encode()
    return line * (size // len(line) + index)


def make_fifos(folder: Path, count: int) -> list[Path]:
    folder.mkdir(exist_ok=True)
    fifos = [folder / f"pipe-{index}" for index in range(count)]
    for fifo in fifos:
        os.mkfifo(fifo)
    return fifos


def writer_if_read(fifo: Path) -> int | None:
    """The write end of ``fifo`` if a reader has it open (its ``open`` then returns); else None."""
    try:
        return os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno != errno.ENXIO:
            raise
        return None


def has_reader(fifo: Path) -> bool:
    """Whether a read of ``fifo`` is in flight (which then reads an empty file, and ends)."""
    fd = writer_if_read(fifo)
    if fd is not None:
        os.close(fd)
    return fd is not None


def release(fifos: list[Path]) -> None:
    """End every read of ``fifos`` still in flight or to come, so that no thread blocks for ever.

    Opened for reading and writing, a FIFO does not block, and counts as a
    writer: a reader waiting in ``open`` goes on, and reads an empty file
    once it is closed.  Unlinked first, no reader can come later.
    """
    for fifo in fifos:
        fd = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
        fifo.unlink()
        os.close(fd)


def feed(fd: int, data: bytes) -> None:
    """Give the reader ``data`` (less than a pipe holds) and the end of the file."""
    os.write(fd, data)
    os.close(fd)


def names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def temp_files(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.rglob("*") if is_temp(path))


class Feeder:
    """In a test thread: feeds each FIFO's reader, and records how many read at once.

    It waits until the next ``limit`` FIFOs in input order (or all that are
    left) have their reader, feeds the first of them, and so on.  A reader
    anywhere else is a problem: one more than ``limit`` in flight, or one out
    of order.  Then it feeds every reader that comes, so that the call ends.
    ``limit=None``: no order expected, every reader fed as it comes.
    """

    def __init__(self, fifos: list[Path], limit: int | None) -> None:
        self.fifos = fifos
        self.limit = limit
        self.peak = 0
        self.problems: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        held: dict[int, int] = {}  # FIFO index -> write end, its reader in flight
        waiting = list(range(len(self.fifos)))  # not fed yet, in input order
        deadline = time.monotonic() + GENEROUS
        while waiting and not self.stop.is_set():
            for index in waiting:
                if index not in held and (fd := writer_if_read(self.fifos[index])) is not None:
                    held[index] = fd
            self.peak = max(self.peak, len(held))
            window = set(waiting[: self.limit or 0])
            if self.limit is not None and not self.problems:
                if not set(held) <= window:
                    self.problems.append(f"in flight: {sorted(held)}, expected {sorted(window)}")
                elif time.monotonic() > deadline:
                    self.problems.append(f"waited {GENEROUS} s; in flight: {sorted(held)}")
            if self.problems or self.limit is None:  # let every read end
                ready = sorted(held)
            else:
                ready = [waiting[0]] if set(held) == window else []
            for index in ready:
                self.feed(index, held.pop(index), waiting)
            if not ready:
                time.sleep(0.0005)
        for fd in held.values():
            os.close(fd)

    @staticmethod
    def feed(index: int, fd: int, waiting: list[int]) -> None:
        feed(fd, content(index))
        waiting.remove(index)


async def fed(feeder: Feeder, call: Callable[[], Any]) -> Any:
    """Await ``call()`` while ``feeder`` feeds its FIFOs in a thread."""
    try:
        async with anyio.create_task_group() as group:
            group.start_soon(anyio.to_thread.run_sync, feeder.run)
            try:
                return await call()
            finally:
                feeder.stop.set()
    finally:
        release(feeder.fifos)  # reads the call abandoned, if it did


class Blocking:
    """Blocks a function in its worker thread until released, to cancel a call at that moment."""

    def __init__(self) -> None:
        self.entered, self.release, self.finished = (threading.Event() for _ in range(3))

    def wrap(self, fn: Callable[..., T]) -> Callable[..., T]:
        def blocked(*args: Any) -> T:
            self.entered.set()
            self.release.wait(GENEROUS)
            try:
                return fn(*args)
            finally:
                self.finished.set()

        return blocked

    async def cancel(self, impl: Impl, call: Callable[[], Awaitable[object]]) -> tuple[bool, bool]:
        """Cancel ``call()`` once the function blocks: was it cancelled, did it come out early?

        The function is released once the call has come out, or after
        ``GRACE`` seconds: a call that waits for its thread comes out only
        then; one that abandons its thread comes out while the function
        still runs.
        """
        returned = anyio.Event()

        async def cancel_then_release(outcome: CancelOutcome) -> None:
            await anyio.to_thread.run_sync(self.entered.wait, GENEROUS)
            outcome.cancel()
            with anyio.move_on_after(GRACE):
                await returned.wait()
            self.release.set()

        try:
            async with anyio.create_task_group() as group:
                async with impl.cancel_after(math.inf) as outcome:
                    group.start_soon(cancel_then_release, outcome)
                    await call()
                came_out_early = not self.finished.is_set()
                returned.set()
        finally:
            self.release.set()
            if self.entered.is_set():
                await anyio.to_thread.run_sync(self.finished.wait, GENEROUS)  # if abandoned
        return outcome.cancelled_caught, came_out_early


# ---------------------------------------------------------------- read_all


async def test_read_all_gives_each_files_bytes_in_input_order(impl: Impl, tmp_path: Path) -> None:
    paths = make_files(tmp_path, 12)
    (tmp_path / "empty").write_bytes(b"")
    (tmp_path / "large").write_bytes(os.urandom(3 << 20))
    paths[3:3] = [tmp_path / "empty", tmp_path / "large"]
    expected = [path.read_bytes() for path in paths]
    mixed = [str(path) if index % 2 else path for index, path in enumerate(paths)]

    assert await impl.files.read_all(mixed) == expected
    assert await impl.files.read_all(reversed(mixed), limit=1) == expected[::-1]
    assert await impl.files.read_all(iter(mixed), limit=100) == expected


async def test_nothing_to_do_gives_an_empty_list(impl: Impl, tmp_path: Path) -> None:
    assert await impl.files.read_all([]) == []
    assert await impl.files.convert_all(iter([]), tmp_path, bytes.upper, limit=3) == []
    assert names(tmp_path) == []


@pytest.mark.parametrize("limit", [1, 3])
async def test_read_all_reads_at_most_limit_files_at_once_in_input_order(
    impl: Impl, tmp_path: Path, limit: int
) -> None:
    fifos = make_fifos(tmp_path, 7)
    feeder = Feeder(fifos, limit)

    result = await fed(feeder, lambda: impl.files.read_all(fifos, limit=limit))

    assert feeder.problems == []
    assert feeder.peak == limit  # and the limit is used
    assert result == [content(index) for index in range(7)]


async def test_cancelled_while_reads_block_it_waits_for_them_and_leaves_none_open(
    impl: Impl, tmp_path: Path
) -> None:
    fifos = make_fifos(tmp_path, 4)

    def wait_for_readers() -> list[int]:
        writers: list[int | None] = [None, None]

        def pairs() -> list[tuple[int | None, Path]]:
            return list(zip(writers, fifos[:2], strict=True))

        deadline = time.monotonic() + GENEROUS
        while None in writers and time.monotonic() < deadline:
            writers = [fd if fd is not None else writer_if_read(fifo) for fd, fifo in pairs()]
            time.sleep(0.0005)
        assert None not in writers, "the reads never started"
        return [fd for fd in writers if fd is not None]

    async def cancel_while_reading(outcome: Any) -> None:
        writers = await anyio.to_thread.run_sync(wait_for_readers)
        outcome.cancel()  # both reads are blocked in read(): their threads cannot be stopped
        for index, fd in enumerate(writers):
            feed(fd, content(index))

    try:
        async with anyio.create_task_group() as group, impl.cancel_after(math.inf) as outcome:
            group.start_soon(cancel_while_reading, outcome)
            await impl.files.read_all(fifos, limit=2)
        assert outcome.cancelled_caught
        # Every read had ended when the cancellation came out, and no more started.
        assert not any(has_reader(fifo) for fifo in fifos)
    finally:
        release(fifos)


async def test_a_missing_file_fails_the_call_and_stops_the_rest(impl: Impl, tmp_path: Path) -> None:
    [present] = make_files(tmp_path, 1)
    missing = tmp_path / "missing"
    later = make_fifos(tmp_path, 2)  # never read: the failure keeps its slot

    try:
        with pytest.raises(ExceptionGroup) as caught:
            await impl.files.read_all([present, missing, *later], limit=1)
        [error] = leaves(caught.value)
        assert isinstance(error, FileNotFoundError)
        assert error.filename == str(missing)
        assert not any(has_reader(fifo) for fifo in later)
    finally:
        release(later)


async def test_a_failure_while_others_read_cancels_them(impl: Impl, tmp_path: Path) -> None:
    fifos = make_fifos(tmp_path, 3)
    feeder = Feeder(fifos, limit=None)  # each read may end either way, or never start

    with pytest.raises(ExceptionGroup) as caught:
        await fed(feeder, lambda: impl.files.read_all([*fifos, tmp_path / "missing"], limit=4))

    assert [type(error) for error in leaves(caught.value)] == [FileNotFoundError]


@pytest.mark.parametrize(
    ("paths", "limit", "error", "match"),
    [
        ("a-str.txt", 1, TypeError, "paths"),
        (b"bytes", 1, TypeError, "paths"),
        (42, 1, TypeError, "paths"),
        (["ok", 42], 1, TypeError, r"paths\[1\]"),
        ([b"bytes"], 1, TypeError, r"paths\[0\]"),
        (["ok"], 0, ValueError, "limit"),
        (["ok"], -1, ValueError, "limit"),
        (["ok"], math.nan, ValueError, "limit"),
        (["ok"], math.inf, ValueError, "limit"),
        (["ok"], 2.5, TypeError, "limit"),
        (["ok"], None, TypeError, "limit"),
        (["ok"], True, TypeError, "limit"),
    ],
)
async def test_bad_arguments_are_rejected_before_anything_runs(
    impl: Impl, tmp_path: Path, paths: Any, limit: Any, error: type[Exception], match: str
) -> None:
    source = tmp_path / "ok"
    source.write_bytes(b"data")
    out = tmp_path / "out"
    out.mkdir()
    calls: list[bytes] = []
    if isinstance(paths, list):
        paths = [tmp_path / path if isinstance(path, str) else path for path in paths]

    with pytest.raises(error, match=match):
        await impl.files.read_all(paths, limit=limit)
    with pytest.raises(error, match=match):
        await impl.files.convert_all(paths, out, calls.append, limit=limit)

    assert calls == []
    assert names(out) == []


async def test_bad_arguments_of_the_writers_are_named(impl: Impl, tmp_path: Path) -> None:
    source = tmp_path / "a"
    source.write_bytes(b"data")
    (tmp_path / "b").mkdir()
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(TypeError, match="path"):
        await impl.files.write_atomically(42, b"data")
    with pytest.raises(TypeError, match="data"):
        await impl.files.write_atomically(tmp_path / "new", "text")
    with pytest.raises(TypeError, match="out_dir"):
        await impl.files.convert_all([source], 42, bytes.upper)
    with pytest.raises(TypeError, match="convert"):
        await impl.files.convert_all([source], out, "not callable")
    with pytest.raises(ValueError, match="paths"):  # both would be written to out/a
        await impl.files.convert_all([source, tmp_path / "b" / "a"], out, bytes.upper)
    assert names(tmp_path) == ["a", "b", "out"]
    assert names(out) == []


# ---------------------------------------------------------------- write_atomically


async def test_write_atomically_creates_or_replaces_the_file(impl: Impl, tmp_path: Path) -> None:
    target = tmp_path / "target.bin"
    await impl.files.write_atomically(target, b"first")
    assert target.read_bytes() == b"first"
    await impl.files.write_atomically(str(target), bytearray(b"second"))
    assert target.read_bytes() == b"second"
    await impl.files.write_atomically(target, memoryview(b"third"))
    assert target.read_bytes() == b"third"
    await impl.files.write_atomically(target, b"")
    assert target.read_bytes() == b""
    assert names(tmp_path) == ["target.bin"]


async def test_a_failed_write_raises_its_error_and_leaves_nothing(
    impl: Impl, tmp_path: Path
) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    (folder / "inside").write_bytes(b"kept")

    with pytest.raises(IsADirectoryError):  # itself, not in a group: no child tasks
        await impl.files.write_atomically(folder, b"data")  # the rename fails
    with pytest.raises(FileNotFoundError):
        await impl.files.write_atomically(tmp_path / "missing" / "file", b"data")

    assert names(tmp_path) == ["a-folder"]
    assert (folder / "inside").read_bytes() == b"kept"


async def test_a_write_cancelled_as_it_starts_keeps_the_old_content(
    impl: Impl, tmp_path: Path
) -> None:
    target = tmp_path / "target"
    target.write_bytes(b"old")

    async with impl.cancel_after(math.inf) as outcome:
        outcome.cancel()
        await impl.files.write_atomically(target, b"new")

    assert outcome.cancelled_caught
    assert target.read_bytes() == b"old"
    assert temp_files(tmp_path) == []


async def test_a_write_cancelled_while_it_syncs_waits_and_keeps_the_old_content(
    impl: Impl, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "target"
    target.write_bytes(b"old")
    blocking = Blocking()
    monkeypatch.setattr(os, "fsync", blocking.wrap(os.fsync))

    cancelled, came_out_early = await blocking.cancel(
        impl, lambda: impl.files.write_atomically(target, b"new")
    )

    assert cancelled
    assert not came_out_early, "the cancellation came out while the file was still being synced"
    assert target.read_bytes() == b"old"
    assert temp_files(tmp_path) == []


@pytest.mark.parametrize("moment", MOMENTS)
async def test_a_write_cancelled_at_any_moment_is_all_or_nothing(
    impl: Impl, tmp_path: Path, moment: float
) -> None:
    target = tmp_path / "target"
    old, new = b"old " * 100_000, os.urandom(4 << 20)
    target.write_bytes(old)

    async with impl.cancel_after(moment) as outcome:
        await impl.files.write_atomically(target, new)

    if outcome.cancelled_caught:
        assert target.read_bytes() in (old, new)
    else:
        assert target.read_bytes() == new
    assert temp_files(tmp_path) == []


# ---------------------------------------------------------------- convert_all


async def test_convert_all_writes_each_result_and_returns_the_targets_in_order(
    impl: Impl, tmp_path: Path
) -> None:
    sources = make_files(tmp_path / "in", 9, size=5000)
    out = tmp_path / "out"
    out.mkdir()
    (out / "file-4.bin").write_bytes(b"an old version")
    as_given = [str(path) if index % 2 else path for index, path in enumerate(sources)]

    written = await impl.files.convert_all(as_given, str(out), bytes.upper, limit=3)

    assert written == [out / path.name for path in sources]
    assert all(type(path) is type(Path()) for path in written)
    for source, target in zip(sources, written, strict=True):
        assert target.read_bytes() == source.read_bytes().upper()
    assert names(out) == sorted(path.name for path in sources)


@pytest.mark.parametrize("limit", [1, 2])
async def test_convert_all_has_at_most_limit_files_in_flight(
    impl: Impl, tmp_path: Path, limit: int
) -> None:
    fifos = make_fifos(tmp_path / "in", 5)
    out = tmp_path / "out"
    out.mkdir()
    feeder = Feeder(fifos, limit)

    written = await fed(
        feeder, lambda: impl.files.convert_all(fifos, out, bytes.upper, limit=limit)
    )

    assert feeder.problems == []
    assert feeder.peak == limit
    assert [path.read_bytes() for path in written] == [content(i).upper() for i in range(5)]


@pytest.mark.parametrize(
    ("failure", "expected"),
    [("convert raises", Boom), ("convert returns str", TypeError), ("missing", FileNotFoundError)],
)
async def test_a_failed_file_stops_the_rest_and_leaves_only_complete_targets(
    impl: Impl, tmp_path: Path, failure: str, expected: type[Exception]
) -> None:
    sources = make_files(tmp_path / "in", 4, size=20_000)
    if failure == "missing":
        sources[1].unlink()
    out = tmp_path / "out"
    out.mkdir()

    def convert(data: bytes) -> Any:
        if data == content(1, 20_000):
            if failure == "convert raises":
                raise Boom("file 1")
            return data.decode()
        return data.upper()

    with pytest.raises(ExceptionGroup) as caught:
        await impl.files.convert_all(sources, out, convert, limit=1)

    assert [type(error) for error in leaves(caught.value)] == [expected]
    if expected is TypeError:
        assert "convert" in str(leaves(caught.value)[0])
    # One at a time: file 0 was written, file 1 failed, files 2 and 3 never started.
    assert names(out) == ["file-0.bin"]
    assert (out / "file-0.bin").read_bytes() == content(0, 20_000).upper()


@pytest.mark.parametrize("moment", MOMENTS)
async def test_convert_all_cancelled_at_any_moment_leaves_only_complete_targets(
    impl: Impl, tmp_path: Path, moment: float
) -> None:
    sources = make_files(tmp_path / "in", 16, size=200_000)
    out = tmp_path / "out"
    out.mkdir()
    for source in sources[::3]:  # some targets have an old version
        (out / source.name).write_bytes(b"old")

    async with impl.cancel_after(moment) as outcome:
        await impl.files.convert_all(sources, out, bytes.upper, limit=4)

    assert temp_files(tmp_path) == []
    for source in sources:
        target = out / source.name
        written = target.read_bytes() if target.exists() else None
        if outcome.cancelled_caught:
            assert written in (None, b"old", source.read_bytes().upper()), source.name
        else:
            assert written == source.read_bytes().upper(), source.name


async def test_cancellation_waits_for_the_convert_running_in_a_thread(
    impl: Impl, tmp_path: Path
) -> None:
    [source] = make_files(tmp_path / "in", 1)
    out = tmp_path / "out"
    out.mkdir()
    blocking = Blocking()
    convert = blocking.wrap(bytes.upper)

    cancelled, came_out_early = await blocking.cancel(
        impl, lambda: impl.files.convert_all([source], out, convert)
    )

    assert cancelled
    assert not came_out_early, "the cancellation came out while convert was still running"
    assert names(out) == []  # the write never started
