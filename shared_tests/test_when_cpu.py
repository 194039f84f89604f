"""The CPU-and-blocking and simple-scripts measurements, at tiny size: every variant, every target.

Timings are never asserted, only what blocking guarantees whatever the
machine's speed: a call made inline holds the loop for its whole length, so
the ticker's wake-up due during it is at least that length, less one tick,
late.  (conftest's blockbuster fixture does not object to that call: it
fails blocking calls made from exercise code, and this one is made by the
benchmark itself, on purpose.)
"""

from __future__ import annotations

import pytest

from bench.when import blocking, startup
from bench.when.common import PLAIN, TARGETS, Measurement, Result

pytestmark = pytest.mark.real_time


def tiny(measurement: Measurement) -> list[Result]:
    results = measurement.run(measurement.tiny_size, 1)
    assert all(result.seconds > 0 for result in results)
    assert measurement.baseline in {result.variant for result in results}
    return results


def test_the_ticker_is_late_by_the_whole_inline_call_on_every_target() -> None:
    results = tiny(blocking.ticker)
    assert [(r.target, r.variant) for r in results] == [
        (target.id, variant) for target in TARGETS for variant in ("inline", "thread", "process")
    ]
    call = blocking.ticker.tiny_size / 1000
    for result in results:
        assert result.note.startswith("the median wake-up ")
        if result.variant == "inline":
            assert result.seconds >= call - blocking.TICK, result


def test_the_cpu_bound_job_runs_in_threads_and_processes_on_every_target() -> None:
    results = tiny(blocking.cpu_bound)
    expected = [(PLAIN, "sync"), (PLAIN, "thread"), (PLAIN, "process")]
    expected += [(target.id, variant) for target in TARGETS for variant in ("thread", "process")]
    assert [(r.target, r.variant) for r in results] == expected


def test_the_cpu_bound_job_counts_primes() -> None:
    # The sieve every job is checked against, against primes counted by hand.
    assert [blocking.primes_below(n) for n in (0, 2, 3, 10, 100)] == [0, 0, 1, 4, 25]


def test_every_script_starts_and_answers() -> None:
    results = tiny(startup.starting)
    expected = [(PLAIN, variant) for variant in startup.SCRIPTS]
    expected += [(target.id, "ours") for target in TARGETS]
    assert [(r.target, r.variant) for r in results] == expected


def test_a_failing_script_fails_the_measurement() -> None:
    with pytest.raises(AssertionError, match="ZeroDivisionError"):
        startup.start_once("print(1 / 0)")
