"""From raw benchmark records to a summary: paired ratios with their spread, and scaling points.

Every ratio is a *paired* ratio: the two variants' values from the same
process and the same round are divided, and the median of those quotients
is reported with their min and max.  Ratios are of times, so below 1 means
"ours" was faster.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from .common import OURS, RAW, REFERENCE

MB = 1_000_000

Runs = dict[int, list[float]]  # process number -> values in round order
Stats = dict[str, float]  # median, min, max, n


def stats(values: Iterable[float]) -> Stats | None:
    """Median, min, max and count; ``None`` for no values."""
    data = list(values)
    if not data:
        return None
    return {"median": statistics.median(data), "min": min(data), "max": max(data), "n": len(data)}


def paired(a: Runs, b: Runs, combine: Callable[[float, float], float]) -> Stats | None:
    """``combine(x, y)`` over the values of the same process and round."""
    return stats(
        combine(x, y)
        for process in a.keys() & b.keys()
        for x, y in zip(a[process], b[process], strict=False)
    )


def ratio(a: Runs, b: Runs) -> Stats | None:
    return paired(a, b, lambda x, y: x / y)


def summarize(
    records: list[dict[str, Any]],
    points: list[dict[str, Any]],
    accuracy: list[dict[str, Any]],
    environment: dict[str, Any],
) -> dict[str, Any]:
    """One row per (scenario, target, variant); ``ours`` rows carry the ratios.

    An ``ours`` row has ``vs_raw``, ``overhead_us`` (paired ours − raw),
    ``vs_reference`` (against the same scenario on the reference target),
    ``vs_peers`` and ``absent`` (the variants that cannot run there, with why).
    """
    runs: dict[tuple[str, str, str, str], Runs] = defaultdict(dict)
    meta: dict[tuple[str, str], dict[str, Any]] = {}
    absent: dict[tuple[str, str, str], dict[str, str]] = defaultdict(dict)
    for record in records:
        exercise, scenario, target = record["exercise"], record["scenario"], record["target"]
        meta[exercise, scenario] = {
            k: record[k] for k in ("exercise", "scenario", "unit", "clock", "size")
        }
        if "absent" in record:
            absent[exercise, scenario, target][record["variant"]] = record["absent"]
        else:
            runs[exercise, scenario, target, record["variant"]][record["process"]] = record[
                "values"
            ]
    rows = []
    for (exercise, scenario, target, variant), these in runs.items():
        row: dict[str, Any] = {
            **meta[exercise, scenario],
            "target": target,
            "variant": variant,
            "us": stats(v * 1e6 for values in these.values() for v in values),
        }
        if variant == OURS:
            raw = runs.get((exercise, scenario, target, RAW))
            reference = runs.get((exercise, scenario, REFERENCE.id, OURS))
            row["vs_raw"] = ratio(these, raw) if raw else None
            row["overhead_us"] = paired(these, raw, lambda x, y: (x - y) * 1e6) if raw else None
            row["vs_reference"] = (
                ratio(these, reference) if reference and target != REFERENCE.id else None
            )
            row["vs_peers"] = {
                peer: ratio(these, peer_runs)
                for (e, s, t, peer), peer_runs in runs.items()
                if (e, s, t) == (exercise, scenario, target) and peer not in (OURS, RAW)
            }
            row["absent"] = absent.get((exercise, scenario, target), {})
        rows.append(row)
    return {
        "environment": environment,
        "rows": rows,
        "scaling": _scaling(points),
        "accuracy": accuracy,
    }


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


def sibling(summary: dict[str, Any], row: dict[str, Any], variant: str) -> dict[str, Any] | None:
    """The row of ``variant`` in the same scenario on the same target, if it was measured."""
    for other in summary["rows"]:
        same = all(other[k] == row[k] for k in ("exercise", "scenario", "target"))
        if same and other["variant"] == variant:
            found: dict[str, Any] = other
            return found
    return None
