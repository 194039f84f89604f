"""Task timelines (tools.trace): the same scenario records the same story on every target.

The tracers use each framework's own hook (a trio Instrument, an asyncio
task factory), so these tests check what they record against what the
contract says happens: for ``run_all`` with a failing child, every sibling
is cancelled at the failure's instant; a worker pool's workers each take
an item per round; an eager task runs inside ``create_task``.  The
renderers are checked against golden files: ``UPDATE_GOLDEN=1`` rewrites
them (then read the diff).
"""

from __future__ import annotations

import asyncio
import io
import os
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import anyio
import anyio.lowlevel
import pytest
from rich.console import Console

from tools.trace import record, scenarios, svg, targets, trace
from tools.trace.__main__ import main
from tools.trace.model import Event
from tools.trace.render import Row, Scale, nice_at_least, render_svg, render_text, rows
from tools.trace.scenarios import FAILING_CHILD, FAILURE_TIME, SCENARIOS

from .helpers import Boom, Impl

GOLDEN = Path(__file__).parent / "golden"

Story = dict[str, tuple[float, tuple[float, ...], float | None, str | None]]


def story(events: Sequence[Event]) -> Story:
    """Per task (by its own name): spawned when, ran at which instants, ended when and how.

    What the charts draw.  Not how many steps a task took in one instant, nor
    the order of tasks within an instant: those are the scheduler's, and
    trio shuffles them on purpose.
    """
    return {
        row.label: (
            row.start,
            tuple(sorted({start for start, _ in row.steps})),
            row.end,
            row.outcome,
        )
        for row in rows(events)
    }


def by_task(events: Sequence[Event]) -> dict[str, Row]:
    return {row.label: row for row in rows(events)}


def exits(events: Sequence[Event]) -> list[Event]:
    return [event for event in events if event.kind == "exited"]


# ------------------------------------------------------- the scenarios' stories


async def test_run_all_failure_cancels_every_sibling_at_the_failures_instant(impl: Impl) -> None:
    events = await trace(partial(SCENARIOS["fanout"].run, impl.fanout), "fanout")

    ended = {event.task: event for event in exits(events)}
    children = [f"fanout/run_one {number}" for number in range(1, 5)]
    failing = f"fanout/run_one {FAILING_CHILD}"
    assert set(ended) == {"fanout", *children}
    assert (ended[failing].time, ended[failing].detail) == (FAILURE_TIME, "failed")
    for child in children:
        if child != failing:
            assert (ended[child].time, ended[child].detail) == (FAILURE_TIME, "cancelled")
            assert ended[child].parent == "fanout"
    # The parent waited for every child, then raised their failure.
    assert (ended["fanout"].time, ended["fanout"].detail) == (FAILURE_TIME, "failed")
    assert exits(events)[-1].task == "fanout"


async def test_workers_each_take_an_item_per_round(impl: Impl) -> None:
    events = await trace(partial(SCENARIOS["workers"].run, impl.workers), "workers")

    tasks = by_task(events)
    workers = [row for label, row in tasks.items() if label.startswith("work ")]
    assert len(workers) == 2  # workers=2, and the handler runs in them, not in tasks of its own
    assert set(tasks) == {"workers", "produce", "work 1", "work 2"}
    for worker in workers:
        instants = sorted({start for start, _ in worker.steps})
        # An item at 0, 1 and 2 (the handler takes 1 s), then the queue is closed at 3.
        assert instants == [0, 1, 2, 3]
        assert (worker.end, worker.outcome) == (3, "finished")
    handled = sum(
        1 for worker in workers for instant in {s for s, _ in worker.steps} if instant < 3
    )
    assert handled == 6  # each item began in a step of one worker
    # The producer put everything in by 1 s (two handled, two queued, two in
    # hand) and closed the queue; asyncio_impl before 3.13 closes it with a
    # sentinel per worker, which waits for room like an item.
    closed = 2 if SENTINELS and impl.target.framework == "asyncio" else 1
    assert (tasks["produce"].end, tasks["produce"].outcome) == (closed, "finished")
    # trio nests a task under its nursery's owner; asyncio under whoever created it.
    structured = impl.target.backend == "trio"
    assert all((worker.name.count("/") == 1) is structured for worker in workers)


