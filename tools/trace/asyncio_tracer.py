"""Tracing asyncio (and anyio on asyncio) with a task factory, asyncio's hook for new tasks.

``loop.set_task_factory`` lets the tracer see every task the loop creates.
The factory wraps the task's coroutine in ``Traced``, a
``collections.abc.Coroutine`` (a ``Task`` accepts any), whose ``send`` and
``throw`` are the task's steps; then it hands the wrapped coroutine to the
factory the loop had before (``asyncio.eager_task_factory`` on an eager
target, or none), so eager tasks stay eager: their first step runs inside
``create_task`` and is recorded there.  uvloop's loop takes a task factory
the same way.  (anyio creates its own tasks lazily even on an eager loop:
it recognises asyncio's eager factory and calls the task class inside it;
the tracer does the same for anyio's tasks, which would otherwise start
eagerly behind its back, before anyio has registered them.)

- ``scheduled``: asyncio has no hook for "made runnable".  A step that ends
  by yielding a future is woken when that future is done (``Task.cancel()``
  cancels it too), so the tracer adds its own done callback to it, ahead of
  the task's; a step that yields ``None`` (``asyncio.sleep(0)``) leaves the
  task runnable at once.
- ``exited``: recorded at the end of the last step, as trio reports it, by
  the rule ``Task`` itself applies to how the coroutine ended: it returned
  (finished), raised ``CancelledError`` (cancelled) or raised anything else
  (failed).  One case is the task's to decide: a coroutine that returns
  while a cancellation of its task is pending ends ``cancelled`` if the
  request came during that last step; only then does the tracer wait for
  the task's done callback and ask ``Task.cancelled()``.  A done callback
  for every task would cost a loop callback per task, a third of what
  tracing costs; and ``Task.exception()`` is never called, since it would
  mark the exception retrieved and silence asyncio's "exception was never
  retrieved" for the code under trace.
- Time is ``loop.time()``, virtual on looptime's loop; a task's parent is
  ``asyncio.current_task()`` when it was created: asyncio keeps no record of
  the ``TaskGroup`` a task belongs to, so the parent is whoever created it
  (a worker spawned by the producer shows under the producer, where trio
  shows it under the nursery's owner).

Why not ``sys.monitoring`` (3.12+): its events (``PY_RESUME``, ``PY_YIELD``)
fire for every coroutine frame in every await chain, not per task, and the
tracer would have to map frames back to tasks; it takes a process-wide tool
id that debuggers and coverage also want; and the project supports 3.11.
The task factory gives exactly one call per step of each task.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine, Generator
from typing import Any, TypeVar, cast

from .model import (
    ANYIO_HANDLE,
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

TaskFactory = Callable[..., "asyncio.Future[Any]"]
T = TypeVar("T")


class Traced(Coroutine[Any, Any, Any]):
    """A task's coroutine, recording each of its steps, and its end.

    ``send`` is the hot path (one call per step of every traced task), so it
    appends to the recorder's arrays itself rather than through a method.
    """

    __slots__ = ("_coro", "code", "recorder", "started")

    def __init__(self, coro: Coroutine[Any, Any, Any], recorder: Recorder, number: int) -> None:
        self._coro = coro
        self.recorder = recorder
        self.code = number << 3  # this task's events are code | the kind's code
        self.started = False

    def send(self, value: Any) -> Any:
        recorder, code = self.recorder, self.code
        self.started = True
        recorder.add_time(recorder.clock())
        recorder.add_code(code | STEP_START_CODE)
        try:
            yielded = self._coro.send(value)
        except StopIteration:
            recorder.add_time(recorder.clock())
            recorder.add_code(code | STEP_END_CODE)
            self._returned()
            raise
        except BaseException as exc:
            self._raised(exc)
            raise
        self._blocked_on(yielded)
        return yielded

    def throw(self, typ: Any, val: Any = None, tb: Any = None, /) -> Any:
        self.started = True
        self._record(STEP_START_CODE)
        try:
            if val is None and tb is None:  # what Task calls; the three-argument form is deprecated
                yielded = self._coro.throw(typ)
            else:
                yielded = self._coro.throw(typ, val, tb)
        except StopIteration:
            self._record(STEP_END_CODE)
            self._returned()
            raise
        except BaseException as exc:
            self._raised(exc)
            raise
        self._blocked_on(yielded)
        return yielded

    def close(self) -> None:
        self._coro.close()

    def __await__(self) -> Generator[Any, None, Any]:
        return self._coro.__await__()  # a Task never awaits it; untraced if someone does

    def __repr__(self) -> str:
        return f"<traced {self._coro!r}>"

    def __getattr__(self, name: str) -> Any:
        # cr_frame, cr_running, cr_suspended, cr_await, __qualname__...: for
        # Task.__repr__, inspect.getcoroutinestate (anyio reads it) and debuggers.
        return getattr(self._coro, name)

    def _record(self, kind: int) -> None:
        recorder = self.recorder
        recorder.add_time(recorder.clock())
        recorder.add_code(self.code | kind)

    def _blocked_on(self, yielded: Any) -> None:
        self._record(STEP_END_CODE)
        try:
            wake_on = yielded.add_done_callback  # a future: woken when it is done
        except AttributeError:  # a bare yield (asyncio.sleep(0)): back in the ready queue already
            self._record(SCHEDULED_CODE)
        else:
            wake_on(self._woken)  # before the task's own callback: it runs first

    def _woken(self, _: object) -> None:
        self._record(SCHEDULED_CODE)

    def _raised(self, exc: BaseException) -> None:
        self._record(STEP_END_CODE)
        # As Task decides: a CancelledError out of the coroutine cancels the task.
        outcome: Outcome = CANCELLED if isinstance(exc, asyncio.CancelledError) else FAILED
        self._record(EXITED_CODE[outcome])

    def _returned(self) -> None:
        task = asyncio.current_task()  # this one: its last step is still running (eager too)
        if task is not None and task.cancelling():
            task.add_done_callback(self._done)  # finished or cancelled: the task decides
        else:
            self._record(EXITED_CODE[FINISHED])

    def _done(self, task: asyncio.Future[Any]) -> None:
        self._record(EXITED_CODE[CANCELLED if task.cancelled() else FINISHED])


class TracingFactory:
    """The loop's task factory while tracing: the root, and every task created under it."""

    def __init__(
        self,
        recorder: Recorder,
        root: Coroutine[Any, Any, object],
        name: str,
        previous: TaskFactory | None,
    ) -> None:
        self._recorder = recorder
        self._root = root
        self._root_name = name
        self._previous = previous
        # anyio starts its tasks lazily even on an eager loop: it recognises
        # asyncio's eager factory by its code and calls the task class it
        # wraps (its closure) without eager_start.  With the tracer's factory
        # in between it would no longer see it, so the tracer does the same.
        self._lazy_task = _task_class_of_eager_factory(previous)

    def __call__(
        self,
        loop: asyncio.AbstractEventLoop,
        coro: Coroutine[Any, Any, T] | Generator[Any, None, T],
        /,
        **options: Any,
    ) -> asyncio.Future[T]:
        # Called for every task the loop creates while tracing: kept lean.
        recorder = self._recorder
        if coro is self._root:
            parent, name = None, self._root_name
        else:
            creator = asyncio.current_task(loop)
            traced_parent = creator.get_coro() if creator is not None else None
            if not isinstance(traced_parent, Traced) or traced_parent.recorder is not recorder:
                return self._create(loop, coro, options)  # not ours: the caller's, a library's
            parent, name = traced_parent.code >> 3, label(coro)
        traced = Traced(
            cast("Coroutine[Any, Any, T]", coro), recorder, recorder.spawn(parent, name)
        )
        if self._lazy_task is not None and getattr(coro, "cr_code", None) is ANYIO_HANDLE:
            task = self._lazy_task(traced, loop=loop, **options)  # as anyio would
        else:
            task = self._create(loop, traced, options)
        if not traced.started:  # an eager task has run its first step already
            recorder.add_time(recorder.clock())
            recorder.add_code(traced.code | SCHEDULED_CODE)
        return task

    def _create(
        self,
        loop: asyncio.AbstractEventLoop,
        coro: Coroutine[Any, Any, Any] | Generator[Any, None, Any],
        options: dict[str, Any],
    ) -> asyncio.Future[Any]:
        if self._previous is not None:
            return self._previous(loop, coro, **options)
        return asyncio.Task(coro, loop=loop, **options)


