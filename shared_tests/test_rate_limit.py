"""rate_limit.RateLimiter (CONTRACT.md, section rate_limit)."""

from __future__ import annotations

import math
from typing import Any

import anyio
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.registry import Target

from .helpers import Impl, count_wakeups, now


def assert_window_bound(times: list[float], rate: float, period: float, burst: int) -> None:
    """In every window [times[i], times[j]], at most burst + rate·w/period acquisitions."""
    times = sorted(times)
    for i in range(len(times)):
        for j in range(i, len(times)):
            allowed = burst + rate * (times[j] - times[i]) / period
            assert j - i + 1 <= allowed + 1e-6, (
                f"{j - i + 1} acquisitions in [{times[i]}, {times[j]}], at most {allowed} allowed"
            )


async def acquire_times(limiter: Any, count: int) -> list[float]:
    start = now()
    times = []
    for _ in range(count):
        await limiter.acquire()
        times.append(now() - start)
    return times


async def test_burst_then_steady_rate(impl: Impl) -> None:
    limiter = impl.rate_limit.RateLimiter(2, burst=3)
    assert await acquire_times(limiter, 7) == [0, 0, 0, 0.5, 1, 1.5, 2]


async def test_default_burst_is_the_integer_rate(impl: Impl) -> None:
    # thirds are not exact in binary, nor on looptime's microsecond clock
    thirds = await acquire_times(impl.rate_limit.RateLimiter(3), 5)
    assert thirds == pytest.approx([0, 0, 0, 1 / 3, 2 / 3], abs=2e-6)
    halves = await acquire_times(impl.rate_limit.RateLimiter(0.5), 3)
    assert halves == pytest.approx([0, 2, 4], abs=1e-9)


async def test_period_scales_the_rate(impl: Impl) -> None:
    limiter = impl.rate_limit.RateLimiter(2, period=10, burst=1)
    assert await acquire_times(limiter, 4) == [0, 5, 10, 15]


async def test_an_idle_bucket_refills_only_up_to_burst(impl: Impl) -> None:
    limiter = impl.rate_limit.RateLimiter(1, burst=2)
    await acquire_times(limiter, 2)
    await anyio.sleep(100)
    assert await acquire_times(limiter, 4) == [0, 0, 1, 2]


async def test_async_with_acquires_on_entry(impl: Impl) -> None:
    limiter = impl.rate_limit.RateLimiter(1, burst=1)
    start = now()
    entered = []
    for _ in range(3):
        async with limiter:
            entered.append(now() - start)
    assert entered == [0, 1, 2]


async def test_waiters_are_served_first_come_first_served(impl: Impl) -> None:
    limiter = impl.rate_limit.RateLimiter(1, burst=1)
    start = now()
    served: list[tuple[int, float]] = []

    async def waiter(index: int) -> None:
        await anyio.sleep(index / 100)  # arrive in index order
        await limiter.acquire()
        served.append((index, now() - start))

    async with anyio.create_task_group() as group:
        for index in range(6):
            group.start_soon(waiter, index)
    assert served == [(i, i) for i in range(6)]


@pytest.mark.parametrize("cancelled", [1, 2], ids=["head-of-line", "behind-the-head"])
async def test_a_cancelled_waiter_takes_no_token_and_delays_nobody(
    impl: Impl, cancelled: int
) -> None:
    limiter = impl.rate_limit.RateLimiter(1, burst=1)
    start = now()
    served: dict[int, float] = {}

    async def waiter(index: int, scope: anyio.CancelScope) -> None:
        await anyio.sleep(index / 10)
        with scope:
            await limiter.acquire()
            served[index] = now() - start

    scopes = [anyio.CancelScope() for _ in range(4)]
    async with anyio.create_task_group() as group:
        for index, scope in enumerate(scopes):
            group.start_soon(waiter, index, scope)
        await anyio.sleep(0.5)
        scopes[cancelled].cancel()
    # 0 takes the full bucket at once; the others follow one per second,
    # and the cancelled one's turn goes to whoever is next.
    expected = {0: 0, 1: 1, 2: 2, 3: 3}
    del expected[cancelled]
    assert served == dict(zip(sorted(expected), [0, 1, 2], strict=True))


async def test_waiting_is_one_sleep_per_waiter_not_polling(impl: Impl) -> None:
    """20 waiters, the last one 19 s in line: wake-ups stay a few per waiter.

    A waiter behind the head that polled every 50 ms would wake hundreds of
    times; one woken on every release (aiolimiter issue 73) about 20 times.
    """
    limiter = impl.rate_limit.RateLimiter(1, burst=1)
    with count_wakeups(impl.target.backend) as wakeups:
        async with anyio.create_task_group() as group:
            for _ in range(20):
                group.start_soon(limiter.acquire)
    assert now() == pytest.approx(19)
    assert wakeups.count <= 8 * 20, f"{wakeups.count} wake-ups for 20 waiters"


async def test_window_bound_under_contention(impl: Impl) -> None:
    rate, period, burst = 5, 2, 3
    limiter = impl.rate_limit.RateLimiter(rate, period, burst=burst)
    times: list[float] = []

    async def client(index: int) -> None:
        for round_ in range(4):
            await anyio.sleep((index * 7 + round_ * 3) % 5 / 10)
            await limiter.acquire()
            times.append(now())

    async with anyio.create_task_group() as group:
        for index in range(30):
            group.start_soon(client, index)
    assert len(times) == 120
    assert_window_bound(times, rate, period, burst)
    # and it is not slower than it has to be: the last one is due at
    # (120 - burst) tokens · period / rate seconds
    assert max(times) - min(times) == pytest.approx((120 - burst) * period / rate)


