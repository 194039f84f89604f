"""Background tasks: a heartbeat beside the work, and a service started with a handshake.

>>> import asyncio
>>> async def service(ready):
...     ready("127.0.0.1:8000")  # bound and listening
...     await asyncio.Event().wait()  # serves until cancelled
>>> async def client(address):
...     return f"talked to {address}"
>>> async def work():
...     return "done"
>>> async def beat():
...     print("still alive")
>>> async def main():
...     print(await run_with_heartbeat(work, interval=60, beat=beat))
...     print(await run_after_ready(service, client))
>>> asyncio.run(main())
done
talked to 127.0.0.1:8000

Difference: trio's ``nursery.start`` and anyio's ``TaskGroup.start`` give
the readiness handshake natively (the value passed to ``started`` comes back
from ``start``; returning without it is a ``RuntimeError``; a failure before
it propagates).  asyncio has no equivalent: ``run_after_ready`` builds it from
an ``Event`` and a check after the service returns.  asyncio has no cancel
scope either: stopping the background task is a ``cancel()`` of that one
task.  A task created with ``asyncio.create_task`` outside a group would
also need a strong reference kept somewhere, or the garbage collector may
drop it mid-flight; inside a ``TaskGroup`` the group holds it.

The heartbeat's schedule is start + k·interval on the loop's clock, so it
does not drift; a tick that passed while ``beat`` ran is skipped.  A tick due
at the very instant ``work`` ends may or may not beat: the two are
simultaneous and the scheduler picks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sansio.schedule import check_interval, next_tick
from sansio.validate import check_callable

from ._tasks import call_child, spawn

__all__ = ["run_with_heartbeat", "run_after_ready"]

T = TypeVar("T")
V = TypeVar("V")


async def run_with_heartbeat(
    work: Callable[[], Awaitable[T]],
    *,
    interval: float,
    beat: Callable[[], Awaitable[object]],
) -> T:
    """Await ``work()``; meanwhile await ``beat()`` every ``interval`` seconds.

    Args:
        work: the async callable whose result this call returns.
        interval: seconds between scheduled beats, from the call's start.
        beat: awaited at start + k·interval (k = 1, 2, ...); beats never
            overlap; a tick missed while ``beat`` ran is skipped.

    Returns:
        What ``work`` returned.  No beat starts after that.

    Raises:
        ExceptionGroup: ``work`` or ``beat`` failed; the other was cancelled.
        ValueError: ``interval`` below 1e-9 s (a nanosecond) or not finite.
        TypeError: ``work`` or ``beat`` is not callable, or ``interval`` is
            not a number.

    Blocks until ``work`` has finished and the heartbeat has stopped.
    Cancelling the caller cancels both.
    """
    check_callable("work", work)
    check_callable("beat", beat)
    interval = check_interval(interval)
    async with asyncio.TaskGroup() as group:
        heart = group.create_task(_beat_forever(interval, beat))
        result = await work()
        heart.cancel()  # no cancel scope: stop the one task by hand
    return result


async def _beat_forever(interval: float, beat: Callable[[], Awaitable[object]]) -> None:
    loop = asyncio.get_running_loop()
    start = loop.time()
    tick = 0
    while True:
        tick = next_tick(start, interval, tick, loop.time())
        await asyncio.sleep(start + tick * interval - loop.time())  # no sleep_until in asyncio
        await call_child(beat)


async def run_after_ready(
    service: Callable[[Callable[[V], None]], Awaitable[object]],
    client: Callable[[V], Awaitable[T]],
) -> T:
    """Start ``service``, wait until it calls ``ready(value)``, then await ``client(value)``.

    Args:
        service: ``service(ready)`` calls ``ready(value)`` once it can serve,
            then keeps running until cancelled.
        client: awaited with that value; when it returns, the service is
            cancelled.

    Returns:
        What ``client`` returned, once the service has finished.

    Raises:
        ExceptionGroup: the service failed (before ``ready``: the client never
            ran) or the client failed; or, holding a ``RuntimeError``, the
            service returned without calling ``ready``.
        TypeError: ``service`` or ``client`` is not callable.

    Blocks until both have finished.  Cancelling the caller cancels both.
    """
    check_callable("service", service)
    check_callable("client", client)
    ready_event = asyncio.Event()
    ready_value: list[V] = []

    def ready(value: V = None) -> None:  # type: ignore[assignment]  # as task_status.started()
        if ready_event.is_set():
            raise RuntimeError("ready() was called more than once")
        ready_value.append(value)
        ready_event.set()

    async def serve() -> None:
        await call_child(service, ready)
        if not ready_event.is_set():
            raise RuntimeError("service returned without calling ready()")

    async with asyncio.TaskGroup() as group:
        # spawn: under eager tasks the service may call ready() and fail inside create_task.
        server = await spawn(group, serve)
        await ready_event.wait()  # a failure of the service before ready() cancels this wait
        value = ready_value[0]
        result = await client(value)
        server.cancel()  # no cancel scope: stop the one task by hand
    return result
