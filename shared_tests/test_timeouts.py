"""timeouts: call_with_timeout, call_or_default, run_with_cleanup (CONTRACT.md)."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import pytest

from .helpers import Boom, Fatal, Impl, Probe, now

# ---------------------------------------------------------------- call_with_timeout


async def test_call_with_timeout_returns_the_result_in_time(impl: Impl) -> None:
    probe = Probe()
    start = now()
    assert await impl.timeouts.call_with_timeout(probe.child(0, 2, result="done"), 3) == "done"
    assert now() - start == 2


async def test_call_with_timeout_cancels_and_raises_builtin_timeout_error(impl: Impl) -> None:
    probe = Probe()
    start = now()

    # pytest.raises(TimeoutError) would not match trio.TooSlowError: builtin only.
    with pytest.raises(TimeoutError):
        await impl.timeouts.call_with_timeout(probe.child(0, 10), 3)

    assert now() - start == 3
    assert probe.cancelled == [0]
    probe.assert_all_done()


async def test_call_with_timeout_passes_failures_through(impl: Impl) -> None:
    error = Boom()
    with pytest.raises(Boom) as caught:
        await impl.timeouts.call_with_timeout(Probe().child(0, 1, error=error), 3)
    assert caught.value is error


async def test_call_with_timeout_infinity_means_no_limit(impl: Impl) -> None:
    start = now()
    assert await impl.timeouts.call_with_timeout(Probe().child(0, 5000, result=1), math.inf) == 1
    assert now() - start == 5000


async def test_call_with_timeout_zero_cancels_at_the_first_wait(impl: Impl) -> None:
    probe = Probe()
    with pytest.raises(TimeoutError):
        await impl.timeouts.call_with_timeout(probe.child(0, 1), 0)
    assert probe.cancelled == [0]


async def test_call_with_timeout_caller_cancellation_is_not_a_timeout(impl: Impl) -> None:
    probe = Probe()
    async with impl.cancel_after(1) as outcome:
        await impl.timeouts.call_with_timeout(probe.child(0, 10), 5)
    assert outcome.cancelled_caught
    assert probe.cancelled == [0]


# ---------------------------------------------------------------- call_or_default


async def test_call_or_default_returns_the_result_in_time(impl: Impl) -> None:
    assert await impl.timeouts.call_or_default(Probe().child(0, 1, result=7), 2, "late") == 7


async def test_call_or_default_gives_the_default_at_the_deadline(impl: Impl) -> None:
    probe = Probe()
    start = now()
    assert await impl.timeouts.call_or_default(probe.child(0, 10), 2, "late") == "late"
    assert now() - start == 2
    assert probe.cancelled == [0]
    probe.assert_all_done()


async def test_call_or_default_does_not_swallow_the_callables_own_timeout(impl: Impl) -> None:
    own = TimeoutError("raised by the callable itself")
    with pytest.raises(TimeoutError) as caught:
        await impl.timeouts.call_or_default(Probe().child(0, 1, error=own), 5, "default")
    assert caught.value is own


async def test_call_or_default_caller_cancellation_propagates(impl: Impl) -> None:
    async with impl.cancel_after(1) as outcome:
        await impl.timeouts.call_or_default(Probe().child(0, 10), 5, "default")
        pytest.fail("the cancellation was swallowed")
    assert outcome.cancelled_caught


# ---------------------------------------------------------------- run_with_cleanup


class Steps:
    """Records the order of work and cleanup events on the backend clock."""

    def __init__(self) -> None:
        self.events: list[tuple[str, float]] = []
        self.start = now()

    def mark(self, event: str) -> None:
        self.events.append((event, now() - self.start))

    def action(
        self, name: str, seconds: float, *, result: Any = None, error: BaseException | None = None
    ) -> Callable[[], Awaitable[Any]]:
        async def run() -> Any:
            self.mark(f"{name} start")
            try:
                await anyio.sleep(seconds)
            except anyio.get_cancelled_exc_class():
                self.mark(f"{name} cancelled")
                raise
            self.mark(f"{name} end")
            if error is not None:
                raise error
            return result

        return run


async def test_cleanup_runs_after_successful_work(impl: Impl) -> None:
    steps = Steps()
    result = await impl.timeouts.run_with_cleanup(
        steps.action("work", 1, result=42), steps.action("cleanup", 2), cleanup_timeout=5
    )
    assert result == 42
    assert steps.events == [
        ("work start", 0),
        ("work end", 1),
        ("cleanup start", 1),
        ("cleanup end", 3),
    ]
    assert now() - steps.start == 3


async def test_cleanup_runs_after_failed_work_and_the_error_stands(impl: Impl) -> None:
    steps = Steps()
    error = Boom()
    with pytest.raises(Boom) as caught:
        await impl.timeouts.run_with_cleanup(
            steps.action("work", 1, error=error), steps.action("cleanup", 2), cleanup_timeout=5
        )
    assert caught.value is error
    assert steps.events[-1] == ("cleanup end", 3)


async def test_cleanup_runs_to_the_end_when_the_caller_is_cancelled_mid_work(impl: Impl) -> None:
    steps = Steps()
    async with impl.cancel_after(1) as outcome:
        await impl.timeouts.run_with_cleanup(
            steps.action("work", 10), steps.action("cleanup", 2), cleanup_timeout=5
        )
        pytest.fail("the cancellation was swallowed")

    assert outcome.cancelled_caught
    assert steps.events == [
        ("work start", 0),
        ("work cancelled", 1),
        ("cleanup start", 1),
        ("cleanup end", 3),
    ]
    assert now() - steps.start == 3  # it did not return before the cleanup ended


async def test_cleanup_is_cut_off_at_cleanup_timeout(impl: Impl) -> None:
    steps = Steps()
    result = await impl.timeouts.run_with_cleanup(
        steps.action("work", 1, result="kept"), steps.action("cleanup", 10), cleanup_timeout=2
    )
    assert result == "kept"
    assert steps.events[-1] == ("cleanup cancelled", 3)


async def test_cleanup_cut_off_after_cancelled_work_still_propagates_cancellation(
    impl: Impl,
) -> None:
    steps = Steps()
    async with impl.cancel_after(1) as outcome:
        await impl.timeouts.run_with_cleanup(
            steps.action("work", 10), steps.action("cleanup", 10), cleanup_timeout=2
        )
    assert outcome.cancelled_caught
    assert steps.events[-1] == ("cleanup cancelled", 3)


async def test_cancellation_during_cleanup_waits_for_it_then_propagates(impl: Impl) -> None:
    steps = Steps()
    async with impl.cancel_after(2) as outcome:
        await impl.timeouts.run_with_cleanup(
            steps.action("work", 1, result="x"), steps.action("cleanup", 3), cleanup_timeout=5
        )
        pytest.fail("a cancellation that arrived during the cleanup was swallowed")
    assert outcome.cancelled_caught
    assert steps.events[-1] == ("cleanup end", 4)


async def test_cleanup_error_propagates_with_the_work_error_as_context(impl: Impl) -> None:
    work_error, cleanup_error = Boom("work"), Boom("cleanup")
    steps = Steps()
    with pytest.raises(Boom) as caught:
        await impl.timeouts.run_with_cleanup(
            steps.action("work", 1, error=work_error),
            steps.action("cleanup", 1, error=cleanup_error),
            cleanup_timeout=5,
        )
    assert caught.value is cleanup_error
    assert cleanup_error.__context__ is work_error


async def test_cleanup_error_after_successful_work_propagates(impl: Impl) -> None:
    cleanup_error = Boom("cleanup")
    steps = Steps()
    with pytest.raises(Boom) as caught:
        await impl.timeouts.run_with_cleanup(
            steps.action("work", 1),
            steps.action("cleanup", 1, error=cleanup_error),
            cleanup_timeout=5,
        )
    assert caught.value is cleanup_error


async def test_cleanup_error_does_not_replace_the_callers_cancellation(impl: Impl) -> None:
    cleanup_error = Boom("cleanup")
    steps = Steps()
    async with impl.cancel_after(1) as outcome:
        await impl.timeouts.run_with_cleanup(
            steps.action("work", 10),
            steps.action("cleanup", 1, error=cleanup_error),
            cleanup_timeout=5,
        )
    assert outcome.cancelled_caught
    assert steps.events[-1] == ("cleanup end", 2)


async def test_cleanup_error_during_the_callers_cancellation_does_not_replace_it(
    impl: Impl,
) -> None:
    """The caller is cancelled while the cleanup runs, then the cleanup fails."""
    cleanup_error = Boom("cleanup")
    for work_error in (None, Boom("work")):
        steps = Steps()
        async with impl.cancel_after(2) as outcome:
            await impl.timeouts.run_with_cleanup(
                steps.action("work", 1, error=work_error),
                steps.action("cleanup", 3, error=cleanup_error),
                cleanup_timeout=5,
            )
            pytest.fail("the cancellation was swallowed")
        assert outcome.cancelled_caught
        assert steps.events[-1] == ("cleanup end", 4)


@pytest.mark.parametrize(("cleanup_timeout", "cleanup_end"), [(0, None), (math.inf, 101)])
async def test_cleanup_timeout_zero_and_infinity(
    impl: Impl, cleanup_timeout: float, cleanup_end: float | None
) -> None:
    steps = Steps()
    result = await impl.timeouts.run_with_cleanup(
        steps.action("work", 1, result="r"),
        steps.action("cleanup", 100),
        cleanup_timeout=cleanup_timeout,
    )
    assert result == "r"
    if cleanup_end is None:  # zero: cut off at its first wait, no time passes
        assert steps.events[-1] == ("cleanup cancelled", 1)
    else:
        assert steps.events[-1] == ("cleanup end", cleanup_end)


async def test_call_or_default_zero_and_infinity(impl: Impl) -> None:
    probe = Probe()
    assert await impl.timeouts.call_or_default(probe.child(0, 1), 0, "default") == "default"
    assert probe.cancelled == [0]
    start = now()
    assert await impl.timeouts.call_or_default(probe.child(1, 900, result=1), math.inf, 0) == 1
    assert now() - start == 900


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "seconds",
    [-1, -0.5, math.nan, -math.inf, -(10**400), 10**400],
    ids=["-1", "-0.5", "nan", "-inf", "-huge", "huge"],
)
@pytest.mark.parametrize("function", ["call_with_timeout", "call_or_default"])
async def test_bad_seconds_is_a_value_error_before_fn_runs(
    impl: Impl, function: str, seconds: float
) -> None:
    probe = Probe()
    call = getattr(impl.timeouts, function)
    args = (probe.child(0, 1), seconds) + (("default",) if function == "call_or_default" else ())
    with pytest.raises(ValueError, match="seconds"):
        await call(*args)
    assert probe.started == []


@pytest.mark.parametrize("function", ["call_with_timeout", "call_or_default"])
async def test_wrong_kind_of_seconds_is_a_type_error(impl: Impl, function: str) -> None:
    probe = Probe()
    call = getattr(impl.timeouts, function)
    args = (probe.child(0, 1), "3") + (("default",) if function == "call_or_default" else ())
    with pytest.raises(TypeError, match="seconds"):
        await call(*args)
    assert probe.started == []


@pytest.mark.parametrize("cleanup_timeout", [-1, math.nan, -math.inf, "5"])
async def test_bad_cleanup_timeout_is_rejected_before_work_runs(
    impl: Impl, cleanup_timeout: object
) -> None:
    probe = Probe()
    expected = TypeError if isinstance(cleanup_timeout, str) else ValueError
    with pytest.raises(expected, match="cleanup_timeout"):
        await impl.timeouts.run_with_cleanup(
            probe.child("work", 1), probe.child("cleanup", 1), cleanup_timeout=cleanup_timeout
        )
    assert probe.started == []


async def test_non_callable_arguments_are_type_errors(impl: Impl) -> None:
    probe = Probe()
    with pytest.raises(TypeError, match="work"):
        await impl.timeouts.run_with_cleanup("work", probe.child(0, 1), cleanup_timeout=1)
    with pytest.raises(TypeError, match="cleanup"):
        await impl.timeouts.run_with_cleanup(probe.child(0, 1), None, cleanup_timeout=1)
    with pytest.raises(TypeError, match="fn"):
        await impl.timeouts.call_with_timeout(3, 1)
    with pytest.raises(TypeError, match="fn"):
        await impl.timeouts.call_or_default(3, 1, "default")
    assert probe.started == []


async def test_a_base_exception_from_the_cleanup_comes_out_as_itself(impl: Impl) -> None:
    """No task of the caller's own: rule 4 wants the original exception, not a group."""
    fatal = Fatal("cleanup")

    async def work() -> int:
        return 1

    async def cleanup() -> None:
        await anyio.sleep(1)
        raise fatal

    with pytest.raises(Fatal) as caught:
        await impl.timeouts.run_with_cleanup(work, cleanup, cleanup_timeout=5)
    assert caught.value is fatal
