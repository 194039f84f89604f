"""Two SVG charts from a benchmark summary, for the docs and the site.

``ratios.svg``: a heat map, one row per scenario and one column per target,
of "ours ÷ raw" (time; below 1 is faster than the hand-written primitive).
``scaling.svg``: µs per item and peak memory growth against N for
``fanout.run_all`` and ``workers.process``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only: never open a window

import matplotlib.pyplot as plt
from matplotlib.colors import TwoSlopeNorm

from .common import OURS
from .stats import MB


def ratios(summary: dict[str, Any], path: Path) -> None:
    rows = [r for r in summary["rows"] if r["variant"] == OURS and r.get("vs_raw")]
    scenarios = list(dict.fromkeys(f"{r['exercise']}: {r['scenario']}" for r in rows))
    targets = list(dict.fromkeys(r["target"] for r in rows))
    grid = [[math.nan] * len(targets) for _ in scenarios]
    for row in rows:
        grid[scenarios.index(f"{row['exercise']}: {row['scenario']}")][
            targets.index(row["target"])
        ] = row["vs_raw"]["median"]
    figure, axes = plt.subplots(
        figsize=(5.0 + 1.0 * len(targets), 1.5 + 0.38 * len(scenarios)), layout="constrained"
    )
    logs = [[math.log2(v) if v == v else math.nan for v in line] for line in grid]
    finite = [abs(v) for line in logs for v in line if v == v]
    bound = max([1.0, *finite])
    image = axes.imshow(logs, cmap="RdYlGn_r", norm=TwoSlopeNorm(0.0, -bound, bound), aspect="auto")
    for i, line in enumerate(grid):
        for j, value in enumerate(line):
            if value == value:
                axes.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=8)
    axes.set_xticks(range(len(targets)), targets, rotation=30, ha="right", fontsize=8)
    axes.set_yticks(range(len(scenarios)), scenarios, fontsize=8)
    axes.set_title("ours ÷ raw primitive (time, paired median; green: cheaper)", fontsize=10)
    colorbar = figure.colorbar(image, ax=axes, fraction=0.03)
    colorbar.set_label("log2 of the ratio", fontsize=8)
    figure.savefig(path, format="svg", metadata={"Date": None})
    plt.close(figure)


def scaling(summary: dict[str, Any], path: Path) -> None:
    series: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for point in summary["scaling"]:
        series[point["exercise"], point["target"]].append(point)
    exercises = list(dict.fromkeys(exercise for exercise, _ in series))
    figure, grid = plt.subplots(
        2, max(1, len(exercises)), figsize=(11, 7), squeeze=False, layout="constrained"
    )
    names = {"fanout": "fanout.run_all", "workers": "workers.process (lazy input)"}
    for column, exercise in enumerate(exercises):
        time_axes, memory_axes = grid[0][column], grid[1][column]
        for (name, target), points in series.items():
            if name != exercise:
                continue
            points.sort(key=lambda p: p["size"])
            sizes = [p["size"] for p in points]
            time_axes.plot(sizes, [p["us_per_item"] for p in points], marker="o", label=target)
            memory_axes.plot(
                sizes,
                [max(p["peak_growth_bytes"], 1) / MB for p in points],
                marker="o",
                label=target,
            )
        time_axes.set(xscale="log", ylabel="µs per item", title=names.get(exercise, exercise))
        memory_axes.set(xscale="log", yscale="log", xlabel="items", ylabel="peak memory growth, MB")
        time_axes.grid(alpha=0.3)
        memory_axes.grid(alpha=0.3)
    if exercises:
        grid[0][0].legend(fontsize=7)
    figure.savefig(path, format="svg", metadata={"Date": None})
    plt.close(figure)
