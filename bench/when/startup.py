"""Simple scripts: what starting an event loop costs a one-shot script.

Each variant is a whole ``python -c`` script, started in a fresh
interpreter (``sys.executable``) and timed from outside until it exits:

- ``sync`` (plain Python): defines a function, calls it and prints the
  answer, the baseline;
- ``asyncio``, ``uvloop``, ``trio``, ``anyio/asyncio``, ``anyio/trio``
  (plain Python): imports the framework and runs a trivial coroutine
  with its own runner (``asyncio.run``, ``uvloop.run``, ``trio.run``,
  ``anyio.run``);
- ``ours`` (each target): imports the target's ``fanout`` and runs
  ``run_all`` on one trivial coroutine function, with the runner that
  target's users call.

The script's own run takes microseconds; what is measured is starting the
interpreter, importing the framework and making its loop.  The scripts
take turns, so that the machine's drift falls on all alike, after one
untimed start each (filling the OS's file cache and the bytecode cache).
A start is one unit; the result is the median of ``size * repeats``
starts (10 in a full run).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from tools.registry import ROOT, Target

from .common import PLAIN, TARGETS, Result, measurement

TRIVIAL = "async def main():\n    return 1\n\n"

SCRIPTS = {
    "sync": "def main():\n    return 1\n\nprint(main())\n",
    "asyncio": f"import asyncio\n\n{TRIVIAL}print(asyncio.run(main()))\n",
    "uvloop": f"import uvloop\n\n{TRIVIAL}print(uvloop.run(main()))\n",
    "trio": f"import trio\n\n{TRIVIAL}print(trio.run(main))\n",
    "anyio/asyncio": f"import anyio\n\n{TRIVIAL}print(anyio.run(main))\n",
    "anyio/trio": f'import anyio\n\n{TRIVIAL}print(anyio.run(main, backend="trio"))\n',
}
"""The baseline and each framework alone, by variant name; each prints ``1``."""

EAGER_LOOP = """\
def eager_loop():
    loop = asyncio.new_event_loop()
    loop.set_task_factory(asyncio.eager_task_factory)
    return loop

"""

# How each target's users start it: (import, helper, the call that runs main).
RUNNERS: dict[tuple[str, str, str], tuple[str, str, str]] = {
    ("asyncio_impl", "asyncio", "default"): ("asyncio", "", "asyncio.run(main())"),
    ("asyncio_impl", "asyncio", "uvloop"): ("uvloop", "", "uvloop.run(main())"),
    ("asyncio_impl", "asyncio", "eager"): (
        "asyncio",
        EAGER_LOOP,
        "asyncio.run(main(), loop_factory=eager_loop)",
    ),
    ("trio_impl", "trio", "default"): ("trio", "", "trio.run(main)"),
    ("anyio_impl", "asyncio", "default"): ("anyio", "", "anyio.run(main)"),
    ("anyio_impl", "asyncio", "uvloop"): (
        "anyio",
        "",
        'anyio.run(main, backend_options={"use_uvloop": True})',
    ),
    ("anyio_impl", "trio", "default"): ("anyio", "", 'anyio.run(main, backend="trio")'),
}


def ours(target: Target) -> str:
    """The script that runs the target's ``run_all`` on one trivial coroutine function."""
    module, helper, run = RUNNERS[target.package, target.backend, target.loop]
    return (
        f"import {module}\n\nfrom {target.package}.fanout import run_all\n\n\n"
        "async def one():\n    return 1\n\n\n"
        "async def main():\n    [result] = await run_all([one])\n    return result\n\n\n"
        f"{helper}print({run})\n"
    )


def start_once(script: str) -> float:
    """Seconds from starting a fresh interpreter on ``script`` to its exit."""
    start = time.perf_counter()
    # From the project's root, so that its packages import as a user's script would find them.
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0 or done.stdout != "1\n":
        raise AssertionError(f"the script failed:\n{script}\n{done.stderr}")
    return seconds


@measurement(
    "scripts",
    "starting a one-shot script",
    unit="start",
    baseline="sync",
    size=2,
    quick_size=3,
    tiny_size=1,
)
def starting(size: int, repeats: int) -> list[Result]:
    """``size * repeats`` starts of each script, taking turns; the median of each."""
    scripts = {(PLAIN, variant): script for variant, script in SCRIPTS.items()}
    scripts |= {(target.id, "ours"): ours(target) for target in TARGETS}
    for script in scripts.values():
        start_once(script)  # untimed: caches filled
    times: dict[tuple[str, str], list[float]] = {key: [] for key in scripts}
    for _ in range(size * repeats):
        for key, script in scripts.items():
            times[key].append(start_once(script))
    return [Result(target, variant, statistics.median(t)) for (target, variant), t in times.items()]
