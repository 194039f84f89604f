"""Stage props for the pitfall programs: things that can be left open.

A program opens a ``Connection`` or runs ``blocking_job`` in a thread the way
it would open a real connection or call a real blocking library; the
harness then asks ``still_open()`` the moment ``main()`` returns.  Anything
listed there outlived the call that made it: the leak the pitfall is about.
"""

from __future__ import annotations

import threading
import time
from itertools import count

_open: dict[str, None] = {}
_lock = threading.Lock()
_numbers = count(1)


def still_open() -> list[str]:
    """What is open or running right now, in the order it was opened."""
    with _lock:
        return list(_open)


def reset() -> None:
    with _lock:
        _open.clear()


def _opened(name: str) -> None:
    with _lock:
        _open[name] = None


def _closed(name: str) -> None:
    with _lock:
        _open.pop(name, None)


class Connection:
    """A pretend connection: open from construction until ``close()``."""

    def __init__(self, name: str = "connection") -> None:
        self.name = f"{name} #{next(_numbers)}"
        _opened(self.name)

    def close(self) -> None:
        _closed(self.name)

    def __repr__(self) -> str:
        return f"<{self.name}>"


def blocking_job(seconds: float) -> str:
    """A blocking call (a sync driver, a CPU-bound step): listed as running while it runs."""
    name = f"thread job #{next(_numbers)}"
    _opened(name)
    try:
        time.sleep(seconds)
    finally:
        _closed(name)
    return name
