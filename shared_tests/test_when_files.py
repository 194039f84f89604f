"""The "when to use async" file I/O measurements (``bench.when.files``) run every variant."""

from __future__ import annotations

import math

import pytest

from bench.when import files
from bench.when.common import PLAIN, TARGETS, Measurement


@pytest.mark.real_time
@pytest.mark.parametrize("measurement", files.FILES, ids=[m.name for m in files.FILES])
def test_each_files_measurement_runs_every_target_and_variant_at_tiny_size(
    measurement: Measurement,
) -> None:
    results = measurement.run(measurement.tiny_size, 1)

    if "tmpfs" in measurement.name and not files.TMPFS.is_dir():
        [result] = results
        assert math.isnan(result.seconds)
        assert "no tmpfs" in result.note
        return
    assert [(r.target, r.variant) for r in results] == [
        (PLAIN, "sync"),
        (PLAIN, "threads"),
        *((target.id, "ours") for target in TARGETS),
        *((target.id, "aiofiles") for target in TARGETS if target.package == "asyncio_impl"),
    ]
    assert all(r.seconds > 0 for r in results)
    assert "read warm" in results[0].note
    assert measurement.code == "bench/when/files.py"
    assert measurement.baseline == "sync"


def test_every_files_measurement_is_registered_once_per_workload_and_place() -> None:
    names = [m.name for m in files.FILES]
    assert len(set(names)) == len(names) == 4
    assert {m.unit for m in files.FILES} == {"file", "MiB"}
    assert all(m.row == "files" for m in files.FILES)
