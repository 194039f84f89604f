"""The anyio spawn-cost reproducer (``bench.anyio_spawn``), at tiny sizes.

The workloads must count every child (and refuse to report a time if one
went missing), the records must carry what ``--compare`` needs, and the
table must order anyio versions as versions.  Timings are never asserted.
"""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import pytest

from bench import anyio_spawn

pytestmark = pytest.mark.real_time

COUNT = 50

FIELDS = {
    "anyio_version": str,
    "trio_version": str,
    "python_version": str,
    "backend": str,
    "count": int,
    "repeat": int,
    "anyio_us_per_task": list,
    "raw_us_per_task": list,
    "anyio_us_per_task_median": float,
    "raw_us_per_task_median": float,
    "ratios": list,
    "ratio_median": float,
    "ratio_min": float,
    "ratio_max": float,
}


@pytest.mark.parametrize("key", list(anyio_spawn.WORKLOADS), ids="-".join)
def test_every_workload_runs_every_child(key: tuple[str, str]) -> None:
    assert anyio_spawn.WORKLOADS[key](COUNT) > 0


@pytest.mark.parametrize("key", list(anyio_spawn.WORKLOADS), ids="-".join)
def test_a_workload_that_loses_children_reports_no_time(
    key: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def lazy(self: object) -> None:
        pass

    monkeypatch.setattr(anyio_spawn._Counter, "tick", lazy)
    with pytest.raises(AssertionError, match=f"0 of {COUNT} children ran"):
        anyio_spawn.WORKLOADS[key](COUNT)


def test_measure_gives_one_complete_record_per_backend() -> None:
    records = anyio_spawn.measure(COUNT, 2)
    assert [record["backend"] for record in records] == ["asyncio", "trio"]
    for record in records:
        for name, kind in FIELDS.items():
            assert isinstance(record[name], kind), name
        assert record["anyio_version"] == version("anyio")
        assert record["trio_version"] == version("trio")
        assert (record["count"], record["repeat"]) == (COUNT, 2)
        ours, raw, ratios = (
            record["anyio_us_per_task"],
            record["raw_us_per_task"],
            record["ratios"],
        )
        assert isinstance(ours, list)
        assert isinstance(raw, list)
        assert isinstance(ratios, list)
        assert len(ours) == len(raw) == len(ratios) == 2
        assert ratios == [a / r for a, r in zip(ours, raw, strict=True)]
        low, middle, high = record["ratio_min"], record["ratio_median"], record["ratio_max"]
        assert isinstance(low, float)
        assert isinstance(middle, float)
        assert isinstance(high, float)
        assert low <= middle <= high


def test_the_command_line_appends_and_compares(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "new" / "anyio_spawn.json"
    arguments = ["--count", str(COUNT), "--repeat", "1", "--json", str(path)]
    assert anyio_spawn.main(arguments) == 0
    assert anyio_spawn.main(arguments) == 0
    records = json.loads(path.read_text(encoding="utf-8"))
    assert [record["backend"] for record in records] == ["asyncio", "trio"] * 2
    capsys.readouterr()
    assert anyio_spawn.main(["--compare", str(path)]) == 0
    rows = _rows(capsys.readouterr().out)
    # The two runs of one version are pooled: one row per backend, two runs each.
    assert [(row["anyio"], row["backend"], row["runs"]) for row in rows] == [
        (version("anyio"), "asyncio", "2"),
        (version("anyio"), "trio", "2"),
    ]


def test_appending_refuses_a_file_that_is_not_a_list_of_records(tmp_path: Path) -> None:
    path = tmp_path / "anyio_spawn.json"
    path.write_text('{"backend": "asyncio"}', encoding="utf-8")
    with pytest.raises(ValueError, match="not a JSON list of records"):
        anyio_spawn.append_records(path, [])


def _record(anyio_version: str, backend: str, ours: float, raw: float) -> dict[str, object]:
    return {
        "anyio_version": anyio_version,
        "trio_version": "0.35.0",
        "python_version": "3.11.7",
        "backend": backend,
        "count": 100_000,
        "repeat": 1,
        "anyio_us_per_task": [ours],
        "raw_us_per_task": [raw],
        "ratios": [ours / raw],
    }


def _rows(table: str) -> list[dict[str, str]]:
    lines = [line for line in table.splitlines() if line.startswith("|")]
    header, _, *body = ([cell.strip() for cell in line.strip("|").split("|")] for line in lines)
    return [dict(zip(header, row, strict=True)) for row in body]


def test_compare_has_a_row_per_version_and_backend_relative_to_the_oldest() -> None:
    # Newest first, and "4.16.0" < "4.9.0" as strings: the oldest is found by version.
    table = anyio_spawn.compare_table(
        [
            _record("4.16.0", "asyncio", ours=30.0, raw=5.0),
            _record("4.9.0", "asyncio", ours=10.0, raw=4.0),
            _record("4.16.0", "trio", ours=36.0, raw=6.0),
            _record("4.9.0", "trio", ours=12.0, raw=6.0),
        ]
    )
    rows = _rows(table)
    assert [(row["anyio"], row["backend"]) for row in rows] == [
        ("4.9.0", "asyncio"),
        ("4.16.0", "asyncio"),
        ("4.9.0", "trio"),
        ("4.16.0", "trio"),
    ]
    relative = [
        (
            row["anyio µs/task"],
            row["anyio/raw median [min–max]"],
            row["µs/task vs oldest anyio"],
            row["anyio/raw vs oldest anyio"],
        )
        for row in rows
    ]
    assert relative == [
        ("10.00", "2.50 [2.50–2.50]", "1.00×", "1.00×"),
        ("30.00", "6.00 [6.00–6.00]", "3.00×", "2.40×"),
        ("12.00", "2.00 [2.00–2.00]", "1.00×", "1.00×"),
        ("36.00", "6.00 [6.00–6.00]", "3.00×", "3.00×"),
    ]


def test_compare_refuses_a_record_without_samples() -> None:
    broken = _record("4.9.0", "asyncio", ours=10.0, raw=4.0)
    del broken["ratios"]
    with pytest.raises(ValueError, match="'ratios'"):
        anyio_spawn.compare_table([broken])
