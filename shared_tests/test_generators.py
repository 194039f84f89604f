"""generators: ticker, paginate, batched, merged (CONTRACT.md, section generators)."""

from __future__ import annotations

import contextlib
import itertools
import math
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

import anyio
import pytest
from hypothesis import given
from hypothesis import strategies as st

from .helpers import Boom, Impl, leaves, now, scheduling_orders, yields


class Source:
    """An async generator over ``(delay, item)`` steps that records how far it got."""

    def __init__(self, steps: list[tuple[float, Any]], *, error: BaseException | None = None):
        self.steps = steps
        self.error = error
        self.produced: list[Any] = []
        self.closed = False
        self.origin = now()

    async def items(self) -> AsyncGenerator[Any, None]:
        try:
            for delay, item in self.steps:
                await anyio.sleep(delay)
                self.produced.append(item)
                yield item
            if self.error is not None:
                raise self.error
        finally:
            self.closed = True


def every(seconds: float, items: list[Any]) -> list[tuple[float, Any]]:
    return [(seconds, item) for item in items]


# ---------------------------------------------------------------- ticker


async def test_ticker_yields_scheduled_times_without_drift(impl: Impl) -> None:
    start = now()
    ticks = [tick - start async for tick in impl.generators.ticker(0.5, count=5)]
    assert ticks == [0.5, 1.0, 1.5, 2.0, 2.5]
    assert now() - start == 2.5


async def test_ticker_skips_ticks_the_consumer_missed(impl: Impl) -> None:
    start = now()
    seen = []
    async with contextlib.aclosing(impl.generators.ticker(1, count=4)) as ticks:
        async for tick in ticks:
            seen.append(tick - start)
            if len(seen) == 1:
                await anyio.sleep(2.5)  # ticks 2 and 3 pass while we are busy
    assert seen == [1, 4, 5, 6]


async def test_ticker_on_a_tick_exactly_does_not_skip_it(impl: Impl) -> None:
    start = now()
    seen = []
    async for tick in impl.generators.ticker(1, count=3):
        seen.append(tick - start)
        await anyio.sleep(1)  # back exactly when the next tick is due
    assert seen == [1, 2, 3]


async def test_ticker_count_zero_and_forever(impl: Impl) -> None:
    assert [t async for t in impl.generators.ticker(1, count=0)] == []
    start = now()
    seen = 0
    async with contextlib.aclosing(impl.generators.ticker(2)) as ticks:
        async for _ in ticks:
            seen += 1
            if seen == 50:
                break
    assert now() - start == 100


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"interval": 0}, ValueError, "interval"),
        ({"interval": -1}, ValueError, "interval"),
        ({"interval": math.nan}, ValueError, "interval"),
        ({"interval": math.inf}, ValueError, "interval"),
        ({"interval": 5e-324}, ValueError, "interval"),  # finite and > 0, but below 1e-9
        ({"interval": 1, "count": -1}, ValueError, "count"),
        ({"interval": "1"}, TypeError, "interval"),
        ({"interval": 1, "count": 2.5}, TypeError, "count"),
    ],
)
async def test_ticker_bad_arguments_on_first_iteration(
    impl: Impl, kwargs: dict[str, Any], error: type[Exception], name: str
) -> None:
    ticks = impl.generators.ticker(**kwargs)  # nothing runs yet: it is an async generator
    with pytest.raises(error, match=name):
        await anext(ticks)


# ---------------------------------------------------------------- paginate


class Pages:
    def __init__(self, pages: list[list[int]], seconds: float = 1) -> None:
        self.pages = pages
        self.seconds = seconds
        self.fetched: list[Any] = []

    async def fetch(self, cursor: int | None) -> tuple[list[int], int | None]:
        self.fetched.append(cursor)
        await anyio.sleep(self.seconds)
        index = cursor or 0
        following = index + 1 if index + 1 < len(self.pages) else None
        return self.pages[index], following


