"""The results as files: bench.json (pyperf), summary.json, bench.md and the charts.

``python -m bench.render DIR`` judges the goals again and re-renders
``DIR/bench.md`` and the charts from ``DIR/summary.json``, without measuring.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pyperf

from .common import OURS, RAW, REFERENCE
from .environment import describe
from .goals import judge_all
from .stats import MB, Stats, sibling, summarize


def write_all(
    out: Path,
    records: list[dict[str, Any]],
    points: list[dict[str, Any]],
    accuracy: list[dict[str, Any]],
    environment: dict[str, Any],
) -> dict[str, Any]:
    """bench.json (pyperf), summary.json (with the goals judged), bench.md and the charts."""
    pyperf_suite(records, environment).dump(str(out / "bench.json"), replace=True)
    summary = summarize(records, points, accuracy, environment)
    summary["goals"] = judge_all(summary)
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    render(out, summary)
    return summary


def render(out: Path, summary: dict[str, Any]) -> None:
    """bench.md and the two charts."""
    (out / "bench.md").write_text(markdown(summary))
    from . import charts  # matplotlib is slow to import; only the writer needs it

    charts.ratios(summary, out / "ratios.svg")
    charts.scaling(summary, out / "scaling.svg")


def pyperf_suite(
    records: list[dict[str, Any]], environment: dict[str, Any]
) -> pyperf.BenchmarkSuite:
    """Every measured variant as a pyperf benchmark (``python -m pyperf stats`` reads it)."""
    common = {
        "python_version": environment["python"],
        "platform": environment["platform"],
        "cpu_model_name": environment["cpu"],
        "cpu_count": environment["cpus"],
        **{f"{name}_version": version for name, version in environment["versions"].items()},
    }
    runs: dict[str, list[pyperf.Run]] = defaultdict(list)
    for record in records:
        if "absent" in record:
            continue
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


# --- markdown -----------------------------------------------------------------


def number(value: float) -> str:
    """Three figures at most, two decimals where they matter: 0.0031, 0.85, 12.3, 1594."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}" if abs(value) >= 0.01 or value == 0 else f"{value:.2g}"


def _x(stats: Stats | None) -> str:
    if not stats:
        return "–"
    return f"{number(stats['median'])}× ({number(stats['min'])}–{number(stats['max'])})"


def _us(stats: Stats | None) -> str:
    return "–" if not stats else number(stats["median"])


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def goals_table(judged: list[dict[str, Any]]) -> str:
    """The judged goals: the range measured over targets, the status, where missed."""
    rows = []
    for goal in judged:
        fmt = goal["format"]
        measured = " – ".join(fmt.format(v) for v in goal["range"]) if goal["range"] else "–"
        misses = "; ".join(goal["missed"][:4]) + (" …" if len(goal["missed"]) > 4 else "")
        rows.append([goal["goal"], measured, goal["status"], misses or "–"])
    return table(["goal", "measured (range over targets)", "", "where missed"], rows)


def markdown(summary: dict[str, Any]) -> str:
    """bench.md: the goals, then every exercise's scenarios on every target."""
    parts = [
        "# Benchmark results",
        "",
        describe(summary["environment"]),
        "",
        "Ratios are paired medians of times (below 1: ours is faster), with min–max in "
        "brackets. *raw* is the primitive the exercise is built on, written by hand in "
        f"the same dialect; *vs {REFERENCE.id}* compares the same exercise across targets.",
        "",
        "## Goals",
        "",
        goals_table(summary["goals"]),
    ]
    by_exercise: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in summary["rows"]:
        if row["variant"] == OURS:
            by_exercise[row["exercise"]].append(row)
    for exercise, rows in by_exercise.items():
        parts += ["", f"## {exercise}", "", _exercise_table(summary, rows)]
        parts += _absent_notes(rows)
    if summary["scaling"]:
        parts += ["", "## Scaling: µs per item and peak memory growth", "", _scaling_table(summary)]
        parts += [
            "",
            "Peak memory growth is the peak resident set during the run minus before it; "
            "the result list alone is 8 bytes an item.",
        ]
    if summary["accuracy"]:
        parts += ["", "## RateLimiter against the real clock", "", _accuracy_table(summary)]
    return "\n".join(parts) + "\n"


def _exercise_table(summary: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    table_rows = []
    for row in rows:
        raw = sibling(summary, row, RAW)
        peers = ", ".join(f"{name} {_x(stats)}" for name, stats in row["vs_peers"].items()) or "–"
        table_rows.append(
            [
                row["scenario"], row["target"], _us(row["us"]), _us(raw["us"] if raw else None),
                _x(row["vs_raw"]), _x(row["vs_reference"]), peers,
            ]
        )  # fmt: skip
    unit = rows[0]["unit"]
    header = [
        "scenario", "target", f"ours µs/{unit}", f"raw µs/{unit}", "ours ÷ raw",
        f"ours ÷ {REFERENCE.id}", "ours ÷ peer",
    ]  # fmt: skip
    return table(header, table_rows)


def _absent_notes(rows: list[dict[str, Any]]) -> list[str]:
    """One line per variant left out, with the targets and the reason."""
    where: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in rows:
        for variant, reason in (row.get("absent") or {}).items():
            targets = where[variant, reason]
            if row["target"] not in targets:
                targets.append(row["target"])
    return [
        f"\nNot measured: {variant} on {', '.join(targets)} ({reason})."
        for (variant, reason), targets in where.items()
    ]


def _scaling_table(summary: dict[str, Any]) -> str:
    sizes = sorted({p["size"] for p in summary["scaling"]})
    cells: dict[tuple[str, str], dict[int, dict[str, Any]]] = defaultdict(dict)
    for point in summary["scaling"]:
        cells[point["exercise"], point["target"]][point["size"]] = point
    rows = [
        [exercise, target, *(_scaled(by_size.get(size)) for size in sizes)]
        for (exercise, target), by_size in cells.items()
    ]
    return table(["exercise", "target", *(f"{size:,} items" for size in sizes)], rows)


def _scaled(point: dict[str, Any] | None) -> str:
    if point is None:
        return "–"
    return f"{point['us_per_item']:.2f} µs, {point['peak_growth_bytes'] / MB:.1f} MB"


def _accuracy_table(summary: dict[str, Any]) -> str:
    rows = [
        [a["target"], f"{a['rate']:,.0f}/s, burst {a['burst']}, for {a['seconds']} s",
         f"{a['delivered'] * 100:.2f}%",
         ", ".join(f"{w}s: {v['most']} ≤ {v['bound']:g}" for w, v in a["windows"].items()),
         "yes" if a["within_bound"] else "NO"]
        for a in summary["accuracy"]
    ]  # fmt: skip
    return table(["limiter", "asked", "delivered", "most in any window", "within bound"], rows)


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else Path("build/bench")
    summary = json.loads((out / "summary.json").read_text())
    summary["goals"] = judge_all(summary)
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    render(out, summary)
    print((out / "bench.md").read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
