"""Blocking and CPU-bound work, off the event loop.

>>> import anyio
>>> import math
>>> async def main():
...     return await run_blocking(math.factorial, 20)  # in a worker thread
>>> anyio.run(main)
2432902008176640000

``run_blocking`` is ``anyio.to_thread.run_sync(..., abandon_on_cancel=True)``
on either backend: the thread runs the function with a copy of the caller's
``contextvars``.  Cancelling the caller returns at once; the thread cannot
be stopped, so it is abandoned and runs to its end on its own, its result
discarded (on asyncio, the interpreter waits for it at exit).

``run_in_process`` is ``anyio.to_process.run_sync(..., cancellable=True)``:
anyio keeps a pool of worker processes, and cancelling the caller kills the
worker running the job and returns at once.  contextvars do not cross the
process boundary.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import anyio.to_process
import anyio.to_thread

from sansio.validate import check_callable

__all__ = ["run_blocking", "run_in_process"]

T = TypeVar("T")


async def run_blocking(fn: Callable[..., T], *args: Any) -> T:
    """Run the plain function ``fn(*args)`` in a worker thread; return its result.

    Raises:
        BaseException: whatever ``fn`` raised, re-raised here.
        TypeError: ``fn`` is not callable.

    Blocks until ``fn`` has returned; the event loop keeps running other
    tasks meanwhile.  Cancellation returns promptly; the thread is abandoned
    and finishes on its own.
    """
    check_callable("fn", fn)
    return await anyio.to_thread.run_sync(fn, *args, abandon_on_cancel=True)


async def run_in_process(fn: Callable[..., T], *args: Any) -> T:
    """Run the picklable function ``fn(*args)`` in another process; return its result.

    Raises:
        BaseException: whatever ``fn`` raised, pickled back and re-raised here.
        TypeError: ``fn`` is not callable.

    Blocks until a worker process has answered.  Cancellation returns
    promptly and kills the worker process running the job.
    """
    check_callable("fn", fn)
    return await anyio.to_process.run_sync(fn, *args, cancellable=True)
