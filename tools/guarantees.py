"""The guarantee matrix: which construct gives which guarantee, each cell a probe run now.

Rows are guarantees, columns the constructs people choose between.  Every
cell runs a small program against the construct (on virtual time) and
reports what happened; ``shared_tests/test_guarantees.py`` pins the expected
answer for each, so a cell that changes (a new Python, a new trio) fails the
suite.  A construct failing a guarantee is a documented result, not a bug.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from typing import Any

import anyio
import trio
import trio.testing

from testkit.virtual_time import new_virtual_time_loop

Probe = Callable[[], Awaitable[bool]]


class Boom(Exception):
    pass


def run_asyncio(probe: Probe) -> bool:
    """Run a probe; then cancel and reap what it left behind (some constructs do, by design)."""
    loop = new_virtual_time_loop()
    loop.set_exception_handler(lambda loop, context: None)  # orphans' errors are the point
    try:
        return loop.run_until_complete(probe())
    finally:
        leftovers = asyncio.all_tasks(loop)
        for task in leftovers:
            task.cancel()
        if leftovers:
            loop.run_until_complete(asyncio.wait(leftovers))
        loop.close()


def run_trio(probe: Probe) -> bool:
    return trio.run(probe, clock=trio.testing.MockClock(autojump_threshold=0))


def run_anyio(probe: Probe) -> bool:
    """An anyio construct gives a guarantee only if it does on both backends."""
    on_asyncio = anyio.run(probe, backend="asyncio", backend_options={"loop_factory": _quiet_loop})
    clock = trio.testing.MockClock(autojump_threshold=0)
    on_trio = anyio.run(probe, backend="trio", backend_options={"clock": clock})
    return on_asyncio and on_trio


def _quiet_loop() -> asyncio.AbstractEventLoop:
    loop = new_virtual_time_loop()
    loop.set_exception_handler(lambda loop, context: None)
    return loop


# ------------------------------------------------------------ helpers for probes


class Child:
    """Sleeps, then fails or returns; records whether it was cancelled or finished."""

    def __init__(self, seconds: float, *, fails: bool = False, fails_when_cancelled: bool = False):
        self.seconds, self.fails, self.fails_when_cancelled = seconds, fails, fails_when_cancelled
        self.cancelled = self.finished = self.done = False

    async def __call__(self) -> str:
        try:
            await anyio.sleep(self.seconds)
        except anyio.get_cancelled_exc_class():
            self.cancelled = True
            if self.fails_when_cancelled:
                raise Boom("while cancelled") from None
            raise
        finally:
            self.done = True
        self.finished = True
        if self.fails:
            raise Boom(f"after {self.seconds}")
        return "ok"


# ------------------------------------------------------------ siblings cancelled on failure


async def gather_cancels_siblings() -> bool:
    slow = Child(10)
    with contextlib.suppress(Boom):
        await asyncio.gather(Child(1, fails=True)(), slow())
    await asyncio.sleep(20)
    return slow.cancelled


async def gather_re_cancels_siblings() -> bool:
    slow = Child(10)
    await asyncio.gather(Child(1, fails=True)(), slow(), return_exceptions=True)
    return slow.cancelled


async def taskgroup_cancels_siblings() -> bool:
    slow = Child(10)
    with contextlib.suppress(ExceptionGroup):
        async with asyncio.TaskGroup() as group:
            group.create_task(Child(1, fails=True)())
            group.create_task(slow())
    return slow.cancelled


async def as_completed_cancels_siblings() -> bool:
    slow = Child(10)
    with contextlib.suppress(Boom):
        for next_done in asyncio.as_completed([Child(1, fails=True)(), slow()]):
            await next_done
    await asyncio.sleep(20)
    return slow.cancelled


async def nursery_cancels_siblings() -> bool:
    slow = Child(10)
    with contextlib.suppress(ExceptionGroup):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(Child(1, fails=True))
            nursery.start_soon(slow)
    return slow.cancelled


async def anyio_group_cancels_siblings() -> bool:
    slow = Child(10)
    with contextlib.suppress(ExceptionGroup):
        async with anyio.create_task_group() as group:
            group.start_soon(Child(1, fails=True))
            group.start_soon(slow)
    return slow.cancelled


# ------------------------------------------------------------ every failure reported


async def gather_reports_all() -> bool:
    try:
        await asyncio.gather(Child(1, fails=True)(), Child(9, fails_when_cancelled=True)())
    except ExceptionGroup as group:
        return len(group.exceptions) == 2
    except Boom:
        return False  # only the first
    return False


async def gather_re_reports_all() -> bool:
    outcomes = await asyncio.gather(
        Child(1, fails=True)(), Child(2, fails=True)(), return_exceptions=True
    )
    return sum(isinstance(o, Boom) for o in outcomes) == 2


async def taskgroup_reports_all() -> bool:
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(Child(1, fails=True)())
            group.create_task(Child(9, fails_when_cancelled=True)())
    except ExceptionGroup as caught:
        return len(caught.exceptions) == 2
    return False


async def as_completed_reports_all() -> bool:
    seen = 0
    try:
        for next_done in asyncio.as_completed([Child(1, fails=True)(), Child(2, fails=True)()]):
            await next_done
    except Boom:
        seen += 1
    return seen == 2


async def nursery_reports_all() -> bool:
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(Child(1, fails=True))
            nursery.start_soon(Child(9, fails_when_cancelled=True))
    except ExceptionGroup as caught:
        return len(caught.exceptions) == 2
    return False


async def anyio_group_reports_all() -> bool:
    try:
        async with anyio.create_task_group() as group:
            group.start_soon(Child(1, fails=True))
            group.start_soon(Child(9, fails_when_cancelled=True))
    except ExceptionGroup as caught:
        return len(caught.exceptions) == 2
    return False


# ------------------------------------------------------------ caller cancellation reaches children


async def _cancel_caller(call: Callable[[], Awaitable[Any]]) -> None:
    task = asyncio.ensure_future(call())
    await asyncio.sleep(1)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, TimeoutError):
        await task


async def gather_propagates_cancel() -> bool:
    child = Child(10)
    await _cancel_caller(lambda: asyncio.gather(child()))
    return child.cancelled


async def taskgroup_propagates_cancel() -> bool:
    child = Child(10)

    async def call() -> None:
        async with asyncio.TaskGroup() as group:
            group.create_task(child())

    await _cancel_caller(call)
    return child.cancelled


async def shield_propagates_cancel() -> bool:
    child = Child(10)
    await _cancel_caller(lambda: asyncio.shield(child()))
    await asyncio.sleep(20)
    return child.cancelled


async def wait_for_propagates_cancel() -> bool:
    child = Child(10)
    await _cancel_caller(lambda: asyncio.wait_for(child(), 100))
    return child.cancelled


async def nursery_propagates_cancel() -> bool:
    child = Child(10)
    with trio.move_on_after(1):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(child)
    return child.cancelled


async def anyio_group_propagates_cancel() -> bool:
    child = Child(10)
    with anyio.move_on_after(1):
        async with anyio.create_task_group() as group:
            group.start_soon(child)
    return child.cancelled


# ------------------------------------------------------------ no task outlives the call


async def _outlives(call: Callable[[], Awaitable[Any]]) -> bool:
    before = asyncio.all_tasks()
    with contextlib.suppress(Exception):
        await call()
    return not (asyncio.all_tasks() - before)


async def gather_no_orphans() -> bool:
    return await _outlives(lambda: asyncio.gather(Child(1, fails=True)(), Child(10)()))


async def gather_re_no_orphans() -> bool:
    return await _outlives(
        lambda: asyncio.gather(Child(1, fails=True)(), Child(10)(), return_exceptions=True)
    )


async def taskgroup_no_orphans() -> bool:
    async def call() -> None:
        async with asyncio.TaskGroup() as group:
            group.create_task(Child(1, fails=True)())
            group.create_task(Child(10)())

    return await _outlives(call)


async def as_completed_no_orphans() -> bool:
    async def call() -> None:
        for next_done in asyncio.as_completed([Child(1)(), Child(10)()]):
            await next_done
            break  # stop consuming after the first result

    return await _outlives(call)


async def shield_no_orphans() -> bool:
    async def call() -> None:
        await asyncio.wait_for(asyncio.shield(Child(10)()), 1)

    return await _outlives(call)


async def wait_for_no_orphans() -> bool:
    return await _outlives(lambda: asyncio.wait_for(Child(10)(), 1))


async def nursery_no_orphans() -> bool:
    slow = Child(10)
    with contextlib.suppress(ExceptionGroup):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(Child(1, fails=True))
            nursery.start_soon(slow)
    return slow.done  # ended (here: cancelled) before the nursery let the caller go


async def anyio_group_no_orphans() -> bool:
    slow = Child(10)
    with contextlib.suppress(ExceptionGroup):
        async with anyio.create_task_group() as group:
            group.start_soon(Child(1, fails=True))
            group.start_soon(slow)
    return slow.done


# ------------------------------------------------------------ a timeout raises TimeoutError


async def wait_for_timeout_error() -> bool:
    try:
        await asyncio.wait_for(Child(10)(), 1)
    except TimeoutError:
        return True
    return False


async def trio_timeout_error() -> bool:
    try:
        with trio.fail_after(1):
            await trio.sleep(10)
    except TimeoutError:
        return True
    except trio.TooSlowError:
        return False
    return False


async def anyio_timeout_error() -> bool:
    try:
        with anyio.fail_after(1):
            await anyio.sleep(10)
    except TimeoutError:
        return True
    return False


# ------------------------------------------------------------ cleanup survives cancellation


async def shield_cleanup_waits() -> bool:
    cleanup = Child(2)

    async def call() -> None:
        try:
            await asyncio.sleep(10)
        finally:
            await asyncio.shield(cleanup())

    task = asyncio.ensure_future(call())
    await asyncio.sleep(1)
    task.cancel()
    await asyncio.sleep(0.5)
    task.cancel()  # a second cancel, during the cleanup
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return cleanup.finished  # did the call wait for it?


async def trio_shield_cleanup_waits() -> bool:
    cleanup = Child(2)
    with trio.move_on_after(1):
        try:
            await trio.sleep(10)
        finally:
            with trio.CancelScope(shield=True):
                await cleanup()
    return cleanup.finished


async def anyio_shield_cleanup_waits() -> bool:
    cleanup = Child(2)
    with anyio.move_on_after(1):
        try:
            await anyio.sleep(10)
        finally:
            with anyio.CancelScope(shield=True):
                await cleanup()
    return cleanup.finished


# ---------------------------------------------------- leftovers cancelled when you stop consuming


async def as_completed_leftovers() -> bool:
    slow = Child(10)
    for next_done in asyncio.as_completed([Child(1)(), slow()]):
        await next_done
        break
    await asyncio.sleep(20)
    return slow.cancelled


async def taskgroup_leftovers() -> bool:
    slow = Child(10)
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(Child(1)()), group.create_task(slow())]
        await tasks[0]
        tasks[1].cancel()  # stopping early means cancelling the rest by hand
    return slow.cancelled


async def nursery_leftovers() -> bool:
    slow = Child(10)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(Child(1))
        nursery.start_soon(slow)
        await trio.sleep(1.5)
        nursery.cancel_scope.cancel()
    return slow.cancelled


async def anyio_group_leftovers() -> bool:
    slow = Child(10)
    async with anyio.create_task_group() as group:
        group.start_soon(Child(1))
        group.start_soon(slow)
        await anyio.sleep(1.5)
        group.cancel_scope.cancel()
    return slow.cancelled


# ---------------------------------------------------- stopping early stops a generator's tasks


async def bare_generator_stops_its_tasks() -> bool:
    background = Child(10)

    async def items() -> AsyncIterator[int]:
        async with anyio.create_task_group() as group:  # a task group around a yield (PEP 789)
            group.start_soon(background)
            for i in range(10):
                yield i

    stream = items()  # kept alive, as a caller's variable would: never closed
    async for _ in stream:
        break  # the consumer stops early, as people write it
    await anyio.sleep(20)
    return background.cancelled


async def safe_channel_stops_its_tasks() -> bool:
    background = Child(10)

    @trio.as_safe_channel
    async def items() -> AsyncGenerator[int, None]:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(background)
            for i in range(10):
                yield i

    async with items() as stream:
        async for _ in stream:
            break
    await trio.sleep(20)
    return background.cancelled


# ------------------------------------------------------------ the matrix

CONSTRUCTS = [
    "asyncio.gather",
    "gather(return_exceptions=True)",
    "asyncio.TaskGroup",
    "asyncio.as_completed",
    "asyncio.shield",
    "asyncio.wait_for",
    "trio nursery + cancel scopes",
    "anyio task group + cancel scopes",
    "bare async generator",
    "trio.as_safe_channel",
]

# guarantee -> construct -> (runner, probe)
MATRIX: dict[str, dict[str, tuple[Callable[[Probe], bool], Probe]]] = {
    "siblings cancelled when one child fails": {
        "asyncio.gather": (run_asyncio, gather_cancels_siblings),
        "gather(return_exceptions=True)": (run_asyncio, gather_re_cancels_siblings),
        "asyncio.TaskGroup": (run_asyncio, taskgroup_cancels_siblings),
        "asyncio.as_completed": (run_asyncio, as_completed_cancels_siblings),
        "trio nursery + cancel scopes": (run_trio, nursery_cancels_siblings),
        "anyio task group + cancel scopes": (run_anyio, anyio_group_cancels_siblings),
    },
    "every failure reported": {
        "asyncio.gather": (run_asyncio, gather_reports_all),
        "gather(return_exceptions=True)": (run_asyncio, gather_re_reports_all),
        "asyncio.TaskGroup": (run_asyncio, taskgroup_reports_all),
        "asyncio.as_completed": (run_asyncio, as_completed_reports_all),
        "trio nursery + cancel scopes": (run_trio, nursery_reports_all),
        "anyio task group + cancel scopes": (run_anyio, anyio_group_reports_all),
    },
    "caller cancellation reaches the children": {
        "asyncio.gather": (run_asyncio, gather_propagates_cancel),
        "asyncio.TaskGroup": (run_asyncio, taskgroup_propagates_cancel),
        "asyncio.shield": (run_asyncio, shield_propagates_cancel),
        "asyncio.wait_for": (run_asyncio, wait_for_propagates_cancel),
        "trio nursery + cancel scopes": (run_trio, nursery_propagates_cancel),
        "anyio task group + cancel scopes": (run_anyio, anyio_group_propagates_cancel),
    },
    "no task outlives the call": {
        "asyncio.gather": (run_asyncio, gather_no_orphans),
        "gather(return_exceptions=True)": (run_asyncio, gather_re_no_orphans),
        "asyncio.TaskGroup": (run_asyncio, taskgroup_no_orphans),
        "asyncio.as_completed": (run_asyncio, as_completed_no_orphans),
        "asyncio.shield": (run_asyncio, shield_no_orphans),
        "asyncio.wait_for": (run_asyncio, wait_for_no_orphans),
        "trio nursery + cancel scopes": (run_trio, nursery_no_orphans),
        "anyio task group + cancel scopes": (run_anyio, anyio_group_no_orphans),
    },
    "a timeout raises the builtin TimeoutError": {
        "asyncio.wait_for": (run_asyncio, wait_for_timeout_error),
        "trio nursery + cancel scopes": (run_trio, trio_timeout_error),
        "anyio task group + cancel scopes": (run_anyio, anyio_timeout_error),
    },
    "shielded cleanup runs to its end before the call returns": {
        "asyncio.shield": (run_asyncio, shield_cleanup_waits),
        "trio nursery + cancel scopes": (run_trio, trio_shield_cleanup_waits),
        "anyio task group + cancel scopes": (run_anyio, anyio_shield_cleanup_waits),
    },
    "leftovers cancelled when you stop consuming results": {
        "asyncio.as_completed": (run_asyncio, as_completed_leftovers),
        "asyncio.TaskGroup": (run_asyncio, taskgroup_leftovers),
        "trio nursery + cancel scopes": (run_trio, nursery_leftovers),
        "anyio task group + cancel scopes": (run_anyio, anyio_group_leftovers),
    },
    "stopping early stops a generator's background tasks": {
        "bare async generator": (run_asyncio, bare_generator_stops_its_tasks),
        "trio.as_safe_channel": (run_trio, safe_channel_stops_its_tasks),
    },
}


def compute() -> dict[str, dict[str, bool]]:
    """Run every probe: ``{guarantee: {construct: holds}}``; a missing cell is not applicable."""
    return {
        g: {c: runner(probe) for c, (runner, probe) in cells.items()} for g, cells in MATRIX.items()
    }


def rich_table(results: dict[str, dict[str, bool]] | None = None) -> Any:
    """The matrix for a terminal: a row per construct, a numbered column per guarantee.

    The guarantees are numbered, with a legend below, so that the table fits
    80 columns with every construct's name whole and no word split.
    """
    from rich import box
    from rich.console import Group
    from rich.table import Table

    results = compute() if results is None else results
    table = Table(
        title="Guarantee matrix: each cell a probe run just now (— not applicable)",
        box=box.SIMPLE_HEAVY,
        collapse_padding=True,
    )
    table.add_column("construct", style="bold", no_wrap=True)
    for number in range(1, len(results) + 1):
        table.add_column(str(number), justify="center", no_wrap=True)
    for construct in CONSTRUCTS:
        table.add_row(construct, *(_mark(cells.get(construct)) for cells in results.values()))
    legend = Table.grid(padding=(0, 1))
    legend.add_column(justify="right", style="bold", no_wrap=True)
    legend.add_column()
    for number, guarantee in enumerate(results, start=1):
        legend.add_row(str(number), guarantee)
    return Group(table, legend)


def markdown(
    results: dict[str, dict[str, bool]] | None = None,
    links: dict[tuple[str, str], str] | None = None,
) -> str:
    """The matrix as a Markdown table; ``links`` makes a cell a link (to its pitfall)."""
    results = compute() if results is None else results
    lines = ["| guarantee | " + " | ".join(f"`{c}`" for c in CONSTRUCTS) + " |"]
    lines.append("|---|" + "---|" * len(CONSTRUCTS))
    for guarantee, cells in results.items():
        marks = []
        for construct in CONSTRUCTS:
            mark = _mark(cells.get(construct))
            link = (links or {}).get((guarantee, construct))
            marks.append(mark if link is None else f"[{mark}]({link})")
        lines.append(f"| {guarantee} | " + " | ".join(marks) + " |")
    return "\n".join(lines)


def _mark(value: bool | None) -> str:
    return "—" if value is None else ("✓" if value else "✗")


if __name__ == "__main__":
    print(markdown())
