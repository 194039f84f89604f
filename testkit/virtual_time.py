"""Event loops and clocks whose time is virtual, for exact timing assertions.

trio has this built in (``MockClock(autojump_threshold=0)`` jumps to the next
deadline as soon as every task is blocked).  asyncio does not; the
``looptime`` package patches an event loop so that ``loop.time()`` is a
counter that jumps to the next timer when nothing else can run.

An eager target wraps this loop factory with the eager task factory
(``tools.registry.Target.loop_factory``).
"""

from __future__ import annotations

import asyncio

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
