"""Which library runs where: each cell a real call, made just now in a fresh interpreter.

Rows are the I/O libraries the exercises, benchmarks and readers reach for;
columns are the six ways to run a coroutine function.  A cell is the outcome
of a *probe*: one small real call (a query, a GET, a message echoed, a file
read, a function run in a worker process) run in that runtime, in a
``python -c`` subprocess of its own with a timeout, because a library used
under the wrong event loop can hang or leave state behind.

Outcomes:

- ``works``: the plain call works there.
- ``bridge``: the plain call fails, but works wrapped in
  ``trio_asyncio.aio_as_trio`` (only the trio-asyncio column has a bridge).
- ``fails``: with the exception a user would see, type and first line.
- ``not probed``: what the probe needs is missing here (PostgreSQL, or the
  library itself in this environment); the reason.

Nothing in the table is typed by hand; ``shared_tests/test_libraries.py``
pins the answers, so a cell that changes (a new anyio, a new websockets)
fails the suite.  ``python -m tools.libraries`` prints the table.

Standard library only at import time (plus what the subprocesses import),
so that the reader tools can import it without the libraries installed.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import importlib
import importlib.util
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from testkit.postgres import LocalPostgres

ROOT = Path(__file__).resolve().parent.parent

TIMEOUT = 20.0
"""Seconds a probe may take before it counts as hanging (a probe takes about one)."""

WORKS, BRIDGE, FAILS, NOT_PROBED = "works", "bridge", "fails", "not probed"
HANG, DIED = "hang", "died"
"""The ``error_type`` of a probe that never answered, or whose interpreter died."""

Main = Callable[[], Awaitable[Any]]


# ------------------------------------------------------------ the columns: runtimes


def _run_asyncio(main: Main) -> Any:
    return asyncio.run(_as_coroutine(main))


def _run_uvloop(main: Main) -> Any:
    import uvloop

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(_as_coroutine(main))


def _run_trio(main: Main) -> Any:
    import trio

    return trio.run(main)


def _run_anyio_on_asyncio(main: Main) -> Any:
    import anyio

    return anyio.run(main, backend="asyncio")


def _run_anyio_on_trio(main: Main) -> Any:
    import anyio

    return anyio.run(main, backend="trio")


def _run_trio_asyncio(main: Main, *, bridge: bool = False) -> Any:
    """trio with an asyncio loop open inside it; ``bridge`` wraps the call for asyncio code."""
    import trio
    import trio_asyncio  # type: ignore[import-untyped]

    async def inside() -> Any:
        async with trio_asyncio.open_loop():
            if bridge:
                return await trio_asyncio.aio_as_trio(main)()
            return await main()

    return trio.run(inside)


async def _as_coroutine(main: Main) -> Any:
    return await main()


@dataclass(frozen=True)
class Runtime:
    name: str
    how: str
    """The code a user writes to run ``main`` there."""
    run: Callable[[Main], Any]
    imports: tuple[str, ...]
    """What must be installed to run there."""
    bridge: Callable[[Main], Any] | None = None
    """How asyncio code runs there through a bridge, if the runtime has one."""


RUNTIMES: tuple[Runtime, ...] = (
    Runtime("asyncio", "asyncio.run(main())", _run_asyncio, ()),
    Runtime(
        "asyncio+uvloop",
        "asyncio.Runner(loop_factory=uvloop.new_event_loop).run(main())",
        _run_uvloop,
        ("uvloop",),
    ),
    Runtime("trio", "trio.run(main)", _run_trio, ("trio",)),
    Runtime(
        "anyio-on-asyncio",
        'anyio.run(main, backend="asyncio")',
        _run_anyio_on_asyncio,
        ("anyio",),
    ),
    Runtime(
        "anyio-on-trio", 'anyio.run(main, backend="trio")', _run_anyio_on_trio, ("anyio", "trio")
    ),
    Runtime(
        "trio-asyncio",
        "trio.run, inside `async with trio_asyncio.open_loop()`; the call made directly, "
        "else wrapped in `trio_asyncio.aio_as_trio` (a bridge)",
        _run_trio_asyncio,
        ("trio", "trio_asyncio"),
        bridge=lambda main: _run_trio_asyncio(main, bridge=True),
    ),
)
"""The columns, in the order the table shows them."""


# ------------------------------------------------------------ the rows: libraries and probes


@dataclass(frozen=True)
class Env:
    """What the probes talk to, set up once by the parent process and passed to each child."""

    url: str = ""
    """A page on ``testkit.http_server.LocalServer``; its body is ``EXPECTED_PAGE``."""
    ws_url: str = ""
    """A websockets echo server."""
    dsn: str = ""
    """A PostgreSQL server's DSN."""
    path: str = ""
    """A temporary file whose text is ``FILE_TEXT``."""
    missing: dict[str, str] = field(default_factory=dict)
    """Why a resource is not there (``{"postgres": "..."}``): its probes are not run."""


