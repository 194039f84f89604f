"""The benchmarks' own correctness, at tiny sizes: a broken benchmark cannot report a wrong answer.

Every variant of every scenario runs once on every target and checks its
own result (``bench.common.check`` raises on a wrong one); a variant that
cannot run on a target must say why.  The statistics, goals, tables, charts
and docs are checked on made-up records whose answers are known.  Timings
are never asserted.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pyperf
import pytest

from bench import __main__ as cli
from bench import docs, goals, render, stats, worker
from bench.common import (
    OURS,
    RAW,
    REFERENCE,
    SCENARIOS,
    TARGETS,
    Absent,
    Scenario,
    check,
    load,
    split,
    time_once,
)
from bench.dialects import DIALECTS
from bench.environment import environment
from bench.rate_limit_bench import accuracy
from bench.scaling import measure_point
from tools.registry import EXERCISES, PACKAGES, ROOT, Target

pytestmark = pytest.mark.real_time

CASES = [(scene, target) for scene in load() for target in TARGETS]


@pytest.mark.parametrize(
    ("scene", "where"), CASES, ids=[f"{s.exercise}-{s.name}-{t.id}" for s, t in CASES]
)
def test_every_variant_of_every_scenario_gives_the_right_answer(
    scene: Scenario, where: Target
) -> None:
    variants = scene.variants(where, scene.tiny_size)
    assert list(variants)[:2] == [OURS, RAW] or list(variants) == [OURS, "aiolimiter"]
    runs, absent = split(variants)
    assert OURS in runs
    assert all(reason for reason in absent.values()), "an absent variant must say why"
    for workload in runs.values():
        assert time_once(where, workload, scene.clock) >= 0


def test_the_scenarios_run_in_the_contracts_order() -> None:
    order = list(dict.fromkeys(scene.exercise for scene in load()))
    assert order == list(EXERCISES)
    assert [scene.exercise for scene in load(["pool", "fanout"])][:1] == ["fanout"]


def test_every_exercise_has_a_benchmark() -> None:
    modules = {p.stem for p in (ROOT / "asyncio_impl").glob("*.py") if not p.stem.startswith("_")}
    assert modules == set(EXERCISES) == {s.exercise for s in SCENARIOS}


def test_every_package_has_a_dialect() -> None:
    assert set(DIALECTS) == set(PACKAGES)
    assert {target.package for target in TARGETS} <= set(DIALECTS)


def _merged() -> Scenario:
    return next(s for s in load(["generators"]) if s.name.startswith("merged"))


@pytest.mark.parametrize("where", TARGETS, ids=[t.id for t in TARGETS])
def test_aiostream_is_measured_on_asyncio_and_absent_elsewhere_with_a_reason(
    where: Target,
) -> None:
    peer = _merged().variants(where, 10)["aiostream.merge"]
    if where.backend == "asyncio":
        assert not isinstance(peer, Absent)
    else:
        assert isinstance(peer, Absent)
        assert "asyncio only" in peer.reason


AIOSTREAM_ON_TRIO = """
import anyio
from aiostream import stream

async def numbers():
    yield 1

async def main():
    async with stream.merge(numbers(), numbers()).stream() as items:
        async for _ in items:
            pass

anyio.run(main, backend="trio")
"""


def test_aiostream_really_cannot_run_on_trio() -> None:
    """The reason given for its absence is true: aiostream's merge needs an asyncio loop.

    In a process of its own: the failed attempt leaves an asyncio loop and an
    unawaited coroutine behind.
    """
    ran = subprocess.run(
        [sys.executable, "-c", AIOSTREAM_ON_TRIO], capture_output=True, text=True, check=False
    )
    assert ran.returncode != 0
    # "no running event loop" (from asyncio.wait) or "There is no current event loop"
    assert re.fullmatch(r"RuntimeError: .*event loop.*", ran.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize("where", TARGETS, ids=[t.id for t in TARGETS])
def test_the_merged_baseline_reads_its_sources_concurrently(where: Target) -> None:
    """raw is a concurrent merge: a slow first source does not hold up the second's items."""
    dialect = DIALECTS[where.package]

    async def slow() -> Any:
        for item in range(3):
            for _ in range(50):
                await dialect.checkpoint()
            yield item

    async def fast() -> Any:
        for item in range(10, 13):
            yield item

    async def main() -> list[int]:
        return await dialect.merged([slow(), fast()])

    items = where.run(main)
    assert sorted(items) == [0, 1, 2, 10, 11, 12]
    assert items.index(12) < items.index(0)


