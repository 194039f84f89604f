"""Which library runs where (tools/libraries.py): every probe must give the pinned answer.

Each cell is a real call made just now in a fresh interpreter.  A "fails"
here is the expected, documented result, pinned with the exception a user
sees; if a new anyio, trio or library changes a cell, its test fails and the
table (and the lesson built on it) needs a look.

The database rows need PostgreSQL (``testkit.postgres``): without it they are
skipped with its message, and fail on CI, like the database tests; so is a
cell whose library or runtime is not installed in this environment.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tools import libraries
from tools.libraries import BRIDGE, FAILS, HANG, NOT_PROBED, WORKS, Cell, Env

pytestmark = pytest.mark.real_time

Expected = tuple[str, str, str]
"""(outcome, exception type, a piece of its message): for a bridge, what the call
raised when made directly, without the bridge."""

WORKS_HERE: Expected = (WORKS, "", "")
NO_ASYNCIO_LOOP: Expected = (FAILS, "RuntimeError", "no running event loop")
# trio-asyncio's loop is there, but a trio task is not an asyncio task: asyncio
# code called without `aio_as_trio` either finds no current task ...
NO_ASYNCIO_TASK: Expected = (BRIDGE, "RuntimeError", "Timeout should be used inside a task")
# ... or yields an asyncio future to trio's scheduler, which refuses it.
ASYNCIO_FUTURE_TO_TRIO: Expected = (BRIDGE, "TypeError", "trio.run received unrecognized yield")
NOT_IN_TRIO: Expected = (FAILS, "RuntimeError", "Cannot be used outside of a run context")
# websockets.trio opens a nursery; outside trio.run, trio fails on its own internals.
TRIO_NURSERY_OUTSIDE_TRIO: Expected = (FAILS, "AttributeError", "no attribute 'runner'")


def asyncio_library(under_trio_asyncio: Expected) -> dict[str, Expected]:
    """Works wherever an asyncio loop runs; on trio only through trio-asyncio's bridge."""
    return {
        "asyncio": WORKS_HERE,
        "asyncio+uvloop": WORKS_HERE,
        "trio": NO_ASYNCIO_LOOP,
        "anyio-on-asyncio": WORKS_HERE,
        "anyio-on-trio": NO_ASYNCIO_LOOP,
        "trio-asyncio": under_trio_asyncio,
    }


def trio_library(outside_trio: Expected) -> dict[str, Expected]:
    """Works wherever trio runs (trio-asyncio is trio), nowhere else."""
    return {
        "asyncio": outside_trio,
        "asyncio+uvloop": outside_trio,
        "trio": WORKS_HERE,
        "anyio-on-asyncio": outside_trio,
        "anyio-on-trio": WORKS_HERE,
        "trio-asyncio": WORKS_HERE,
    }


EXPECTED: dict[str, dict[str, Expected]] = {
    "asyncpg": asyncio_library(NO_ASYNCIO_TASK),
    "psycopg (async)": asyncio_library(ASYNCIO_FUTURE_TO_TRIO),
    "aiohttp": asyncio_library(ASYNCIO_FUTURE_TO_TRIO),
    "aiofiles": asyncio_library(ASYNCIO_FUTURE_TO_TRIO),
    # anyio underneath (httpcore), so it runs on all six, trio-asyncio without a bridge.
    "httpx": {runtime.name: WORKS_HERE for runtime in libraries.RUNTIMES},
    "websockets (asyncio)": asyncio_library(NO_ASYNCIO_TASK),
    "websockets (trio)": trio_library(TRIO_NURSERY_OUTSIDE_TRIO),
    "trio-parallel": trio_library(NOT_IN_TRIO),
}

CELLS = [(lib.name, runtime.name) for lib in libraries.LIBRARIES for runtime in libraries.RUNTIMES]


def test_every_cell_has_a_pinned_answer_and_no_more() -> None:
    assert [(lib, runtime) for lib, row in EXPECTED.items() for runtime in row] == CELLS


@pytest.fixture(scope="module")
def results(request: pytest.FixtureRequest) -> dict[tuple[str, str], Cell]:
    """The probes of the selected cells, run once for the module, in parallel."""
    selected = [
        (str(item.callspec.params["library"]), str(item.callspec.params["runtime"]))
        for item in request.session.items
        if isinstance(item, pytest.Function)
        and item.module is request.module
        and item.originalname == "test_probe"
    ]
    return libraries.matrix(selected)


