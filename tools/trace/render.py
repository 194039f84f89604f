"""Draw a trace: one row per task, nested under its parent, along a time axis.

A row starts when its task is spawned and ends with how it ended.  Between,
it shows when the task ran (a step: from being resumed to its next blocking
``await``) and when it waited.  On virtual time a step takes no time at all:
the clock moves only while every task waits.  So the terminal chart divides
the time into columns of equal width ("1 column = 0.125 s") and fills a
column where the task ran at least once in it; the SVG draws each step as a
thin bar at its instant (or across its real duration, on the real clock).

- ``render_rich``: a ``rich.text.Text``, coloured on a terminal, plain when piped.
- ``render_text``: the same as plain text of block characters.
- ``render_svg``: a self-contained SVG document, for the site.

Everything here is a pure function of the events, so a known trace gives a
known picture (the golden files in ``shared_tests/golden``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from html import escape

from rich.text import Text

from .model import (
    CANCELLED,
    EXITED,
    FAILED,
    FINISHED,
    SPAWNED,
    STEP_END,
    STEP_START,
    Event,
    Outcome,
    depth,
    leaf,
)

DEFAULT_WIDTH = 48
"""Time columns in a terminal chart, at most."""

RAN, WAITED, GONE = "█", "─", " "
END_MARK: dict[Outcome, str] = {FINISHED: "✓", CANCELLED: "⊘", FAILED: "✗"}
GLYPH_STYLE = {
    RAN: "cyan",
    WAITED: "dim",
    END_MARK[FINISHED]: "green",
    END_MARK[CANCELLED]: "yellow",
    END_MARK[FAILED]: "bold red",
}
LEGEND = f"{RAN} ran  {WAITED} waited  " + "  ".join(
    f"{mark} {outcome}" for outcome, mark in END_MARK.items()
)
INDENT = "  "  # per level of nesting, under the parent

# Bucket sizes and tick spacings: 1, 2, 2.5 and 5 times a power of ten.
NICE = (1.0, 2.0, 2.5, 5.0)


@dataclass
class Row:
    """One task's life, read from its events."""

    name: str
    start: float
    end: float | None = None
    outcome: Outcome | None = None
    steps: list[tuple[float, float]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return leaf(self.name)

    @property
    def depth(self) -> int:
        return depth(self.name)


def rows(events: Sequence[Event]) -> list[Row]:
    """The tasks of a trace, each under its parent, siblings in the order they were spawned."""
    by_name: dict[str, Row] = {}
    children: dict[str | None, list[Row]] = {}
    started: dict[str, float] = {}
    for event in events:
        if event.kind == SPAWNED:
            row = by_name[event.task] = Row(event.task, event.time)
            children.setdefault(event.parent, []).append(row)
            continue
        row = by_name[event.task]
        if event.kind == STEP_START:
            started[event.task] = event.time
        elif event.kind == STEP_END:
            row.steps.append((started.pop(event.task), event.time))
        elif event.kind == EXITED:
            row.end = event.time
            row.outcome = event.detail  # type: ignore[assignment]  # an Outcome, by the tracers

    def tree(parent: str | None) -> Iterator[Row]:
        for row in children.get(parent, []):
            yield row
            yield from tree(row.name)

    return list(tree(None))


def nice_at_least(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten that is at least ``value``."""
    exponent = math.floor(math.log10(value))
    for power in (exponent, exponent + 1):
        for mantissa in NICE:
            if (nice := mantissa * 10.0**power) >= value * (1 - 1e-9):
                return round(nice, 12)
    raise AssertionError(value)  # pragma: no cover


@dataclass(frozen=True)
class Scale:
    """Time columns: ``count`` of them, ``bucket`` seconds each, a labelled tick every ``tick``."""

    bucket: float
    count: int
    tick: float

    @classmethod
    def fit(cls, span: float, width: int) -> Scale:
        """The finest nice bucket that fits ``span`` seconds into ``width`` columns."""
        width = max(width, 2)
        bucket = nice_at_least(max(span, 1e-3) / (width - 1))
        count = int(span / bucket + 1e-9) + 1
        # Labels at least 6 columns apart, on a nice time that is a whole number of columns.
        columns = 6
        while not math.isclose(tick := bucket * columns, nice_at_least(tick)):
            columns += 1
        return cls(bucket, count, round(tick, 12))

    def column(self, time: float) -> int:
        return min(int(time / self.bucket + 1e-9), self.count - 1)

    def ticks(self) -> list[float]:
        return [i * self.tick for i in range(int((self.count - 1) * self.bucket / self.tick) + 1)]


def seconds(time: float) -> str:
    return f"{time:g}"


# --------------------------------------------------------------------- text


def cells(row: Row, scale: Scale) -> list[str]:
    """The row's glyph in every column: gone, waited, ran, or how it ended."""
    out = [GONE] * scale.count
    first = scale.column(row.start)
    last = scale.column(row.end) if row.end is not None else scale.count - 1
    for column in range(first, last + 1):
        out[column] = WAITED
    for start, end in row.steps:
        for column in range(scale.column(start), scale.column(end) + 1):
            out[column] = RAN
    if row.outcome is not None:
        out[last] = END_MARK[row.outcome]
    return out


def span(events: Sequence[Event]) -> float:
    """Seconds from the first event to the last: what the time axis must hold."""
    return max((event.time for event in events), default=0.0)


def render_rich(
    events: Sequence[Event],
    *,
    title: str,
    width: int = DEFAULT_WIDTH,
    until: float | None = None,
    legend: bool = True,
) -> Text:
    """The chart as rich text: a title with the scale, the time axis, a row per task, a legend.

    ``width`` bounds the time columns; ``until`` stretches the axis to that
    time, so that charts drawn side by side share one scale (and show the
    legend once, below them all: ``legend=False``).
    """
    table = rows(events)
    scale = Scale.fit(max(span(events), until or 0.0), width)
    gutter = max((len(INDENT) * row.depth + len(row.label) for row in table), default=0) + 2
    chart = Text()
    chart.append(title, style="bold")
    chart.append(f"   1 column = {seconds(scale.bucket)} s\n", style="dim")
    axis = [" "] * (scale.count + 8)
    for tick in scale.ticks():
        mark = seconds(tick) + (" s" if tick == 0 else "")
        at = scale.column(tick)
        axis[at : at + len(mark)] = mark
    chart.append(" " * gutter + "".join(axis).rstrip() + "\n", style="dim")
    for row in table:
        chart.append((INDENT * row.depth + row.label).ljust(gutter))
        for glyph in "".join(cells(row, scale)).rstrip(GONE):
            chart.append(glyph, style=GLYPH_STYLE.get(glyph, ""))
        chart.append("\n")
    if legend:
        chart.append(LEGEND, style="dim")
    else:
        chart.rstrip()
    return chart


def render_text(
    events: Sequence[Event], *, title: str, width: int = DEFAULT_WIDTH, until: float | None = None
) -> str:
    """The chart as plain text (``render_rich`` without colour), ending with a newline."""
    return render_rich(events, title=title, width=width, until=until).plain + "\n"


# ---------------------------------------------------------------------- SVG

ROW_HEIGHT = 22
PLOT_WIDTH = 480  # pixels for the time axis
CHAR_WIDTH = 7.2  # of the 12 px monospace labels, for the gutter
COLOUR = {
    "ran": "#2563eb",
    "waited": "#9ca3af",
    FINISHED: "#15803d",
    CANCELLED: "#b45309",
    FAILED: "#dc2626",
    "grid": "#e5e7eb",
    "text": "#111827",
    "dim": "#6b7280",
}


def _n(value: float) -> str:
    """A coordinate, short and always written the same way."""
    return f"{value:.1f}".removesuffix(".0")


def _end_mark(outcome: Outcome, x: float, y: float) -> str:
    colour = COLOUR[outcome]
    if outcome == FINISHED:
        return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="5" fill="{colour}"/>'
    if outcome == CANCELLED:  # a "no entry" sign: stopped from outside
        return (
            f'<circle cx="{_n(x)}" cy="{_n(y)}" r="5" fill="#fff" stroke="{colour}" '
            f'stroke-width="2"/><path d="M{_n(x - 3.5)} {_n(y + 3.5)}L{_n(x + 3.5)} '
            f'{_n(y - 3.5)}" stroke="{colour}" stroke-width="2"/>'
        )
    return (  # failed: a cross
        f'<path d="M{_n(x - 5)} {_n(y - 5)}L{_n(x + 5)} {_n(y + 5)}M{_n(x - 5)} {_n(y + 5)}'
        f'L{_n(x + 5)} {_n(y - 5)}" stroke="{colour}" stroke-width="3"/>'
    )


def render_svg(events: Sequence[Event], *, title: str, until: float | None = None) -> str:
    """The chart as a self-contained SVG document (no scripts, fonts or links).

    The time axis is ``PLOT_WIDTH`` pixels for the whole trace (or up to
    ``until``), its ticks at the same nice times as the terminal chart's.
    """
    table = rows(events)
    end = max(span(events), until or 0.0) or 1.0
    tick = nice_at_least(end / 8)  # some eight labelled ticks, at nice times
    ticks = [i * tick for i in range(int(end / tick + 1e-9) + 1)]
    gutter = 16 + CHAR_WIDTH * max(
        (len(INDENT) * row.depth + len(row.label) for row in table), default=4
    )
    left, top = gutter, 48
    total_width = left + PLOT_WIDTH + 24
    total_height = top + ROW_HEIGHT * len(table) + 40

    def x(time: float) -> float:
        return left + PLOT_WIDTH * time / end

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(total_width)}" '
        f'height="{_n(total_height)}" viewBox="0 0 {_n(total_width)} {_n(total_height)}" '
        f'role="img" aria-label="{escape(title)}: task timeline" '
        'font-family="ui-monospace, SFMono-Regular, Menlo, Consolas, monospace" font-size="12">',
        f"<title>{escape(title)}</title>",
        '<rect width="100%" height="100%" fill="#fff"/>',
        f'<text x="8" y="18" font-weight="bold" fill="{COLOUR["text"]}">{escape(title)}</text>',
    ]
    bottom = top + ROW_HEIGHT * len(table)
    for tick in ticks:
        out.append(
            f'<line x1="{_n(x(tick))}" y1="{top - 8}" x2="{_n(x(tick))}" y2="{bottom}" '
            f'stroke="{COLOUR["grid"]}"/>'
            f'<text x="{_n(x(tick))}" y="{top - 12}" text-anchor="middle" '
            f'fill="{COLOUR["dim"]}">{seconds(tick)} s</text>'
        )
    for index, row in enumerate(table):
        y = top + ROW_HEIGHT * index + ROW_HEIGHT / 2
        stop = row.end if row.end is not None else end
        how = f"{row.outcome} at {seconds(stop)} s" if row.outcome else "still running"
        out.append(
            f"<g><title>{escape(row.name)}: spawned at {seconds(row.start)} s, "
            f"{len(row.steps)} steps, {how}</title>"
        )
        out.append(
            f'<text x="{_n(8 + CHAR_WIDTH * len(INDENT) * row.depth)}" y="{_n(y + 4)}" '
            f'fill="{COLOUR["text"]}">{escape(row.label)}</text>'
        )
        out.append(
            f'<line x1="{_n(x(row.start))}" y1="{_n(y)}" x2="{_n(x(stop))}" y2="{_n(y)}" '
            f'stroke="{COLOUR["waited"]}" stroke-width="2"/>'
        )
        for start, step_end in row.steps:
            bar = max(3.0, x(step_end) - x(start))
            out.append(
                f'<rect x="{_n(x(start) - 1.5)}" y="{_n(y - 7)}" width="{_n(bar)}" height="14" '
                f'fill="{COLOUR["ran"]}"/>'
            )
        if row.outcome is not None:
            out.append(_end_mark(row.outcome, x(stop), y))
        out.append("</g>")
    legend_y = bottom + 26
    at = 8.0
    for key, words in [("ran", "ran (a step)"), ("waited", "waited")] + [(o, o) for o in END_MARK]:
        if key == "ran":
            out.append(
                f'<rect x="{_n(at)}" y="{legend_y - 7}" width="3" height="14" '
                f'fill="{COLOUR["ran"]}"/>'
            )
        elif key == "waited":
            out.append(
                f'<line x1="{_n(at - 4)}" y1="{legend_y}" x2="{_n(at + 8)}" y2="{legend_y}" '
                f'stroke="{COLOUR["waited"]}" stroke-width="2"/>'
            )
        else:
            out.append(_end_mark(key, at + 2, legend_y))  # type: ignore[arg-type]
        out.append(
            f'<text x="{_n(at + 14)}" y="{legend_y + 4}" fill="{COLOUR["dim"]}">{words}</text>'
        )
        at += 14 + CHAR_WIDTH * len(words) + 18
    if at > total_width:  # a narrow chart: widen it for the legend
        out[0] = out[0].replace(_n(total_width), _n(at))
    out.append("</svg>")
    return "\n".join(out) + "\n"
