"""docs/benchmarks.md, written from a summary: every number in it is computed, none typed in.

Sentences whose data is missing (a run of one exercise) are left out
rather than written with blanks.  The goals are judged again from the
numbers (``bench.goals``), so a change to the goals table shows on results
recorded before it.  ``python -m bench.docs DIR DOCS`` writes the page from
``DIR/summary.json`` without measuring.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .anyio_spawn import compare_table, load_records
from .common import LIMITER_PEER, OURS, RAW, REFERENCE
from .environment import describe
from .goals import judge_all
from .render import goals_table
from .stats import MB


def _rows(
    summary: dict[str, Any], exercise: str, variant: str, prefix: str = ""
) -> list[dict[str, Any]]:
    return [
        r
        for r in summary["rows"]
        if r["exercise"] == exercise
        and r["variant"] == variant
        and r["scenario"].startswith(prefix)
        and r["us"]
    ]


def _span(rows: list[dict[str, Any]], value: Any, fmt: str) -> str:
    """'a (where) to b (where)' over rows, by ``value(row)``; where: the target, and the
    scenario when the rows come from more than one."""
    several = len({r["scenario"] for r in rows}) > 1
    pairs = sorted(
        (value(r), f"{r['target']}, {r['scenario']}" if several else r["target"])
        for r in rows
        if value(r) is not None
    )
    if not pairs:
        return ""
    (low, low_at), (high, high_at) = pairs[0], pairs[-1]
    return f"{fmt.format(low)} ({low_at}) to {fmt.format(high)} ({high_at})"


def _median_vs_reference(summary: dict[str, Any], target: str) -> tuple[float, int] | None:
    ratios = [
        r["vs_reference"]["median"]
        for r in summary["rows"]
        if r["variant"] == OURS and r["target"] == target and r.get("vs_reference")
    ]
    return (statistics.median(ratios), len(ratios)) if ratios else None


def _us(row: dict[str, Any]) -> float:
    return float(row["us"]["median"])


def _peer(name: str, *, speed_up: bool = False) -> Any:
    """The paired time ratio ours ÷ peer, or its inverse (how many times faster ours is)."""
    return lambda row: (
        (1 / row["vs_peers"][name]["median"]) if speed_up else row["vs_peers"][name]["median"]
    )


def _with_peer(rows: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [r for r in rows if r["vs_peers"].get(name)]


def findings(summary: dict[str, Any]) -> Iterator[str]:
    spawn = _rows(summary, "fanout", RAW)
    if spawn:
        yield (
            "**Spawning is the floor.** Starting and joining a no-op child in a bare task group "
            f"costs {_span(spawn, _us, '{:.1f} µs')}."
        )
    ours = [r for r in summary["rows"] if r["variant"] == OURS and r.get("vs_raw")]
    if ours:
        close = sum(r["vs_raw"]["median"] <= 1.2 for r in ours)
        worst = max(ours, key=lambda r: r["vs_raw"]["median"])
        yield (
            f"**What the safe versions cost.** {close} of {len(ours)} scenario-target pairs run "
            "within 1.2× of the hand-written primitive. The most expensive is "
            f"{worst['exercise']} ({worst['scenario']}) on {worst['target']} at "
            f"{worst['vs_raw']['median']:.2f}×."
        )
    lines = []
    for target in dict.fromkeys(r["target"] for r in summary["rows"]):
        found = _median_vs_reference(summary, target) if target != REFERENCE.id else None
        if found:
            lines.append(f"{target} {found[0]:.2f}× (over {found[1]} scenarios)")
    if lines:
        yield (
            "**Across frameworks**, the same exercise takes, as a median over scenarios, this "
            f"multiple of its time on {REFERENCE.id}: " + "; ".join(lines) + "."
        )
    noop = _rows(summary, "workers", RAW, "process, 50 workers, no-op")
    yielding = _rows(summary, "workers", RAW, "process, 50 workers, handler checkpoints")
    if noop and yielding:
        spread = [max(map(_us, rows)) / min(map(_us, rows)) for rows in (noop, yielding)]
        yield (
            "**Checkpoints are the convention, and they cost.** Passing an item through a "
            f"hand-written 50-worker queue loop costs {_span(noop, _us, '{:.2f} µs')} with a "
            "no-op handler; trio and anyio channels checkpoint on every send and receive while "
            "`asyncio.Queue` does not. With a handler that checkpoints once it costs "
            f"{_span(yielding, _us, '{:.2f} µs')}: the spread between targets goes from "
            f"{spread[0]:.1f}× to {spread[1]:.1f}×."
        )
    amap = _with_peer(_rows(summary, "workers", OURS), "aiometer.amap")
    if amap:
        yield (
            "**Against aiometer**, `process` is "
            f"{_span(amap, _peer('aiometer.amap', speed_up=True), '{:.2f}×')} "
            "as fast as `aiometer.amap` at the same concurrency."
        )
    yield from _merged_findings(summary)
    retry = [r for r in _rows(summary, "retry", OURS) if r.get("overhead_us")]
    tenacity = _with_peer(_rows(summary, "retry", OURS), "tenacity")
    stamina = _with_peer(_rows(summary, "retry", OURS), "stamina")
    if retry and tenacity and stamina:
        overhead = _span(retry, lambda r: r["overhead_us"]["median"], "{:.2f} µs")
        yield (
            f"**Retry** adds {overhead} to a call that succeeds at once; it is "
            f"{_span(tenacity, _peer('tenacity', speed_up=True), '{:.0f}×')} cheaper than "
            f"tenacity and {_span(stamina, _peer('stamina', speed_up=True), '{:.0f}×')} cheaper "
            "than stamina."
        )
    limiter = _with_peer(_rows(summary, "rate_limit", OURS, "acquire"), "aiolimiter")
    limiter_raw = _rows(summary, "rate_limit", RAW, "acquire")
    if limiter and limiter_raw:
        yield (
            f"**The limiter's fast path** takes {_span(limiter, _peer('aiolimiter'), '{:.2f}×')} "
            "aiolimiter's time where aiolimiter runs (asyncio loops). A hand-written bucket that "
            "follows the framework's checkpoint convention costs "
            f"{_span(limiter_raw, _us, '{:.2f} µs')} per acquire: the gap between asyncio and "
            "trio is the checkpoint, not the bookkeeping."
        )
    yield from _accuracy_findings(summary.get("accuracy") or [])
    yield from _scaling_findings(summary)
    fetch = _with_peer(_rows(summary, "fetch", OURS), "aiohttp")
    if fetch:
        yield (
            "**HTTP clients differ more than frameworks.** On asyncio, `fetch_all` (httpx) takes "
            f"{_span(fetch, _peer('aiohttp'), '{:.1f}×')} the time of bare aiohttp."
        )


def _merged_findings(summary: dict[str, Any]) -> Iterator[str]:
    merged = [r for r in _rows(summary, "generators", OURS, "merged") if r.get("vs_raw")]
    # Results recorded before merged had a concurrent baseline (its raw then read the
    # sources one after the other) have no aiostream entry at all: nothing to say.
    if not any("aiostream.merge" in {**r["vs_peers"], **r.get("absent", {})} for r in merged):
        return
    text = (
        f"**merged** takes {_span(merged, lambda r: r['vs_raw']['median'], '{:.2f}×')} the "
        "time of a concurrent merge written by hand (a task per source feeding one channel "
        "or queue)"
    )
    aiostream = _with_peer(merged, "aiostream.merge")
    if aiostream:
        text += (
            f", and {_span(aiostream, _peer('aiostream.merge'), '{:.2f}×')} the time of "
            "aiostream's `stream.merge` (which runs on asyncio only)"
        )
    yield text + "."


def _accuracy_findings(accuracy: list[dict[str, Any]]) -> Iterator[str]:
    for burst in sorted({a["burst"] for a in accuracy}, reverse=True):
        ours = [a for a in accuracy if a["burst"] == burst and a["target"] != LIMITER_PEER]
        peer = next(
            (a for a in accuracy if a["burst"] == burst and a["target"] == LIMITER_PEER),
            None,
        )
        if not ours:
            continue
        low = min(ours, key=lambda a: a["delivered"])
        bounded = all(a["within_bound"] for a in ours)
        text = (
            f"**Against the real clock** at {low['rate']:,.0f}/s for {low['seconds']} s with "
            f"burst {burst}, the limiter delivered at least {low['delivered'] * 100:.2f}% of the "
            f"rate ({low['target']} lowest), and "
            + ("no window ever held" if bounded else "SOME WINDOW HELD")
            + " more than burst + rate·w."
        )
        if peer:
            text += f" aiolimiter delivered {peer['delivered'] * 100:.2f}%."
        if burst == 1:
            text += (
                " With a bucket of one, a timer that fires late loses that time for good: no "
                "limiter can catch up without putting two acquisitions in a window the bound "
                "allows one."
            )
        yield text


def _scaling_findings(summary: dict[str, Any]) -> Iterator[str]:
    points = summary.get("scaling") or []
    sizes = sorted({p["size"] for p in points})
    if len(sizes) < 2:
        return
    small, large = sizes[0], sizes[-1]
    for exercise, name in (("fanout", "fanout.run_all"), ("workers", "workers.process")):
        at = {(p["target"], p["size"]): p for p in points if p["exercise"] == exercise}
        targets = list(dict.fromkeys(t for t, _ in at))
        pairs = [
            (t, at[t, small], at[t, large])
            for t in targets
            if (t, small) in at and (t, large) in at
        ]
        if not pairs:
            continue
        cost = "; ".join(
            f"{t} {a['us_per_item']:.1f} → {b['us_per_item']:.1f} µs" for t, a, b in pairs
        )
        memory = [b["peak_growth_bytes"] / MB for _, _, b in pairs]
        results = large * 8 / MB  # its slots; sys.getsizeof also counts untouched spare capacity
        yield (
            f"**Scaling {name}** from {small:,} to {large:,} items, the cost per item goes: "
            f"{cost}. "
            f"Peak memory growth at {large:,} is {min(memory):.1f}–{max(memory):.1f} MB; the "
            f"result list alone needs {results:.1f} MB."
        )


def page(summary: dict[str, Any], results: Path, anyio_spawn: str = "") -> str:
    """The docs page; ``anyio_spawn`` is the ``nox -s bench_anyio`` table, if one was recorded."""
    parts = [
        "# Benchmarks: what the numbers say",
        "",
        "<!-- Generated by `nox -s bench -- --record` from "
        f"{results.as_posix()}/summary.json; edit bench/docs.py, not this file. -->",
        "",
        "`nox -s bench` measures every exercise on every target against the primitive it is "
        "built on (*raw*) and the library a user would pick instead, in fresh processes with "
        "warm-ups and interleaved rounds; `nox -s bench -- fanout` runs one exercise and "
        "`nox -s bench -- --quick` finishes in under two minutes. Ratios are paired medians of "
        "times: below 1 means ours is faster. Numbers are from one machine: the ratios travel, "
        "the microseconds do not.",
        "",
        f"Measured: {describe(summary['environment'])}",
        "",
        "## What the numbers say",
        "",
        *(f"- {line}" for line in findings(summary)),
        "",
        "## Goals",
        "",
        goals_table(judge_all(summary)),
        "",
        "## Charts",
        "",
        f"![ours ÷ raw, every scenario on every target]({results.as_posix()}/ratios.svg)",
        "",
        f"![scaling of run_all and process]({results.as_posix()}/scaling.svg)",
        "",
        f"Every number, per scenario and target: [bench.md]({results.as_posix()}/bench.md); "
        f"for machines: `summary.json`, and `bench.json` in pyperf's format "
        f"(`python -m pyperf stats {results.as_posix()}/bench.json`).",
        "",
        "## The anyio version you pin",
        "",
        "anyio 4.14 added `TaskHandle`: every `start_soon` now also builds a cancel scope, an "
        "event and a wrapper coroutine. `nox -s bench_anyio` installs anyio 4.9, 4.13, 4.14 "
        "and 4.16 in turn and measures spawning and joining no-op children against the bare "
        "asyncio `TaskGroup` and trio nursery (`bench/anyio_spawn.py`; `-- --record` keeps "
        "the result next to the others).",
        "",
        anyio_spawn or "(No anyio comparison recorded yet.)",
    ]
    return "\n".join(parts) + "\n"


def docs_page(out: Path, docs: Path) -> str:
    """docs/benchmarks.md: what the numbers say, written from ``out/summary.json``."""
    summary = json.loads((out / "summary.json").read_text())
    spawn = load_records(out / "anyio_spawn.json")
    return page(
        summary, Path(os.path.relpath(out, docs.parent)), compare_table(spawn) if spawn else ""
    )


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m bench.docs RESULTS_DIR DOCS_PAGE", file=sys.stderr)
        return 2
    out, docs = Path(argv[0]), Path(argv[1])
    docs.write_text(docs_page(out, docs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
