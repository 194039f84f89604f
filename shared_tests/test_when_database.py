"""The "database queries" measurement of the when-to-use-async table (bench/when/database.py)."""

from __future__ import annotations

import math

import pytest

from bench.when import database
from bench.when.common import PLAIN, TARGETS, Measurement, Result
from testkit.postgres import MISSING_SERVER, require_server

pytestmark = pytest.mark.real_time

POOLED = [database.ours(n) for n in database.CONCURRENCY]


@pytest.mark.parametrize(
    "measurement",
    [database.trivial_queries, database.one_ms_queries],
    ids=["trivial", "one_ms"],
)
def test_every_variant_runs_at_tiny_size_and_trio_gets_a_note(measurement: Measurement) -> None:
    require_server()
    results: list[Result] = measurement.run(measurement.tiny_size, 1)
    assert (measurement.row, measurement.unit, measurement.baseline) == (
        "database",
        "query",
        "sequential",
    )
    [sync] = [r for r in results if r.target == PLAIN]
    assert sync.variant == "sync"
    for target in TARGETS:
        mine = [r for r in results if r.target == target.id]
        if target.backend == "asyncio":
            assert [r.variant for r in mine] == ["sequential", *POOLED]
            assert [r.note for r in mine] == [""] * len(mine)
        else:  # no time on trio, and the reason
            [absent] = mine
            assert math.isnan(absent.seconds)
            assert "asyncio event loop" in absent.note
    # Every time measured is a time: each workload checked its answers first.
    measured = [r for r in results if not math.isnan(r.seconds)]
    assert len(measured) == 1 + (1 + len(POOLED)) * sum(t.backend == "asyncio" for t in TARGETS)
    assert all(0 < r.seconds < math.inf for r in measured)


def test_without_a_server_the_row_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(database, "find_server", lambda: None)
    [result] = database.trivial_queries.run(database.trivial_queries.tiny_size, 1)
    assert (result.target, result.variant) == (PLAIN, "sync")
    assert math.isnan(result.seconds)
    assert MISSING_SERVER in result.note
    assert "apt-get install postgresql" in result.note
