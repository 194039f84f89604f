"""Task helpers: a guard around a child's callable, and shielded cleanup."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio
import anyio.lowlevel

T = TypeVar("T")


async def call_child(fn: Callable[..., Awaitable[T]], *args: Any) -> T:
    """Await ``fn(*args)`` in a child task; a cancellation nobody asked for is a failure.

    A child that lets the backend's cancellation exception escape without being
    cancelled (re-raising one caught inside an inner cancel scope, say; on
    asyncio, awaiting a future that someone else cancelled) makes the
    task group cancel itself silently: the siblings stop, no error comes out and
    the child's result goes missing.  A real cancellation re-raises at the
    checkpoint below; anything else becomes a ``RuntimeError``.
    """
    try:
        return await fn(*args)
    except anyio.get_cancelled_exc_class() as exc:
        await anyio.lowlevel.checkpoint_if_cancelled()
        raise RuntimeError(f"{fn!r} raised {type(exc).__name__} without being cancelled") from exc


async def run_shielded(fn: Callable[[], Awaitable[object]], timeout: float = math.inf) -> None:
    """Await ``fn()`` to its end or ``timeout``, whatever happens to the caller.

    The cut-off at ``timeout`` is silent.  A cancellation of the caller
    meanwhile is delivered once ``fn`` has ended, chained to ``fn``'s error.
    ``fn`` runs in a child task: on asyncio a raw ``Task.cancel()`` of the
    caller passes through an anyio shield in the caller's own task, but
    cannot reach another task, and the task group waits for it either way.
    """
    failure: list[BaseException] = []

    async def bounded() -> None:
        with anyio.move_on_after(timeout, shield=True):
            try:
                await call_child(fn)  # a stray cancellation from fn is a failure
            except anyio.get_cancelled_exc_class():
                raise  # the cut-off at timeout, which the scope absorbs
            except BaseException as exc:  # KeyboardInterrupt too: rule 4 wants it bare
                failure.append(exc)  # re-raised below as itself, not in a group

    try:
        async with anyio.create_task_group() as group:
            group.start_soon(bounded)
        # The shield held a cancellation back: deliver it now.
        await anyio.lowlevel.checkpoint_if_cancelled()
    except anyio.get_cancelled_exc_class() as cancelled:
        if failure:
            raise cancelled from failure[0]
        raise
    if failure:
        raise failure[0]
