"""An async resource pool: lazy creation, LIFO reuse, FIFO waiters, leak-free under cancellation.

>>> import asyncio
>>> async def main():
...     opened = []
...     async def connect():
...         opened.append(f"connection {len(opened) + 1}")
...         return opened[-1]
...     async with Pool(connect, max_size=2) as pool:
...         async with pool.acquire() as first:
...             pass
...         async with pool.acquire() as again:  # the idle one, reused
...             pass
...     return first, again, len(opened)
>>> asyncio.run(main())
('connection 1', 'connection 1', 1)

The hard part is cancellation, and the asyncpg issues 464 and 467 (and PR
1052) show the classic leaks.  Here:

* A waiter is served by handing it the resource (or the right to create
  one) before waking it.  If it was cancelled at that very moment, it finds
  what it was handed in its ``except`` path and passes it on to the next
  waiter, or back to idle: nothing is lost, nobody is skipped.
* A ``factory`` call that fails or is cancelled frees its slot, and a
  waiter may then create in its place.
* A body that exits by an exception, cancellation included, discards its
  resource: ``close`` runs in a task of its own that the caller waits out
  (``_tasks.run_shielded``; ``asyncio.shield`` alone would let the caller
  go), so the release completes even while the releasing task is being
  cancelled.
* asyncio's extra hazard: ``Task.cancel()`` can land after a waiter's
  ``Event`` was set, so a waiter may be "cancelled" while holding what it
  was handed.  The ``except`` path below covers exactly that.

Idle resources are a stack: the most recently released is reused first,
so the rest can age out (asyncpg, httpcore and deadpool do the same).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections import deque
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Generic, TypeVar

from sansio.validate import check_callable, check_count, check_number

from ._tasks import no_limit_as_none, run_shielded

__all__ = ["Pool"]

R = TypeVar("R")


class _Waiter(Generic[R]):
    """One acquirer in line, and what it was handed when woken."""

    def __init__(self) -> None:
        self.woken = asyncio.Event()
        self.resource: list[R] = []  # a resource handed over, if any
        self.may_create = False  # or a free slot to create one in
        self.closed = False  # or the news that the pool closed


class Pool(Generic[R]):
    """Lend out resources made by ``factory``, at most ``max_size`` at once.

    Args:
        factory: async callable making a resource.
        max_size: the most resources that exist at once (an int >= 1).
        close: async callable disposing of a resource; default none.
        acquire_timeout: seconds an acquire may take, a factory call
            included; ``None`` (or ``math.inf``) for no limit.

    Raises:
        ValueError: ``max_size < 1``, ``acquire_timeout < 0`` or NaN.
        TypeError: the wrong kind of argument.

    ``async with pool.acquire() as resource:`` blocks until a resource is
    idle, or may be created, and this acquirer is first in line; it raises
    ``TimeoutError`` after ``acquire_timeout`` and ``RuntimeError`` once the
    pool is closed.  Cancellation while waiting takes nothing and leaks
    nothing.  Can be built outside a running event loop.
    """

    def __init__(
        self,
        factory: Callable[[], Awaitable[R]],
        *,
        max_size: int,
        close: Callable[[R], Awaitable[object]] | None = None,
        acquire_timeout: float | None = None,
    ) -> None:
        check_callable("factory", factory)
        if close is not None:
            check_callable("close", close)
        self._factory = factory
        self._close = close
        self._max_size = check_count("max_size", max_size, minimum=1)
        self._acquire_timeout = (
            math.inf
            if acquire_timeout is None
            else check_number("acquire_timeout", acquire_timeout, allow_inf=True)
        )
        self._idle: list[R] = []  # a stack: the most recently released on top
        self._in_use = 0
        self._creating = 0  # slots taken by factory calls under way (or about to be)
        self._closing = 0  # resources whose close() is under way
        self._line: deque[_Waiter[R]] = deque()
        self._closed = False
        self._all_closed: asyncio.Event | None = None

    # ------------------------------------------------------------ public

    @property
    def size(self) -> int:
        """Resources that exist: idle, in use, or being closed."""
        return len(self._idle) + self._in_use + self._closing

    @property
    def idle(self) -> int:
        return len(self._idle)

    @property
    def in_use(self) -> int:
        return self._in_use

    def acquire(self) -> contextlib.AbstractAsyncContextManager[R]:
        """Borrow a resource for the ``async with`` block.

        Returns:
            An async context manager whose value is the resource.

        Raises:
            RuntimeError: the pool is closed, or closed while this acquirer
                waited; or this ``acquire()`` was entered already.
            TimeoutError: no resource within ``acquire_timeout``.
            Exception: what ``factory`` raised, if this acquirer called it.

        Entering blocks until a resource is idle, or may be created, and
        this acquirer is first in line.  Like ``asyncio.Semaphore``, it does
        not yield when a resource is idle and nobody waits.  Cancelled while
        waiting, it takes nothing; if a resource was being handed to it at
        that moment, the resource goes to the next waiter or back to idle.
        A block that exits by an exception, cancellation included, discards
        the resource (``close`` is awaited in a task of its own, which the
        releasing task waits out) and frees its slot; a clean exit gives it
        to the next waiter or back to idle.
        """
        return _Lease(self._checkout, self._checkin)

    async def aclose(self) -> None:
        """Close the pool; return when every resource is closed.

        From now on ``acquire`` raises ``RuntimeError``, and so do the
        acquirers still waiting.  Idle resources are closed at once, those in
        use when they are released: this waits for them.  Cancelling
        ``aclose`` stops the wait, not the closing; calling it again waits
        again.

        Raises:
            ExceptionGroup: ``close`` failed for some idle resources; every
                other one was still closed.
        """
        self._closed = True
        while self._line:
            waiter = self._line.popleft()
            waiter.closed = True
            waiter.woken.set()
        idle, self._idle = self._idle, []
        self._closing += len(idle)
        failures: list[Exception] = []

        async def close_all() -> None:
            for resource in idle:
                try:
                    await self._close_one(resource)
                except Exception as exc:
                    failures.append(exc)
                finally:
                    self._closing -= 1
                    self._slot_freed()

        await run_shielded(close_all)  # all of them, even if this call is cancelled
        if failures:
            raise ExceptionGroup("closing idle resources failed", failures)
        if self._occupied():
            if self._all_closed is None:
                self._all_closed = asyncio.Event()
            await self._all_closed.wait()

    async def __aenter__(self) -> Pool[R]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # ------------------------------------------------------------ lending

    async def _checkout(self) -> R:
        if self._idle and not self._line and not self._closed:  # free now: even with timeout 0
            self._in_use += 1
            return self._idle.pop()
        if self._closed:
            raise RuntimeError("the pool is closed")
        async with asyncio.timeout(no_limit_as_none(self._acquire_timeout)):
            return await self._wait_for_turn()

    async def _checkin(self, resource: R, exc: BaseException | None) -> None:
        """The end of a lease: a clean exit hands the resource on, an exception discards it."""
        self._in_use -= 1
        if exc is not None:
            await self._dispose(resource, beside=exc)
        elif self._closed:
            await self._dispose(resource)
        else:
            self._give(resource)

    async def _wait_for_turn(self) -> R:
        if not self._must_wait():
            self._creating += 1
            return await self._create()
        waiter = _Waiter[R]()
        self._line.append(waiter)
        try:
            await waiter.woken.wait()
        except BaseException as exc:
            if waiter in self._line:
                self._line.remove(waiter)
            else:
                await self._pass_on(waiter, exc)  # served in the very moment it was cancelled
            raise
        if waiter.closed:
            raise RuntimeError("the pool was closed while waiting")
        if waiter.resource:
            return waiter.resource[0]
        if self._closed:  # given a slot just before the pool closed: make nothing
            self._creating -= 1
            self._slot_freed()
            raise RuntimeError("the pool was closed while waiting")
        return await self._create()

    async def _create(self) -> R:
        """Call the factory in a slot already counted in ``_creating``."""
        try:
            resource = await self._factory()
        except BaseException:
            self._creating -= 1
            self._slot_freed()
            raise
        self._creating -= 1
        if self._closed:  # closed while the factory ran: nobody may have it
            refused = RuntimeError("the pool was closed while the resource was being made")
            await self._dispose(resource, beside=refused)
            raise refused
        self._in_use += 1
        return resource

    # ------------------------------------------------------------ bookkeeping

    def _occupied(self) -> int:
        return self.size + self._creating

    def _must_wait(self) -> bool:
        """Whether an acquirer waits in line: others are first, or none is idle and no slot free."""
        return bool(self._line) or (not self._idle and self._occupied() >= self._max_size)

    def _give(self, resource: R) -> None:
        """A released resource goes to the first waiter, else on top of idle."""
        if self._line:
            waiter = self._line.popleft()
            waiter.resource.append(resource)
            self._in_use += 1
            waiter.woken.set()
        else:
            self._idle.append(resource)

    def _slot_freed(self) -> None:
        """A slot emptied: the first waiter may create a resource in it."""
        if self._line and not self._closed:
            waiter = self._line.popleft()
            waiter.may_create = True
            self._creating += 1
            waiter.woken.set()
        self._check_all_closed()

    async def _pass_on(self, waiter: _Waiter[R], exc: BaseException) -> None:
        """A waiter cancelled just as it was served hands on what it got."""
        if waiter.resource:
            await self._hand_back(waiter.resource[0], exc)
        elif waiter.may_create:
            self._creating -= 1
            self._slot_freed()

    async def _hand_back(self, resource: R, exc: BaseException) -> None:
        """An acquire cancelled before its body ran returns what it took, unused."""
        self._in_use -= 1
        if self._closed:
            await self._dispose(resource, beside=exc)
        else:
            self._give(resource)

    async def _dispose(self, resource: R, beside: BaseException | None = None) -> None:
        """Close one resource, shielded from cancellation, then free its slot.

        ``beside``: the exception already on its way out.  A failing
        ``close`` must not replace it (nor a cancellation): its error is
        added to it as a note instead.
        """
        self._closing += 1
        try:
            await run_shielded(lambda: self._close_one(resource))
        except Exception as close_error:
            if beside is None:
                raise
            beside.add_note(f"closing {resource!r} also failed: {close_error!r}")
        finally:
            self._closing -= 1
            self._slot_freed()

    async def _close_one(self, resource: R) -> None:
        if self._close is not None:
            await self._close(resource)

    def _check_all_closed(self) -> None:
        if self._all_closed is not None and not self._occupied():
            self._all_closed.set()


class _Lease(Generic[R]):
    """What ``Pool.acquire`` returns: one resource lent for one ``async with`` block.

    A class rather than ``@contextlib.asynccontextmanager``: entering the same
    ``acquire()`` twice must be refused with a ``RuntimeError``, as asyncpg's
    ``PoolAcquireContext`` refuses it; a generator-based one would fail with
    an ``AttributeError`` instead.
    """

    def __init__(
        self,
        checkout: Callable[[], Awaitable[R]],
        checkin: Callable[[R, BaseException | None], Awaitable[None]],
    ) -> None:
        self._checkout = checkout
        self._checkin = checkin
        self._entered = False

    async def __aenter__(self) -> R:
        # Entered twice, it would lend two resources and take back one.
        if self._entered:
            raise RuntimeError("this acquire() was entered already: call pool.acquire() again")
        self._entered = True
        self._resource = await self._checkout()
        return self._resource

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._checkin(self._resource, exc)
