"""racing: first_completed, staggered_race (CONTRACT.md, section racing)."""

from __future__ import annotations

import math

import pytest

from .helpers import Boom, Fatal, Impl, Probe, leaves, now, stray_cancellation

# ---------------------------------------------------------------- first_completed


async def test_first_success_wins_and_the_rest_are_cancelled(impl: Impl) -> None:
    probe = Probe()
    fns = [
        probe.child(0, 1, error=Boom("fails first")),
        probe.child(1, 2, result="b"),
        probe.child(2, 3, result="c"),
    ]
    start = now()
    assert await impl.racing.first_completed(fns) == "b"
    assert now() - start == 2
    assert probe.cancelled == [2]
    probe.assert_all_done()


async def test_first_completed_all_failing_gives_every_failure_in_input_order(
    impl: Impl,
) -> None:
    errors = [Boom("zero"), Boom("one"), Boom("two")]
    probe = Probe()
    probe_start = now()
    fns = [probe.child(i, seconds, error=errors[i]) for i, seconds in enumerate([3, 1, 2])]
    with pytest.raises(ExceptionGroup) as caught:
        await impl.racing.first_completed(fns)
    assert caught.value.exceptions == tuple(errors)
    assert now() - probe_start == 3


async def test_first_completed_tie_gives_exactly_one_winner(impl: Impl) -> None:
    probe = Probe()
    result = await impl.racing.first_completed(
        [probe.child(0, 1, result="a"), probe.child(1, 1, result="b"), probe.child(2, 5)]
    )
    assert result in {"a", "b"}
    # The loser of the tie may or may not see the cancellation (on trio it
    # does, when the winner runs first in the same batch); the slow one does.
    assert 2 in probe.cancelled
    probe.assert_all_done()


async def test_first_completed_non_exception_failure_propagates(impl: Impl) -> None:
    probe = Probe()
    fatal = Fatal()
    with pytest.raises(BaseExceptionGroup) as caught:
        await impl.racing.first_completed([probe.child(0, 1, error=fatal), probe.child(1, 5)])
    assert leaves(caught.value) == [fatal]
    assert probe.cancelled == [1]
    probe.assert_all_done()


async def test_losers_failing_while_cancelled_do_not_change_the_winner(impl: Impl) -> None:
    """Their errors are dropped, not left "never retrieved" (the suite fails on that)."""
    probe = Probe()
    fns = [
        probe.child(0, 1, result="win"),
        probe.child(1, 5, error_when_cancelled=Boom("loser")),
        probe.child(2, 5, error_when_cancelled=Boom("loser")),
    ]
    assert await impl.racing.first_completed(fns) == "win"
    probe.assert_all_done()


async def test_a_loser_failing_fatally_while_cancelled_is_not_dropped(impl: Impl) -> None:
    probe = Probe()
    fatal = Fatal()
    fns = [probe.child(0, 1, result="win"), probe.child(1, 5, error_when_cancelled=fatal)]
    with pytest.raises(BaseExceptionGroup) as caught:
        await impl.racing.first_completed(fns)
    assert leaves(caught.value) == [fatal]
    probe.assert_all_done()


async def test_an_attempt_that_cancels_itself_is_a_failure_not_the_end(impl: Impl) -> None:
    probe = Probe()
    start = now()
    assert (
        await impl.racing.first_completed([stray_cancellation(), probe.child(1, 2, result="ok")])
        == "ok"
    )
    assert now() - start == 2
    assert (
        await impl.racing.staggered_race(
            [stray_cancellation(), probe.child(2, 1, result="next")], delay=10
        )
        == "next"
    )


async def test_first_completed_caller_cancellation_cancels_every_attempt(impl: Impl) -> None:
    probe = Probe()
    async with impl.cancel_after(1) as outcome:
        await impl.racing.first_completed([probe.child(i, 5) for i in range(3)])
    assert outcome.cancelled_caught
    assert sorted(probe.cancelled) == [0, 1, 2]
    probe.assert_all_done()


async def test_first_completed_bad_input(impl: Impl) -> None:
    with pytest.raises(ValueError, match="fns"):
        await impl.racing.first_completed([])
    probe = Probe()
    with pytest.raises(TypeError, match=r"fns\[1\]"):
        await impl.racing.first_completed([probe.child(0, 1), "x"])
    assert probe.started == []


# ---------------------------------------------------------------- staggered_race


class Attempts(Probe):
    """A Probe that also records when each attempt started."""

    def __init__(self) -> None:
        super().__init__()
        self.origin = now()
        self.start_times: dict[int, float] = {}

    def attempt(self, index: int, seconds: float, **kwargs: object):  # type: ignore[no-untyped-def]
        run = self.child(index, seconds, **kwargs)  # type: ignore[arg-type]

        async def timed() -> object:
            self.start_times[index] = now() - self.origin
            return await run()

        return timed


async def test_attempts_start_every_delay_while_they_hang(impl: Impl) -> None:
    attempts = Attempts()
    fns = [attempts.attempt(i, 100) for i in range(3)] + [attempts.attempt(3, 1, result="won")]
    assert await impl.racing.staggered_race(fns, delay=2) == "won"
    assert attempts.start_times == {0: 0, 1: 2, 2: 4, 3: 6}
    assert now() - attempts.origin == 7
    assert sorted(attempts.cancelled) == [0, 1, 2]
    attempts.assert_all_done()


