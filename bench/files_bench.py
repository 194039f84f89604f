"""files: read_all against the primitives it is built on, in each dialect.

``raw`` reads the same files as a user would by hand: a task per file in
one task group, the framework's semaphore for the limit, and the read in a
worker thread (``bench.dialects``).  The files are small (4 KiB) and warm
in the page cache, so what is measured is the cost per file of the
exercise's ordering, checks and thread hand-off.  Whether to read files
with async at all is ``bench.when.files``'s question.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from tools.registry import Target

from .common import OURS, RAW, Variants, check, scenario
from .dialects import DIALECTS

FILE_SIZE = 4096
LIMIT = 10


def _files(count: int) -> list[Path]:
    """``count`` files of ``FILE_SIZE`` bytes in a directory removed at exit."""
    folder = Path(tempfile.mkdtemp(prefix="files-bench-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    paths = [folder / f"file-{n}" for n in range(count)]
    for n, path in enumerate(paths):
        path.write_bytes(bytes([n % 256]) * FILE_SIZE)
    return paths


@scenario("files", f"read_all, 4 KiB files, limit {LIMIT}", unit="file", size=2_000, quick_size=300)
def read_all(target: Target, size: int) -> Variants:
    read = target.module("files").read_all
    dialect = DIALECTS[target.package]
    paths = _files(size)

    async def ours() -> None:
        contents = await read(paths, limit=LIMIT)
        check(len(contents) == size and all(len(data) == FILE_SIZE for data in contents))

    async def raw() -> None:
        contents: list[bytes] = [b""] * size
        limit = dialect.semaphore(LIMIT)

        async def one(index: int, path: Path) -> None:
            async with limit:
                contents[index] = await dialect.to_thread(path.read_bytes)

        await dialect.spawn_join(one, list(enumerate(paths)))
        check(all(len(data) == FILE_SIZE for data in contents))

    return {OURS: ours, RAW: raw}
