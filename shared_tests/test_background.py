"""background: run_with_heartbeat, run_after_ready (CONTRACT.md, section background)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import anyio
import pytest

from .helpers import Boom, Impl, Probe, leaves, now, stray_cancellation


class Heart:
    """A ``beat`` that records when each beat started and checks they never overlap."""

    def __init__(self, seconds: float = 0, *, fail_at: int | None = None) -> None:
        self.start = now()
        self.seconds = seconds
        self.fail_at = fail_at
        self.times: list[float] = []
        self.running = 0
        self.cancelled = 0

    async def beat(self) -> None:
        assert self.running == 0, "two beats overlapped"
        self.times.append(now() - self.start)
        self.running += 1
        try:
            if self.fail_at == len(self.times):
                raise Boom(f"beat {len(self.times)}")
            await anyio.sleep(self.seconds)
        except anyio.get_cancelled_exc_class():
            self.cancelled += 1
            raise
        finally:
            self.running -= 1


# ---------------------------------------------------------------- run_with_heartbeat


async def test_beats_on_schedule_and_returns_the_work_result(impl: Impl) -> None:
    heart = Heart()
    result = await impl.background.run_with_heartbeat(
        Probe().child("work", 5.5, result="done"), interval=1, beat=heart.beat
    )
    assert result == "done"
    assert heart.times == [1, 2, 3, 4, 5]
    assert now() - heart.start == 5.5


async def test_slow_beat_skips_the_ticks_it_missed(impl: Impl) -> None:
    heart = Heart(seconds=1.5)
    await impl.background.run_with_heartbeat(
        Probe().child("work", 6.5), interval=1, beat=heart.beat
    )
    # 1 -> ends 2.5: tick 2 missed; 3 -> ends 4.5: tick 4 missed; 5 -> ends 6.5
    assert heart.times == [1, 3, 5]


async def test_beat_ending_exactly_on_a_tick_misses_nothing(impl: Impl) -> None:
    heart = Heart(seconds=2)
    await impl.background.run_with_heartbeat(
        Probe().child("work", 6.5), interval=2, beat=heart.beat
    )
    assert heart.times == [2, 4, 6]


async def test_schedule_does_not_drift_with_a_fractional_interval(impl: Impl) -> None:
    heart = Heart(seconds=0.01)
    await impl.background.run_with_heartbeat(
        Probe().child("work", 10.05), interval=0.25, beat=heart.beat
    )
    assert len(heart.times) == 40
    assert heart.times[-1] == pytest.approx(10.0, abs=1e-6)  # start + 40 · 0.25, not later


async def test_no_beat_after_the_work_ends_and_a_running_beat_is_cancelled(impl: Impl) -> None:
    heart = Heart(seconds=5)
    await impl.background.run_with_heartbeat(Probe().child("work", 3), interval=1, beat=heart.beat)
    assert heart.times == [1]
    assert heart.cancelled == 1  # the beat that started at 1 was still running at 3
    await anyio.sleep(10)
    assert heart.times == [1]


async def test_work_failure_cancels_the_heartbeat(impl: Impl) -> None:
    heart = Heart(seconds=0.5)
    error = Boom("work")
    with pytest.raises(ExceptionGroup) as caught:
        await impl.background.run_with_heartbeat(
            Probe().child("work", 2.25, error=error), interval=1, beat=heart.beat
        )
    assert leaves(caught.value) == [error]
    assert heart.times == [1, 2]
    assert heart.running == 0


async def test_beat_failure_cancels_the_work(impl: Impl) -> None:
    heart = Heart(fail_at=3)
    probe = Probe()
    with pytest.raises(ExceptionGroup) as caught:
        await impl.background.run_with_heartbeat(
            probe.child("work", 10), interval=1, beat=heart.beat
        )
    assert [str(error) for error in leaves(caught.value)] == ["beat 3"]
    assert probe.cancelled == ["work"]
    assert now() - heart.start == 3


async def test_caller_cancellation_stops_work_and_heartbeat(impl: Impl) -> None:
    heart = Heart(seconds=0.5)
    probe = Probe()
    async with impl.cancel_after(2.25) as outcome:
        await impl.background.run_with_heartbeat(
            probe.child("work", 10), interval=1, beat=heart.beat
        )
    assert outcome.cancelled_caught
    assert probe.cancelled == ["work"]
    assert heart.times == [1, 2]
    assert heart.cancelled == 1
    probe.assert_all_done()


async def test_a_beat_that_cancels_itself_is_a_failure(impl: Impl) -> None:
    probe = Probe()
    with pytest.raises(ExceptionGroup) as caught:
        await impl.background.run_with_heartbeat(
            probe.child("work", 10), interval=1, beat=stray_cancellation()
        )
    assert [type(error) for error in leaves(caught.value)] == [RuntimeError]
    assert probe.cancelled == ["work"]


@pytest.mark.parametrize("interval", [0, -1, math.nan, math.inf, 5e-324])
async def test_bad_interval_is_a_value_error_before_work_starts(
    impl: Impl, interval: float
) -> None:
    probe = Probe()
    with pytest.raises(ValueError, match="interval"):
        await impl.background.run_with_heartbeat(
            probe.child("work", 1), interval=interval, beat=Heart().beat
        )
    with pytest.raises(TypeError, match="interval"):
        await impl.background.run_with_heartbeat(
            probe.child("work", 1), interval="1", beat=Heart().beat
        )
    with pytest.raises(TypeError, match="beat"):
        await impl.background.run_with_heartbeat(probe.child("work", 1), interval=1, beat=None)
    assert probe.started == []


# ---------------------------------------------------------------- run_after_ready


class Service:
    """A service that starts up, announces itself, then serves until cancelled."""

    def __init__(
        self,
        startup: float,
        *,
        value: Any = "127.0.0.1:8000",
        error_before_ready: BaseException | None = None,
        error_after_ready: tuple[float, BaseException] | None = None,
        call_ready: bool = True,
    ) -> None:
        self.startup = startup
        self.value = value
        self.error_before_ready = error_before_ready
        self.error_after_ready = error_after_ready
        self.call_ready = call_ready
        self.start = now()
        self.events: list[tuple[str, float]] = []

    async def __call__(self, ready: Callable[[Any], None]) -> None:
        self.events.append(("service start", now() - self.start))
        try:
            await anyio.sleep(self.startup)
            if self.error_before_ready is not None:
                raise self.error_before_ready
            if not self.call_ready:
                return
            ready(self.value)
            self.events.append(("ready", now() - self.start))
            if self.error_after_ready is not None:
                delay, error = self.error_after_ready
                await anyio.sleep(delay)
                raise error
            await anyio.sleep_forever()
        except anyio.get_cancelled_exc_class():
            self.events.append(("service cancelled", now() - self.start))
            raise

    def client(self, seconds: float, *, error: BaseException | None = None) -> Any:
        async def run(value: Any) -> Any:
            self.events.append((f"client got {value}", now() - self.start))
            try:
                await anyio.sleep(seconds)
            except anyio.get_cancelled_exc_class():
                self.events.append(("client cancelled", now() - self.start))
                raise
            if error is not None:
                raise error
            return f"used {value}"

        return run


async def test_client_runs_after_ready_and_the_service_is_cancelled_when_it_returns(
    impl: Impl,
) -> None:
    service = Service(startup=2)
    result = await impl.background.run_after_ready(service, service.client(1))
    assert result == "used 127.0.0.1:8000"
    assert service.events == [
        ("service start", 0),
        ("ready", 2),
        ("client got 127.0.0.1:8000", 2),
        ("service cancelled", 3),
    ]
    assert now() - service.start == 3


async def test_service_failing_before_ready_means_the_client_never_runs(impl: Impl) -> None:
    error = Boom("could not bind")
    service = Service(startup=1, error_before_ready=error)
    with pytest.raises(ExceptionGroup) as caught:
        await impl.background.run_after_ready(service, service.client(1))
    assert leaves(caught.value) == [error]
    assert service.events == [("service start", 0)]


async def test_service_returning_without_ready_is_a_runtime_error(impl: Impl) -> None:
    service = Service(startup=1, call_ready=False)
    with pytest.raises(BaseException) as caught:  # noqa: PT011 - grouped or bare, both allowed
        await impl.background.run_after_ready(service, service.client(1))
    assert [type(error) for error in leaves(caught.value)] == [RuntimeError]
    assert service.events == [("service start", 0)]


async def test_ready_without_a_value_gives_none(impl: Impl) -> None:
    async def service(ready: Callable[..., None]) -> None:
        ready()
        await anyio.sleep_forever()

    async def client(value: Any) -> Any:
        return value

    assert await impl.background.run_after_ready(service, client) is None


async def test_calling_ready_twice_is_a_runtime_error(impl: Impl) -> None:
    async def service(ready: Callable[[Any], None]) -> None:
        ready(1)
        await anyio.sleep(1)
        ready(2)

    async def client(value: Any) -> None:
        await anyio.sleep(10)

    with pytest.raises(ExceptionGroup) as caught:
        await impl.background.run_after_ready(service, client)
    assert [type(error) for error in leaves(caught.value)] == [RuntimeError]


async def test_a_service_may_return_after_ready_and_the_client_still_runs(impl: Impl) -> None:
    async def service(ready: Callable[[Any], None]) -> None:
        ready("value")

    async def client(value: Any) -> Any:
        await anyio.sleep(3)
        return value

    start = now()
    assert await impl.background.run_after_ready(service, client) == "value"
    assert now() - start == 3


async def test_a_service_that_cancels_itself_before_ready_is_a_failure(impl: Impl) -> None:
    service = Service(startup=1)
    with pytest.raises(ExceptionGroup) as caught:
        await impl.background.run_after_ready(stray_cancellation(), service.client(1))
    assert [type(error) for error in leaves(caught.value)] == [RuntimeError]
    assert service.events == []


async def test_client_failure_cancels_the_service(impl: Impl) -> None:
    error = Boom("client")
    service = Service(startup=1)
    with pytest.raises(ExceptionGroup) as caught:
        await impl.background.run_after_ready(service, service.client(2, error=error))
    assert leaves(caught.value) == [error]
    assert service.events[-1] == ("service cancelled", 3)


async def test_service_failure_after_ready_cancels_the_client(impl: Impl) -> None:
    error = Boom("service crashed")
    service = Service(startup=1, error_after_ready=(1, error))
    with pytest.raises(ExceptionGroup) as caught:
        await impl.background.run_after_ready(service, service.client(10))
    assert leaves(caught.value) == [error]
    assert service.events[-1] == ("client cancelled", 2)


async def test_a_service_failing_at_once_after_ready_is_the_only_error(impl: Impl) -> None:
    """The service calls ``ready`` and fails before its first ``await``.

    Under asyncio's eager task factory that is inside ``create_task``; on
    Python 3.12 the group's cancellation of the caller could then stay
    pending past the call (CPython gh-116720) when the client never awaits.
    """
    error = Boom("crashed at once")

    async def service(ready: Callable[[Any], None]) -> None:
        ready("value")
        raise error

    async def client(value: Any) -> Any:
        return value

    with pytest.raises(ExceptionGroup) as caught:
        await impl.background.run_after_ready(service, client)
    assert leaves(caught.value) == [error]
    await anyio.lowlevel.checkpoint()  # no cancellation left pending (CPython gh-116720)


async def test_caller_cancellation_during_startup_cancels_the_service(impl: Impl) -> None:
    service = Service(startup=5)
    async with impl.cancel_after(1) as outcome:
        await impl.background.run_after_ready(service, service.client(1))
    assert outcome.cancelled_caught
    assert service.events == [("service start", 0), ("service cancelled", 1)]


async def test_caller_cancellation_while_the_client_runs_cancels_both(impl: Impl) -> None:
    service = Service(startup=1)
    async with impl.cancel_after(2) as outcome:
        await impl.background.run_after_ready(service, service.client(10))
    assert outcome.cancelled_caught
    assert sorted(service.events[-2:]) == [("client cancelled", 2), ("service cancelled", 2)]


async def test_non_callables_are_type_errors(impl: Impl) -> None:
    service = Service(startup=1)
    with pytest.raises(TypeError, match="service"):
        await impl.background.run_after_ready("service", service.client(1))
    with pytest.raises(TypeError, match="client"):
        await impl.background.run_after_ready(service, 42)
    assert service.events == []