def test_a_wrong_answer_fails_the_workload(monkeypatch: pytest.MonkeyPatch) -> None:
    async def run_all(fns: list[Any]) -> list[int]:
        return [0 for _ in fns]  # fast and wrong

    wrong = types.SimpleNamespace(run_all=run_all)
    monkeypatch.setattr(Target, "module", lambda self, exercise: wrong)
    fanout = next(s for s in load(["fanout"]) if s.exercise == "fanout")
    workload = fanout.variants(REFERENCE, 5)[OURS]
    assert not isinstance(workload, Absent)
    with pytest.raises(AssertionError, match="wrong result"):
        time_once(REFERENCE, workload)


@pytest.mark.parametrize("where", TARGETS, ids=[t.id for t in TARGETS])
@pytest.mark.parametrize("exercise", ["fanout", "workers"])
def test_a_scaling_point_measures_time_and_memory(exercise: str, where: Target) -> None:
    point = measure_point(where, exercise, 200)
    assert point["target"] == where.id
    assert point["seconds"] > 0
    assert point["peak_growth_bytes"] >= 0
    assert point["result_bytes"] >= 200 * 8


def test_the_accuracy_run_counts_windows_against_the_bound() -> None:
    measured = accuracy(REFERENCE, rate=200.0, seconds=0.1, burst=1)
    assert measured["target"] == REFERENCE.id
    assert measured["acquired"] >= 10
    assert set(measured["windows"]) == {"0.001", "0.01", "0.1", "1.0"}
    assert all(w["most"] >= 1 for w in measured["windows"].values())
    assert measured["within_bound"] is True


# --- the report, on made-up records ------------------------------------------


def _record(
    scenario: str, target: str, variant: str, process: int, values: list[float]
) -> dict[str, Any]:
    exercise, name = scenario.split(": ")
    return {
        "exercise": exercise, "scenario": name, "unit": "item", "clock": "wall", "size": 10,
        "target": target, "variant": variant, "values": values, "warmups": [values[0]],
        "process": process,
    }  # fmt: skip


def _absent(scenario: str, target: str, variant: str, reason: str) -> dict[str, Any]:
    record = _record(scenario, target, variant, 0, [1.0])
    del record["values"], record["warmups"]
    return {**record, "absent": reason}


REF = REFERENCE.id
TRIO = "trio_impl-trio"
WORKERS = "workers: process, 50 workers, no-op handler"
MERGED = "generators: merged, two sources"
RECORDS = [
    # paired: round by round ours is 2x raw, 4x then 3x in process 1
    _record(WORKERS, REF, OURS, 0, [2e-6, 4e-6]),
    _record(WORKERS, REF, RAW, 0, [1e-6, 2e-6]),
    _record(WORKERS, REF, OURS, 1, [4e-6, 3e-6]),
    _record(WORKERS, REF, RAW, 1, [1e-6, 1e-6]),
    _record(WORKERS, REF, "aiometer.amap", 0, [8e-6, 8e-6]),
    _record(WORKERS, REF, "aiometer.amap", 1, [8e-6, 12e-6]),
    _record(WORKERS, TRIO, OURS, 0, [4e-6, 4e-6]),
    _record(WORKERS, TRIO, OURS, 1, [4e-6, 6e-6]),
    _record("fanout: run_all, no-op children", REF, OURS, 0, [1e-6]),
    _record("fanout: run_all, no-op children", REF, RAW, 0, [1e-6]),
    _record(MERGED, REF, OURS, 0, [3e-6]),
    _record(MERGED, REF, RAW, 0, [2e-6]),
    _record(MERGED, REF, "aiostream.merge", 0, [6e-6]),
    _record(MERGED, TRIO, OURS, 0, [4e-6]),
    _record(MERGED, TRIO, RAW, 0, [2e-6]),
    _absent(MERGED, TRIO, "aiostream.merge", "aiostream runs on asyncio only"),
]
POINTS = [
    {"exercise": "workers", "target": REF, "size": size, "seconds": size * 1e-6,
     "peak_growth_bytes": growth, "result_bytes": size * 8}
    for size, growth in ((10**4, 1_000_000), (10**6, 12_000_000))
]  # fmt: skip
ACCURACY = [
    {"target": REF, "rate": 1000.0, "burst": 10, "seconds": 2.0, "acquired": 2000,
     "delivered": 0.9995, "windows": {"0.1": {"most": 110, "bound": 110.0}}, "within_bound": True},
]  # fmt: skip


