"""pool.Pool (CONTRACT.md, section pool)."""

from __future__ import annotations

import math
from typing import Any

import anyio
import pytest
import trio
import trio.testing
from hypothesis import given
from hypothesis import strategies as st

from .helpers import Boom, Fatal, Impl, now


class Resource:
    def __init__(self, number: int) -> None:
        self.number = number
        self.closed = False

    def __repr__(self) -> str:
        return f"R{self.number}"


class Factory:
    """Makes numbered resources and keeps the books on them."""

    def __init__(
        self,
        *,
        seconds: float = 0,
        close_seconds: float = 0,
        fail: set[int] | None = None,
        close_fails: set[int] | None = None,
    ) -> None:
        self.seconds = seconds
        self.close_seconds = close_seconds
        self.fail = fail or set()
        self.close_fails = close_fails or set()
        self.calls = 0
        self.in_flight = 0
        self.peak = 0  # most resources alive or being made at once
        self.made: list[Resource] = []
        self.closed: list[Resource] = []

    async def make(self) -> Resource:
        self.calls += 1
        number = self.calls
        self.in_flight += 1
        alive = sum(not r.closed for r in self.made)
        self.peak = max(self.peak, alive + self.in_flight)
        try:
            if self.seconds:  # at 0, no checkpoint at all: made "at once"
                await anyio.sleep(self.seconds)
            if number in self.fail:
                raise Boom(f"factory call {number}")
        finally:
            self.in_flight -= 1
        resource = Resource(number)
        self.made.append(resource)
        return resource

    async def close(self, resource: Resource) -> None:
        await anyio.sleep(self.close_seconds)
        resource.closed = True  # gone, even when closing it reports an error
        self.closed.append(resource)
        if resource.number in self.close_fails:
            raise OSError(f"closing {resource} failed")

    def pool(self, impl: Impl, max_size: int, **kwargs: Any) -> Any:
        return impl.pool.Pool(self.make, max_size=max_size, close=self.close, **kwargs)

    def assert_no_leak(self, pool: Any) -> None:
        """Every resource made is idle, in use or closed, and the counters agree."""
        alive = [r for r in self.made if not r.closed]
        assert pool.size == len(alive) == pool.idle + pool.in_use, (
            f"size {pool.size}, idle {pool.idle}, in use {pool.in_use}, alive {alive}"
        )
        assert len(set(map(id, self.closed))) == len(self.closed), "closed twice"


async def hold(pool: Any, seconds: float, seen: list[Any] | None = None) -> None:
    async with pool.acquire() as resource:
        if seen is not None:
            seen.append(resource)
        await anyio.sleep(seconds)


async def test_creates_lazily_and_reuses(impl: Impl) -> None:
    factory = Factory()
    pool = factory.pool(impl, 3)
    assert (pool.size, pool.idle, pool.in_use) == (0, 0, 0)
    seen: list[Any] = []
    for _ in range(3):
        await hold(pool, 1, seen)
    assert factory.calls == 1
    assert seen == [factory.made[0]] * 3
    assert (pool.size, pool.idle, pool.in_use) == (1, 1, 0)
    await pool.aclose()


async def test_most_recently_released_is_reused_first(impl: Impl) -> None:
    factory = Factory()
    pool = factory.pool(impl, 3)
    got: dict[float, list[Any]] = {1: [], 2: [], 3: []}
    async with anyio.create_task_group() as group:
        for seconds, seen in got.items():  # released at 1, 2 and 3 s
            group.start_soon(hold, pool, seconds, seen)
    assert factory.calls == 3
    reused: list[Any] = []
    await hold(pool, 0, reused)
    assert reused == got[3]  # released last, reused first
    await hold(pool, 0, reused)
    assert reused[1] is got[3][0]  # and again: a stack, not a queue
    await pool.aclose()


async def test_max_size_is_never_exceeded_and_waiters_are_served_in_order(impl: Impl) -> None:
    factory = Factory(seconds=0.5)
    pool = factory.pool(impl, 3)
    start = now()
    served: list[tuple[int, float]] = []
    peak = 0

    async def user(index: int) -> None:
        nonlocal peak
        await anyio.sleep(index / 100)  # arrive in index order
        async with pool.acquire():
            served.append((index, round(now() - start, 2)))
            peak = max(peak, pool.in_use)
            assert pool.size <= 3
            await anyio.sleep(1)

    async with anyio.create_task_group() as group:
        for index in range(9):
            group.start_soon(user, index)
    assert [index for index, _ in served] == list(range(9))
    assert peak == 3
    assert factory.calls == 3
    factory.assert_no_leak(pool)
    await pool.aclose()