async def test_a_child_finishing_after_its_parents_body_failed_is_finished(impl: Impl) -> None:
    async def stubborn() -> None:
        with anyio.CancelScope(shield=True):
            await anyio.sleep(1)

    async def root() -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(stubborn)
            await anyio.lowlevel.checkpoint()
            raise Boom("the body")

    ended = {event.task: event for event in exits(await trace(root, "root"))}

    assert (ended["root/stubborn"].time, ended["root/stubborn"].detail) == (1, "finished")
    assert (ended["root"].time, ended["root"].detail) == (1, "failed")


async def test_only_the_roots_tasks_are_traced(impl: Impl) -> None:
    factory = (
        asyncio.get_running_loop().get_task_factory() if impl.target.backend == "asyncio" else None
    )

    async def bystander() -> None:
        await anyio.sleep(2)

    async def root() -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(anyio.sleep, 1)

    async with anyio.create_task_group() as group:
        group.start_soon(bystander)
        events = await trace(root, "root")

    assert {event.task for event in events} == {"root", "root/sleep"}
    if impl.target.backend == "asyncio":
        assert asyncio.get_running_loop().get_task_factory() is factory  # put back


@pytest.mark.backends("asyncio")
async def test_eager_tasks_stay_eager_and_are_recorded_so(impl: Impl) -> None:
    done_at_once: list[bool] = []

    async def quick() -> int:
        return 1

    async def root() -> None:
        task = asyncio.create_task(quick())
        done_at_once.append(task.done())
        await task

    events = await trace(root, "root")

    assert done_at_once == [impl.target.eager]
    kinds = [event.kind for event in events if event.task == "root/quick"]
    first_step = [i for i, event in enumerate(events) if event.task == "root"][1:3]
    quick_events = [i for i, event in enumerate(events) if event.task == "root/quick"]
    if impl.target.eager:
        # Its one step ran inside create_task, within the root's first step: never scheduled.
        assert kinds == ["spawned", "step_start", "step_end", "exited"]
        assert first_step[0] < quick_events[0]
        assert quick_events[-1] < first_step[1]
    else:
        assert kinds == ["spawned", "scheduled", "step_start", "step_end", "exited"]
        assert quick_events[2] > first_step[1]  # it ran once the root had blocked
    assert exits(events)[0] == Event(0.0, "root/quick", "root", "exited", "finished")


@pytest.mark.real_time
async def test_traces_on_every_loop_uvloop_included(impl: Impl) -> None:
    async def noop() -> int:
        return 1

    events = await trace(partial(impl.fanout.run_all, [noop] * 3), "root")

    *children, root = [(event.task, event.parent, event.detail) for event in exits(events)]
    assert root == ("root", None, "finished")
    # In the order they ran: FIFO on asyncio, shuffled on purpose by trio.
    assert sorted(children) == [(f"root/run_one {n}", "root", "finished") for n in (1, 2, 3)]


SENTINELS = sys.version_info < (3, 13)  # asyncio.Queue.shutdown() is 3.13's

# The tasks whose stories differ between targets, by design:
DIFFERENT = {
    # asyncio_impl and anyio_impl close the pool's connections in a helper
    # task (run_shielded); trio_impl in the closing task, under a shield.
    "pool": ("bounded", "pool"),
    # asyncio_impl's producer closes the queue with sentinels before 3.13 (above).
    "workers": ("produce",) if SENTINELS else (),
}


@pytest.mark.parametrize("scenario", scenarios())
def test_every_target_tells_the_same_story_every_time(scenario: str) -> None:
    told = {target.id: story(record(scenario, target)) for target in targets()}
    again = {target.id: story(record(scenario, target)) for target in targets()}

    assert told == again
    for tale in told.values():
        for task in DIFFERENT.get(scenario, ()):
            tale.pop(task, None)
    first, *others = told.values()
    assert all(tale == first for tale in others)
    assert all(outcome is not None for _, _, _, outcome in first.values())  # nothing left running


# ------------------------------------------------------------------- rendering