EXPECTED_PAGE = "page probe"
FILE_TEXT = "a line to read back\n"
ECHO = "hello over a websocket"


def _expect(got: object, wanted: object) -> None:
    if got != wanted:
        raise AssertionError(f"the call returned {got!r}, not {wanted!r}")


async def _asyncpg(env: Env) -> None:
    import asyncpg  # type: ignore[import-untyped]

    connection = await asyncpg.connect(env.dsn)
    try:
        _expect(await connection.fetchval("SELECT 1"), 1)
    finally:
        await connection.close()


async def _psycopg(env: Env) -> None:
    import psycopg

    async with await psycopg.AsyncConnection.connect(env.dsn) as connection:
        cursor = await connection.execute("SELECT 1")
        _expect(await cursor.fetchone(), (1,))


async def _aiohttp(env: Env) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as session, session.get(env.url) as response:
        _expect(await response.text(), EXPECTED_PAGE)


async def _aiofiles(env: Env) -> None:
    import aiofiles  # type: ignore[import-untyped]

    async with aiofiles.open(env.path) as file:
        _expect(await file.read(), FILE_TEXT)


async def _httpx(env: Env) -> None:
    import httpx

    async with httpx.AsyncClient() as client:
        response = await client.get(env.url)
        _expect(response.text, EXPECTED_PAGE)


async def _websockets_asyncio(env: Env) -> None:
    from websockets.asyncio.client import connect

    async with connect(env.ws_url) as websocket:
        await websocket.send(ECHO)
        _expect(await websocket.recv(), ECHO)


async def _websockets_trio(env: Env) -> None:
    from websockets.trio.client import connect

    async with connect(env.ws_url) as websocket:
        await websocket.send(ECHO)
        _expect(await websocket.recv(), ECHO)


async def _trio_parallel(env: Env) -> None:
    import trio_parallel

    _expect(await trio_parallel.run_sync(pow, 2, 10), 1024)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Library:
    name: str
    call: str
    """The real call its probe makes, for the table's notes."""
    probe: Callable[[Env], Awaitable[None]]
    needs: str
    """The resource the probe talks to: ``http``, ``ws``, ``postgres``, ``file`` or ``""``."""

    @property
    def imports(self) -> tuple[str, ...]:
        """What must be installed to probe it: the module its row is named after."""
        return (self.name.split()[0].replace("-", "_"),)


LIBRARIES: tuple[Library, ...] = (
    Library("asyncpg", "asyncpg.connect(dsn), SELECT 1", _asyncpg, "postgres"),
    Library(
        "psycopg (async)", "psycopg.AsyncConnection.connect(dsn), SELECT 1", _psycopg, "postgres"
    ),
    Library("aiohttp", "ClientSession().get(url), read the body", _aiohttp, "http"),
    Library("aiofiles", "aiofiles.open(path), read it", _aiofiles, "file"),
    Library("httpx", "AsyncClient().get(url), read the body", _httpx, "http"),
    Library(
        "websockets (asyncio)",
        "websockets.asyncio.client.connect(url), send, recv",
        _websockets_asyncio,
        "ws",
    ),
    Library(
        "websockets (trio)",
        "websockets.trio.client.connect(url), send, recv",
        _websockets_trio,
        "ws",
    ),
    Library("trio-parallel", "trio_parallel.run_sync(pow, 2, 10)", _trio_parallel, ""),
)
"""The rows, in the order the table shows them."""

_LIBRARY = {library.name: library for library in LIBRARIES}
_RUNTIME = {runtime.name: runtime for runtime in RUNTIMES}


# ------------------------------------------------------------ a cell


@dataclass(frozen=True)
class Cell:
    outcome: str
    """``works``, ``bridge``, ``fails`` or ``not probed``."""
    error: str = ""
    """For ``fails``: ``Type: first line of the message``, as the user sees it; for
    ``bridge``: what the direct call raised; for ``not probed``: the reason."""
    error_type: str = ""
    """The exception's class name (the innermost one, if it came out inside a group)."""

    @property
    def text(self) -> str:
        """Short text for a table cell."""
        if self.outcome == FAILS and self.error_type == HANG:
            return "hangs"
        if self.outcome == FAILS and self.error_type:
            return f"fails: {self.error_type}"
        return self.outcome


_MARK = "@@tools.libraries@@ "  # the child's answer line, amid whatever the libraries print