async def test_a_failing_body_discards_its_resource(impl: Impl) -> None:
    factory = Factory()
    pool = factory.pool(impl, 2)
    error = Boom("body")
    with pytest.raises(Boom) as caught:
        async with pool.acquire():
            raise error
    assert caught.value is error
    assert factory.closed == factory.made
    assert (pool.size, pool.idle, pool.in_use) == (0, 0, 0)
    seen: list[Any] = []
    await hold(pool, 0, seen)
    assert seen[0].number == 2  # a fresh one
    await pool.aclose()


async def test_a_cancelled_body_discards_its_resource_and_the_close_completes(
    impl: Impl,
) -> None:
    factory = Factory(close_seconds=2)
    pool = factory.pool(impl, 1)
    async with impl.cancel_after(1) as outcome:
        await hold(pool, 10)
    assert outcome.cancelled_caught
    assert now() == pytest.approx(3)  # the shielded close ran its 2 s
    assert [r.closed for r in factory.made] == [True]
    factory.assert_no_leak(pool)
    await pool.aclose()


async def test_a_failing_factory_frees_its_slot(impl: Impl) -> None:
    factory = Factory(fail={1})
    pool = factory.pool(impl, 1)
    with pytest.raises(Boom, match="factory call 1"):
        await hold(pool, 1)
    assert (pool.size, pool.in_use) == (0, 0)
    await hold(pool, 1)  # the slot is free again
    assert factory.calls == 2
    await pool.aclose()


async def test_a_failing_factory_lets_a_waiter_create_in_its_place(impl: Impl) -> None:
    factory = Factory(seconds=1, fail={1})
    pool = factory.pool(impl, 1)
    outcomes: list[str] = []

    async def user(delay: float) -> None:
        await anyio.sleep(delay)
        try:
            await hold(pool, 1)
            outcomes.append("ok")
        except Boom:
            outcomes.append("factory failed")

    async with anyio.create_task_group() as group:
        group.start_soon(user, 0)
        group.start_soon(user, 0.5)  # waits: the only slot is being created
    assert sorted(outcomes) == ["factory failed", "ok"]
    assert factory.calls == 2
    factory.assert_no_leak(pool)
    await pool.aclose()


async def test_acquire_timeout_while_waiting(impl: Impl) -> None:
    factory = Factory()
    pool = factory.pool(impl, 1, acquire_timeout=2)
    async with anyio.create_task_group() as group:
        group.start_soon(hold, pool, 5)
        await anyio.sleep(0.1)
        start = now()
        with pytest.raises(TimeoutError):
            await hold(pool, 1)
        assert now() - start == pytest.approx(2)
    await hold(pool, 0)  # the timed-out waiter left the line
    factory.assert_no_leak(pool)
    await pool.aclose()


async def test_acquire_timeout_counts_the_factory_call_and_frees_its_slot(impl: Impl) -> None:
    factory = Factory(seconds=5)
    pool = factory.pool(impl, 1, acquire_timeout=2)
    start = now()
    with pytest.raises(TimeoutError):
        await hold(pool, 1)
    assert now() - start == 2
    assert (pool.size, pool.in_use) == (0, 0)
    factory.seconds = 0
    await hold(pool, 0)  # the slot was freed
    await pool.aclose()


async def test_a_factory_call_cancelled_midway_frees_its_slot(impl: Impl) -> None:
    factory = Factory(seconds=5)
    pool = factory.pool(impl, 1)
    async with impl.cancel_after(2) as outcome:
        await hold(pool, 1)
    assert outcome.cancelled_caught
    assert (pool.size, pool.in_use) == (0, 0)
    factory.seconds = 0
    with anyio.fail_after(1):  # the one slot is free again: no wait
        await hold(pool, 0)
    await pool.aclose()


async def test_a_cancelled_waiter_takes_nothing(impl: Impl) -> None:
    factory = Factory()
    pool = factory.pool(impl, 1)
    served: list[str] = []

    async def user(name: str, delay: float, patience: float) -> None:
        await anyio.sleep(delay)
        async with impl.cancel_after(patience), pool.acquire():
            served.append(name)
            await anyio.sleep(1)

    async with anyio.create_task_group() as group:
        group.start_soon(user, "first", 0, math.inf)
        group.start_soon(user, "impatient", 0.1, 0.5)
        group.start_soon(user, "patient", 0.2, math.inf)
    assert served == ["first", "patient"]
    assert now() == pytest.approx(2)
    factory.assert_no_leak(pool)
    await pool.aclose()


