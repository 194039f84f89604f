"""Every benchmark's workload, at tiny sizes: a broken benchmark cannot report a fast wrong answer.

Each workload checks its own result (``bench.common.check``) and raises if
it is wrong; these tests run each table once and never look at timings.
They use real threads, processes and sockets where the benchmarks do.
"""

from __future__ import annotations

import pytest

from bench import fanout_bench, fetch_bench, rate_limit_bench, retry_pool_bench, workers_bench
from bench.common import TARGETS

pytestmark = pytest.mark.real_time

LABELS = [label for label, _, _ in TARGETS]


@pytest.mark.parametrize(
    "run",
    [
        lambda: fanout_bench.run_all_vs_bare(200, 1),
        lambda: workers_bench.throughput(200, 1),
        lambda: workers_bench.peak_memory((20, 40)),
        lambda: rate_limit_bench.acquisitions(200, 1),
        lambda: rate_limit_bench.contended_cpu(200, 10, 1),
        lambda: retry_pool_bench.retry_overhead(200, 1),
        lambda: retry_pool_bench.pool_pairs(200, 1),
        lambda: fetch_bench.fetch_all_runs(20, 1, (1, 5)),
    ],
    ids=["fanout", "workers", "memory", "limiter", "limiter-contended", "retry", "pool", "fetch"],
)
def test_benchmark_workloads_are_correct_on_every_target(run: object) -> None:
    report = run()  # type: ignore[operator]
    for label in LABELS:
        assert label in report


def test_the_aiometer_comparison_is_correct() -> None:
    assert "anyio_impl-trio" in fanout_bench.process_vs_aiometer(200, 1, workers=10)