def _summary() -> dict[str, Any]:
    conditions = environment(quick=True, processes=2, values=2)
    return stats.summarize(RECORDS, POINTS, ACCURACY, conditions)


def _find(summary: dict[str, Any], scenario: str, target: str, variant: str) -> dict[str, Any]:
    exercise, name = scenario.split(": ")
    found: dict[str, Any] = next(
        r
        for r in summary["rows"]
        if (r["exercise"], r["scenario"], r["target"], r["variant"])
        == (exercise, name, target, variant)
    )
    return found


def test_ratios_are_paired_by_process_and_round() -> None:
    summary = _summary()
    ours = _find(summary, WORKERS, REF, OURS)
    # quotients 2, 2, 4, 3: median 2.5, not the 3.25/1.25 of unpaired medians
    assert ours["vs_raw"] == {"median": 2.5, "min": 2.0, "max": 4.0, "n": 4}
    assert ours["vs_peers"]["aiometer.amap"]["median"] == pytest.approx(0.375)
    assert ours["overhead_us"]["median"] == pytest.approx(2.0)  # 1, 2, 3, 2 µs
    trio = _find(summary, WORKERS, TRIO, OURS)
    assert trio["vs_reference"]["median"] == pytest.approx(1.5)  # 2, 1, 1, 2
    assert trio["vs_raw"] is None  # no raw run on that target: no ratio, not a made-up one


def test_an_absent_variant_is_kept_with_its_reason_and_no_numbers() -> None:
    summary = _summary()
    trio = _find(summary, MERGED, TRIO, OURS)
    assert trio["absent"] == {"aiostream.merge": "aiostream runs on asyncio only"}
    assert "aiostream.merge" not in trio["vs_peers"]
    assert _find(summary, MERGED, REF, OURS)["vs_peers"]["aiostream.merge"]["median"] == 0.5


def _judged() -> dict[str, dict[str, Any]]:
    return {g["id"]: g for g in goals.judge_all(_summary())}


def test_goals_are_judged_on_what_was_measured() -> None:
    judged = _judged()
    assert list(judged) == [goal.id for goal in goals.GOALS]
    throughput = judged["workers-queue"]
    assert (throughput["status"], throughput["met"]) == ("missed", False)
    assert throughput["range"] == [0.4, 0.4]
    assert throughput["missed"] == [f"{REF} (process, 50 workers, no-op handler): 0.4×"]
    amap = judged["workers-aiometer"]  # 8/2, 8/4, 8/4, 12/3: a median of 2.67 times as fast
    assert amap["status"] == "met"
    assert amap["range"] == [pytest.approx(1 / 0.375)] * 2
    assert judged["fanout-task-group"]["status"] == "met"
    assert judged["limiter-rate"]["status"] == "met"
    assert judged["limiter-bound"]["status"] == "met"  # 110 in 0.1 s is the bound, not above
    memory = judged["workers-memory"]
    assert memory["status"] == "missed"
    assert memory["missed"] == [f"{REF}: 11.0 MB"]
    generators = judged["generators-raw"]  # 1.5× on asyncio, 2× on trio
    assert generators["status"] == "missed"
    assert generators["range"] == [1.5, 2.0]


def test_a_goal_without_data_is_not_measured_never_met() -> None:
    judged = _judged()
    for goal_id in ("retry-tenacity", "retry-stamina", "pool-uncontended", "fetch-httpx"):
        assert judged[goal_id]["status"] == "not measured"
        assert judged[goal_id]["met"] is False
        assert judged[goal_id]["range"] is None
    summary = _summary()
    elsewhere = goals.Goal(
        "x", "fanout on anyio", "time", goals.AT_MOST, 1.2, exercise="fanout",
        targets=("anyio_impl",),
    )  # fmt: skip
    assert goals.judge(elsewhere, summary)["status"] == "not measured"
    unknown_peer = goals.Goal(
        "y", "merged vs nobody", "speed", goals.AT_LEAST, 1, exercise="generators",
        scenario="merged", baseline="nobody",
    )  # fmt: skip
    assert goals.judge(unknown_peer, summary)["status"] == "not measured"


def test_a_goal_is_met_at_its_threshold_and_missed_past_it() -> None:
    summary = _summary()  # merged: ours ÷ raw is 1.5 on asyncio
    at = goals.Goal("a", "", "time", goals.AT_MOST, 1.5, exercise="generators", targets=(REF,))
    past = goals.Goal("b", "", "time", goals.AT_MOST, 1.49, exercise="generators", targets=(REF,))
    faster = goals.Goal(
        "c", "", "speed", goals.AT_LEAST, 2.0, exercise="generators", baseline="aiostream.merge"
    )
    assert goals.judge(at, summary)["status"] == "met"
    assert goals.judge(past, summary)["status"] == "missed"
    assert goals.judge(faster, summary)["status"] == "met"  # 6 µs ÷ 3 µs


