"""Task helpers that asyncio lacks and trio's nurseries make unnecessary."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any


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
