"""retry.retry and retry.retrying (CONTRACT.md, section retry)."""

from __future__ import annotations

import math
import random
from typing import Any

import anyio
import pytest

from .helpers import Boom, Impl, now


class Flaky:
    """An async callable that fails its first ``failures`` calls, recording when each started."""

    def __init__(
        self, failures: int = 10**9, *, error: type[BaseException] = Boom, seconds: float = 0
    ):
        self.failures = failures
        self.error = error
        self.seconds = seconds
        self.start = now()
        self.calls: list[float] = []
        self.raised: list[BaseException] = []

    async def __call__(self) -> str:
        self.calls.append(now() - self.start)
        await anyio.sleep(self.seconds)
        if len(self.calls) <= self.failures:
            error = self.error(f"call {len(self.calls)}")
            self.raised.append(error)
            raise error
        return "ok"


async def test_backoff_schedule_without_jitter(impl: Impl) -> None:
    flaky = Flaky()
    with pytest.raises(Boom) as caught:
        await impl.retry.retry(flaky, attempts=4, base_delay=1, multiplier=2, jitter=False)
    assert flaky.calls == [0, 1, 3, 7]
    assert caught.value is flaky.raised[-1]  # the last exception itself, not a wrapper
    assert any("4 attempts" in note for note in caught.value.__notes__)


async def test_success_after_failures_returns_the_result(impl: Impl) -> None:
    flaky = Flaky(failures=2)
    assert await impl.retry.retry(flaky, base_delay=1, jitter=False) == "ok"
    assert flaky.calls == [0, 1, 3]


async def test_full_jitter_draws_from_the_given_random(impl: Impl) -> None:
    flaky = Flaky()
    with pytest.raises(Boom):
        await impl.retry.retry(
            flaky, attempts=5, base_delay=1, multiplier=3, max_delay=20, rng=random.Random(7)
        )
    mirror = random.Random(7)
    expected, at = [0.0], 0.0
    for cap in [1, 3, 9, 20]:
        at += mirror.uniform(0, cap)
        expected.append(at)
    assert flaky.calls == pytest.approx(expected, abs=1e-5)


async def test_max_delay_caps_the_backoff(impl: Impl) -> None:
    flaky = Flaky()
    with pytest.raises(Boom):
        await impl.retry.retry(
            flaky, attempts=5, base_delay=1, multiplier=10, max_delay=5, jitter=False
        )
    assert flaky.calls == [0, 1, 6, 11, 16]


async def test_deadline_gives_up_at_once_when_the_next_sleep_would_pass_it(impl: Impl) -> None:
    flaky = Flaky()
    with pytest.raises(Boom) as caught:
        await impl.retry.retry(flaky, attempts=10, base_delay=1, jitter=False, deadline=5)
    assert flaky.calls == [0, 1, 3]  # the next would start at 7
    assert now() - flaky.start == 3
    assert any("deadline" in note for note in caught.value.__notes__)


async def test_deadline_counts_the_time_attempts_take(impl: Impl) -> None:
    flaky = Flaky(seconds=2)
    with pytest.raises(Boom):
        await impl.retry.retry(flaky, attempts=10, base_delay=1, jitter=False, deadline=6)
    assert flaky.calls == [0, 3]  # ends at 5; 5 + 2 > 6


async def test_exceptions_not_in_retry_on_propagate_unchanged(impl: Impl) -> None:
    flaky = Flaky(error=ValueError)
    with pytest.raises(ValueError, match="call 1") as caught:
        await impl.retry.retry(flaky, retry_on=(KeyError, OSError))
    assert flaky.calls == [0]
    assert not getattr(caught.value, "__notes__", None)


async def test_retry_on_a_tuple_and_subclasses(impl: Impl) -> None:
    flaky = Flaky(failures=2, error=ConnectionResetError)
    assert await impl.retry.retry(flaky, retry_on=(KeyError, OSError), jitter=False) == "ok"


