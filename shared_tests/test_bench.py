"""The benchmarks' own correctness, at tiny sizes: a broken benchmark cannot report a wrong answer.

Every variant of every scenario runs once on every target and checks its
own result (``bench.common.check`` raises on a wrong one); the report's
paired ratios, goals, tables, charts and docs are checked on made-up
records whose answers are known.  Timings are never asserted.
"""

from __future__ import annotations

import json
import types
from pathlib import Path
from typing import Any

import pyperf
import pytest

from bench import __main__ as cli
from bench import report, worker
from bench.common import (
    EXERCISES,
    OURS,
    RAW,
    REFERENCE,
    SCENARIOS,
    TARGETS,
    Target,
    load,
    time_once,
)
from bench.narrative import page
from bench.rate_limit_bench import accuracy
from bench.scaling import measure_point

pytestmark = pytest.mark.real_time

CASES = [(scene, target) for scene in load() for target in TARGETS]


@pytest.mark.parametrize(
    ("scene", "where"), CASES, ids=[f"{s.exercise}-{s.name}-{t.label}" for s, t in CASES]
)
def test_every_variant_of_every_scenario_gives_the_right_answer(scene: Any, where: Target) -> None:
    variants = scene.variants(where, scene.tiny_size)
    assert next(iter(variants)) == OURS
    for workload in variants.values():
        assert time_once(where, workload, scene.clock) >= 0


def test_a_wrong_answer_fails_the_workload(monkeypatch: pytest.MonkeyPatch) -> None:
    async def run_all(fns: list[Any]) -> list[int]:
        return [0 for _ in fns]  # fast and wrong

    wrong = types.SimpleNamespace(run_all=run_all)
    monkeypatch.setattr(Target, "module", lambda self, exercise: wrong)
    fanout = next(s for s in SCENARIOS if s.exercise == "fanout")
    with pytest.raises(AssertionError, match="wrong result"):
        time_once(REFERENCE, fanout.variants(REFERENCE, 5)[OURS])


@pytest.mark.parametrize("where", TARGETS, ids=[t.label for t in TARGETS])
@pytest.mark.parametrize("exercise", ["fanout", "workers"])
def test_a_scaling_point_measures_time_and_memory(exercise: str, where: Target) -> None:
    point = measure_point(where, exercise, 200)
    assert point["seconds"] > 0
    assert point["peak_growth_bytes"] >= 0
    assert point["result_bytes"] >= 200 * 8


def test_the_accuracy_run_counts_windows_against_the_bound() -> None:
    measured = accuracy(REFERENCE, rate=200.0, seconds=0.1, burst=1)
    assert measured["acquired"] >= 10
    assert set(measured["windows"]) == {"0.001", "0.01", "0.1", "1.0"}
    assert all(w["most"] >= 1 for w in measured["windows"].values())
    assert measured["within_bound"] is True


def _record(
    scenario: str, target: str, variant: str, process: int, values: list[float]
) -> dict[str, Any]:
    exercise = scenario.split(":")[0]
    return {
        "exercise": exercise, "scenario": scenario.split(": ")[1], "unit": "item", "clock": "wall",
        "size": 10, "target": target, "variant": variant, "values": values, "warmups": [values[0]],
        "process": process,
    }  # fmt: skip


REF = REFERENCE.label
RECORDS = [
    # paired: round by round ours is 2x raw, 4x then 3x in process 1
    _record("workers: process, 50 workers, no-op handler", REF, OURS, 0, [2e-6, 4e-6]),
    _record("workers: process, 50 workers, no-op handler", REF, RAW, 0, [1e-6, 2e-6]),
    _record("workers: process, 50 workers, no-op handler", REF, OURS, 1, [4e-6, 3e-6]),
    _record("workers: process, 50 workers, no-op handler", REF, RAW, 1, [1e-6, 1e-6]),
    _record("workers: process, 50 workers, no-op handler", REF, "aiometer.amap", 0, [8e-6, 8e-6]),
    _record("workers: process, 50 workers, no-op handler", REF, "aiometer.amap", 1, [8e-6, 12e-6]),
    _record("workers: process, 50 workers, no-op handler", "trio_impl-trio", OURS, 0, [4e-6, 4e-6]),
    _record("workers: process, 50 workers, no-op handler", "trio_impl-trio", OURS, 1, [4e-6, 6e-6]),
    _record("fanout: run_all, no-op children", REF, OURS, 0, [1e-6]),
    _record("fanout: run_all, no-op children", REF, RAW, 0, [1e-6]),
]
POINTS = [
    {"exercise": "workers", "target": REF, "size": size, "seconds": size * 1e-6,
     "peak_growth_bytes": growth, "result_bytes": size * 8}
    for size, growth in ((10**4, 1_000_000), (10**6, 12_000_000))
]  # fmt: skip
ACCURACY = [
    {"target": REF, "rate": 1000.0, "burst": 10, "seconds": 2.0, "acquired": 2000,
     "delivered": 0.9995, "windows": {"0.1": {"most": 101, "bound": 101.0}}, "within_bound": True},
]  # fmt: skip