async def test_paginate_yields_every_item_in_order(impl: Impl) -> None:
    pages = Pages([[1, 2], [], [3], [4, 5, 6]])
    assert [item async for item in impl.generators.paginate(pages.fetch)] == [1, 2, 3, 4, 5, 6]
    assert pages.fetched == [None, 1, 2, 3]


async def test_paginate_fetches_a_page_only_when_its_first_item_is_needed(impl: Impl) -> None:
    pages = Pages([[1, 2], [3, 4], [5]])
    items = impl.generators.paginate(pages.fetch)
    assert pages.fetched == []  # nothing before the first iteration
    assert await anext(items) == 1
    assert pages.fetched == [None]
    assert await anext(items) == 2
    assert pages.fetched == [None]  # page 1 not needed yet
    assert await anext(items) == 3
    assert pages.fetched == [None, 1]
    await items.aclose()
    assert pages.fetched == [None, 1]  # closing early fetches nothing more


async def test_paginate_closed_with_aclosing_fetches_nothing_more(impl: Impl) -> None:
    pages = Pages([[1], [2], [3]])
    async with contextlib.aclosing(impl.generators.paginate(pages.fetch)) as items:
        async for item in items:
            if item == 2:
                break
    assert pages.fetched == [None, 1]


async def test_paginate_checks_its_arguments(impl: Impl) -> None:
    with pytest.raises(TypeError, match="fetch_page"):
        await anext(impl.generators.paginate("not callable"))

    async def wrong(cursor: Any) -> Any:
        return [1, 2, 3]

    with pytest.raises(TypeError, match="fetch_page"):
        await anext(impl.generators.paginate(wrong))


# ---------------------------------------------------------------- batched


def open_batched(impl: Impl, variant: str, source: Any, size: int, max_wait: float) -> Any:
    """The real ``batched``, or the lesson's naive generator wrapped to look the same."""
    if variant == "real":
        return impl.generators.batched(source, size=size, max_wait=max_wait)

    @contextlib.asynccontextmanager
    async def naive() -> AsyncIterator[Any]:
        batches = impl.generators._naive_batched(source, size=size, max_wait=max_wait)
        async with contextlib.aclosing(batches):
            yield batches

    return naive()


async def collect(
    impl: Impl, variant: str, source: Source, size: int, max_wait: float
) -> list[Any]:
    seen = []
    async with open_batched(impl, variant, source.items(), size, max_wait) as batches:
        async for batch in batches:
            seen.append((batch, now() - source.origin))
    return seen


VARIANTS = [
    "real",
    pytest.param(
        "naive",
        marks=pytest.mark.xfail(
            strict=True, reason="a timeout around the source's __anext__ kills the source"
        ),
    ),
]


@pytest.mark.parametrize("variant", VARIANTS)
async def test_a_slow_source_loses_nothing_when_batches_time_out(impl: Impl, variant: str) -> None:
    """The broken/fixed pair: the same test, the naive version fails it."""
    source = Source(every(1, list(range(6))))
    seen = await collect(impl, variant, source, size=10, max_wait=1.5)
    assert [item for batch, _ in seen for item in batch] == list(range(6))
    # items at 1, 2, ... 6 s; a batch is due 1.5 s after its first item
    assert seen == [([0, 1], 2.5), ([2, 3], 4.5), ([4, 5], 6.0)]


async def test_size_triggered_batches(impl: Impl) -> None:
    source = Source(every(0.1, list(range(7))))
    seen = await collect(impl, "real", source, size=3, max_wait=10)
    assert [batch for batch, _ in seen] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [round(at, 6) for _, at in seen] == [0.3, 0.6, 0.7]  # the last at the end of the source


async def test_time_triggered_batches(impl: Impl) -> None:
    source = Source([(0, "a"), (0.5, "b"), (2, "c"), (0.1, "d"), (5, "e")])
    seen = await collect(impl, "real", source, size=10, max_wait=1)
    assert seen == [(["a", "b"], 1), (["c", "d"], 3.5), (["e"], 7.6)]


