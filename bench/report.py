"""From raw benchmark records to pyperf JSON, a summary, a markdown table, charts and docs.

Every ratio is a *paired* ratio: the two variants' values from the same
process and the same round are divided, and the median of those quotients
is reported with their min and max.  Ratios are of times, so below 1 means
"ours" was faster.  ``python -m bench.report DIR`` re-renders the markdown,
charts and docs from ``DIR/summary.json`` without measuring again.
"""

from __future__ import annotations

import datetime
import functools
import importlib.metadata
import json
import math
import os
import platform
import statistics
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pyperf

from .common import OURS, RAW, REFERENCE

LIBRARIES = [
    "trio", "anyio", "uvloop", "aiometer", "aiolimiter", "tenacity", "stamina",
    "httpx", "aiohttp", "trio-parallel", "pyperf",
]  # fmt: skip
MB = 1_000_000


def environment(*, quick: bool, processes: int, values: int) -> dict[str, Any]:
    """What the numbers depend on: interpreter, machine, library versions, settings."""
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cpus": os.cpu_count() or 0,
        "versions": versions,
        "quick": quick,
        "processes": processes,
        "values": values,
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


# --- statistics -----------------------------------------------------------

Runs = dict[int, list[float]]  # process number -> values in round order


def _stats(values: Iterable[float]) -> dict[str, float] | None:
    data = list(values)
    if not data:
        return None
    return {"median": statistics.median(data), "min": min(data), "max": max(data), "n": len(data)}


def _paired(a: Runs, b: Runs, combine: Callable[[float, float], float]) -> dict[str, float] | None:
    return _stats(
        combine(x, y)
        for process in a.keys() & b.keys()
        for x, y in zip(a[process], b[process], strict=False)
    )


def _ratio(a: Runs, b: Runs) -> dict[str, float] | None:
    return _paired(a, b, lambda x, y: x / y)


def _all_values(runs: Runs) -> list[float]:
    return [value for values in runs.values() for value in values]


# --- summary --------------------------------------------------------------


def summarize(
    records: list[dict[str, Any]],
    points: list[dict[str, Any]],
    accuracy: list[dict[str, Any]],
    environment: dict[str, Any],
) -> dict[str, Any]:
    runs: dict[tuple[str, str, str, str], Runs] = defaultdict(dict)
    meta: dict[tuple[str, str], dict[str, Any]] = {}
    for record in records:
        exercise, scenario, target = record["exercise"], record["scenario"], record["target"]
        runs[exercise, scenario, target, record["variant"]][record["process"]] = record["values"]
        meta[exercise, scenario] = {
            k: record[k] for k in ("exercise", "scenario", "unit", "clock", "size")
        }
    rows = []
    for (exercise, scenario, target, variant), these in runs.items():
        row: dict[str, Any] = {
            **meta[exercise, scenario],
            "target": target,
            "variant": variant,
            "us": _stats(v * 1e6 for v in _all_values(these)),
        }
        if variant == OURS:
            raw = runs.get((exercise, scenario, target, RAW))
            reference = runs.get((exercise, scenario, REFERENCE.label, OURS))
            row["vs_raw"] = _ratio(these, raw) if raw else None
            row["overhead_us"] = _paired(these, raw, lambda x, y: (x - y) * 1e6) if raw else None
            row["vs_reference"] = (
                _ratio(these, reference) if reference and target != REFERENCE.label else None
            )
            row["vs_peers"] = {
                peer: _ratio(these, peer_runs)
                for (e, s, t, peer), peer_runs in runs.items()
                if (e, s, t) == (exercise, scenario, target) and peer not in (OURS, RAW)
            }
        rows.append(row)
    summary = {
        "environment": environment,
        "rows": rows,
        "scaling": _scaling(points),
        "accuracy": accuracy,
    }
    summary["goals"] = goals(summary)
    return summary