async def test_a_waiter_cancelled_as_the_resource_is_handed_to_it(impl: Impl) -> None:
    """asyncpg issues 464 and 467: the resource must go on to the next waiter.

    The release and the cancellation land in the same instant; which runs
    first is the scheduler's choice (trio randomises it), so repeat.
    """

    async def user(pool: Any, served: list[str], name: str, delay: float, patience: float) -> None:
        await anyio.sleep(delay)
        async with impl.cancel_after(patience), pool.acquire():
            served.append(name)
            await anyio.sleep(1)

    for _ in range(20):
        factory = Factory()
        pool = factory.pool(impl, 1)
        served: list[str] = []
        start = now()
        async with anyio.create_task_group() as group:
            group.start_soon(user, pool, served, "holder", 0, math.inf)  # releases at 1
            group.start_soon(user, pool, served, "cancelled at 1", 0.1, 0.9)  # gives up at 1
            group.start_soon(user, pool, served, "next", 0.2, math.inf)
        assert served == ["holder", "next"]
        assert now() - start == pytest.approx(2)
        assert factory.calls == 1  # the cancelled waiter's resource went on to "next"
        factory.assert_no_leak(pool)
        await pool.aclose()
        assert factory.closed == factory.made


async def test_a_waiter_cancelled_right_after_being_served_hands_it_on_unused(
    impl: Impl,
) -> None:
    """The releaser hands the resource over, then cancels that waiter at once."""
    factory = Factory()
    pool = factory.pool(impl, 1)
    served: list[str] = []
    scopes: dict[str, Any] = {}

    async def waiter(name: str, delay: float) -> None:
        await anyio.sleep(delay)
        async with impl.cancel_after(math.inf) as outcome:
            scopes[name] = outcome
            async with pool.acquire():
                served.append(name)

    async with anyio.create_task_group() as group:
        group.start_soon(waiter, "served then cancelled", 0.1)
        group.start_soon(waiter, "next", 0.2)
        async with pool.acquire():
            served.append("holder")
            await anyio.sleep(1)
        scopes["served then cancelled"].cancel()  # same step as the release
    assert served == ["holder", "next"]
    assert factory.calls == 1  # handed on, not closed and made again
    assert factory.closed == []
    await pool.aclose()


async def test_an_acquire_cancelled_as_it_takes_an_idle_resource_leaks_nothing(
    impl: Impl,
) -> None:
    """The cancellation is pending as the acquire starts.

    trio and anyio scopes stop the acquire before it takes anything; a raw
    ``Task.cancel()`` (anyio code called from asyncio code) lands in the
    yield after an idle resource was taken, which must hand it back.
    """
    factory = Factory()
    pool = factory.pool(impl, 1)
    await hold(pool, 0)  # one idle resource
    async with impl.cancel_after(math.inf) as outcome:
        outcome.cancel()
        await hold(pool, 1)
    assert outcome.cancelled_caught
    assert pool.in_use == 0
    factory.assert_no_leak(pool)
    await hold(pool, 0)  # the only slot is free again
    await pool.aclose()


async def test_an_acquire_cancelled_before_it_would_wait_takes_nothing(impl: Impl) -> None:
    factory = Factory()
    pool = factory.pool(impl, 1)
    served: list[Any] = []
    async with anyio.create_task_group() as group:
        group.start_soon(hold, pool, 1)  # the only resource, until 1
        await anyio.sleep(0.1)
        async with impl.cancel_after(math.inf) as outcome:
            outcome.cancel()
            await hold(pool, 0, served)
        assert outcome.cancelled_caught
    assert served == []
    assert (pool.idle, pool.in_use) == (1, 0)
    factory.assert_no_leak(pool)
    await pool.aclose()


@pytest.mark.backends("trio")
async def test_on_trio_acquiring_an_idle_resource_is_a_checkpoint(impl: Impl) -> None:
    """trio's convention, which its own locks follow; ``asyncio.Semaphore`` does not yield."""
    factory = Factory()
    pool = factory.pool(impl, 1)
    await hold(pool, 0)  # one idle resource
    with trio.testing.assert_checkpoints():  # a cancel point and a schedule point
        async with pool.acquire():
            pass
    await pool.aclose()