@pytest.mark.parametrize(("library", "runtime"), CELLS, ids=[f"{lib} on {rt}" for lib, rt in CELLS])
def test_probe(results: dict[tuple[str, str], Cell], library: str, runtime: str) -> None:
    cell = results[library, runtime]
    if cell.outcome == NOT_PROBED:
        if os.environ.get("CI"):
            pytest.fail(f"CI runs every probe: {cell.error}")
        pytest.skip(cell.error)
    outcome, error_type, message = EXPECTED[library][runtime]
    assert (cell.outcome, cell.error_type) == (outcome, error_type), cell.error
    assert message in cell.error


# ------------------------------------------------------------ the machinery


async def sleeps_in_a_child_process(env: Env) -> None:
    """Starts a process of its own, says which, and never answers."""
    child = await asyncio.create_subprocess_exec("sleep", "600")
    await asyncio.to_thread(Path(env.path).write_text, str(child.pid))
    await asyncio.sleep(600)


async def exits_at_once(env: Env) -> None:
    os._exit(3)


async def raises_in_a_task_group(env: Env) -> None:
    async with asyncio.TaskGroup() as group:
        group.create_task(asyncio.sleep(0))
        raise LookupError("nothing here\nsecond line")


def test_a_hanging_probe_is_killed_with_its_processes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(libraries, "TIMEOUT", 3.0)
    pid_file = tmp_path / "pid"
    cell = libraries.attempt(sleeps_in_a_child_process, "asyncio", Env(path=str(pid_file)))
    assert (cell.outcome, cell.error_type, cell.text) == (FAILS, HANG, "hangs")
    pid = int(pid_file.read_text())
    for _ in range(500):  # SIGKILL is sent, not yet necessarily delivered: up to 5 s
        if _gone(pid):
            return
        time.sleep(0.01)
    pytest.fail(f"process {pid}, started by the hung probe, still runs")


def _gone(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"  # exited; whoever adopted it may not reap


def test_a_probe_whose_interpreter_dies_says_how() -> None:
    cell = libraries.attempt(exits_at_once, "trio", Env())
    assert (cell.outcome, cell.error_type) == (FAILS, libraries.DIED)
    assert "(3)" in cell.error


def test_an_error_inside_a_group_is_shown_as_the_user_reads_it() -> None:
    cell = libraries.attempt(raises_in_a_task_group, "asyncio", Env())
    assert cell == Cell(FAILS, "LookupError: nothing here (inside ExceptionGroup)", "LookupError")
    assert cell.text == "fails: LookupError"


def test_without_postgres_the_database_cells_are_not_probed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_server() -> None:
        raise RuntimeError("no server here\nits log")

    monkeypatch.setattr(libraries, "_local_postgres", no_server)
    with libraries.resources(["postgres"]) as env:
        assert libraries.probe("asyncpg", "asyncio", env) == Cell(NOT_PROBED, "no server here")


def test_the_table_is_the_cells() -> None:
    made_up = dict.fromkeys(CELLS, Cell(WORKS))
    made_up["aiofiles", "trio"] = Cell(FAILS, "RuntimeError: no running event loop", "RuntimeError")
    data = libraries.table(made_up)
    assert data.rows == [library.name for library in libraries.LIBRARIES]
    assert data.columns == [runtime.name for runtime in libraries.RUNTIMES]
    assert data.cells["aiofiles"]["trio"] == {
        "outcome": FAILS,
        "text": "fails: RuntimeError",
        "detail": "RuntimeError: no running event loop",
    }
    assert data.cells["httpx"]["trio"]["text"] == WORKS
    assert "| aiofiles | works | works | fails: RuntimeError |" in libraries.markdown(made_up)


def test_the_command_probes_the_rows_it_is_given() -> None:
    """``python -m tools.libraries ROW``: the probes, found from ``__main__``, really run."""
    done = subprocess.run(
        [sys.executable, "-m", "tools.libraries", "trio-parallel"],
        cwd=libraries.ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    row = "| trio-parallel | fails: RuntimeError | fails: RuntimeError | works | fails: RuntimeError | works | works |"  # noqa: E501
    assert done.stdout.splitlines()[2] == row


def test_a_library_not_installed_here_is_not_probed(monkeypatch: pytest.MonkeyPatch) -> None:
    installed = importlib.util.find_spec

    def without_aiofiles(name: str) -> object:
        return None if name == "aiofiles" else installed(name)

    monkeypatch.setattr(importlib.util, "find_spec", without_aiofiles)
    cell = libraries.probe("aiofiles", "trio-asyncio", Env())
    assert cell == Cell(NOT_PROBED, "not installed here: aiofiles")