async def test_empty_source_gives_no_batch(impl: Impl) -> None:
    assert await collect(impl, "real", Source([]), size=3, max_wait=1) == []


async def test_a_source_error_comes_out_and_the_partial_batch_is_dropped(impl: Impl) -> None:
    error = Boom("source")
    source = Source(every(1, [1, 2, 3, 4]), error=error)
    seen = []
    with pytest.raises((Boom, ExceptionGroup)) as caught:
        async with impl.generators.batched(source.items(), size=3, max_wait=10) as batches:
            async for batch in batches:
                seen.append(batch)
    assert leaves(caught.value) == [error]  # grouped, possibly nested
    assert seen == [[1, 2, 3]]  # [4] was pending: dropped


async def test_a_source_failing_before_its_first_await_comes_out_alone(impl: Impl) -> None:
    """Under asyncio's eager task factory the reader fails inside ``create_task``.

    Its error comes out alone, not with a ``RuntimeError`` from spawning the
    batcher into a group that is shutting down.
    """
    error = Boom("at once")
    source = Source([], error=error)
    seen = []
    with pytest.raises((Boom, ExceptionGroup)) as caught:
        async with impl.generators.batched(source.items(), size=3, max_wait=10) as batches:
            async for batch in batches:
                seen.append(batch)
    assert leaves(caught.value) == [error]
    assert seen == []
    assert source.closed
    await anyio.lowlevel.checkpoint()  # no cancellation left pending (CPython gh-116720)


async def test_leaving_batched_early_closes_the_source(impl: Impl) -> None:
    source = Source(every(1, list(range(100))))
    async with impl.generators.batched(source.items(), size=2, max_wait=10) as batches:
        async for _ in batches:
            break
    assert source.closed
    assert len(source.produced) <= 4


async def test_batched_reads_at_most_one_batch_ahead_of_a_busy_consumer(impl: Impl) -> None:
    source = Source(every(0.1, list(range(10))))
    async with impl.generators.batched(source.items(), size=3, max_wait=10) as batches:
        seen = [await anext(batches)]
        await anyio.sleep(10)  # busy: the source could have run dry meanwhile
        assert len(source.produced) <= 2 * 3  # the batch taken, and one more at most
        seen += [batch async for batch in batches]
    assert seen == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]


async def test_a_batch_due_while_the_consumer_is_busy_comes_at_once(impl: Impl) -> None:
    """It comes as soon as the consumer asks, with the items that arrived meanwhile."""
    source = Source(every(1, list(range(8))))
    seen = []
    async with impl.generators.batched(source.items(), size=10, max_wait=1.5) as batches:
        async for batch in batches:
            seen.append((batch, now() - source.origin))
            if len(seen) == 1:
                await anyio.sleep(3)  # [2, ...] is due at 4.5, while we are busy
    assert seen == [([0, 1], 2.5), ([2, 3, 4], 5.5), ([5, 6], 7.5), ([7], 8)]


async def test_a_batch_full_just_as_it_falls_due_loses_nothing(impl: Impl) -> None:
    """The reader hands over a full batch at the very moment the timer expires."""
    source = Source(every(0.25, list(range(9))))  # the third item of each batch at its due time
    seen = await collect(impl, "real", source, size=3, max_wait=0.5)
    assert [item for batch, _ in seen for item in batch] == list(range(9))
    assert all(0 < len(batch) <= 3 for batch, _ in seen)


