"""Functions the offload tests send to other threads and processes.

Top-level in an importable module, so a spawned process can unpickle them.
"""

from __future__ import annotations

import os
import threading
import time


def pid_and_square(x: int) -> tuple[int, int]:
    return os.getpid(), x * x


def fail(message: str) -> None:
    raise ValueError(message)


def sleep_then_return(seconds: float) -> str:
    time.sleep(seconds)
    return "woke"


def wait_for(event: threading.Event, timeout: float) -> bool:
    """Block this thread until ``event`` is set; the loop must not be blocked meanwhile."""
    return event.wait(timeout)
