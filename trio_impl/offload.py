"""Blocking and CPU-bound work, off the event loop.

>>> import trio
>>> import math
>>> async def main():
...     return await run_blocking(math.factorial, 20)  # in a worker thread
>>> trio.run(main)
2432902008176640000

``run_blocking`` is ``trio.to_thread.run_sync(..., abandon_on_cancel=True)``:
the thread runs the function with a copy of the caller's ``contextvars``.
Cancelling the caller returns at once; the thread cannot be stopped, so it
is abandoned and runs to its end on its own, its result discarded (trio's
worker threads do not hold up the interpreter's exit).  (Without
``abandon_on_cancel`` trio would wait for the thread: cancellation would not
be prompt.)

trio has no process pool.  ``run_in_process`` uses the ``trio-parallel``
package, made for exactly this: a cache of worker processes and
``kill_on_cancel=True``, so cancelling the caller kills the worker running
the job and returns at once (a new worker replaces it).  The alternative, an
executor future waited on in a thread, could not stop a running job.
contextvars do not cross the process boundary.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import trio
import trio_parallel  # pyright: ignore[reportMissingTypeStubs]  (untyped)

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
    return await trio.to_thread.run_sync(fn, *args, abandon_on_cancel=True)


async def run_in_process(fn: Callable[..., T], *args: Any) -> T:
    """Run the picklable function ``fn(*args)`` in another process; return its result.

    Raises:
        BaseException: whatever ``fn`` raised, pickled back and re-raised here.
        TypeError: ``fn`` is not callable.

    Blocks until a worker process has answered.  Cancellation returns
    promptly and kills the worker process running the job (a new worker replaces it).
    """
    check_callable("fn", fn)
    run_sync: Callable[..., Awaitable[T]] = trio_parallel.run_sync  # type: ignore[attr-defined]
    return await run_sync(fn, *args, kill_on_cancel=True)
