"""Tracing trio (and anyio on trio) with trio's own hook, ``trio.abc.Instrument``.

trio calls an instrument at every point the trace needs, as its tutorial's
``Tracer`` shows: ``task_spawned``, ``task_scheduled`` (made runnable),
``before_task_step`` / ``after_task_step`` and ``task_exited``.  Time is
the run's clock (``trio.current_time()``), virtual under ``MockClock``; a
task's parent is the task that owns the nursery it runs in
(``task.parent_nursery.parent_task``), the structured parent, whoever
called ``start_soon``.

Two things trio's hooks do not hand over directly:

- How a task ended.  ``task_exited`` gets the task only: trio gives the
  task's outcome to its parent nursery, which keeps the exception in its
  private ``_pending_excs`` list until it raises them all.  The one private
  read here: a child that raised left its exception there, last, with the
  child's own coroutine frame at the top of the traceback.  ``Cancelled``
  means cancelled; anything else, failed; nothing new, finished.
- Order within a step.  A task that reschedules itself (``trio.sleep(0)``,
  any checkpoint) is reported ``scheduled`` before its step has ended, and a
  task that exits is reported ``exited`` before its step has ended; the
  tracer records them after the step, in the order they mean.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from contextlib import suppress
from typing import Any

import trio
import trio.lowlevel

from .model import (
    CANCELLED,
    EXITED_CODE,
    FAILED,
    FINISHED,
    SCHEDULED_CODE,
    STEP_END_CODE,
    STEP_START_CODE,
    Outcome,
    Recorder,
    label,
)


class TaskTracer(trio.abc.Instrument):
    """Records the tasks of one root coroutine: that root and every task under it.

    trio calls every hook for every task, its own included, so the hooks
    return at once for a task that is not traced, and record without a
    method call for one that is.
    """

    def __init__(self, recorder: Recorder, root: Coroutine[Any, Any, object], name: str) -> None:
        self._recorder = recorder
        self._root = root
        self._root_name = name
        self._codes: dict[trio.lowlevel.Task, int] = {}  # traced tasks alive: task number << 3
        self._stepping: trio.lowlevel.Task | None = None
        self._rescheduled_itself = False
        self._errors_seen: dict[trio.Nursery, int] = {}

    def task_spawned(self, task: trio.lowlevel.Task) -> None:
        if task.coro is self._root:
            self._codes[task] = self._recorder.spawn(None, self._root_name) << 3
            return
        nursery = task.parent_nursery
        parent = self._codes.get(nursery.parent_task) if nursery is not None else None
        if parent is not None:  # otherwise not ours: trio's system tasks, the caller's
            self._codes[task] = self._recorder.spawn(parent >> 3, label(task.coro)) << 3

    def task_scheduled(self, task: trio.lowlevel.Task) -> None:
        code = self._codes.get(task)
        if code is None:
            return
        if task is self._stepping:
            self._rescheduled_itself = True  # recorded once the step has ended
        else:
            recorder = self._recorder
            recorder.add_time(recorder.clock())
            recorder.add_code(code | SCHEDULED_CODE)

    def before_task_step(self, task: trio.lowlevel.Task) -> None:
        code = self._codes.get(task)
        if code is not None:
            self._stepping = task
            recorder = self._recorder
            recorder.add_time(recorder.clock())
            recorder.add_code(code | STEP_START_CODE)

    def after_task_step(self, task: trio.lowlevel.Task) -> None:
        if task is not self._stepping:
            return
        self._stepping = None
        code = self._codes.get(task)
        if code is None:  # it exited in this step: task_exited recorded the end
            return
        recorder = self._recorder
        now = recorder.clock()
        recorder.add_time(now)
        recorder.add_code(code | STEP_END_CODE)
        if self._rescheduled_itself:
            self._rescheduled_itself = False
            recorder.add_time(now)
            recorder.add_code(code | SCHEDULED_CODE)

    def task_exited(self, task: trio.lowlevel.Task) -> None:
        code = self._codes.pop(task, None)
        if code is None:
            return
        self._rescheduled_itself = False
        recorder = self._recorder
        now = recorder.clock()
        recorder.add_time(now)  # trio calls this inside the last step: the step ends here
        recorder.add_code(code | STEP_END_CODE)
        recorder.add_time(now)
        recorder.add_code(code | EXITED_CODE[self._outcome(task)])

    def _outcome(self, task: trio.lowlevel.Task) -> Outcome:
        nursery = task.parent_nursery
        if nursery is None:
            return FINISHED
        errors: list[BaseException] = getattr(nursery, "_pending_excs", [])
        seen = self._errors_seen.get(nursery, 0)
        self._errors_seen[nursery] = len(errors)
        if len(errors) > seen:
            # New since the last child of this nursery exited; the nursery's own
            # body may have added one meanwhile, so check that it is this task's.
            traceback = errors[-1].__traceback__
            if traceback is not None and traceback.tb_frame.f_code is task.coro.cr_code:
                return CANCELLED if isinstance(errors[-1], trio.Cancelled) else FAILED
        return FINISHED


async def run(root: Callable[[], Coroutine[Any, Any, object]], name: str) -> Recorder:
    """Run ``root()`` in a task of its own, traced with its descendants; what was recorded.

    The root's failure is recorded, not raised.
    """
    recorder = Recorder(trio.lowlevel.current_clock().current_time)  # one call less per event
    coro = root()
    tracer = TaskTracer(recorder, coro, name)
    trio.lowlevel.add_instrument(tracer)
    try:
        with suppress(Exception):  # the root's failure is in the trace
            async with trio.open_nursery() as nursery:
                nursery.start_soon(lambda: coro)  # this very coroutine: the tracer knows it
    finally:
        trio.lowlevel.remove_instrument(tracer)
    return recorder