def test_the_goals_table_names_scenarios_and_variants_that_exist() -> None:
    """A typo in the table would leave a goal "not measured" for ever."""
    measured = {
        (scene.exercise, scene.name, variant)
        for scene in load()
        for target in TARGETS
        for variant in scene.variants(target, scene.tiny_size)
    }
    for goal in goals.GOALS:
        assert goal.measure in goals.MEASURES, goal.id
        assert goal.direction in (goals.AT_LEAST, goals.AT_MOST), goal.id
        if goal.measure in ("speed", "time"):
            assert any(
                (exercise, variant) == (goal.exercise, goal.baseline)
                and name.startswith(goal.scenario)
                for exercise, name, variant in measured
            ), goal.id
    assert len({goal.id for goal in goals.GOALS}) == len(goals.GOALS)


def test_outputs_are_written_and_agree(tmp_path: Path) -> None:
    conditions = environment(quick=True, processes=2, values=2)
    summary = render.write_all(tmp_path, RECORDS, POINTS, ACCURACY, conditions)
    assert json.loads((tmp_path / "summary.json").read_text())["goals"] == summary["goals"]
    suite = pyperf.BenchmarkSuite.load(str(tmp_path / "bench.json"))
    names = suite.get_benchmark_names()
    assert f"{WORKERS} | {REF} | ours" in names
    assert not any("aiostream.merge" in name and TRIO in name for name in names)
    bench = suite.get_benchmark(f"{WORKERS} | {REF} | ours")
    assert bench.get_nrun() == 2
    assert bench.get_metadata()["anyio_version"]
    table = (tmp_path / "bench.md").read_text()
    row = f"| process, 50 workers, no-op handler | {REF} | 3.50 | 1.00 | 2.50× (2.00–4.00)"
    assert row in table
    assert f"Not measured: aiostream.merge on {TRIO} (aiostream runs on asyncio only)." in table
    goal = "workers.process ≥ 0.8× the throughput of a hand-written queue loop"
    assert f"| {goal} | 0.4× – 0.4× | missed |" in table
    assert "| not measured |" in table
    for chart in ("ratios.svg", "scaling.svg"):
        assert (tmp_path / chart).read_text().lstrip().startswith("<?xml")


def test_the_docs_page_is_written_from_the_numbers() -> None:
    text = docs.page(_summary(), Path("../bench/results/latest"))
    assert "as fast as `aiometer.amap`" in text
    assert "2.67×" in text
    assert "99.95%" in text
    assert "aiostream's `stream.merge`" in text
    assert "0.50× (asyncio_impl-asyncio)" in text
    assert "](../bench/results/latest/ratios.svg)" in text
    assert "| retry ≥ 10× cheaper than tenacity on a first-time success | – | not measured |" in (
        text
    )


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
        (t.id, v) for t in TARGETS for v in (OURS, RAW)
    }
    assert all(len(r["values"]) == 2 and min(r["values"]) > 0 for r in records)


def test_a_worker_records_an_absent_variant_without_running_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def right() -> None:
        check(True)

    def variants(target: Target, size: int) -> dict[str, Any]:
        return {OURS: right, RAW: right, "peer": Absent("not on this target")}

    scene = Scenario("fanout", "made up", "item", 10, 10, variants)
    monkeypatch.setattr(worker, "load", lambda exercises: [scene])
    records = worker.measure("fanout", quick=True, values=1, warmups=0)
    absent = [r for r in records if r["variant"] == "peer"]
    assert len(absent) == len(TARGETS)
    assert all(r["absent"] == "not on this target" and "values" not in r for r in absent)


def test_unknown_targets_are_named() -> None:
    with pytest.raises(SystemExit, match="target: unknown 'nope'"):
        worker.target_named("nope")
    assert worker.target_named(REF) == REFERENCE


def test_the_docs_page_matches_the_recorded_results() -> None:
    recorded, page = ROOT / "bench" / "results" / "latest", ROOT / "docs" / "benchmarks.md"
    assert (recorded / "summary.json").exists(), "record results: nox -s bench -- --record"
    assert page.read_text() == docs.docs_page(recorded, page), (
        "stale: python -m bench.docs bench/results/latest docs/benchmarks.md"
    )
