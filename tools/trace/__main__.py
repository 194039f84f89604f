"""``python -m tools.trace [SCENARIO ...] [--svg DIR] [--width N] [--uvloop] [--bench]``.

Runs each scenario (default: all) on every target and prints the
timelines side by side, as many as the terminal holds, on one time scale;
``--svg DIR`` also writes ``DIR/SCENARIO-TARGET.svg``.  ``--bench`` instead
measures what tracing costs (``tools.trace.bench``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from rich import box
from rich.columns import Columns
from rich.console import Console
from rich.table import Table

from . import record, scenarios, targets
from .bench import REPEATS, SIZE, measure
from .render import DEFAULT_WIDTH, LEGEND, render_rich, render_svg, span
from .scenarios import SCENARIOS


def show(console: Console, scenario: str, *, width: int, real_time: bool, svg: Path | None) -> None:
    traces = {target.id: record(scenario, target) for target in targets(real_time=real_time)}
    until = max(span(events) for events in traces.values())
    console.rule(f"[bold]{scenario}[/]: {SCENARIOS[scenario].about}")
    charts = [
        render_rich(events, title=target, width=width, until=until, legend=False)
        for target, events in traces.items()
    ]
    console.print(Columns(charts, padding=(1, 4)))
    console.print(LEGEND, style="dim", highlight=False)
    if svg is not None:
        svg.mkdir(parents=True, exist_ok=True)
        for target, events in traces.items():
            path = svg / f"{scenario}-{target}.svg"
            path.write_text(render_svg(events, title=f"{scenario} on {target}", until=until))
        console.print(f"[dim]SVG: {svg}/{scenario}-*.svg[/]")


def bench(console: Console, *, size: int, repeats: int) -> None:
    table = Table(
        title=f"Tracing {size:,} no-op tasks through fanout.run_all (median of {repeats})",
        box=box.SIMPLE_HEAVY,
    )
    for column in (
        "target",
        "untraced",
        "traced",
        "ratio",
        "reading the trace",
        "ratio with reading",
    ):
        table.add_column(column, justify="left" if column == "target" else "right")
    for target in targets(real_time=True):
        cost = measure(target, size=size, repeats=repeats)
        table.add_row(
            cost.target,
            f"{cost.untraced * 1e3:.1f} ms",
            f"{cost.traced * 1e3:.1f} ms",
            f"{cost.ratio:.2f}×",
            f"{cost.reading * 1e3:.1f} ms",
            f"{cost.ratio_with_reading:.2f}×",
        )
    console.print(table)


def main(argv: Sequence[str] | None = None, console: Console | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.trace", description=__doc__)
    parser.add_argument(
        "scenario", nargs="*", metavar="SCENARIO", help=f"{', '.join(scenarios())}; default: all"
    )
    parser.add_argument("--svg", type=Path, metavar="DIR", help="also write an SVG per target")
    parser.add_argument("--width", type=int, default=DEFAULT_WIDTH, help="time columns per chart")
    parser.add_argument(
        "--uvloop",
        action="store_true",
        help="the uvloop targets too, on the real clock (the scenarios take seconds)",
    )
    parser.add_argument("--bench", action="store_true", help="measure what tracing costs instead")
    parser.add_argument("--size", type=int, default=SIZE, help="--bench: tasks per run")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="--bench: runs per figure")
    args = parser.parse_args(argv)
    unknown = [name for name in args.scenario if name not in scenarios()]
    if unknown:
        parser.error(f"no scenario {', '.join(unknown)}; choose from {', '.join(scenarios())}")
    console = console or Console()
    if args.bench:
        bench(console, size=args.size, repeats=args.repeats)
        return 0
    for scenario in args.scenario or scenarios():
        show(console, scenario, width=args.width, real_time=args.uvloop, svg=args.svg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
