"""Task helpers: the one guard that task groups need around a child's callable."""

from __future__ import annotations

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
