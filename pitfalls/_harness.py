"""Runs a pitfall's programs on a virtual clock and says what each one did.

Each program is a module with ``async def main()``.  The harness runs it the
way its framework's users would (``asyncio`` on a plain event loop, trio and
anyio through ``anyio.run``), on a virtual clock unless the pitfall uses
threads, and records what can go wrong in structured concurrency:

- it did not finish before the deadline (``hangs``);
- a task it started was still running when ``main()`` returned (``leaks a task``);
- ``main()`` ended without the error the program is about, or an error was
  only logged as never retrieved (``loses an error``);
- ``main()`` raised another error instead (``raises the wrong error``);
- it made a blocking call in the event loop's thread (``blocks the loop``,
  caught by blockbuster on asyncio);
- a ``props.Connection`` or a ``props.blocking_job`` thread was still open
  when ``main()`` returned (``leaves something open``).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import io
import threading
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import anyio
import sniffio
import trio.testing
from blockbuster import blockbuster_ctx

from testkit.virtual_time import new_virtual_time_loop

from . import props
from .symptoms import (
    BLOCKS_THE_LOOP,
    HANGS,
    LEAKS_A_TASK,
    LEAVES_SOMETHING_OPEN,
    LOSES_AN_ERROR,
    RAISES_THE_WRONG_ERROR,
)

DEADLINE = 1000.0
"""Virtual seconds a program may run before it counts as hung."""

REAL_DEADLINE = 5.0
"""Real seconds, for pitfalls whose programs use threads (a virtual clock would jump past them)."""

RUNS_ON = {
    "asyncio": ("asyncio",),
    "trio": ("trio",),
    "anyio": ("anyio-asyncio", "anyio-trio"),
}
"""Where a program written in each dialect runs: anyio programs run on both backends."""


@dataclass
class Outcome:
    """What one program did on one backend."""

    program: str
    runs_on: str
    finished: bool = True
    raised: list[str] = field(default_factory=list)
    """The leaf exception types ``main()`` raised (an exception group's leaves), or []."""
    leaked: list[str] = field(default_factory=list)
    unreported: list[str] = field(default_factory=list)
    still_open: list[str] = field(default_factory=list)
    output: str = ""

    def symptoms(self, raises: str | None) -> list[str]:
        """The symptoms shown, given the error a correct program raises (``None``: none)."""
        found = []
        if not self.finished:
            found.append(HANGS)
        if self.leaked:
            found.append(LEAKS_A_TASK)
        blocked = "BlockingError" in self.raised
        if blocked:
            found.append(BLOCKS_THE_LOOP)
        expected = [] if raises is None else [raises]
        if self.finished and (self.unreported or (expected and not self.raised)):
            found.append(LOSES_AN_ERROR)
        if self.finished and not blocked and self.raised and self.raised != expected:
            found.append(RAISES_THE_WRONG_ERROR)
        if self.still_open:
            found.append(LEAVES_SOMETHING_OPEN)
        return found

    def describe(self, raises: str | None) -> str:
        """One line for people: what happened and, if anything went wrong, the evidence."""
        parts = []
        if not self.finished:
            parts.append("still running at the deadline")
        elif self.raised:
            parts.append("raised " + ", ".join(self.raised))
        else:
            parts.append("returned")
        if self.leaked:
            parts.append("tasks left running: " + ", ".join(self.leaked))
        if self.unreported:
            parts.append("errors only logged: " + "; ".join(self.unreported))
        if self.still_open:
            parts.append("still open: " + ", ".join(self.still_open))
        if self.finished and raises is not None and raises not in self.raised:
            parts.append(f"expected {raises}")
        return "; ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def leaf_names(exc: BaseException) -> list[str]:
    if isinstance(exc, BaseExceptionGroup):
        return [name for inner in exc.exceptions for name in leaf_names(inner)]
    return [type(exc).__name__]


def observe(module_name: str, runs_on: str, *, real_time: bool = False) -> Outcome:
    """Run ``module_name``'s ``main()`` on ``runs_on`` (see ``RUNS_ON``) and record what it did."""
    main: Callable[[], Awaitable[object]] = importlib.import_module(module_name).main
    outcome = Outcome(module_name.rpartition(".")[2], runs_on)
    props.reset()
    threads_before = set(threading.enumerate())
    output = io.StringIO()
    with contextlib.redirect_stdout(output), blockbuster_ctx(["pitfalls"]):
        if runs_on == "asyncio":
            _run_asyncio(main, outcome, real_time=real_time)
        else:
            _run_anyio(main, outcome, backend=runs_on.rpartition("-")[2], real_time=real_time)
    outcome.output = output.getvalue()
    # A job the program abandoned is evidence above; let it end before the next program.
    for thread in set(threading.enumerate()) - threads_before:
        thread.join(REAL_DEADLINE)
    return outcome


# A loop whose program ignored cancellation cannot be closed; keep it from the collector.
_abandoned: list[asyncio.AbstractEventLoop] = []


def abandoned() -> bool:
    """Whether a program was left suspended in a loop that could not be closed."""
    return bool(_abandoned)


def _run_asyncio(
    main: Callable[[], Awaitable[object]], outcome: Outcome, *, real_time: bool
) -> None:
    loop = asyncio.new_event_loop() if real_time else new_virtual_time_loop()
    loop.set_exception_handler(lambda _, context: outcome.unreported.append(_logged(context)))
    deadline = REAL_DEADLINE if real_time else DEADLINE

    async def run() -> object:
        return await main()

    task = loop.create_task(run(), name="main")
    loop.run_until_complete(asyncio.wait([task], timeout=deadline))
    outcome.finished = task.done()
    outcome.leaked = _names(t for t in asyncio.all_tasks(loop) if t is not task)
    outcome.still_open = props.still_open()
    if task.done() and not task.cancelled() and task.exception() is not None:
        outcome.raised = leaf_names(task.exception())  # type: ignore[arg-type]
    # Tidy up: cancel what is left, give it the same time again, then collect,
    # which reports the exceptions nobody retrieved.
    left = asyncio.all_tasks(loop)
    for leftover in left:
        leftover.cancel()
    if left:
        loop.run_until_complete(asyncio.wait(left, timeout=deadline))
    if asyncio.all_tasks(loop):
        _abandoned.append(loop)
        return
    gc.collect()
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()


def _run_anyio(
    main: Callable[[], Awaitable[object]], outcome: Outcome, *, backend: str, real_time: bool
) -> None:
    deadline = REAL_DEADLINE if real_time else DEADLINE

    async def guarded() -> None:
        before = _asyncio_tasks()
        if sniffio.current_async_library() == "asyncio":
            asyncio.get_running_loop().set_exception_handler(
                lambda _, context: outcome.unreported.append(_logged(context))
            )
        with anyio.move_on_after(deadline) as scope:
            try:
                await main()
            except BaseException as exc:  # the outcome, not a failure of the harness
                outcome.raised = leaf_names(exc)
        outcome.finished = not scope.cancelled_caught
        outcome.still_open = props.still_open()
        outcome.leaked = _names(_asyncio_tasks() - before)
        gc.collect()

    options: dict[str, Any]
    if backend == "trio":
        options = {} if real_time else {"clock": trio.testing.MockClock(autojump_threshold=0)}
    else:
        options = {} if real_time else {"loop_factory": new_virtual_time_loop}
    anyio.run(guarded, backend=backend, backend_options=options)


def _asyncio_tasks() -> set[asyncio.Task[Any]]:
    if sniffio.current_async_library() != "asyncio":
        return set()
    current = asyncio.current_task()
    return {task for task in asyncio.all_tasks() if task is not current}


def _names(tasks: Iterable[asyncio.Task[Any]]) -> list[str]:
    """Each task by its coroutine's name, which says more than ``Task-3``."""
    return sorted(getattr(task.get_coro(), "__qualname__", task.get_name()) for task in tasks)


def _logged(context: dict[str, Any]) -> str:
    exc = context.get("exception")
    message = str(context.get("message", ""))
    return f"{message} ({type(exc).__name__}: {exc})" if exc is not None else message
