"""Blocking and CPU-bound work, off the event loop.

>>> import asyncio
>>> import math
>>> async def main():
...     return await run_blocking(math.factorial, 20)  # in a worker thread
>>> asyncio.run(main())
2432902008176640000

``run_blocking`` is ``asyncio.to_thread``: the default executor's thread
runs the function with a copy of the caller's ``contextvars``.  Cancelling
the caller returns at once; the thread cannot be stopped, so it is
abandoned and runs to its end on its own, its result discarded (and
``asyncio.run`` waits for it when it shuts the executor down).

``run_in_process`` starts one process per call (``spawn``: ``fork`` in a
process with threads can deadlock, and 3.12+ warns) and reads the outcome
from a pipe in a worker thread.  Cancelling the caller kills that process
and returns at once.  A ``ProcessPoolExecutor`` would be cheaper per call
but cannot stop a job that started: cancelled jobs would run on, hold the
pool's workers and delay the interpreter's exit.  contextvars do not cross
the process boundary.  trio-parallel and anyio's ``to_process`` keep a pool
and kill the worker on cancellation.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

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
    return await asyncio.to_thread(fn, *args)


async def run_in_process(fn: Callable[..., T], *args: Any) -> T:
    """Run the picklable function ``fn(*args)`` in another process; return its result.

    Raises:
        BaseException: whatever ``fn`` raised, pickled back and re-raised here.
        RuntimeError: the process died without an answer, or the outcome
            would not pickle.
        TypeError: ``fn`` is not callable.

    Blocks until the process has answered; starting it blocks the event loop
    for a few milliseconds (``spawn``).  Cancellation returns promptly and
    kills the process running the job.
    """
    check_callable("fn", fn)
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(send, fn, args), daemon=True)
    # Started here, not in a thread: a cancellation during a threaded start
    # would leave a process nobody kills.  It blocks the loop a few ms.
    process.start()
    send.close()  # ours; the child has its own copy
    try:
        ok, value = await asyncio.to_thread(_receive, receive)
    finally:
        # Done, failed or cancelled: nothing may outlive the call.  Killing
        # the process also ends the abandoned reader thread (end of file).
        process.kill()
        process.join()
    if not ok:
        raise value
    result: T = value
    return result


def _receive(receive: Connection) -> tuple[bool, Any]:
    """In a worker thread: the child's ``(ok, result or exception)``, or a failure if it died."""
    with receive:
        try:
            outcome: tuple[bool, Any] = receive.recv()
        except EOFError:
            outcome = (False, RuntimeError("the worker process died without an answer"))
    return outcome


def _child(send: Connection, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    """In the new process: run ``fn`` and send back ``(ok, result or exception)``."""
    with send:
        try:
            outcome: tuple[bool, Any] = (True, fn(*args))
        except BaseException as exc:  # pickled back to the caller, as run_in_executor does
            outcome = (False, exc)
        try:
            send.send(outcome)
        except Exception as exc:  # the result or exception would not pickle
            send.send((False, RuntimeError(f"could not send the outcome back: {exc!r}")))
