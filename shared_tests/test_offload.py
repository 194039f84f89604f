"""offload: run_blocking, run_in_process (CONTRACT.md, section offload).

Real threads and processes, so these tests run on the real clock (marked
``real_time``).  No assertion depends on the machine's speed: each checks
an order of events, or that a call returned while the work it abandoned
was provably still running.
"""

from __future__ import annotations

import contextvars
import os
import threading
import time

import anyio
import pytest

from testkit import offload_work

from .helpers import Impl

pytestmark = pytest.mark.real_time

GENEROUS = 30.0  # seconds: only a deadlock would reach it

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="none")


async def test_run_blocking_returns_the_result_and_the_loop_keeps_running(impl: Impl) -> None:
    released = threading.Event()
    steps = 0

    async def other_task() -> None:
        nonlocal steps
        for _ in range(5):
            await anyio.sleep(0.01)
            steps += 1
        released.set()  # only a running loop gets here

    async with anyio.create_task_group() as group:
        group.start_soon(other_task)
        assert await impl.offload.run_blocking(offload_work.wait_for, released, GENEROUS)
    assert steps == 5


async def test_run_blocking_propagates_the_exception(impl: Impl) -> None:
    with pytest.raises(ValueError, match="from a thread"):
        await impl.offload.run_blocking(offload_work.fail, "from a thread")


async def test_run_blocking_sees_the_callers_contextvars(impl: Impl) -> None:
    request_id.set("r-42")
    assert await impl.offload.run_blocking(request_id.get) == "r-42"


async def test_cancelling_run_blocking_returns_while_the_thread_still_runs(impl: Impl) -> None:
    released = threading.Event()
    try:
        async with impl.cancel_after(0.05) as outcome:
            await impl.offload.run_blocking(offload_work.wait_for, released, GENEROUS)
        assert outcome.cancelled_caught
        assert not released.is_set()  # the thread is still blocked: it was abandoned
    finally:
        released.set()  # let the abandoned thread finish


async def test_run_in_process_runs_in_another_process(impl: Impl) -> None:
    pid, square = await impl.offload.run_in_process(offload_work.pid_and_square, 12)
    assert square == 144
    assert pid != os.getpid()


async def test_run_in_process_reraises_the_exception(impl: Impl) -> None:
    with pytest.raises(ValueError, match="from a process"):
        await impl.offload.run_in_process(offload_work.fail, "from a process")


async def test_cancelling_run_in_process_returns_promptly(impl: Impl) -> None:
    # A job first: anyio's to_process leaks a worker cancelled while it is
    # still starting up (an anyio bug); the point here is a running job.
    assert await impl.offload.run_in_process(offload_work.pid_and_square, 2)
    start = time.monotonic()
    async with impl.cancel_after(0.5) as outcome:
        await impl.offload.run_in_process(offload_work.sleep_then_return, 30)
    assert outcome.cancelled_caught
    assert time.monotonic() - start < 15  # did not wait for the 30 s job


async def test_non_callables_are_type_errors(impl: Impl) -> None:
    with pytest.raises(TypeError, match="fn"):
        await impl.offload.run_blocking(42)
    with pytest.raises(TypeError, match="fn"):
        await impl.offload.run_in_process("not callable")
