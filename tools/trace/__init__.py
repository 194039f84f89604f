"""Task timelines recorded from each framework's own hooks, drawn side by side.

    python -m tools.trace workers             # every target's timeline of one scenario
    python -m tools.trace --svg build/trace   # every scenario, and an SVG per target
    python -m tools.trace --bench             # what tracing costs: 10,000 tasks, traced and not

One coroutine runs at a time and each ``await`` that blocks hands the loop to
another: a trace records, per task, when it was spawned, each step it ran
(from one blocking ``await`` to the next), when it was made runnable again,
and how it ended.  trio is traced with a ``trio.abc.Instrument``
(``trio_tracer``), asyncio with a task factory (``asyncio_tracer``); anyio
code is traced by the tracer of the backend it runs on.  The scenarios run on
virtual time (trio's ``MockClock``, looptime's loop), so a trace is the same
on every run.  ``render`` draws a trace as SVG for the site and as text for
the terminal.

For the site: ``scenarios()`` and ``svg(scenario, target)``.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import sniffio

from tools.registry import SUITE_TARGETS, Target

from .model import Event, Recorder
from .render import DEFAULT_WIDTH, render_svg, render_text
from .scenarios import SCENARIOS

__all__ = ["Event", "Recorder", "record", "run", "scenarios", "svg", "targets", "text", "trace"]


async def trace(root: Callable[[], Coroutine[Any, Any, object]], name: str) -> list[Event]:
    """Run ``root()`` in a new task, on the running loop, and return the events of its tasks.

    Only the root task and the tasks spawned under it are recorded: not the
    framework's own tasks, nor the caller's.  A failure of the root is
    recorded (its ``exited`` event says ``failed``), not raised.  A task's
    parent is the task owning its nursery on trio, the task that created it
    on asyncio (which has no record of task groups).  One trace at a time:
    a trace inside a traced task records nothing of its own.
    """
    return (await run(root, name)).events()


async def run(root: Callable[[], Coroutine[Any, Any, object]], name: str) -> Recorder:
    """``trace``, returning what was recorded, before naming the tasks and decoding the events."""
    if sniffio.current_async_library() == "trio":
        from . import trio_tracer

        return await trio_tracer.run(root, name)
    from . import asyncio_tracer

    return await asyncio_tracer.run(root, name)


def targets(*, real_time: bool = False) -> list[Target]:
    """The suite's targets that run on virtual time; with ``real_time``, uvloop's too."""
    return [target for target in SUITE_TARGETS if real_time or target.loop != "uvloop"]


def record(scenario: str, target: Target) -> list[Event]:
    """Run one scenario on one target, in a fresh event loop, and return its events.

    On virtual time (trio's ``MockClock``, looptime's loop with the target's
    task factory), except on uvloop, whose timers cannot be made virtual.
    """
    import anyio
    import trio.testing

    from testkit.virtual_time import new_virtual_time_loop

    chosen = SCENARIOS[scenario]
    module = target.module(chosen.exercise)

    async def main() -> list[Event]:
        return await trace(lambda: chosen.run(module), scenario)

    options: dict[str, Any] = {}
    if target.backend == "trio":
        options["clock"] = trio.testing.MockClock(autojump_threshold=0)
    else:
        factory = target.loop_factory(None if target.loop == "uvloop" else new_virtual_time_loop)
        if factory is not None:
            options["loop_factory"] = factory
    return anyio.run(main, backend=target.backend, backend_options=options)


def scenarios() -> list[str]:
    """Every scenario's name, in the order the CLI shows them."""
    return list(SCENARIOS)


def svg(scenario: str, target: Target) -> str:
    """One scenario's timeline on one target, as a self-contained SVG document."""
    return render_svg(record(scenario, target), title=f"{scenario} on {target.id}")


def text(scenario: str, target: Target, *, width: int = DEFAULT_WIDTH) -> str:
    """One scenario's timeline on one target, as plain text of block characters."""
    return render_text(record(scenario, target), title=f"{scenario} on {target.id}", width=width)
