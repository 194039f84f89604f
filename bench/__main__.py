"""``python -m bench [EXERCISE ...] [--quick] [--record]``: every exercise, every target, as ratios.

Each exercise runs in ``--processes`` fresh interpreters, one after another
and interleaved with the other exercises; inside each, every variant is
warmed up, then timed ``--values`` times round-robin.  A ratio is the
median over those paired runs, with its spread.  Results are pyperf JSON
(``python -m pyperf stats build/bench/bench.json`` works on them), a
summary JSON, a markdown table and two charts, in ``--out``.

``--record`` writes into ``bench/results/latest`` and regenerates
``docs/benchmarks.md`` from it.  ``--quick`` shrinks sizes and repetitions
for a workshop laptop (under two minutes); its numbers are rough.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from tools.registry import EXERCISES

from . import docs, render
from .common import TARGETS
from .environment import environment
from .scaling import SCALED

ROOT = Path(__file__).resolve().parent.parent
RECORDED = ROOT / "bench" / "results" / "latest"
DOCS = ROOT / "docs" / "benchmarks.md"


def _positive(name: str) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be an integer, got {text!r}") from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"{name} must be at least 1, got {value}")
        return value

    return parse


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "exercises",
        nargs="*",
        metavar="EXERCISE",
        help=f"any of {', '.join(EXERCISES)} (default: all)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes, one process: rough numbers fast"
    )
    parser.add_argument(
        "--processes",
        type=_positive("--processes"),
        help="fresh interpreters per exercise (default 3, quick 1)",
    )
    parser.add_argument(
        "--values",
        type=_positive("--values"),
        help="timed rounds per process, after a warm-up (default 2)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "build" / "bench",
        help="where results go (default build/bench)",
    )
    parser.add_argument(
        "--record",
        action="store_true",
        help=f"write to {RECORDED.relative_to(ROOT)} and regenerate {DOCS.relative_to(ROOT)}",
    )
    parser.add_argument(
        "--no-scaling", action="store_true", help="skip the 10^3..10^6 scaling runs"
    )
    return parser


def main(argv: list[str]) -> int:
    parser = _parser()
    options = parser.parse_args(argv)
    unknown = [name for name in options.exercises if name not in EXERCISES]
    if unknown:
        parser.error(
            f"EXERCISE: unknown {', '.join(map(repr, unknown))}; choose from {', '.join(EXERCISES)}"
        )
    chosen = options.exercises or EXERCISES
    if options.record and (options.exercises or options.quick or options.no_scaling):
        parser.error(
            "--record: only a full run replaces the recorded results (no EXERCISE, "
            "--quick or --no-scaling)"
        )
    quick: bool = options.quick
    processes = options.processes or (1 if quick else 3)
    values = options.values or 2  # 3 processes × 2 rounds: 6 paired values behind each ratio
    out: Path = RECORDED if options.record else options.out
    out.mkdir(parents=True, exist_ok=True)

    started = time.monotonic()
    conditions = environment(quick=quick, processes=processes, values=values)
    _log(started, f"targets: {', '.join(t.id for t in TARGETS)}")
    records = list(_measure_all(chosen, quick, processes, values, started))
    points = list(_scale_all(chosen, quick, started)) if not options.no_scaling else []
    accuracy = list(_accuracy_all(chosen, quick, started))
    render.write_all(out, records, points, accuracy, conditions)
    if options.record:
        DOCS.parent.mkdir(exist_ok=True)
        DOCS.write_text(docs.docs_page(out, DOCS))
    print((out / "bench.md").read_text())
    _log(started, f"done; results in {out}")
    return 0


def _log(started: float, message: str) -> None:
    print(f"[{time.monotonic() - started:6.1f} s] {message}", file=sys.stderr, flush=True)


def _worker(*args: str) -> Any:
    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch) / "out.json"
        subprocess.run(
            [sys.executable, "-m", "bench.worker", "--output", str(output), *args],
            cwd=ROOT,
            check=True,
        )
        return json.loads(output.read_text())


def _measure_all(
    chosen: Sequence[str], quick: bool, processes: int, values: int, started: float
) -> Iterator[dict[str, Any]]:
    for process in range(processes):
        for exercise in chosen:  # interleaved: no exercise gets all the quiet minutes
            _log(started, f"process {process + 1}/{processes}: {exercise}")
            flags = ["--values", str(values), "--warmups", "1", *(["--quick"] if quick else [])]
            for record in _worker("measure", exercise, *flags):
                yield {**record, "process": process}


def _scale_all(chosen: Sequence[str], quick: bool, started: float) -> Iterator[dict[str, Any]]:
    sizes = [10**3, 10**4] if quick else [10**3, 10**4, 10**5, 10**6]
    for exercise in (e for e in SCALED if e in chosen):
        for size in sizes:
            repeats = 1 if quick or size >= 10**6 else 3
            for _ in range(repeats):
                for target in TARGETS:
                    _log(started, f"scaling {exercise} to {size:,} on {target.id}")
                    yield _worker("scale", exercise, target.id, str(size))


def _accuracy_all(chosen: Sequence[str], quick: bool, started: float) -> Iterator[dict[str, Any]]:
    if "rate_limit" not in chosen:
        return
    seconds = "0.5" if quick else "2"
    for burst in ("10", "1"):  # 1: every late timer wake-up is lost for good
        for name in [*(t.id for t in TARGETS), "aiolimiter"]:
            _log(started, f"rate limiter at 1000/s, burst {burst}, for {seconds} s on {name}")
            yield _worker("accuracy", name, "--seconds", seconds, "--burst", burst)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
