"""The suite's own guards must be able to fail: leaks, deadlocks, bad --impl.

Each case writes a small broken implementation, runs one shared test
against it in a separate pytest process through ``--impl``, and checks that
the run fails for the right reason.
"""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import anyio
import pytest
import trio
import trio.testing
from blockbuster import BlockingError

from testkit.virtual_time import VirtualTimeEventLoop
from tools import registry
from tools.registry import Target

from .helpers import Impl, now

ROOT = Path(__file__).resolve().parent.parent

LEAKY_ASYNCIO = """
    import asyncio
    __all__ = ["run_all"]
    _keep = set()

    async def run_all(fns, *, limit=None):
        task = asyncio.create_task(asyncio.sleep(1000), name="orphan")
        _keep.add(task)  # a strong reference, as the asyncio docs advise
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(fn()) for fn in fns]
        return [task.result() for task in tasks]
"""

LEAKY_TRIO = """
    import trio
    __all__ = ["run_all"]

    async def run_all(fns, *, limit=None):
        trio.lowlevel.spawn_system_task(trio.sleep_forever, name="orphan")
        results = {}
        async def one(i, fn):
            results[i] = await fn()
        async with trio.open_nursery() as nursery:
            for i, fn in enumerate(fns):
                nursery.start_soon(one, i, fn)
        return [results[i] for i in range(len(results))]
"""

DEADLOCKED_ANYIO = """
    import anyio
    __all__ = ["run_all"]

    async def run_all(fns, *, limit=None):
        await anyio.Event().wait()  # nobody will ever set it
"""


def run_against(pytester: pytest.Pytester, source: str, spec: str, *args: str) -> pytest.RunResult:
    package = pytester.mkpydir("broken_impl")
    (package / "fanout.py").write_text(textwrap.dedent(source))
    env_path = os.pathsep.join([str(pytester.path), str(ROOT)])
    pytester._monkeypatch.setenv("PYTHONPATH", env_path)
    return pytester.runpytest_subprocess(
        "--rootdir",
        str(ROOT),
        "-c",
        str(ROOT / "pyproject.toml"),
        "-p",
        "no:cacheprovider",
        f"--impl={spec}",
        str(ROOT / "shared_tests" / "test_fanout.py"),
        *args,
    )


@pytest.mark.parametrize(
    ("source", "spec"),
    [(LEAKY_ASYNCIO, "broken_impl:asyncio"), (LEAKY_TRIO, "broken_impl:trio")],
    ids=["asyncio", "trio"],
)
def test_a_leaked_task_fails_the_test(pytester: pytest.Pytester, source: str, spec: str) -> None:
    result = run_against(pytester, source, spec, "-k", "results_in_input_order")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*tasks still alive after the test*orphan*"])


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_a_deadlock_fails_at_once_on_virtual_time(pytester: pytest.Pytester, backend: str) -> None:
    result = run_against(
        pytester, DEADLOCKED_ANYIO, f"broken_impl:{backend}:anyio", "-k", "accepts_any_iterable"
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*test still running after 5e+06 s*deadlocked?*"])


def test_a_malformed_impl_option_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = run_against(pytester, DEADLOCKED_ANYIO, "broken_impl:curio")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*backend must be one of*"])


@pytest.mark.real_time
async def test_real_time_marker_gives_the_real_clock(target: Target, impl: Impl) -> None:
    assert not on_virtual_time(target.backend)


async def test_unmarked_tests_run_on_virtual_time(target: Target, impl: Impl) -> None:
    assert on_virtual_time(target.backend)
    start = now()
    await anyio.sleep(3600)  # an hour of virtual time, no real waiting
    assert now() - start == 3600


@pytest.mark.backends("asyncio")  # eager task factories are an asyncio thing
@pytest.mark.parametrize("clock", ["virtual", pytest.param("real", marks=pytest.mark.real_time)])
async def test_eager_targets_run_a_new_task_inside_create_task(
    target: Target, impl: Impl, clock: str
) -> None:
    del clock
    started = []

    async def child() -> None:
        started.append(True)

    task = asyncio.get_running_loop().create_task(child())
    assert started == ([True] if target.eager else [])
    await task


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("asyncio_impl:asyncio:eager", "asyncio_impl-asyncio-eager"),
        ("anyio_impl:asyncio:native:eager", "anyio_impl-asyncio-native-eager"),
        ("anyio_impl:asyncio", "anyio_impl-asyncio"),
    ],
)
def test_eager_specs_parse_where_python_has_eager_tasks(spec: str, expected: str) -> None:
    if sys.version_info < (3, 12) and spec.endswith(":eager"):
        with pytest.raises(ValueError, match=r"3\.12"):
            Target.parse(spec)
    else:
        assert Target.parse(spec).id == expected


@pytest.mark.parametrize(
    "spec", ["trio_impl:trio:eager", "asyncio_impl:eager", "a:asyncio:x:eager"]
)
def test_bad_eager_specs_are_rejected(spec: str) -> None:
    with pytest.raises(ValueError, match="--impl"):
        Target.parse(spec)


def on_virtual_time(backend: str) -> bool:
    if backend == "trio":
        return isinstance(trio.lowlevel.current_clock(), trio.testing.MockClock)
    return isinstance(asyncio.get_running_loop(), VirtualTimeEventLoop)


def test_a_blocking_call_from_exercise_code_in_the_loop_fails() -> None:
    """The blocking-call check is on, and it looks at the exercise packages."""
    fake = registry.ROOT / "asyncio_impl" / "blocking_example.py"
    code = compile("def nap():\n    time.sleep(0)\n", str(fake), "exec")
    namespace: dict[str, Any] = {"time": time}
    exec(code, namespace)

    async def main() -> None:
        namespace["nap"]()

    with pytest.raises(BlockingError, match="sleep"):
        asyncio.run(main())
    namespace["nap"]()  # outside an event loop, blocking is fine