async def test_an_acquire_entered_twice_is_refused(impl: Impl) -> None:
    factory = Factory()
    pool = factory.pool(impl, 2)
    lease = pool.acquire()
    async with lease:
        with pytest.raises(RuntimeError):
            async with lease:
                pass
    assert (pool.idle, pool.in_use) == (1, 0)
    factory.assert_no_leak(pool)
    await pool.aclose()


async def test_acquire_timeout_zero_serves_what_is_free_right_now(impl: Impl) -> None:
    factory = Factory()
    pool = factory.pool(impl, 1, acquire_timeout=0)
    await hold(pool, 0)  # made at once: the factory does not wait
    await hold(pool, 0)  # idle: served at once
    async with anyio.create_task_group() as group:
        group.start_soon(hold, pool, 1)
        await anyio.sleep(0.1)
        with pytest.raises(TimeoutError):
            await hold(pool, 0)  # would have to wait
    await pool.aclose()


async def test_a_failing_close_does_not_replace_the_bodys_error(impl: Impl) -> None:
    factory = Factory(close_fails={1})
    pool = factory.pool(impl, 1)
    error = Boom("body")
    with pytest.raises(Boom) as caught:
        async with pool.acquire():
            raise error
    assert caught.value is error
    assert any("closing R1 also failed" in note for note in error.__notes__)
    assert (pool.size, pool.in_use) == (0, 0)
    await pool.aclose()


async def test_a_failing_close_does_not_replace_the_callers_cancellation(impl: Impl) -> None:
    factory = Factory(close_fails={1})
    pool = factory.pool(impl, 1)
    async with impl.cancel_after(1) as outcome:
        await hold(pool, 10)
    assert outcome.cancelled_caught
    factory.assert_no_leak(pool)
    await pool.aclose()


async def test_aclose_closes_every_idle_resource_even_when_one_close_fails(impl: Impl) -> None:
    factory = Factory(close_fails={2})
    pool = factory.pool(impl, 3)
    async with anyio.create_task_group() as group:
        for _ in range(3):
            group.start_soon(hold, pool, 1)
    with pytest.raises(ExceptionGroup) as caught:
        await pool.aclose()
    assert [str(e) for e in caught.value.exceptions] == ["closing R2 failed"]
    assert all(r.closed for r in factory.made)
    assert pool.size == 0
    await pool.aclose()  # again: nothing left, returns at once


async def test_aclose_twice_concurrently_and_cancelled(impl: Impl) -> None:
    factory = Factory(close_seconds=1)
    pool = factory.pool(impl, 2)
    async with anyio.create_task_group() as group:
        group.start_soon(hold, pool, 0)
        group.start_soon(hold, pool, 3)
        await anyio.sleep(0.5)  # one idle, one in use until 3
        async with impl.cancel_after(0.2) as outcome:
            await pool.aclose()  # cancelled while closing the idle one
        assert outcome.cancelled_caught
        group.start_soon(pool.aclose)
        await pool.aclose()  # both wait for the one in use
        assert now() == pytest.approx(4)  # released at 3, closed by 4
    assert all(r.closed for r in factory.made)
    assert pool.size == 0


async def test_a_resource_made_while_the_pool_closes_is_closed_not_handed_out(
    impl: Impl,
) -> None:
    factory = Factory(seconds=2)
    pool = factory.pool(impl, 1)
    refused: list[BaseException] = []

    async def user() -> None:
        try:
            await hold(pool, 1)
        except RuntimeError as exc:
            refused.append(exc)

    async with anyio.create_task_group() as group:
        group.start_soon(user)
        await anyio.sleep(1)  # the factory is half way
        await pool.aclose()
    assert len(refused) == 1
    assert [r.closed for r in factory.made] == [True]
    assert pool.size == 0


async def test_aclose_closes_idle_now_in_use_on_release_and_fails_waiters(impl: Impl) -> None:
    factory = Factory()
    pool = factory.pool(impl, 2)
    events: list[str] = []

    async def user(name: str, seconds: float) -> None:
        try:
            async with pool.acquire() as resource:
                events.append(f"{name} got {resource}")
                await anyio.sleep(seconds)
        except RuntimeError:
            events.append(f"{name} refused")

    async with anyio.create_task_group() as group:
        group.start_soon(user, "a", 1)
        await anyio.sleep(0.01)
        group.start_soon(user, "b", 5)
        await anyio.sleep(2)  # a's resource is idle now, b's in use
        group.start_soon(user, "c", 1)  # takes a's idle one
        await anyio.sleep(0.01)
        group.start_soon(user, "waiting", 1)
        await anyio.sleep(0.01)
        closing_started = now()
        await pool.aclose()
        closed_at = now() - closing_started
    assert "waiting refused" in events
    assert closed_at == pytest.approx(5 - 2.02, abs=1e-6)  # until b released
    assert factory.closed
    assert all(r.closed for r in factory.made)
    with pytest.raises(RuntimeError):
        async with pool.acquire():
            pass
    assert (pool.size, pool.idle, pool.in_use) == (0, 0, 0)