async def test_on_retry_is_not_called_on_giving_up(impl: Impl) -> None:
    seen: list[int] = []
    with pytest.raises(Boom):
        await impl.retry.retry(
            Flaky(), attempts=3, base_delay=1, jitter=False, on_retry=lambda a, e, d: seen.append(a)
        )
    assert seen == [1, 2]


async def test_a_sleep_ending_exactly_at_the_deadline_still_allows_the_attempt(
    impl: Impl,
) -> None:
    flaky = Flaky()
    with pytest.raises(Boom) as caught:
        await impl.retry.retry(flaky, attempts=10, base_delay=1, jitter=False, deadline=3)
    assert flaky.calls == [0, 1, 3]  # the one at 3 starts at the deadline, not after it
    assert any("3 attempts" in note for note in caught.value.__notes__)


async def test_an_exception_not_retried_keeps_its_identity_and_notes(impl: Impl) -> None:
    error = ValueError("mine")
    error.add_note("a note of its own")

    async def fail() -> None:
        raise error

    with pytest.raises(ValueError, match="mine") as caught:
        await impl.retry.retry(fail, retry_on=OSError)
    assert caught.value is error
    assert caught.value.__notes__ == ["a note of its own"]


async def test_many_attempts_do_not_overflow_the_backoff(impl: Impl) -> None:
    flaky = Flaky(failures=1100)
    result = await impl.retry.retry(
        flaky, attempts=1200, base_delay=0.001, max_delay=0.001, jitter=False
    )
    assert result == "ok"
    assert len(flaky.calls) == 1101


async def test_on_retry_is_called_before_each_sleep(impl: Impl) -> None:
    flaky = Flaky(failures=2)
    seen: list[tuple[int, str, float]] = []
    await impl.retry.retry(
        flaky,
        base_delay=2,
        jitter=False,
        on_retry=lambda attempt, exc, delay: seen.append((attempt, str(exc), delay)),
    )
    assert seen == [(1, "call 1", 2), (2, "call 2", 4)]


async def test_cancellation_during_an_attempt_is_never_retried(impl: Impl) -> None:
    flaky = Flaky(seconds=10)
    async with impl.cancel_after(1) as outcome:
        await impl.retry.retry(flaky, retry_on=BaseException, attempts=5)
    assert outcome.cancelled_caught
    assert flaky.calls == [0]


async def test_cancellation_during_a_backoff_sleep_ends_it_at_once(impl: Impl) -> None:
    flaky = Flaky()
    async with impl.cancel_after(1) as outcome:
        await impl.retry.retry(flaky, retry_on=BaseException, base_delay=10, jitter=False)
    assert outcome.cancelled_caught
    assert flaky.calls == [0]
    assert now() - flaky.start == 1


async def test_cancellation_is_never_retried_even_when_retry_on_names_it(impl: Impl) -> None:
    flaky = Flaky(seconds=10)
    async with impl.cancel_after(1) as outcome:
        await impl.retry.retry(flaky, retry_on=(OSError, anyio.get_cancelled_exc_class()))
    assert outcome.cancelled_caught
    assert flaky.calls == [0]


async def test_a_cancellation_turned_into_an_error_is_not_retried(
    impl: Impl, request: pytest.FixtureRequest
) -> None:
    target = impl.target
    if (target.framework, target.backend, target.style) == ("anyio", "asyncio", "native"):
        request.applymarker(
            pytest.mark.xfail(
                strict=True,
                reason="a raw Task.cancel() that fn swallows is invisible to anyio code",
            )
        )
    calls = 0

    async def swallows_cancellation() -> None:
        nonlocal calls
        calls += 1
        try:
            await anyio.sleep(10)
        except anyio.get_cancelled_exc_class():
            raise Boom("cancelled, and said so badly") from None

    async with impl.cancel_after(1) as outcome:
        await impl.retry.retry(swallows_cancellation, base_delay=1, attempts=5, jitter=False)
    assert outcome.cancelled_caught
    assert calls == 1