# A small known trace: a parent, a child that finishes after two waits, a
# child that fails, a grandchild its failure cancels.
KNOWN = [
    Event(0.0, "demo", None, "spawned"),
    Event(0.0, "demo", None, "step_start"),
    Event(0.0, "demo/fetch", "demo", "spawned"),
    Event(0.0, "demo/parse", "demo", "spawned"),
    Event(0.0, "demo", None, "step_end"),
    Event(0.0, "demo/fetch", "demo", "step_start"),
    Event(0.0, "demo/fetch", "demo", "step_end"),
    Event(0.0, "demo/parse", "demo", "step_start"),
    Event(0.0, "demo/parse/retry", "demo/parse", "spawned"),
    Event(0.0, "demo/parse", "demo", "step_end"),
    Event(0.0, "demo/parse/retry", "demo/parse", "step_start"),
    Event(0.0, "demo/parse/retry", "demo/parse", "step_end"),
    Event(0.5, "demo/fetch", "demo", "scheduled"),
    Event(0.5, "demo/fetch", "demo", "step_start"),
    Event(0.5, "demo/fetch", "demo", "step_end"),
    Event(1.0, "demo/fetch", "demo", "step_start"),
    Event(1.0, "demo/fetch", "demo", "step_end"),
    Event(1.0, "demo/fetch", "demo", "exited", "finished"),
    Event(1.5, "demo/parse", "demo", "step_start"),
    Event(1.5, "demo/parse/retry", "demo/parse", "step_start"),
    Event(1.5, "demo/parse/retry", "demo/parse", "step_end"),
    Event(1.5, "demo/parse/retry", "demo/parse", "exited", "cancelled"),
    Event(1.5, "demo/parse", "demo", "step_end"),
    Event(1.5, "demo/parse", "demo", "exited", "failed"),
    Event(1.5, "demo", None, "step_start"),
    Event(1.5, "demo", None, "step_end"),
    Event(2.0, "demo", None, "step_start"),
    Event(2.0, "demo", None, "step_end"),
    Event(2.0, "demo", None, "exited", "finished"),
]


@pytest.mark.parametrize(
    ("name", "render"),
    [
        ("trace.txt", lambda: render_text(KNOWN, title="demo", width=24)),
        ("trace.svg", lambda: render_svg(KNOWN, title="demo")),
    ],
)
def test_a_known_trace_renders_as_the_golden_file(name: str, render: object) -> None:
    assert callable(render)
    drawn = render()
    golden = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(drawn, encoding="utf-8")
    assert drawn == golden.read_text(encoding="utf-8")


def test_the_text_chart_fills_a_column_where_a_task_ran() -> None:
    lines = render_text(KNOWN, title="demo", width=24).splitlines()
    chart = {line.split()[0]: line for line in lines[2:6]}
    gutter = lines[3].index("█")
    # 1 column = 0.1 s: fetch ran at 0, 0.5 and 1 (where it finished).
    assert chart["fetch"][gutter:] == "█────█────✓"
    assert chart["retry"][gutter:] == "█──────────────⊘"
    assert chart["parse"][gutter:] == "█──────────────✗"
    assert "1 column = 0.1 s" in lines[0]


def test_scales_are_nice_and_fit() -> None:
    assert [nice_at_least(value) for value in (0.07, 0.1, 0.11, 0.3, 3, 7)] == [
        0.1, 0.1, 0.2, 0.5, 5, 10,
    ]  # fmt: skip
    scale = Scale.fit(3.0, 48)
    assert (scale.bucket, scale.count) == (0.1, 31)
    assert scale.tick == 1.0  # labels 10 columns apart
    assert scale.column(0.3) == 3  # not 2, as 0.3 / 0.1 = 2.9999999999999996 would say


# ------------------------------------------------------------- the lead's API


def test_svg_is_one_self_contained_document_per_scenario_and_target() -> None:
    target = targets()[0]
    drawn = svg("racing", target)
    root = ElementTree.fromstring(drawn)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "script" not in drawn
    assert "href" not in drawn
    assert f"racing on {target.id}" in drawn


def test_cli_prints_every_target_and_writes_svgs(tmp_path: Path) -> None:
    out = io.StringIO()
    assert main(["racing", "--svg", str(tmp_path)], Console(file=out, width=100)) == 0
    printed = out.getvalue()
    for target in targets():
        assert target.id in printed
        ElementTree.parse(tmp_path / f"racing-{target.id}.svg")
    assert "⊘" in printed  # the losing attempt, cancelled


def test_bench_runs_at_a_tiny_size() -> None:
    out = io.StringIO()
    assert main(["--bench", "--size", "20", "--repeats", "1"], Console(file=out, width=160)) == 0
    printed = out.getvalue()
    for target in targets(real_time=True):
        assert target.id in printed
    assert printed.count("×") == 2 * len(targets(real_time=True))