def test_can_be_built_outside_an_event_loop(
    impl: Impl, anyio_backend: tuple[str, dict[str, Any]]
) -> None:
    limiter = impl.rate_limit.RateLimiter(10, period=1.0, burst=2)  # no loop running here

    async def use() -> list[float]:
        return await acquire_times(limiter, 3)

    backend, options = anyio_backend  # the same virtual clock the async tests get
    assert anyio.run(use, backend=backend, backend_options=options) == pytest.approx(
        [0, 0, 0.1], abs=1e-9
    )


BAD_ARGUMENTS = [
    ({"rate": 0}, ValueError, "rate"),
    ({"rate": -1}, ValueError, "rate"),
    ({"rate": math.nan}, ValueError, "rate"),
    ({"rate": math.inf}, ValueError, "rate"),
    ({"rate": "5"}, TypeError, "rate"),
    ({"rate": 5, "period": 0}, ValueError, "period"),
    ({"rate": 5, "period": -2}, ValueError, "period"),
    ({"rate": 5, "period": math.inf}, ValueError, "period"),
    ({"rate": 5, "period": math.nan}, ValueError, "period"),
    ({"rate": 5, "burst": 0}, ValueError, "burst"),
    ({"rate": 5, "burst": -3}, ValueError, "burst"),
    ({"rate": 5, "burst": math.inf}, ValueError, "burst"),
    ({"rate": 5, "burst": 2.5}, TypeError, "burst"),
    ({"rate": 5, "burst": 10**400}, ValueError, "burst"),
    ({"rate": 1e300, "period": 1e-300}, ValueError, "rate"),
]


@pytest.mark.parametrize(("kwargs", "error", "name"), BAD_ARGUMENTS)
def test_bad_arguments_are_rejected_at_construction(
    impl: Impl, kwargs: dict[str, Any], error: type[Exception], name: str
) -> None:
    with pytest.raises(error, match=name):
        impl.rate_limit.RateLimiter(**kwargs)


@given(
    rate=st.sampled_from([0.3, 1, 2.5, 7, 20, 1000]),
    period=st.sampled_from([0.5, 1.0, 3.0]),
    burst=st.integers(min_value=1, max_value=6),
    offset=st.sampled_from([0, 1e6]),
    clients=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=40),  # arrival, in tenths of a second
            st.none() | st.integers(min_value=0, max_value=60),  # cancelled after, tenths
        ),
        min_size=1,
        max_size=40,
    ),
)
async def test_property_window_bound_fifo_and_cancellation(
    impl: Impl,
    rate: float,
    period: float,
    burst: int,
    offset: float,
    clients: list[tuple[int, int | None]],
) -> None:
    """Random arrivals and cancellations, on a clock that may read far from zero."""
    await anyio.sleep(offset)
    limiter = impl.rate_limit.RateLimiter(rate, period, burst=burst)
    start = now()
    served: list[tuple[float, int]] = []

    async def client(index: int, arrival: float, patience: float | None) -> None:
        await anyio.sleep(arrival)
        with anyio.move_on_after(math.inf if patience is None else patience):
            await limiter.acquire()
            served.append((now() - start, index))

    # distinct arrival times (a tie-breaker per position) keep FIFO well defined
    order = sorted(range(len(clients)), key=lambda i: (clients[i][0], i))
    async with anyio.create_task_group() as group:
        for position, index in enumerate(order):
            arrival, patience = clients[index]
            group.start_soon(
                client,
                index,
                arrival / 10 + position / 10_000,
                None if patience is None else patience / 10,
            )
    assert_window_bound([time for time, _ in served], rate, period, burst)
    served_order = [index for _, index in served]
    assert served_order == [index for index in order if index in served_order]
    # nobody who waited forever was left out
    patient = {index for index, (_, patience) in enumerate(clients) if patience is None}
    assert patient <= set(served_order)


async def test_an_acquire_cancelled_as_it_takes_a_free_token_gives_it_back(impl: Impl) -> None:
    """The cancellation is pending as the acquire starts.

    trio and anyio scopes stop the acquire before it takes anything; a raw
    ``Task.cancel()`` (anyio code called from asyncio code) lands in the
    yield after the free token was taken, which must give it back.
    """
    limiter = impl.rate_limit.RateLimiter(1, period=10, burst=1)
    start = now()
    acquired = False
    async with impl.cancel_after(math.inf) as outcome:
        outcome.cancel()
        await limiter.acquire()
        acquired = True  # asyncio_impl's acquire does not yield when a token is free
        await anyio.lowlevel.checkpoint()
    assert outcome.cancelled_caught
    await limiter.acquire()
    # An acquire that raised took nothing; one that returned took the only token.
    assert now() == start + (10 if acquired else 0)
    assert acquired == (impl.target.framework == "asyncio")


@pytest.mark.timeout(20)  # without the check, trio sleeps for the clock offset: days
def test_a_limiter_refuses_a_second_event_loop_run(target: Target) -> None:
    """It remembers times on the first run's clock, which a second run does not share."""
    limiter = target.module("rate_limit").RateLimiter(10)

    async def use() -> None:
        await limiter.acquire()

    target.run(use)
    with pytest.raises(RuntimeError, match="another"):
        target.run(use)
