"""Task helpers that asyncio lacks and trio's nurseries make unnecessary."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any, TypeVar

T = TypeVar("T")


def no_limit_as_none(seconds: float) -> float | None:
    """``asyncio.timeout`` spells "no limit" ``None``; the contract spells it ``math.inf``."""
    return None if math.isinf(seconds) else seconds


def being_cancelled() -> bool:
    """Whether the current task has been asked to cancel (3.11+'s ``cancelling()``).

    Any asyncio code can raise ``CancelledError`` without its task being
    cancelled (awaiting a future that someone else cancelled does).  A
    ``TaskGroup`` then counts the child as cancelled rather than failed: its
    siblings run on and its result silently goes missing.  This tells the
    two apart; ``stray_cancellation`` is the failure to raise instead.
    """
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def stray_cancellation(fn: object) -> RuntimeError:
    """The failure that replaces a ``CancelledError`` ``fn`` raised uncancelled."""
    return RuntimeError(f"{fn!r} raised CancelledError without being cancelled")


async def call_child(fn: Callable[..., Awaitable[T]], *args: Any) -> T:
    """Await ``fn(*args)`` in a child task; a cancellation nobody asked for is a failure.

    See ``being_cancelled``.  Per-item loops (``workers``) and
    ``Spawner.spawn_call`` do the same inline, to save a coroutine per call.
    """
    try:
        return await fn(*args)
    except asyncio.CancelledError as exc:
        if being_cancelled():
            raise
        raise stray_cancellation(fn) from exc


class Spawner:
    """Spawns a ``TaskGroup``'s children, and nothing more once one has failed.

    A trio nursery's spawning loop stops at the first failure (the parent is
    cancelled at its next checkpoint, and ``start_soon`` never runs a child at
    once).  A ``TaskGroup`` hears of a failure from a done callback, one loop
    step late.  A task created meanwhile is normally cancelled before its
    first step.  But under the eager task factory (3.12+), ``create_task``
    runs the child up to its first ``await``: it really starts.  And a child
    that fails right there shuts the group down, so the loop's next
    ``create_task`` raises ``RuntimeError`` and leaks its coroutine.  Here each
    child sets a flag as it fails, and ``spawn`` checks it.

    That flag needs a wrapper coroutine around every child, and a coroutine
    per child is most of what a ``TaskGroup`` child costs beyond its task.
    So the one wrapper, ``_run``, also does what ``run_all`` would otherwise
    add two more for: ``call_child``'s check and keeping the result
    (``spawn_call``).

    Args:
        group: the ``TaskGroup`` the children belong to.
        on_success: called each time a child returns (not when it fails or
            is cancelled), from inside that child.
    """

    def __init__(
        self, group: asyncio.TaskGroup, *, on_success: Callable[[], object] | None = None
    ) -> None:
        self._group = group
        self._on_success = on_success
        self._failed = False

    async def spawn(self, fn: Callable[..., Awaitable[object]], *args: Any) -> asyncio.Task[None]:
        """Run ``fn(*args)`` in a new child task of the group, and return the task.

        ``fn`` is the caller's own coroutine function: a ``CancelledError``
        out of it is taken as a cancellation (guard user code inside it with
        ``call_child``).

        Raises:
            CancelledError: a child has failed (perhaps this one, eagerly):
                the group's own cancellation, which ends the spawning loop.

        Awaits (and so can be cancelled) only once a child has failed.
        """
        if not self._failed:
            task = self._group.create_task(self._run(fn, args, None, 0))
            if not self._failed:  # under eager tasks the child has just run
                return task
        raise await self._group_cancellation()

    async def spawn_call(
        self, fn: Callable[[], Awaitable[object]], results: MutableMapping[int, Any], key: int
    ) -> None:
        """Run ``fn()`` in a new child task of the group; its result goes to ``results[key]``.

        ``fn`` is the user's callable: as with ``call_child``, a
        ``CancelledError`` it raises without its task being cancelled is a
        failure (a ``RuntimeError``).  Otherwise as ``spawn``.
        """
        if not self._failed:
            self._group.create_task(self._run(fn, (), results, key))
            if not self._failed:  # under eager tasks the child has just run
                return
        raise await self._group_cancellation()

    async def _group_cancellation(self) -> asyncio.CancelledError:
        # The group cancels this task for the failure, at once under eager
        # tasks, else from a callback due before our next step.  Take that
        # cancellation here, inside the group: on 3.12 it would otherwise stay
        # pending and hit the caller's next await (CPython gh-116720).
        await asyncio.sleep(0)
        return asyncio.CancelledError()  # not reached; if it were, this leaves the loop too

    async def _run(
        self,
        fn: Callable[..., Awaitable[object]],
        args: tuple[Any, ...],
        results: MutableMapping[int, Any] | None,  # None: from spawn(), else spawn_call()
        key: int,
    ) -> None:
        if self._failed:
            return  # created before a sibling failed, but not started: never start it
        try:
            result = await fn(*args)
        except asyncio.CancelledError as exc:
            if results is None or being_cancelled():
                raise  # a cancelled child is not a failure (nor is it to the TaskGroup)
            self._failed = True
            raise stray_cancellation(fn) from exc
        except BaseException:
            self._failed = True
            raise
        if results is not None:
            results[key] = result
        if self._on_success is not None:
            self._on_success()


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
    caller_cancelled = False
    while not task.done():
        try:
            # Not asyncio.shield(): it lets the caller go at once, and re-raises
            # fn's error over a cancellation that came meanwhile.
            await asyncio.wait([task])
        except asyncio.CancelledError:
            caller_cancelled = True  # hold it until fn has ended
    if caller_cancelled:
        raise asyncio.CancelledError from task.exception()
    task.result()
