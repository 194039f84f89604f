"""Blocking and CPU-bound work, off the event loop.

``run_blocking`` is ``asyncio.to_thread``: the default executor's thread
runs the function with a copy of the caller's ``contextvars``.  Cancelling
the caller returns at once; the thread cannot be stopped, so it is
abandoned and runs to its end on its own, its result discarded.

``run_in_process`` sends a picklable function to a ``ProcessPoolExecutor``
shared by the module (made on first use, with the ``spawn`` start method:
``fork`` in a process that has threads can deadlock, and 3.12+ warns).
Cancelling the caller returns at once and cancels the job if it has not
started; a job already running cannot be stopped through the executor and
runs on in its worker.  contextvars do not cross the process boundary.
Compare trio-parallel and anyio, which kill the worker on cancellation.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

from ._validate import check_callable

__all__ = ["run_blocking", "run_in_process"]

T = TypeVar("T")

_executor: ProcessPoolExecutor | None = None
_executor_lock = threading.Lock()


async def run_blocking(fn: Callable[..., T], *args: Any) -> T:
    """Run the plain function ``fn(*args)`` in a worker thread; return its result.

    The event loop keeps running other tasks meanwhile.

    Raises:
        Whatever ``fn`` raised.  TypeError: ``fn`` is not callable.

    Cancellation returns promptly; the thread is abandoned and finishes on
    its own.
    """
    check_callable("fn", fn)
    return await asyncio.to_thread(fn, *args)


async def run_in_process(fn: Callable[..., T], *args: Any) -> T:
    """Run the picklable function ``fn(*args)`` in another process; return its result.

    Raises:
        Whatever ``fn`` raised (pickled back).  TypeError: ``fn`` is not
        callable.

    Cancellation returns promptly; a job that already started runs on in
    its worker process (see the module docstring).
    """
    check_callable("fn", fn)
    return await asyncio.get_running_loop().run_in_executor(_process_pool(), fn, *args)


def _process_pool() -> ProcessPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ProcessPoolExecutor(mp_context=multiprocessing.get_context("spawn"))
        return _executor
