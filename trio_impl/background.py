"""Background tasks: a heartbeat beside the work, and a service started with a handshake.

>>> import trio
>>> async def service(ready):
...     ready("127.0.0.1:8000")  # bound and listening
...     await trio.sleep_forever()  # serves until cancelled
>>> async def client(address):
...     return f"talked to {address}"
>>> async def work():
...     return "done"
>>> async def beat():
...     print("still alive")
>>> async def main():
...     print(await run_with_heartbeat(work, interval=60, beat=beat))
...     print(await run_after_ready(service, client))
>>> trio.run(main)
done
talked to 127.0.0.1:8000

Difference: ``nursery.start`` is the readiness handshake: the value passed
to ``task_status.started`` comes back from ``start``, a child that returns
without calling it is a ``RuntimeError``, and a failure before it propagates
from ``start`` with the client never run.  Stopping the background task is
one ``nursery.cancel_scope.cancel()``.

The heartbeat's schedule is start + k·interval on trio's clock
(``sleep_until``), so it does not drift; a tick that passed while ``beat``
ran is skipped.  A tick due at the very instant ``work`` ends may or may not
beat: the two are simultaneous and the scheduler picks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import trio

from sansio.schedule import check_interval, next_tick
from sansio.validate import check_callable

from ._tasks import call_child

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
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_beat_forever, interval, beat)
        result = await call_child(work)  # a stray cancellation is a failure here too
        nursery.cancel_scope.cancel()
    return result


async def _beat_forever(interval: float, beat: Callable[[], Awaitable[object]]) -> None:
    start = trio.current_time()
    tick = 0
    while True:
        tick = next_tick(start, interval, tick, trio.current_time())
        await trio.sleep_until(start + tick * interval)
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

    async def serve(*, task_status: trio.TaskStatus[V] = trio.TASK_STATUS_IGNORED) -> None:
        await call_child(service, task_status.started)

    async with trio.open_nursery() as nursery:
        value: V = await nursery.start(serve)
        result = await call_child(client, value)
        nursery.cancel_scope.cancel()
    return result
