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
