"""Task helpers that asyncio lacks and trio's nurseries make unnecessary."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")


async def call_child(fn: Callable[..., Awaitable[T]], *args: Any) -> T:
    """Await ``fn(*args)`` in a child task; a cancellation nobody asked for is a failure.

    Any asyncio code can raise ``CancelledError`` without its task being
    cancelled (awaiting a future that someone else cancelled does).  A
    ``TaskGroup`` then counts the child as cancelled rather than failed: its
    siblings run on and its result silently goes missing.  ``cancelling()``
    (3.11+) tells the two apart.
    """
    try:
        return await fn(*args)
    except asyncio.CancelledError as exc:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise
        raise RuntimeError(f"{fn!r} raised CancelledError without being cancelled") from exc


async def cancel_and_wait(tasks: Iterable[asyncio.Task[Any]]) -> bool:
    """Cancel ``tasks`` and wait until every one is done.

    A cancellation of the caller while it waits is held back until then: no
    child may outlive the call (TaskGroup's ``__aexit__`` does the same).
    Returns whether there was one; the caller must then re-raise it.
    """
    pending: set[asyncio.Task[Any]] = {task for task in tasks if not task.done()}
    for task in pending:
        task.cancel()
    caller_cancelled = False
    while pending:
        try:
            await asyncio.wait(pending)
        except asyncio.CancelledError:
            caller_cancelled = True
        pending = {task for task in pending if not task.done()}
    return caller_cancelled
