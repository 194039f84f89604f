"""Event loops and clocks whose time is virtual, for exact timing assertions.

trio has this built in (``MockClock(autojump_threshold=0)`` jumps to the next
deadline as soon as every task is blocked).  asyncio does not; the
``looptime`` package patches an event loop so that ``loop.time()`` is a
counter that jumps to the next timer when nothing else can run.

``eager_tasks`` wraps any loop factory so that its loops run new tasks
eagerly (``asyncio.eager_task_factory``, Python 3.12+), as the eager targets do.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable

import looptime


class VirtualTimeEventLoop(looptime.LoopTimeEventLoop, asyncio.SelectorEventLoop):
    """A selector event loop on virtual time.

    ``asyncio.Runner.close()`` on 3.12+ joins the default executor with a
    timeout, which virtual time expires at once and then warns that the
    executor "did not finish joining its threads"; here the join waits.
    """

    async def shutdown_default_executor(self, timeout: float | None = None) -> None:
        del timeout
        await super().shutdown_default_executor()


def new_virtual_time_loop() -> asyncio.AbstractEventLoop:
    """A ``loop_factory`` for ``asyncio.Runner`` and anyio's test runner."""
    return VirtualTimeEventLoop()


def eager_tasks(
    loop_factory: Callable[[], asyncio.AbstractEventLoop],
) -> Callable[[], asyncio.AbstractEventLoop]:
    """``loop_factory``, with ``asyncio.eager_task_factory`` set on every loop it makes."""

    def new_loop() -> asyncio.AbstractEventLoop:
        loop = loop_factory()
        if sys.version_info >= (3, 12):  # before, Target.parse refuses eager targets
            loop.set_task_factory(asyncio.eager_task_factory)
        return loop

    return new_loop
