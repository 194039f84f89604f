"""``python -m bench [--quick]``: every benchmark, printed as tables of ratios.

Wall-clock numbers from one machine mean little; the ratios measured in the
same run are the result.  ``--quick`` shrinks the sizes for a smoke run.
"""

from __future__ import annotations

import argparse
import platform
import sys

from . import fanout_bench, fetch_bench, rate_limit_bench, retry_pool_bench, workers_bench


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: small sizes, one sample, no meaning"
    )
    options = parser.parse_args(argv)
    scale, repeat = (100, 1) if options.quick else (1, 5)
    print(f"Python {platform.python_version()} on {platform.machine()}, {platform.system()}\n")
    print(fanout_bench.run_all_vs_bare(100_000 // scale, repeat), end="\n\n")
    print(workers_bench.throughput(100_000 // scale, repeat), end="\n\n")
    print(fanout_bench.process_vs_aiometer(50_000 // scale, repeat), end="\n\n")
    print(workers_bench.peak_memory((10_000 // scale, 1_000_000 // scale)), end="\n\n")
    print(rate_limit_bench.acquisitions(100_000 // scale, repeat), end="\n\n")
    print(rate_limit_bench.contended_cpu(5_000 // scale, 100, min(repeat, 3)), end="\n\n")
    print(retry_pool_bench.retry_overhead(100_000 // scale, repeat), end="\n\n")
    print(retry_pool_bench.pool_pairs(100_000 // scale, repeat), end="\n\n")
    print(fetch_bench.fetch_all_runs(1_000 // min(scale, 10), min(repeat, 3)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