def _child(probe_ref: str, runtime: str, bridged: str, env_json: str) -> None:
    """In the subprocess: run one probe (``module:function``), print one answer line."""
    module, name = probe_ref.split(":")
    probe: Callable[[Env], Awaitable[None]] = getattr(importlib.import_module(module), name)
    env = Env(**json.loads(env_json))
    where = _RUNTIME[runtime]
    run = where.bridge if bridged == "bridged" and where.bridge is not None else where.run
    try:
        run(lambda: probe(env))
    except BaseException as exc:  # the user's view of it, whatever it is
        cell = _failure(exc)
    else:
        cell = Cell(WORKS)
    print(_MARK + json.dumps(dataclasses.asdict(cell)), flush=True)


def _failure(exc: BaseException) -> Cell:
    """The innermost exception (a group with one member shows that member), type and line."""
    outer = type(exc).__name__
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    name = type(exc).__name__
    lines = str(exc).strip().splitlines()
    first = lines[0] if lines else ""
    shown = f"{name}: {first}" if first else name
    if outer != name:
        shown += f" (inside {outer})"
    return Cell(FAILS, shown, name)


def attempt(
    probe: Callable[[Env], Awaitable[None]], runtime: str, env: Env, *, bridged: bool = False
) -> Cell:
    """Run a probe (a module-level async function) in ``runtime``, in a fresh interpreter.

    ``works`` or ``fails``; a probe that has not answered after ``TIMEOUT`` seconds is
    killed, with the processes it started, and reported as a hang.
    """
    code = "import sys; from tools.libraries import _child; _child(*sys.argv[1:])"
    spec = sys.modules[probe.__module__].__spec__  # "__main__" is not a name the child can import
    module = spec.name if spec is not None else probe.__module__
    args = [f"{module}:{probe.__qualname__}", runtime, "bridged" if bridged else "direct"]
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args, json.dumps(dataclasses.asdict(env))],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, so that a hang's workers die with it
    )
    try:
        out, err = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        hung = True
    else:
        hung = False
    # The answer, if it gave one (a process it left behind may have held the pipe open).
    for line in reversed(out.splitlines()):
        if line.startswith(_MARK):
            return Cell(**json.loads(line.removeprefix(_MARK)))
    if hung:
        return Cell(FAILS, f"no answer in {TIMEOUT:g} s", HANG)
    last = (err.strip().splitlines() or ["no output"])[-1]
    return Cell(FAILS, f"the interpreter died ({process.returncode}): {last}", DIED)


def probe(library: str, runtime: str, env: Env | None = None) -> Cell:
    """Run ``library``'s probe in ``runtime`` (fresh interpreters) and say what happened.

    Without ``env``, sets up just what this probe needs (see ``resources``).
    """
    if env is None:
        with resources([_LIBRARY[library].needs]) as made:
            return probe(library, runtime, made)
    absent = _not_installed(*_LIBRARY[library].imports, *_RUNTIME[runtime].imports)
    if absent:
        return Cell(NOT_PROBED, absent)
    needs = _LIBRARY[library].needs
    if needs in env.missing:
        return Cell(NOT_PROBED, env.missing[needs])
    direct = attempt(_LIBRARY[library].probe, runtime, env)
    if direct.outcome == WORKS or _RUNTIME[runtime].bridge is None:
        return direct
    bridged = attempt(_LIBRARY[library].probe, runtime, env, bridged=True)
    if bridged.outcome == WORKS:
        return Cell(BRIDGE, f"called directly: {direct.error}", direct.error_type)
    return Cell(FAILS, f"{direct.error}; through aio_as_trio: {bridged.error}", direct.error_type)


def _not_installed(*modules: str) -> str:
    """Why this interpreter (which the probes run on) cannot import one of ``modules``, or ""."""
    absent = [name for name in modules if importlib.util.find_spec(name) is None]
    if not absent:
        return ""
    return f"not installed here: {', '.join(absent)}"


# ------------------------------------------------------------ what the probes talk to


@contextlib.contextmanager
def resources(needs: list[str] | None = None, *, dsn: str | None = None) -> Iterator[Env]:
    """Start what the probes need (all of it, or ``needs``), in this process; stop it after.

    ``dsn`` uses that PostgreSQL instead of starting one with ``testkit.postgres``.
    """
    wanted = set(needs if needs is not None else (library.needs for library in LIBRARIES))
    values: dict[str, str] = {}
    missing = {"http": _not_installed("uvicorn"), "ws": _not_installed("websockets")}
    with contextlib.ExitStack() as stack:
        if "http" in wanted and not missing["http"]:
            from testkit.http_server import LocalServer

            values["url"] = stack.enter_context(LocalServer()).url("/page/probe")
        if "ws" in wanted and not missing["ws"]:
            values["ws_url"] = stack.enter_context(_echo_server())
        if "file" in wanted:
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="libraries-"))
            path = Path(folder, "probe.txt")
            path.write_text(FILE_TEXT)
            values["path"] = str(path)
        if "postgres" in wanted:
            if dsn is not None:
                values["dsn"] = dsn
            else:
                try:
                    values["dsn"] = stack.enter_context(_local_postgres()).dsn
                except (ImportError, RuntimeError) as exc:  # RuntimeError: its reason first
                    missing["postgres"] = str(exc).splitlines()[0]
        yield Env(**values, missing={need: why for need, why in missing.items() if why})