def _summary() -> dict[str, Any]:
    environment = report.environment(quick=True, processes=2, values=2)
    return report.summarize(RECORDS, POINTS, ACCURACY, environment)


def _find(summary: dict[str, Any], exercise: str, target: str, variant: str) -> dict[str, Any]:
    return next(
        r
        for r in summary["rows"]
        if (r["exercise"], r["target"], r["variant"]) == (exercise, target, variant)
    )


def test_ratios_are_paired_by_process_and_round() -> None:
    summary = _summary()
    ours = _find(summary, "workers", REF, OURS)
    # quotients 2, 2, 4, 3: median 2.5, not the 3.25/1.25 of unpaired medians
    assert ours["vs_raw"] == {"median": 2.5, "min": 2.0, "max": 4.0, "n": 4}
    assert ours["vs_peers"]["aiometer.amap"]["median"] == pytest.approx(0.375)
    assert ours["overhead_us"]["median"] == pytest.approx(2.0)  # 1, 2, 3, 2 µs
    trio = _find(summary, "workers", "trio_impl-trio", OURS)
    assert trio["vs_reference"]["median"] == pytest.approx(1.5)  # 2, 1, 1, 2
    assert trio["vs_raw"] is None  # no raw run on that target: no ratio, not a made-up one


def test_goals_are_judged_on_what_was_measured() -> None:
    by_goal = {g["goal"]: g for g in _summary()["goals"]}
    throughput = by_goal["workers.process ≥ 0.8× the throughput of the hand-written queue loop"]
    assert throughput["met"] is False
    assert throughput["range"] == [0.4, 0.4]
    memory = next(g for g in by_goal.values() if "peak memory" in g["goal"])
    assert memory["met"] is False
    assert memory["missed"] == [f"{REF}: 11.0 MB"]
    fanout = next(g for g in by_goal.values() if g["goal"].startswith("fanout"))
    assert fanout["met"] is True
    accuracy_goal = next(g for g in by_goal.values() if "1000/s" in g["goal"])
    assert accuracy_goal["met"] is True
    retry = next(g for g in by_goal.values() if g["goal"].startswith("retry around"))
    assert retry["met"] is False
    assert retry["range"] is None


def test_outputs_are_written_and_agree(tmp_path: Path) -> None:
    environment = report.environment(quick=True, processes=2, values=2)
    summary = report.write_all(tmp_path, RECORDS, POINTS, ACCURACY, environment)
    assert json.loads((tmp_path / "summary.json").read_text())["goals"] == summary["goals"]
    suite = pyperf.BenchmarkSuite.load(str(tmp_path / "bench.json"))
    names = suite.get_benchmark_names()
    assert f"workers: process, 50 workers, no-op handler | {REF} | ours" in names
    bench = suite.get_benchmark(f"workers: process, 50 workers, no-op handler | {REF} | ours")
    assert bench.get_nrun() == 2
    assert bench.get_metadata()["anyio_version"]
    table = (tmp_path / "bench.md").read_text()
    row = f"| process, 50 workers, no-op handler | {REF} | 3.50 | 1.00 | 2.50× (2.00–4.00)"
    assert row in table
    for chart in ("ratios.svg", "scaling.svg"):
        assert (tmp_path / chart).read_text().lstrip().startswith("<?xml")


def test_the_docs_page_is_written_from_the_numbers(tmp_path: Path) -> None:
    text = page(_summary(), Path("../bench/results/latest"))
    assert "as fast as `aiometer.amap`" in text
    assert "2.67×" in text
    assert "99.95%" in text
    assert "](../bench/results/latest/ratios.svg)" in text


def test_the_command_line_names_the_bad_argument(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["fanot"])
    assert "EXERCISE: unknown 'fanot'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["--processes", "0"])
    assert "--processes must be at least 1" in capsys.readouterr().err


def test_a_worker_process_records_every_variant_of_an_exercise() -> None:
    records = worker.measure("errors", quick=True, values=2, warmups=0)
    assert {(r["target"], r["variant"]) for r in records} == {
        (t.label, v) for t in TARGETS for v in (OURS, RAW)
    }
    assert all(len(r["values"]) == 2 and min(r["values"]) > 0 for r in records)


def test_unknown_targets_are_named() -> None:
    with pytest.raises(SystemExit, match="target: unknown 'nope'"):
        worker.target_named("nope")


def test_every_exercise_has_a_benchmark() -> None:
    packages = Path(__file__).resolve().parent.parent / "asyncio_impl"
    modules = {p.stem for p in packages.glob("*.py") if not p.stem.startswith("_")}
    assert modules == set(EXERCISES) == {s.exercise for s in SCENARIOS}


def test_the_docs_page_matches_the_recorded_results() -> None:
    root = Path(__file__).resolve().parent.parent
    recorded, docs = root / "bench" / "results" / "latest", root / "docs" / "benchmarks.md"
    assert (recorded / "summary.json").exists(), "record results: nox -s bench -- --record"
    assert docs.read_text() == report.docs_page(recorded, docs), (
        "stale: python -m bench.report bench/results/latest docs/benchmarks.md"
    )
