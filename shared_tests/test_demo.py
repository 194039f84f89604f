"""``nox -s demo -- chat`` runs its script on every target and finds them alike."""

from __future__ import annotations

import pytest

from tools import demo


@pytest.mark.real_time
def test_the_chat_demo_runs_the_same_script_on_every_target(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert demo.main(["chat", "--grace", "0.1"]) == 0
    out = capsys.readouterr().out
    for target in demo.TARGETS:
        row = next(line for line in out.splitlines() if line.startswith(target.id + " "))
        same, took, free = row.split()[1:]
        assert (same, free) == ("yes", "yes"), row
        assert float(took.removesuffix("s")) >= 0.1  # the stuck client held it for the grace
    for line in (
        "* server full (3 clients), try again later",
        "* that was not UTF-8 text, goodbye",
        "alice: hi all",
        "carol: did I miss anything?",
    ):
        assert line in out


@pytest.mark.real_time
def test_the_blocking_demo_shows_every_target_held_up_by_an_inline_call(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bench.when.blocking import TICK, VARIANTS

    assert demo.main(["blocking", "--block", "0.05", "--primes", "2000"]) == 0
    out = capsys.readouterr().out
    assert sum(line.startswith("python ") for line in out.splitlines()) == 1  # plain Python's
    for target in demo.TARGETS:
        ticker, jobs = (line for line in out.splitlines() if line.startswith(target.id + " "))
        # latest / median, per variant: inline, thread, process
        cells = ticker.split()[1:]
        assert cells[1::3] == ["/"] * len(VARIANTS), ticker
        inline_latest = float(cells[0])
        # Blocking, not speed: the wake-up due during the call came after it.
        assert inline_latest >= (0.05 - TICK) * 1000, ticker
        assert jobs.split()[1] == "-", jobs  # one after another: plain Python only
        assert len(jobs.split()) == 6, jobs  # threads and processes, each with its speed-up