def _local_postgres() -> LocalPostgres:
    from testkit.postgres import LocalPostgres

    return LocalPostgres()


@contextlib.contextmanager
def _echo_server() -> Iterator[str]:
    """websockets' own threaded server, echoing each message back: the asyncio and trio
    clients both talk to it, and it runs no event loop that a probe could disturb."""
    from websockets.sync.server import ServerConnection, serve

    def echo(connection: ServerConnection) -> None:
        for message in connection:
            connection.send(message)

    with serve(echo, "127.0.0.1", 0) as server:
        thread = threading.Thread(target=server.serve_forever, name="ws-echo", daemon=True)
        thread.start()
        try:
            port = server.socket.getsockname()[1]
            yield f"ws://127.0.0.1:{port}"
        finally:
            server.shutdown()
            thread.join(10)


# ------------------------------------------------------------ the matrix


def matrix(
    cells: list[tuple[str, str]] | None = None, *, workers: int = 4, dsn: str | None = None
) -> dict[tuple[str, str], Cell]:
    """Run the probes: ``{(library, runtime): Cell}`` for ``cells`` (default: all, in order).

    Probes run in subprocesses, ``workers`` at a time: most of a probe's time
    is an interpreter starting up, so a few more workers than cores still helps.
    """
    if cells is None:
        cells = [(library.name, runtime.name) for library in LIBRARIES for runtime in RUNTIMES]
    needs = [_LIBRARY[library].needs for library, _ in cells]
    with resources(needs, dsn=dsn) as env, ThreadPoolExecutor(workers) as pool:
        found = pool.map(lambda cell: probe(cell[0], cell[1], env), cells)
        return dict(zip(cells, found, strict=True))


@dataclass(frozen=True)
class Table:
    """The matrix as data to render: ``cells[row][column]``, each with short text and detail."""

    columns: list[str]
    column_notes: dict[str, str]
    """How a user runs a coroutine function in each column."""
    rows: list[str]
    row_notes: dict[str, str]
    """The real call each row's probe makes."""
    cells: dict[str, dict[str, dict[str, str]]]
    """``{"outcome", "text", "detail"}`` per cell probed (all of them, unless asked for fewer)."""


def table(results: dict[tuple[str, str], Cell] | None = None) -> Table:
    """The probes' results (run now, if not given) as rows and columns, in table order."""
    results = matrix() if results is None else results
    rows = [library for library in LIBRARIES if any(key[0] == library.name for key in results)]
    columns = [runtime for runtime in RUNTIMES if any(key[1] == runtime.name for key in results)]
    cells: dict[str, dict[str, dict[str, str]]] = {}
    for (row, column), cell in results.items():
        shown = {"outcome": cell.outcome, "text": cell.text, "detail": cell.error}
        cells.setdefault(row, {})[column] = shown
    return Table(
        columns=[runtime.name for runtime in columns],
        column_notes={runtime.name: runtime.how for runtime in columns},
        rows=[library.name for library in rows],
        row_notes={library.name: library.call for library in rows},
        cells=cells,
    )


def markdown(results: dict[tuple[str, str], Cell] | None = None) -> str:
    """The table in Markdown, the cells' details listed below it."""
    data = table(results)
    lines = ["| library | " + " | ".join(data.columns) + " |"]
    lines.append("|---|" + "---|" * len(data.columns))
    for row in data.rows:
        texts = [data.cells[row].get(column, {}).get("text", "—") for column in data.columns]
        lines.append(f"| {row} | " + " | ".join(texts) + " |")
    details = [
        f"- {row} on {column}: {data.cells[row][column]['detail']}"
        for row in data.rows
        for column in data.columns
        if data.cells[row].get(column, {}).get("detail")
    ]
    return "\n".join([*lines, "", *details])


def main(argv: list[str] | None = None) -> None:
    """``python -m tools.libraries [LIBRARY ...]``: probe those rows (default: all), print."""
    names = sys.argv[1:] if argv is None else argv
    unknown = [name for name in names if name not in _LIBRARY]
    if unknown:
        raise SystemExit(f"unknown libraries {unknown}; the rows are {list(_LIBRARY)}")
    rows = [library for library in LIBRARIES if not names or library.name in names]
    cells = [(library.name, runtime.name) for library in rows for runtime in RUNTIMES]
    print(markdown(matrix(cells)))


if __name__ == "__main__":
    main()
