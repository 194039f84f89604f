"""Task helpers: a guard around a child's callable, spawning, and shielded cleanup.

``spawn`` and ``cancel_and_wait`` are what asyncio needs to give the
guarantees that trio's nurseries give natively.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any, TypeVar

T = TypeVar("T")


async def call_child(fn: Callable[..., Awaitable[T]], *args: Any) -> T:
    """Await ``fn(*args)`` in a child task; a cancellation nobody asked for is a failure.

    A child that lets ``CancelledError`` escape without its task being
    cancelled (awaiting a future that someone else cancelled, say) is counted
    by its ``TaskGroup`` as cancelled, not failed: the siblings run on and the
    child's result goes missing.  A real cancellation (the task's
    ``cancelling()`` count, 3.11+) re-raises; anything else becomes a
    ``RuntimeError``.
    """
    try:
        return await fn(*args)
    except asyncio.CancelledError as exc:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise
        raise RuntimeError(f"{fn!r} raised {type(exc).__name__} without being cancelled") from exc


async def spawn(
    group: asyncio.TaskGroup, fn: Callable[..., Coroutine[Any, Any, T]], *args: Any
) -> asyncio.Task[T]:
    """``group.create_task(fn(*args))``; end the spawning loop if the child has already failed.

    Under the eager task factory (3.12+) ``create_task`` runs the child up to
    its first ``await``, so it can fail right there.  A trio nursery's
    spawning loop stops at a failure by itself; this makes an asyncio one do
    the same.

    Returns:
        The child's task.

    Raises:
        CancelledError: the child failed inside ``create_task``: the group
            cancelling the caller (cancelled here when the caller is a child
            itself still starting eagerly); the group's ``async with`` then
            raises the failure.

    Awaits (and so can be cancelled) only when the child has failed.
    """
    task = group.create_task(fn(*args))
    if task.done() and not task.cancelled() and task.exception() is not None:
        # The group is shutting down: its next create_task would raise
        # RuntimeError (and on 3.12 leave the coroutine never awaited).  Take the
        # cancellation it has sent us here, inside the group: on 3.12 it would
        # otherwise stay pending and hit the caller's next await (CPython gh-116720).
        current = asyncio.current_task()
        if current is not None and not current.cancelling():
            # The caller is itself a child still starting inside its own eager
            # create_task, not yet among the tasks the group cancels: do it here.
            current.cancel()
        await asyncio.sleep(0)
    return task


async def wait_out(futures: Iterable[asyncio.Future[Any]]) -> bool:
    """Wait until every one of ``futures`` is done, whatever happens to the caller.

    Not ``asyncio.wait`` alone: cancelled, it lets the caller go at once and
    leaves them running.  A cancellation of the caller meanwhile is held
    back; returns whether there was one, and the caller must re-raise it.
    """
    pending: set[asyncio.Future[Any]] = {future for future in futures if not future.done()}
    caller_cancelled = False
    while pending:
        try:
            await asyncio.wait(pending)
        except asyncio.CancelledError:
            caller_cancelled = True
        pending = {future for future in pending if not future.done()}
    return caller_cancelled


async def cancel_and_wait(tasks: Iterable[asyncio.Task[Any]]) -> bool:
    """Cancel ``tasks`` and wait until every one is done.

    A cancellation of the caller while it waits is held back until then: no
    child may outlive the call (TaskGroup's ``__aexit__`` does the same).
    Returns whether there was one; the caller must then re-raise it.
    """
    pending = [task for task in tasks if not task.done()]
    for task in pending:
        task.cancel()
    return await wait_out(pending)


def no_limit_as_none(seconds: float) -> float | None:
    """``asyncio.timeout`` spells "no limit" ``None``; the contract spells it ``math.inf``."""
    return None if math.isinf(seconds) else seconds


async def run_shielded(fn: Callable[[], Awaitable[object]], timeout: float = math.inf) -> None:
    """Await ``fn()`` to its end or ``timeout``, whatever happens to the caller.

    ``asyncio.shield`` lets the caller go at once; this waits.  The cut-off
    at ``timeout`` is silent.  A cancellation of the caller meanwhile is
    re-raised once ``fn`` has ended, chained to ``fn``'s error if it had one.
    """

    async def bounded() -> None:
        scope = asyncio.timeout(no_limit_as_none(timeout))
        try:
            async with scope:
                await fn()
        except TimeoutError:
            if not scope.expired():
                raise

    # A task of its own, so the caller's cancellation cannot reach it.
    task = asyncio.create_task(bounded())
    # Not asyncio.shield(): it lets the caller go at once, and re-raises fn's
    # error over a cancellation that came meanwhile.
    caller_cancelled = await wait_out([task])
    current = asyncio.current_task()
    # Cancelled now or before (fn as the cleanup of cancelled work): the
    # cancellation wins over fn's error, as after trio's and anyio's shield.
    if caller_cancelled or (task.exception() is not None and current and current.cancelling()):
        raise asyncio.CancelledError from task.exception()
    task.result()
