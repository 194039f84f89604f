"""``python -m bench.when [ROW ...] [--quick] [--record]``: measure the "when to use async" rows.

``--record`` writes ``bench/results/when.json``, which ``tools.when`` (``nox
-s compare -- when``) and the site read; with ROWs named, it replaces only
those rows there.  A run of every row also probes which library runs on
which backend (``tools.libraries``) and records that.
``--quick`` uses small sizes and one repeat: rough numbers fast.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

# Absolute imports: anyio's process workers re-run this file by its path.
from bench.environment import environment
from bench.when.common import ROW_KEYS, load
from tools import libraries

RECORDED = Path(__file__).resolve().parent.parent / "results" / "when.json"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.when", description=__doc__)
    parser.add_argument("rows", nargs="*", metavar="ROW", help=f"any of {', '.join(ROW_KEYS)}")
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per variant")
    parser.add_argument("--record", action="store_true", help=f"write {RECORDED.name}")
    parser.add_argument("--out", type=Path, default=Path("build/bench/when.json"))
    options = parser.parse_args(argv)
    unknown = [row for row in options.rows if row not in ROW_KEYS]
    if unknown:
        parser.error(f"unknown row {unknown[0]!r}; choose from {', '.join(ROW_KEYS)}")
    if options.record and options.quick:
        parser.error("--record: quick numbers are not recorded")
    repeats = 1 if options.quick else options.repeats
    measured: list[dict[str, Any]] = []
    started = time.perf_counter()
    for m in load():
        if options.rows and m.row not in options.rows:
            continue
        size = m.quick_size if options.quick else m.size
        print(f"[{time.perf_counter() - started:7.1f} s] {m.row}: {m.name}", flush=True)
        results = m.run(size, repeats)
        measured.append(
            {
                "row": m.row,
                "name": m.name,
                "unit": m.unit,
                "baseline": m.baseline,
                "size": size,
                "code": m.code,
                "results": [result.as_dict() for result in results],
            }
        )
        for result in results:
            print(f"    {result.target:<28} {result.variant:<12} {result.seconds * 1e6:12.1f} µs")
    if not options.rows:  # a full run probes the library matrix too
        print(f"[{time.perf_counter() - started:7.1f} s] libraries: probing", flush=True)
        measured_libraries = asdict(libraries.table())
    else:
        measured_libraries = None
    if options.record and options.rows:
        # Some rows only: they replace their own in the record, the rest stays.
        kept = json.loads(RECORDED.read_text())
        measured = [m for m in kept["measurements"] if m["row"] not in options.rows] + measured
        measured.sort(key=lambda m: ROW_KEYS.index(m["row"]))
        measured_libraries = kept.get("libraries")
    out = RECORDED if options.record else options.out
    out.parent.mkdir(parents=True, exist_ok=True)
    conditions = environment(quick=options.quick, processes=1, values=repeats)
    record = {"environment": conditions, "measurements": measured, "libraries": measured_libraries}
    out.write_text(json.dumps(record, indent=1) + "\n")
    print(f"[{time.perf_counter() - started:7.1f} s] done; results in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
