"""Task helpers: a guard around a child's callable, and shielded cleanup."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import trio

T = TypeVar("T")


async def call_child(fn: Callable[..., Awaitable[T]], *args: Any) -> T:
    """Await ``fn(*args)`` in a child task; a cancellation nobody asked for is a failure.

    A child that lets ``trio.Cancelled`` escape without being cancelled
    (re-raising, outside an inner cancel scope, one caught inside it, say)
    makes the nursery cancel itself silently: the siblings stop, no error
    comes out and the child's result goes missing.  A real cancellation
    re-raises at the checkpoint below; anything else becomes a
    ``RuntimeError``.
    """
    try:
        return await fn(*args)
    except trio.Cancelled as exc:
        await trio.lowlevel.checkpoint_if_cancelled()
        raise RuntimeError(f"{fn!r} raised {type(exc).__name__} without being cancelled") from exc


async def run_shielded(fn: Callable[[], Awaitable[object]], timeout: float = math.inf) -> None:
    """Await ``fn()`` to its end or ``timeout``, whatever happens to the caller.

    The cut-off at ``timeout`` is silent.  A cancellation of the caller
    meanwhile is delivered once ``fn`` has ended, ahead of ``fn``'s own error.
    """
    try:
        with trio.move_on_after(timeout, shield=True):
            await fn()
    finally:
        # The shield held a cancellation back: deliver it now, rather than let
        # a return without a checkpoint hide it.
        await trio.lowlevel.checkpoint_if_cancelled()