@given(
    gaps=st.lists(st.integers(min_value=0, max_value=6), max_size=30),  # quarters before each item
    size=st.integers(min_value=1, max_value=5),
    max_wait=st.integers(min_value=1, max_value=6),  # quarters
    busy=st.lists(st.integers(min_value=0, max_value=8), max_size=10),  # quarters per batch
)
async def test_property_batches_lose_nothing_and_come_on_time(
    impl: Impl, gaps: list[int], size: int, max_wait: int, busy: list[int]
) -> None:
    arrived: list[float] = []

    async def source() -> AsyncGenerator[int, None]:
        for item, gap in enumerate(gaps):
            await anyio.sleep(gap / 4)
            arrived.append(now())
            yield item

    seen = []
    async with impl.generators.batched(source(), size=size, max_wait=max_wait / 4) as batches:
        asked = now()
        async for batch in batches:
            seen.append((batch, asked, now()))
            await anyio.sleep(busy[len(seen) - 1] / 4 if len(seen) <= len(busy) else 0)
            asked = now()

    assert [item for batch, _, _ in seen for item in batch] == list(range(len(gaps)))
    for batch, asked, at in seen:
        assert 0 < len(batch) <= size
        due = arrived[batch[0]] + max_wait / 4
        assert at <= max(asked, due)  # on time, or at once if the consumer was busy
        if len(batch) < size and batch[-1] != len(gaps) - 1:
            assert at >= due  # cut short by the timer only


async def test_a_source_error_always_comes_out_of_batched_in_a_group(impl: Impl) -> None:
    """Even when the consumer has stopped first: its cancellation must not replace the error.

    Repeated, as trio runs the tasks it wakes together in a random order.
    """
    for _ in range(20):
        error = Boom("source")
        source = Source([(1, "x")], error=error)
        with pytest.raises(ExceptionGroup) as caught:
            async with impl.generators.batched(source.items(), size=3, max_wait=10) as batches:
                async for _ in batches:
                    pass
        assert leaves(caught.value) == [error]


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"size": 0, "max_wait": 1}, ValueError, "size"),
        ({"size": 2, "max_wait": 0}, ValueError, "max_wait"),
        ({"size": 2, "max_wait": -1}, ValueError, "max_wait"),
        ({"size": 2, "max_wait": math.nan}, ValueError, "max_wait"),
        ({"size": "2", "max_wait": 1}, TypeError, "size"),
    ],
)
def test_batched_bad_arguments_at_call_time(
    impl: Impl, kwargs: dict[str, Any], error: type[Exception], name: str
) -> None:
    source = nothing()
    with pytest.raises(error, match=name):
        impl.generators.batched(source, **kwargs)
    with pytest.raises(TypeError, match="source"):
        impl.generators.batched([1, 2], size=1, max_wait=1)


# ---------------------------------------------------------------- merged


async def test_merged_interleaves_by_arrival_and_keeps_each_order(impl: Impl) -> None:
    a = Source([(1, "a1"), (2, "a2"), (2, "a3")])
    b = Source([(0.5, "b1"), (1, "b2"), (3, "b3"), (1, "b4")])
    seen = []
    async with impl.generators.merged(a.items(), b.items()) as items:
        async for item in items:
            seen.append((item, now() - a.origin))
    assert seen == [
        ("b1", 0.5), ("a1", 1), ("b2", 1.5), ("a2", 3), ("b3", 4.5), ("a3", 5), ("b4", 5.5),
    ]  # fmt: skip
    assert a.closed
    assert b.closed


async def test_merged_of_nothing_ends_at_once(impl: Impl) -> None:
    async with impl.generators.merged() as items:
        assert [item async for item in items] == []


async def test_a_source_error_cancels_the_others_and_comes_out(impl: Impl) -> None:
    error = Boom("b failed")
    a = Source(every(1, list(range(100))))
    b = Source([(2.5, "b1")], error=error)
    seen = []
    with pytest.raises(ExceptionGroup) as caught:
        async with impl.generators.merged(a.items(), b.items()) as items:
            async for item in items:
                seen.append(item)
    assert leaves(caught.value) == [error]
    assert seen == [0, 1, "b1"]
    assert a.closed  # its reader was cancelled and the generator closed
    assert now() - a.origin == 2.5


