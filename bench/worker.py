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
from bench.common import TARGETS, Scenario, Workload, load, split, time_once
from tools.registry import Target


def target_named(name: str) -> Target:
    """The benchmark target with id ``name`` (``asyncio_impl-asyncio-uvloop``)."""
    for target in TARGETS:
        if target.id == name:
            return target
    known = ", ".join(t.id for t in TARGETS)
    raise SystemExit(f"target: unknown {name!r} on this interpreter (known: {known})")


def _once(target: Target, workload: Workload, clock: str, size: int) -> float:
    gc.collect()  # the last run's garbage is not this run's cost
    return time_once(target, workload, clock) / size


def measure(exercise: str, *, quick: bool, values: int, warmups: int) -> list[dict[str, Any]]:
    """Per-unit seconds of every (scenario, target, variant) of one exercise.

    A variant that cannot run on a target gives a record with its reason
    (``absent``) and no values.
    """
    records: list[dict[str, Any]] = []
    for scene in load([exercise]):
        size = scene.quick_size if quick else scene.size
        cases: list[tuple[Target, str, Workload]] = []
        for target in TARGETS:
            runs, absent = split(scene.variants(target, size))
            cases += [(target, variant, workload) for variant, workload in runs.items()]
            records += [
                {**_describe(scene, size, target, variant), "absent": reason}
                for variant, reason in absent.items()
            ]
        samples: dict[tuple[str, str], list[float]] = {(t.id, v): [] for t, v, _ in cases}
        warm: dict[tuple[str, str], list[float]] = {(t.id, v): [] for t, v, _ in cases}

        for target, variant, workload in cases:
            for _ in range(warmups):
                warm[target.id, variant].append(_once(target, workload, scene.clock, size))
        for round_number in range(values):
            shift = round_number % len(cases)
            for target, variant, workload in cases[shift:] + cases[:shift]:
                samples[target.id, variant].append(_once(target, workload, scene.clock, size))
        records += [
            {
                **_describe(scene, size, target, variant),
                "values": samples[target.id, variant],
                "warmups": warm[target.id, variant],
            }
            for target, variant, _ in cases
        ]
    return records


def _describe(scene: Scenario, size: int, target: Target, variant: str) -> dict[str, Any]:
    return {
        "exercise": scene.exercise,
        "scenario": scene.name,
        "unit": scene.unit,
        "clock": scene.clock,
        "size": size,
        "target": target.id,
        "variant": variant,
    }


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
    accurate.add_argument("target", help="a target id, or aiolimiter")
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