async def test_async_with_closes_the_pool(impl: Impl) -> None:
    factory = Factory()
    async with factory.pool(impl, 2) as pool:
        await hold(pool, 1)
        assert pool.idle == 1
    assert factory.closed == factory.made
    assert pool.size == 0


def test_can_be_built_outside_an_event_loop(impl: Impl) -> None:
    factory = Factory()
    factory.pool(impl, 1)  # nothing runs until used


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"max_size": 0}, ValueError, "max_size"),
        ({"max_size": -2}, ValueError, "max_size"),
        ({"max_size": 1.5}, TypeError, "max_size"),
        ({"max_size": 2, "acquire_timeout": -1}, ValueError, "acquire_timeout"),
        ({"max_size": 2, "acquire_timeout": math.nan}, ValueError, "acquire_timeout"),
        ({"max_size": 2, "acquire_timeout": "1"}, TypeError, "acquire_timeout"),
        ({"max_size": 2, "close": 5}, TypeError, "close"),
    ],
)
def test_bad_arguments_are_rejected_at_construction(
    impl: Impl, kwargs: dict[str, Any], error: type[Exception], name: str
) -> None:
    factory = Factory()
    with pytest.raises(error, match=name):
        impl.pool.Pool(factory.make, **kwargs)
    with pytest.raises(TypeError, match="factory"):
        impl.pool.Pool("factory", max_size=1)


@given(
    max_size=st.integers(min_value=1, max_value=4),
    users=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=30),  # arrival, tenths
            st.integers(min_value=0, max_value=20),  # hold, tenths
            st.none() | st.integers(min_value=0, max_value=40),  # cancelled after, tenths
            st.booleans(),  # the body fails
        ),
        min_size=1,
        max_size=25,
    ),
    factory_seconds=st.sampled_from([0, 0.3]),
    close_seconds=st.sampled_from([0, 0.2]),
    fail=st.sets(st.integers(min_value=1, max_value=8), max_size=3),
    acquire_timeout=st.sampled_from([None, 0.5, 2.0]),
)
async def test_property_no_resource_ever_leaks(
    impl: Impl,
    max_size: int,
    users: list[tuple[int, int, int | None, bool]],
    factory_seconds: float,
    close_seconds: float,
    fail: set[int],
    acquire_timeout: float | None,
) -> None:
    factory = Factory(seconds=factory_seconds, close_seconds=close_seconds, fail=fail)
    pool = factory.pool(impl, max_size, acquire_timeout=acquire_timeout)
    most = 0

    async def user(arrival: float, seconds: float, patience: float | None, fails: bool) -> None:
        nonlocal most
        await anyio.sleep(arrival)
        async with impl.cancel_after(math.inf if patience is None else patience):
            try:
                async with pool.acquire():
                    most = max(most, pool.size)
                    await anyio.sleep(seconds)
                    if fails:
                        raise Boom("body")
            except (Boom, TimeoutError):
                pass

    async with anyio.create_task_group() as group:
        for arrival, seconds, patience, fails in users:
            group.start_soon(
                user, arrival / 10, seconds / 10, None if patience is None else patience / 10, fails
            )
    assert most <= max_size
    assert factory.peak <= max_size  # alive + being made, seen from the factory
    assert pool.in_use == 0
    factory.assert_no_leak(pool)
    await pool.aclose()
    assert all(r.closed for r in factory.made)
    assert pool.size == 0


async def test_a_base_exception_from_close_comes_out_as_itself(impl: Impl) -> None:
    """Discarding a resource is the caller's own call: rule 4 wants the exception bare."""
    factory = Factory()
    fatal = Fatal("close")

    async def close(resource: Resource) -> None:
        await factory.close(resource)
        raise fatal

    pool = impl.pool.Pool(factory.make, max_size=1, close=close)
    with pytest.raises(Fatal) as caught:
        async with pool.acquire():
            raise Boom("body")
    assert caught.value is fatal
    assert (pool.size, pool.in_use) == (0, 0)