async def test_a_failure_starts_the_next_attempt_at_once(impl: Impl) -> None:
    attempts = Attempts()
    fns = [
        attempts.attempt(0, 0.5, error=Boom()),
        attempts.attempt(1, 100),
        attempts.attempt(2, 0.5, result="won"),
    ]
    assert await impl.racing.staggered_race(fns, delay=2) == "won"
    assert attempts.start_times == {0: 0, 1: 0.5, 2: 2.5}
    assert now() - attempts.origin == 3


async def test_an_older_attempt_failing_does_not_start_an_extra_one(impl: Impl) -> None:
    attempts = Attempts()
    fns = [
        attempts.attempt(0, 3, error=Boom()),  # fails while attempt 1 runs
        attempts.attempt(1, 100),
        attempts.attempt(2, 1, result="won"),
    ]
    assert await impl.racing.staggered_race(fns, delay=2) == "won"
    assert attempts.start_times == {0: 0, 1: 2, 2: 4}


async def test_success_at_the_delay_boundary_starts_no_further_attempt(impl: Impl) -> None:
    """CPython's staggered_race once started attempt 1 here, just after 0 won.

    Which of the two simultaneous events the scheduler runs first is not
    fixed (trio randomises it), so the race is run many times.
    """
    for _ in range(20):
        attempts = Attempts()
        fns = [attempts.attempt(0, 2, result="first"), attempts.attempt(1, 1, result="second")]
        assert await impl.racing.staggered_race(fns, delay=2) == "first"
        assert attempts.start_times == {0: 0}


async def test_two_successes_in_the_same_instant_give_one_winner(impl: Impl) -> None:
    for _ in range(20):
        attempts = Attempts()
        fns = [attempts.attempt(0, 3, result="zero"), attempts.attempt(1, 2, result="one")]
        start = now()
        assert await impl.racing.staggered_race(fns, delay=1) in {"zero", "one"}
        assert now() - start == 3
        attempts.assert_all_done()


async def test_staggered_all_failing_gives_every_failure_in_input_order(impl: Impl) -> None:
    errors = [Boom(str(i)) for i in range(3)]
    attempts = Attempts()
    fns = [attempts.attempt(i, 5 - i, error=errors[i]) for i in range(3)]
    with pytest.raises(ExceptionGroup) as caught:
        await impl.racing.staggered_race(fns, delay=1)
    assert caught.value.exceptions == tuple(errors)
    assert attempts.start_times == {0: 0, 1: 1, 2: 2}
    assert now() - attempts.origin == 5


async def test_delay_zero_starts_all_at_once_and_infinity_only_after_failures(
    impl: Impl,
) -> None:
    attempts = Attempts()
    fns = [attempts.attempt(i, 10 - i, result=i) for i in range(3)]
    assert await impl.racing.staggered_race(fns, delay=0) == 2
    assert attempts.start_times == {0: 0, 1: 0, 2: 0}

    attempts = Attempts()
    fns = [attempts.attempt(0, 5, error=Boom()), attempts.attempt(1, 1, result="one")]
    assert await impl.racing.staggered_race(fns, delay=math.inf) == "one"
    assert attempts.start_times == {0: 0, 1: 5}


async def test_staggered_non_exception_failure_propagates(impl: Impl) -> None:
    attempts = Attempts()
    fatal = Fatal()
    fns = [attempts.attempt(0, 100), attempts.attempt(1, 1, error=fatal)]
    with pytest.raises(BaseExceptionGroup) as caught:
        await impl.racing.staggered_race(fns, delay=1)
    assert leaves(caught.value) == [fatal]
    assert attempts.cancelled == [0]


async def test_staggered_caller_cancellation_cancels_every_attempt(impl: Impl) -> None:
    attempts = Attempts()
    async with impl.cancel_after(3) as outcome:
        await impl.racing.staggered_race([attempts.attempt(i, 100) for i in range(5)], delay=2)
    assert outcome.cancelled_caught
    assert attempts.start_times == {0: 0, 1: 2}
    assert sorted(attempts.cancelled) == [0, 1]
    attempts.assert_all_done()


async def test_a_single_attempt(impl: Impl) -> None:
    attempts = Attempts()
    assert await impl.racing.staggered_race([attempts.attempt(0, 3, result="only")], delay=1) == (
        "only"
    )
    assert now() - attempts.origin == 3
    error = Boom()
    with pytest.raises(ExceptionGroup) as caught:
        await impl.racing.staggered_race([attempts.attempt(1, 1, error=error)], delay=1)
    assert caught.value.exceptions == (error,)


@pytest.mark.parametrize("delay", [-1, math.nan, -math.inf])
async def test_staggered_bad_delay_is_a_value_error(impl: Impl, delay: float) -> None:
    attempts = Attempts()
    with pytest.raises(ValueError, match="delay"):
        await impl.racing.staggered_race([attempts.attempt(0, 1)], delay=delay)
    with pytest.raises(ValueError, match="fns"):
        await impl.racing.staggered_race([], delay=1)
    with pytest.raises(TypeError, match="delay"):
        await impl.racing.staggered_race([attempts.attempt(0, 1)], delay="1")
    assert attempts.started == []