async def test_a_source_failing_before_its_first_await_is_the_only_error(impl: Impl) -> None:
    """Under asyncio's eager task factory the first reader fails inside ``create_task``.

    The group holds that one error, not also a ``RuntimeError`` from
    spawning the next reader into a group that is shutting down.
    """
    error = Boom("at once")
    failing = Source([], error=error)
    other = Source(every(1, list(range(100))))
    seen = []
    with pytest.raises(ExceptionGroup) as caught:
        async with impl.generators.merged(failing.items(), other.items()) as items:
            async for item in items:
                seen.append(item)
    assert leaves(caught.value) == [error]
    assert seen == []
    assert other.produced == []
    await anyio.lowlevel.checkpoint()  # no cancellation left pending (CPython gh-116720)


async def test_the_last_open_source_failing_still_comes_out_of_merged(impl: Impl) -> None:
    """The consumer stops when the last source closes; its error must still come out.

    Run in many scheduling orders, as trio runs the tasks it wakes together
    in a random order.
    """
    for seed in scheduling_orders():
        error = Boom("last")
        done = Source([(0.5, "a1")])
        failing = Source([(1, "b1")], error=error)
        seen = []
        with pytest.raises(ExceptionGroup) as caught:
            async with impl.generators.merged(done.items(), failing.items()) as items:
                async for item in items:
                    seen.append(item)
                    await yields(seed, item)
        assert leaves(caught.value) == [error], seed
        assert seen == ["a1", "b1"], seed


async def test_a_failing_source_is_the_only_error_out_of_batched_in_every_order(
    impl: Impl,
) -> None:
    for seed in scheduling_orders():
        error = Boom("source")
        failing = Source([(1, 1), (1, 2), (1, 3)], error=error)
        seen = []
        with pytest.raises(ExceptionGroup) as caught:
            async with impl.generators.batched(failing.items(), size=2, max_wait=1.5) as batches:
                async for batch in batches:
                    seen.append(batch)
                    await yields(seed, len(seen))
        assert leaves(caught.value) == [error], seed
        delivered = [item for batch in seen for item in batch]
        assert delivered == [1, 2, 3][: len(delivered)], seed  # in order, nothing invented
        assert failing.closed, seed


async def test_leaving_merged_early_closes_every_source(impl: Impl) -> None:
    sources = [Source(every(seconds, list(range(100)))) for seconds in (1, 2, 3)]
    async with impl.generators.merged(*(s.items() for s in sources)) as items:
        async for item in items:
            if item == 1:
                break
    assert all(source.closed for source in sources)


async def test_an_error_in_the_block_closes_the_sources_and_comes_out(impl: Impl) -> None:
    sources = [Source(every(1, list(range(100)))) for _ in range(2)]
    error = Boom("consumer")
    with pytest.raises((Boom, ExceptionGroup)) as caught:
        async with impl.generators.merged(*(s.items() for s in sources)) as items:
            async for _ in items:
                raise error
    assert leaves(caught.value) == [error]
    assert all(source.closed for source in sources)


def test_merged_rejects_a_source_that_is_not_async_iterable(impl: Impl) -> None:
    with pytest.raises(TypeError, match=r"sources\[1\]"):
        impl.generators.merged(nothing(), [1, 2])


async def nothing() -> AsyncGenerator[Any, None]:
    return
    yield


async def test_the_shortest_interval_ticks_even_far_from_the_clocks_origin(impl: Impl) -> None:
    """1e-9 s is allowed; the schedule's arithmetic must not overflow after a long run."""
    await anyio.sleep(10**6)  # far from the loop's start, as on a real clock
    start = now()
    async with contextlib.aclosing(impl.generators.ticker(1e-9, count=3)) as ticks:
        times = [tick async for tick in ticks]
    assert len(times) == 3
    assert all(later > earlier for earlier, later in itertools.pairwise([start, *times]))
