"""The event model every tracer records into, framework-free.

A trace is a list of ``Event(time, task, parent, kind, detail)``:

- ``time``: seconds on the backend's own clock (``trio.current_time()``,
  ``loop.time()``) since the root task was spawned; virtual in a scenario,
  so the same scenario gives the same times on every run.
- ``task``: the task's readable name, as a path from the root
  (``workers/produce/work 2``): the function its coroutine runs, numbered
  among its siblings when several run the same function.  Stable across runs
  and across frameworks, unlike trio's dotted names or asyncio's ``Task-17``.
- ``parent``: the parent's name; ``None`` for the root.
- ``kind``: ``spawned``, ``scheduled`` (made runnable: woken, or new),
  ``step_start`` / ``step_end`` (one run of the coroutine up to its next
  ``await`` that blocks), ``exited``.
- ``detail``: for ``exited``, how: ``finished``, ``cancelled`` or ``failed``.

The tracers call ``Recorder`` on their hot paths, so it stores two arrays
of numbers and names the tasks only when the trace is read.
"""

from __future__ import annotations

import gc
import importlib
from array import array
from collections import Counter
from collections.abc import Callable
from types import CodeType
from typing import Any, Final, Literal, NamedTuple

import anyio

from tools.registry import PACKAGES

Kind = Literal["spawned", "scheduled", "step_start", "step_end", "exited"]
SPAWNED: Final = "spawned"
SCHEDULED: Final = "scheduled"
STEP_START: Final = "step_start"
STEP_END: Final = "step_end"
EXITED: Final = "exited"

Outcome = Literal["finished", "cancelled", "failed"]
FINISHED: Final = "finished"
CANCELLED: Final = "cancelled"
FAILED: Final = "failed"

# Times are differences of float clock readings; rounding to the nanosecond
# keeps 1.0 from reading 0.9999999999 and so landing in the wrong column.
NANOSECONDS = 1e9


class Event(NamedTuple):
    """One thing that happened to one task."""

    time: float
    task: str
    parent: str | None
    kind: Kind
    detail: str = ""


# How the recorder stores a kind: a task's events are ``task << 3 | code``.
CODES: dict[tuple[Kind, str], int] = {
    (SPAWNED, ""): 0,
    (SCHEDULED, ""): 1,
    (STEP_START, ""): 2,
    (STEP_END, ""): 3,
    (EXITED, FINISHED): 4,
    (EXITED, CANCELLED): 5,
    (EXITED, FAILED): 6,
}
KINDS = {code: kind for kind, code in CODES.items()}
SCHEDULED_CODE, STEP_START_CODE, STEP_END_CODE = 1, 2, 3
EXITED_CODE: dict[Outcome, int] = {FINISHED: 4, CANCELLED: 5, FAILED: 6}


class Recorder:
    """Collects events by task number; names the tasks when the trace is read.

    ``spawn`` registers a task under its parent's number (``None`` for the
    root) and returns the task's number; ``record`` notes an event now.

    A traced run records several events per task, so the recorder keeps
    them as two arrays of numbers, the time and ``task << 3 | code``: no
    object per event for the allocator or the garbage collector to visit.
    The tracers' hottest paths call ``add_time(clock())`` and
    ``add_code(task << 3 | code)`` themselves.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.times = array("d")
        self.codes = array("q")
        self.add_time = self.times.append  # bound once, for the tracers' hot paths
        self.add_code = self.codes.append
        self._tasks: list[tuple[int | None, str]] = []  # by number: parent number, label

    def spawn(self, parent: int | None, label: str) -> int:
        number = len(self._tasks)
        self._tasks.append((parent, label))
        self.times.append(self.clock())
        self.codes.append(number << 3)
        return number

    def record(self, task: int, kind: Kind, detail: str = "") -> None:
        self.times.append(self.clock())
        self.codes.append(task << 3 | CODES[kind, detail])

    def events(self) -> list[Event]:
        """Every event so far, in the order they happened, with names and relative times."""
        # Tens of thousands of new tuples, none in a cycle: without a pause the
        # garbage collector would walk every live object several times over.
        paused = gc.isenabled()
        gc.disable()
        try:
            return self._events()
        finally:
            if paused:
                gc.enable()

    def _events(self) -> list[Event]:
        names = self._names()
        parents = [None if parent is None else names[parent] for parent, _ in self._tasks]
        start = self.times[0] if self.times else 0.0
        # To the nanosecond: an integer over 1e9 is the double nearest that decimal,
        # so 1.1 - 0.1 reads 1.0 (as round(x, 9) would say, at a fraction of its cost).
        since = [round((time - start) * NANOSECONDS) / NANOSECONDS for time in self.times]
        new = tuple.__new__  # Event(...) without a Python-level __new__ per event
        return [
            new(Event, (time, names[code >> 3], parents[code >> 3], *KINDS[code & 7]))
            for time, code in zip(since, self.codes, strict=True)
        ]

    def _names(self) -> list[str]:
        # Numbered only where siblings share a function, in the order they
        # were spawned: the spawning code's order, which no scheduler changes.
        shared = Counter(self._tasks)
        seen: Counter[tuple[int | None, str]] = Counter()
        names: list[str] = []
        for parent, label in self._tasks:
            leaf = label
            if shared[parent, label] > 1:
                seen[parent, label] += 1
                leaf = f"{label} {seen[parent, label]}"
            names.append(leaf if parent is None else f"{names[parent]}/{leaf}")
        return names


def leaf(name: str) -> str:
    """The last part of a task's name: ``work 2`` for ``workers/produce/work 2``."""
    return name.rpartition("/")[2]


def depth(name: str) -> int:
    return name.count("/")


# Coroutines that only wrap the one a task really runs, seen through when naming it:
# our packages' ``call_child(fn, *args)``, and anyio's ``TaskHandle._run_coro``, which
# anyio 4.16+ puts around every task it spawns (the handle's ``coro`` is public).
_CALL_CHILD: frozenset[CodeType] = frozenset(
    importlib.import_module(f"{package}._tasks").call_child.__code__ for package in PACKAGES
)
ANYIO_HANDLE: CodeType | None = getattr(
    getattr(getattr(anyio, "TaskHandle", None), "_run_coro", None), "__code__", None
)


def label(coro: Any) -> str:
    """What a task is called: the function its coroutine runs, seen through wrappers.

    Read from the coroutine's code and, for a wrapper only, from the
    arguments in its not-yet-started frame (a frame object is made on
    demand, which costs more than the rest of this together).
    """
    for _ in range(8):  # wrappers nest a level or two; bounded all the same
        code = getattr(coro, "cr_code", None)
        if code is None:
            break
        if code is ANYIO_HANDLE:
            coro = coro.cr_frame.f_locals["self"].coro
        elif code in _CALL_CHILD:
            return callable_name(coro.cr_frame.f_locals["fn"])
        else:
            return str(code.co_name)
    return type(coro).__name__


def callable_name(fn: Any) -> str:
    """``fill`` for ``batches.fill``, ``child`` for ``partial(child, 2)``."""
    while hasattr(fn, "func"):  # functools.partial, nested or not
        fn = fn.func
    return str(getattr(fn, "__name__", type(fn).__name__))
