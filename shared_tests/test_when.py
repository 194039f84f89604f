"""The "when to use async" table: its rendering, and the network and events measurements."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from bench.when import events, network
from bench.when.common import PLAIN, ROWS, TARGETS, Measurement, Result
from tools import when

MEASURED: dict[str, Any] = {
    "environment": {"date": "2026-12-06", "python": "CPython 3.13", "cpus": 2, "cpu": "x"},
    "measurements": [
        {
            "row": "files",
            "name": "small files",
            "unit": "file",
            "baseline": "sync",
            "size": 10,
            "code": "bench/when/files.py",
            "results": [
                {"target": PLAIN, "variant": "sync", "seconds": 0.002, "note": ""},
                {"target": "trio_impl-trio", "variant": "ours", "seconds": 0.003, "note": ""},
                {"target": "asyncio_impl-asyncio", "variant": "ours", "seconds": 0.001, "note": ""},
                {"target": "asyncio_impl-asyncio", "variant": "aiofiles", "seconds": 0.004,
                 "note": "asyncio only"},
            ],
        }
    ],
    "libraries": {
        "columns": ["asyncio", "trio"],
        "column_notes": {"asyncio": "asyncio.run(main())", "trio": "trio.run(main)"},
        "rows": ["asyncpg"],
        "row_notes": {"asyncpg": "asyncpg.connect(dsn)"},
        "cells": {
            "asyncpg": {
                "asyncio": {"outcome": "works", "text": "works", "detail": ""},
                "trio": {
                    "outcome": "fails",
                    "text": "fails: RuntimeError",
                    "detail": "RuntimeError: no running event loop",
                },
            }
        },
    },
}  # fmt: skip


def test_each_cell_is_time_per_unit_and_its_ratio_to_the_baseline() -> None:
    table = when.measurement_table(MEASURED["measurements"][0])
    assert table.columns == ["sync", "ours", "aiofiles"]
    rows = dict(table.rows)
    assert rows[PLAIN] == ["2 ms", "", ""]
    # No sync result on a target: the ratio is to plain Python's.
    assert rows["trio_impl-trio"] == ["", "3 ms (1.5×)", ""]
    assert rows["asyncio_impl-asyncio"] == ["", "1 ms (0.5×)", "4 ms (2×)"]
    assert table.notes == ["asyncio_impl-asyncio aiofiles: asyncio only"]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(2.5, "2.5 s"), (0.0272, "27.2 ms"), (3.44e-5, "34.4 µs"), (5e-9, "5 ns"), (math.nan, "—")],
)
def test_durations_read_in_the_best_unit(seconds: float, text: str) -> None:
    assert when.duration(seconds) == text


def test_the_terminal_table_has_every_row_and_the_matrix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    recorded = tmp_path / "when.json"
    recorded.write_text(json.dumps(MEASURED))
    monkeypatch.setattr(when, "RECORDED", recorded)
    assert when.show(width=160) == 0
    out = capsys.readouterr().out
    for row in ROWS:
        assert row.situation in out
        assert row.verdict in out
    assert "not measured" in out  # rows without a measurement say so
    assert "1 ms (0.5×)" in out
    assert "bench/when/files.py" in out
    assert "fails: RuntimeError" in out
    assert "asyncpg on trio: RuntimeError: no running event loop" in out


def test_nothing_recorded_says_how_to_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(when, "RECORDED", tmp_path / "missing.json")
    assert when.show() == 1
    assert "python -m bench.when --record" in capsys.readouterr().out


def test_the_site_page_links_every_row_to_its_tables() -> None:
    page = when.html_page(MEASURED)
    for row in ROWS:
        assert f'id="{row.key}"' in page
        assert row.situation in page
    assert 'href="#files-0"' in page
    assert "small files" in page
    assert '<td class="fails">fails: RuntimeError</td>' in page
    assert "asyncpg on trio: RuntimeError: no running event loop" in page


def check_results(measurement: Measurement, results: list[Result], plain: set[str]) -> None:
    assert {r.variant for r in results if r.target == PLAIN} == plain
    assert [r.target for r in results if r.variant == "ours"] == [t.id for t in TARGETS]
    assert all(r.seconds > 0 for r in results)
    assert measurement.baseline in {r.variant for r in results}


@pytest.mark.real_time
@pytest.mark.parametrize(
    ("measurement", "plain"),
    [(network.requests, {"sync", "threads"}), (events.fan_out, {"threads"})],
    ids=["network", "events"],
)
def test_the_measurement_runs_every_variant_at_tiny_size(
    measurement: Measurement, plain: set[str]
) -> None:
    results: list[Any] = measurement.run(measurement.tiny_size, 1)
    check_results(measurement, results, plain)


def test_the_site_check_looks_for_the_tables_and_the_matrix(tmp_path: Path) -> None:
    from tools import site_check

    page = tmp_path / "when.html"
    page.write_text(when.html_page(MEASURED))
    assert site_check.check_when(page).endswith("tables")
    page.write_text("<h1>When to use async</h1><p>nothing</p>")
    with pytest.raises(site_check.CheckFailed, match="library matrix"):
        site_check.check_when(page)
