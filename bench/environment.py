"""What the numbers depend on: the interpreter, the machine, the library versions, the settings."""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform
from pathlib import Path
from typing import Any

LIBRARIES = [
    "trio", "anyio", "uvloop", "aiometer", "aiolimiter", "aiostream", "tenacity", "stamina",
    "httpx", "aiohttp", "trio-parallel", "pyperf",
]  # fmt: skip


def environment(*, quick: bool, processes: int, values: int) -> dict[str, Any]:
    """The run's conditions, stored with its results."""
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cpus": os.cpu_count() or 0,
        "versions": versions,
        "quick": quick,
        "processes": processes,
        "values": values,
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def describe(environment: dict[str, Any]) -> str:
    """One sentence: when, where, how and with which versions the numbers were made."""
    versions = ", ".join(f"{k} {v}" for k, v in environment["versions"].items())
    mode = "quick mode (rough)" if environment["quick"] else "full run"
    return (
        f"{environment['date']}, {environment['python']} on {environment['cpu']} "
        f"({environment['cpus']} CPUs), {environment['platform']}; {mode}: "
        f"{_count(environment['processes'], 'process')} × "
        f"{_count(environment['values'], 'round')} per variant. "
        f"{versions}."
    )


def _count(number: int, noun: str) -> str:
    plural = noun + ("es" if noun.endswith("s") else "s")
    return f"{number} {noun if number == 1 else plural}"