async def test_keyboard_interrupt_is_never_retried(impl: Impl) -> None:
    flaky = Flaky(error=KeyboardInterrupt)
    with pytest.raises(KeyboardInterrupt):
        await impl.retry.retry(flaky, retry_on=BaseException, attempts=5)
    assert flaky.calls == [0]


async def test_the_decorator(impl: Impl) -> None:
    calls: list[tuple[int, str]] = []

    @impl.retry.retrying(attempts=3, base_delay=1, jitter=False)  # type: ignore[untyped-decorator]
    async def fetch(x: int, *, label: str) -> str:
        """Fetch a thing."""
        calls.append((x, label))
        if len(calls) < 3:
            raise Boom
        return f"{label}{x}"

    start = now()
    assert await fetch(7, label="n") == "n7"
    assert calls == [(7, "n")] * 3
    assert now() - start == 3
    assert fetch.__name__ == "fetch"
    assert fetch.__doc__ == "Fetch a thing."


BAD_OPTIONS: list[tuple[dict[str, Any], type[Exception], str]] = [
    ({"attempts": 0}, ValueError, "attempts"),
    ({"attempts": -1}, ValueError, "attempts"),
    ({"attempts": 1.5}, TypeError, "attempts"),
    ({"base_delay": -1}, ValueError, "base_delay"),
    ({"base_delay": math.nan}, ValueError, "base_delay"),
    ({"max_delay": -0.1}, ValueError, "max_delay"),
    ({"multiplier": 0.5}, ValueError, "multiplier"),
    ({"multiplier": math.inf}, ValueError, "multiplier"),
    ({"deadline": 0}, ValueError, "deadline"),
    ({"deadline": -3}, ValueError, "deadline"),
    ({"deadline": math.nan}, ValueError, "deadline"),
    ({"retry_on": "OSError"}, TypeError, "retry_on"),
    ({"retry_on": (OSError, 3)}, TypeError, "retry_on"),
    ({"rng": 42}, TypeError, "rng"),
    ({"on_retry": 5}, TypeError, "on_retry"),
    ({"jitter": "yes"}, TypeError, "jitter"),
]


@pytest.mark.parametrize(("options", "error", "name"), BAD_OPTIONS)
async def test_bad_options_are_rejected_before_the_first_attempt(
    impl: Impl, options: dict[str, Any], error: type[Exception], name: str
) -> None:
    flaky = Flaky(failures=0)
    with pytest.raises(error, match=name):
        await impl.retry.retry(flaky, **options)
    assert flaky.calls == []
    with pytest.raises(error, match=name):
        impl.retry.retrying(**options)


@pytest.mark.parametrize(
    ("name", "good", "bad"), [("attempts", 3, 3.0), ("jitter", True, 1), ("base_delay", 1, True)]
)
async def test_a_bad_option_equal_to_one_already_checked_is_still_rejected(
    impl: Impl, name: str, good: object, bad: object
) -> None:
    """``3.0 == 3``: an earlier check of an equal option must not let the wrong type by.

    An options cache once did; the plain checks must keep refusing it.
    """
    assert await impl.retry.retry(Flaky(failures=0), **{name: good}) == "ok"
    flaky = Flaky(failures=0)
    with pytest.raises(TypeError, match=name):
        await impl.retry.retry(flaky, **{name: bad})
    assert flaky.calls == []


async def test_infinite_delays_and_deadline_mean_no_limit(impl: Impl) -> None:
    flaky = Flaky(failures=2)
    result = await impl.retry.retry(
        flaky, base_delay=1, max_delay=math.inf, deadline=math.inf, jitter=False
    )
    assert result == "ok"
    with pytest.raises(TypeError, match="fn"):
        await impl.retry.retry("not callable")