def _scaling(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    grouped: dict[tuple[str, str, int], list[dict[str, Any]]] = defaultdict(list)
    for point in points:
        grouped[point["exercise"], point["target"], point["size"]].append(point)
    return [
        {
            "exercise": exercise,
            "target": target,
            "size": size,
            "runs": len(group),
            "us_per_item": statistics.median(p["seconds"] / size * 1e6 for p in group),
            "peak_growth_bytes": statistics.median(p["peak_growth_bytes"] for p in group),
            "result_bytes": group[0]["result_bytes"],
        }
        for (exercise, target, size), group in grouped.items()
    ]


# --- goals ----------------------------------------------------------------


def _ours(
    summary: dict[str, Any], exercise: str, scenario_prefix: str = ""
) -> list[dict[str, Any]]:
    return [
        row
        for row in summary["rows"]
        if row["exercise"] == exercise
        and row["variant"] == OURS
        and row["scenario"].startswith(scenario_prefix)
    ]


def _goal(goal: str, cells: list[tuple[str, float, bool]], fmt: str = "{:.2f}×") -> dict[str, Any]:
    """One goal: each cell is (where, measured value, met)."""
    return {
        "goal": goal,
        "met": bool(cells) and all(ok for _, _, ok in cells),
        "measured": len(cells),
        "missed": [f"{where}: {fmt.format(value)}" for where, value, ok in cells if not ok],
        "range": [min(v for _, v, _ in cells), max(v for _, v, _ in cells)] if cells else None,
        "format": fmt,
    }


def _where(row: dict[str, Any]) -> str:
    return f"{row['target']} ({row['scenario']})"


def goals(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's goals, each checked against what was measured (nothing measured: not met)."""
    found = []

    def ratio_goal(
        text: str,
        rows: list[dict[str, Any]],
        key: Callable[[dict[str, Any]], float | None],
        ok: Callable[[float], bool],
        fmt: str = "{:.2f}×",
    ) -> None:
        cells = [(_where(row), value, ok(value)) for row in rows if (value := key(row)) is not None]
        found.append(_goal(text, cells, fmt))

    def vs_raw(row: dict[str, Any]) -> float | None:
        return row["vs_raw"]["median"] if row.get("vs_raw") else None

    def vs_peer(name: str, invert: bool = False) -> Callable[[dict[str, Any]], float | None]:
        def value(row: dict[str, Any]) -> float | None:
            peer = row.get("vs_peers", {}).get(name)
            if not peer:
                return None
            return 1 / peer["median"] if invert else float(peer["median"])

        return value

    workers = _ours(summary, "workers")
    ratio_goal(
        "workers.process ≥ 0.8× the throughput of the hand-written queue loop",
        workers,
        lambda r: _inverse(vs_raw(r)),
        lambda v: v >= 0.8,
    )
    ratio_goal(
        "workers.process ≥ 1.5× the throughput of aiometer.amap on the anyio backends",
        [r for r in workers if r["target"].startswith("anyio_impl")],
        vs_peer("aiometer.amap", invert=True),
        lambda v: v >= 1.5,
    )
    ratio_goal(
        "RateLimiter.acquire that never waits no slower than aiolimiter on asyncio",
        [r for r in _ours(summary, "rate_limit", "acquire") if r["target"] == REFERENCE.label],
        vs_peer("aiolimiter"),
        lambda v: v <= 1.0,
    )
    accuracy = summary["accuracy"]
    found.append(
        _goal(
            "RateLimiter at 1000/s (burst 10) over 2 s: ≥ 99.9% of the rate, "
            "never above burst + rate·w",
            [
                (a["target"], a["delivered"] * 100, a["delivered"] >= 0.999 and a["within_bound"])
                for a in accuracy
                if a["target"] != "aiolimiter-asyncio" and a["burst"] == 10
            ],
            "{:.2f}%",
        )
    )
    retry = _ours(summary, "retry")
    ratio_goal(
        "retry around a first-time success: under 0.5 µs of overhead per call",
        retry,
        lambda r: r["overhead_us"]["median"] if r.get("overhead_us") else None,
        lambda v: v < 0.5,
        "{:.2f} µs",
    )
    for peer in ("tenacity", "stamina"):
        ratio_goal(
            f"retry's overhead more than 40× smaller than {peer}'s",
            retry,
            functools.partial(_overhead_ratio, summary, peer=peer),
            lambda v: v > 40,
            "{:.0f}×",
        )
    ratio_goal(
        "fanout.run_all within 1.2× of the bare task group it wraps",
        _ours(summary, "fanout"),
        vs_raw,
        lambda v: v <= 1.2,
    )
    memory = {
        (p["target"], p["size"]): p["peak_growth_bytes"]
        for p in summary["scaling"]
        if p["exercise"] == "workers"
    }
    found.append(
        _goal(
            "workers.process peak memory over 10^6 lazy items within 10 MB of its peak over 10^4",
            [
                (
                    target,
                    (memory[target, 10**6] - memory[target, 10**4]) / MB,
                    memory[target, 10**6] - memory[target, 10**4] <= 10 * MB,
                )
                for target, size in memory
                if size == 10**6 and (target, 10**4) in memory
            ],
            "{:.1f} MB",
        )
    )
    ratio_goal(
        "Pool acquire/release within 1.5× of a semaphore, uncontended",
        _ours(summary, "pool", "acquire/release, pool of 10, 1 task"),
        vs_raw,
        lambda v: v <= 1.5,
    )
    ratio_goal(
        "Pool acquire/release within 1.2× of a semaphore, contended",
        _ours(summary, "pool", "acquire/release, pool of 10, 100"),
        vs_raw,
        lambda v: v <= 1.2,
    )
    ratio_goal(
        "generators within 1.3× of a plain async-generator pipeline",
        _ours(summary, "generators"),
        vs_raw,
        lambda v: v <= 1.3,
    )
    ratio_goal(
        "fetch_all within 1.2× of bare httpx at the same limits",
        _ours(summary, "fetch"),
        vs_raw,
        lambda v: v <= 1.2,
    )
    return found


def _inverse(value: float | None) -> float | None:
    return 1 / value if value else None


def _overhead_ratio(summary: dict[str, Any], row: dict[str, Any], *, peer: str) -> float | None:
    """How many times more a peer adds over the bare call than ours does (medians)."""
    raw = _row(summary, row, RAW)
    other = _row(summary, row, peer)
    if raw is None or other is None or not row.get("us"):
        return None
    ours_overhead = row["us"]["median"] - raw["us"]["median"]
    if ours_overhead <= 0:  # ours costs nothing measurable over the bare call
        return math.inf
    return float((other["us"]["median"] - raw["us"]["median"]) / ours_overhead)


def _row(summary: dict[str, Any], row: dict[str, Any], variant: str) -> dict[str, Any] | None:
    for other in summary["rows"]:
        same = all(other[k] == row[k] for k in ("exercise", "scenario", "target"))
        if same and other["variant"] == variant:
            found: dict[str, Any] = other
            return found
    return None


# --- output ---------------------------------------------------------------


def write_all(
    out: Path,
    records: list[dict[str, Any]],
    points: list[dict[str, Any]],
    accuracy: list[dict[str, Any]],
    environment: dict[str, Any],
) -> dict[str, Any]:
    """bench.json (pyperf), summary.json, bench.md and the charts, into ``out``."""
    _pyperf_suite(records, environment).dump(str(out / "bench.json"), replace=True)
    summary = summarize(records, points, accuracy, environment)
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    render(out, summary)
    return summary


def render(out: Path, summary: dict[str, Any]) -> None:
    (out / "bench.md").write_text(markdown(summary))
    from . import charts  # matplotlib is slow to import; only the writer needs it

    charts.ratios(summary, out / "ratios.svg")
    charts.scaling(summary, out / "scaling.svg")


def _pyperf_suite(
    records: list[dict[str, Any]], environment: dict[str, Any]
) -> pyperf.BenchmarkSuite:
    common = {
        "python_version": environment["python"],
        "platform": environment["platform"],
        "cpu_model_name": environment["cpu"],
        "cpu_count": environment["cpus"],
        **{f"{name}_version": version for name, version in environment["versions"].items()},
    }
    runs: dict[str, list[pyperf.Run]] = defaultdict(list)
    for record in records:
        name = (
            f"{record['exercise']}: {record['scenario']} | {record['target']} | {record['variant']}"
        )
        metadata = {
            **common,
            "name": name,
            "unit": "second",
            "loops": 1,
            "inner_loops": record["size"],
            "bench_unit": record["unit"],
            "clock": record["clock"],
            "target": record["target"],
            "variant": record["variant"],
        }
        warmups = [(1, value) for value in record["warmups"]]
        runs[name].append(
            pyperf.Run(record["values"], warmups=warmups, metadata=metadata, collect_metadata=False)
        )
    return pyperf.BenchmarkSuite([pyperf.Benchmark(group) for group in runs.values()])


def _n(value: float) -> str:
    """Three figures at most, two decimals where they matter: 0.0031, 0.85, 12.3, 1594."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}" if abs(value) >= 0.01 or value == 0 else f"{value:.2g}"


def _x(stats: dict[str, float] | None) -> str:
    if not stats:
        return "–"
    return f"{_n(stats['median'])}× ({_n(stats['min'])}–{_n(stats['max'])})"


def _us(stats: dict[str, float] | None) -> str:
    return "–" if not stats else _n(stats["median"])


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def describe(environment: dict[str, Any]) -> str:
    versions = ", ".join(f"{k} {v}" for k, v in environment["versions"].items())
    mode = "quick mode (rough)" if environment["quick"] else "full run"
    return (
        f"{environment['date']}, {environment['python']} on {environment['cpu']} "
        f"({environment['cpus']} CPUs), {environment['platform']}; {mode}: "
        f"{_count(environment['processes'], 'process')} × "
        f"{_count(environment['values'], 'round')} per variant. "
        f"{versions}."
    )


def _count(number: int, noun: str) -> str:
    plural = noun + ("es" if noun.endswith("s") else "s")
    return f"{number} {noun if number == 1 else plural}"


def goals_table(summary: dict[str, Any]) -> str:
    rows = []
    for goal in summary["goals"]:
        fmt = goal["format"]
        measured = (
            "nothing measured"
            if not goal["range"]
            else " – ".join(fmt.format(v) for v in goal["range"])
        )
        status = "met" if goal["met"] else "missed" if goal["range"] else "not measured"
        misses = "; ".join(goal["missed"][:4]) + (" …" if len(goal["missed"]) > 4 else "")
        rows.append([goal["goal"], measured, status, misses or "–"])
    return _table(["goal", "measured (range over targets)", "", "where missed"], rows)


def markdown(summary: dict[str, Any]) -> str:
    parts = [
        "# Benchmark results",
        "",
        describe(summary["environment"]),
        "",
        "Ratios are paired medians of times (below 1: ours is faster), with min–max in "
        "brackets. *raw* is the primitive the exercise is built on, written by hand in "
        f"the same dialect; *vs {REFERENCE.label}* compares the same exercise across targets.",
        "",
        "## Goals",
        "",
        goals_table(summary),
    ]
    by_exercise: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in summary["rows"]:
        if row["variant"] == OURS:
            by_exercise[row["exercise"]].append(row)
    for exercise, rows in by_exercise.items():
        parts += ["", f"## {exercise}", ""]
        table_rows = []
        for row in rows:
            raw = _row(summary, row, RAW)
            peers = (
                ", ".join(f"{name} {_x(stats)}" for name, stats in row["vs_peers"].items()) or "–"
            )
            table_rows.append(
                [
                    row["scenario"], row["target"], _us(row["us"]), _us(raw["us"] if raw else None),
                    _x(row["vs_raw"]), _x(row["vs_reference"]), peers,
                ]
            )  # fmt: skip
        unit = rows[0]["unit"]
        parts.append(
            _table(
                [
                    "scenario",
                    "target",
                    f"ours µs/{unit}",
                    f"raw µs/{unit}",
                    "ours ÷ raw",
                    f"ours ÷ {REFERENCE.label}",
                    "ours ÷ peer",
                ],
                table_rows,
            )
        )
    if summary["scaling"]:
        parts += ["", "## Scaling: µs per item and peak memory growth", ""]
        sizes = sorted({p["size"] for p in summary["scaling"]})
        cells: dict[tuple[str, str], dict[int, dict[str, Any]]] = defaultdict(dict)
        for point in summary["scaling"]:
            cells[point["exercise"], point["target"]][point["size"]] = point
        rows_out = [
            [exercise, target, *(_scaled(by_size.get(size)) for size in sizes)]
            for (exercise, target), by_size in cells.items()
        ]
        parts.append(
            _table(["exercise", "target", *(f"{size:,} items" for size in sizes)], rows_out)
        )
        parts += [
            "",
            "Peak memory growth is the peak resident set during the run minus before it; "
            "the result list alone is 8 bytes an item.",
        ]
    if summary["accuracy"]:
        parts += ["", "## RateLimiter against the real clock", ""]
        rows_out = [
            [a["target"], f"{a['rate']:,.0f}/s, burst {a['burst']}, for {a['seconds']} s",
             f"{a['delivered'] * 100:.2f}%",
             ", ".join(f"{w}s: {v['most']} ≤ {v['bound']:g}" for w, v in a["windows"].items()),
             "yes" if a["within_bound"] else "NO"]
            for a in summary["accuracy"]
        ]  # fmt: skip
        parts.append(
            _table(
                ["limiter", "asked", "delivered", "most in any window", "within bound"], rows_out
            )
        )
    return "\n".join(parts) + "\n"


def _scaled(point: dict[str, Any] | None) -> str:
    if point is None:
        return "–"
    return f"{point['us_per_item']:.2f} µs, {point['peak_growth_bytes'] / MB:.1f} MB"


def docs_page(out: Path, docs: Path) -> str:
    """docs/benchmarks.md: what the numbers say, written from ``out/summary.json``."""
    from .anyio_spawn import compare_table, load_records
    from .narrative import page

    summary = json.loads((out / "summary.json").read_text())
    spawn = load_records(out / "anyio_spawn.json")
    return page(
        summary, Path(os.path.relpath(out, docs.parent)), compare_table(spawn) if spawn else ""
    )


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else Path("build/bench")
    summary = json.loads((out / "summary.json").read_text())
    summary["goals"] = goals(summary)
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    render(out, summary)
    if len(argv) > 1:
        docs = Path(argv[1])
        docs.write_text(docs_page(out, docs))
    print((out / "bench.md").read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