def _task_class_of_eager_factory(factory: TaskFactory | None) -> TaskFactory | None:
    """The task class inside ``asyncio.eager_task_factory`` (or one made alike), if it is one."""
    eager = getattr(asyncio, "eager_task_factory", None)  # 3.12+
    if factory is None or eager is None or getattr(factory, "__code__", None) is not eager.__code__:
        return None
    closure = getattr(factory, "__closure__", None)
    task_class: TaskFactory | None = closure[0].cell_contents if closure else None
    return task_class


async def run(root: Callable[[], Coroutine[Any, Any, object]], name: str) -> Recorder:
    """Run ``root()`` in a task of its own, traced with its descendants; what was recorded.

    The root's failure is recorded, not raised.
    """
    loop = asyncio.get_running_loop()
    recorder = Recorder(loop.time)
    coro = root()
    previous = loop.get_task_factory()
    loop.set_task_factory(TracingFactory(recorder, coro, name, previous))
    try:
        task = loop.create_task(coro)
        with contextlib.suppress(Exception):  # the root's failure is in the trace
            await task  # cancelling the caller cancels the root, and waits for it
        # The one exit a done callback records (a task that returned with a
        # cancellation pending) comes a turn of the loop after the task's
        # end, and under the eager factory the whole run may have ended
        # inside create_task, before anyone awaited it: one more turn.
        await asyncio.sleep(0)
    finally:
        loop.set_task_factory(previous)
    return recorder
