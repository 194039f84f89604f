"""One benchmark process: ``python -m bench.worker KIND ... --output FILE``.

The driver (``python -m bench``) starts many of these so that every number
comes from several fresh interpreters.  Kinds:

* ``measure EXERCISE``: every scenario of the exercise, every target and
  variant, warm-ups first, then ``--values`` rounds round-robin (the start
  of the round rotates), so that the machine's noise lands on every
  variant alike and each round's values can be compared pairwise.
* ``scale EXERCISE TARGET SIZE``: one point of the scaling curve.
* ``accuracy TARGET``: the rate limiter against the real clock.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
from pathlib import Path
from typing import Any

# Absolute imports, and only what every kind needs: process pools (anyio's,
# multiprocessing's spawn) re-run the main module in each new worker, by path.
from bench.common import TARGETS, Target, Workload, load, time_once


def target_named(label: str) -> Target:
    for target in TARGETS:
        if target.label == label:
            return target
    known = ", ".join(t.label for t in TARGETS)
    raise SystemExit(f"target: unknown {label!r} on this interpreter (known: {known})")


def _once(target: Target, workload: Workload, clock: str, size: int) -> float:
    gc.collect()  # the last run's garbage is not this run's cost
    return time_once(target, workload, clock) / size


def measure(exercise: str, *, quick: bool, values: int, warmups: int) -> list[dict[str, Any]]:
    """Per-unit seconds of every (scenario, target, variant) of one exercise."""
    records: list[dict[str, Any]] = []
    for scene in load([exercise]):
        size = scene.quick_size if quick else scene.size
        cases = [
            (target, variant, workload)
            for target in TARGETS
            for variant, workload in scene.variants(target, size).items()
        ]
        samples: dict[tuple[str, str], list[float]] = {(t.label, v): [] for t, v, _ in cases}
        warm: dict[tuple[str, str], list[float]] = {(t.label, v): [] for t, v, _ in cases}

        for target, variant, workload in cases:
            for _ in range(warmups):
                warm[target.label, variant].append(_once(target, workload, scene.clock, size))
        for round_number in range(values):
            shift = round_number % len(cases)
            for target, variant, workload in cases[shift:] + cases[:shift]:
                samples[target.label, variant].append(_once(target, workload, scene.clock, size))
        records += [
            {
                "exercise": scene.exercise,
                "scenario": scene.name,
                "unit": scene.unit,
                "clock": scene.clock,
                "size": size,
                "target": target.label,
                "variant": variant,
                "values": samples[target.label, variant],
                "warmups": warm[target.label, variant],
            }
            for target, variant, _ in cases
        ]
    return records


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.worker")
    parser.add_argument("--output", type=Path, required=True)
    kinds = parser.add_subparsers(dest="kind", required=True)
    measuring = kinds.add_parser("measure")
    measuring.add_argument("exercise")
    measuring.add_argument("--quick", action="store_true")
    measuring.add_argument("--values", type=int, default=3)
    measuring.add_argument("--warmups", type=int, default=1)
    scaling = kinds.add_parser("scale")
    scaling.add_argument("exercise")
    scaling.add_argument("target")
    scaling.add_argument("size", type=int)
    accurate = kinds.add_parser("accuracy")
    accurate.add_argument("target", help="a target label, or aiolimiter")
    accurate.add_argument("--rate", type=float, default=1000.0)
    accurate.add_argument("--seconds", type=float, default=2.0)
    accurate.add_argument("--burst", type=int, default=10)
    options = parser.parse_args(argv)

    result: Any
    if options.kind == "measure":
        result = measure(
            options.exercise, quick=options.quick, values=options.values, warmups=options.warmups
        )
    elif options.kind == "scale":
        from bench.scaling import measure_point

        result = measure_point(target_named(options.target), options.exercise, options.size)
    else:
        from bench.rate_limit_bench import accuracy

        target = None if options.target == "aiolimiter" else target_named(options.target)
        result = accuracy(target, options.rate, options.seconds, options.burst)
    options.output.write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
